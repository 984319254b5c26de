import type { Request, Response } from 'express';
import { z } from 'zod';
import type { APIRole } from 'discord-api-types/v10';
import { createOfferSchema, guildConfigSchema, snowflakeSchema } from '@inflow/contracts';
import type { DashboardSession, Database } from '@inflow/db';
import type { GuildInspector } from '../discord/guild-inspector';
import type { GuildInstallService } from '../guilds/guild-install.service';
import type { GuildService } from '../guilds/guild.service';
import { readCookie, setSessionCookie } from '../http/cookies';
import type { CsrfTokens } from '../http/csrf';
import { ProblemError } from '../http/problem';
import { defineRoute, type RouteDefinition } from '../http/route';
import { fieldProblems } from '../http/validate';
import type { OfferService } from '../offers/offer.service';
import { activityChart } from './activity-chart';
import type { DashboardActionsService } from './dashboard-actions.service';
import { dashboardLayout, loginPage, type DashboardSection } from './dashboard-layout';
import {
  activityPage,
  guildPage,
  integrationsPage,
  membersPage,
  offersPage,
  type MemberView,
  type RoleChoice,
} from './dashboard-pages';
import type { DashboardSessionService } from './dashboard-session.service';

export const DASHBOARD_COOKIE = 'inflow_dashboard';

export interface DashboardRouteDependencies {
  db: Database;
  sessions: DashboardSessionService;
  guilds: GuildService;
  installs: GuildInstallService;
  inspector: GuildInspector;
  offers: OfferService;
  actions: DashboardActionsService;
  csrf: CsrfTokens;
  publicUrl: string;
  secureCookies: boolean;
}

const html = (description: string) => ({ description, contentType: 'text/html' });
const NOTICES: Record<string, { text: string; error?: boolean }> = {
  saved: { text: 'Settings saved.' },
  'offer-created': { text: 'Offer created.' },
  rechecked: { text: 'Permissions checked again.' },
  resyncing: { text: 'Re-sync queued for every member.' },
  'resync-too-soon': { text: 'A re-sync of this server ran less than five minutes ago.', error: true },
  'member-resyncing': { text: 'Re-sync queued for this member.' },
  released: { text: 'Held removals released.' },
};

/** The merchant dashboard: server-rendered pages behind an API-key sign-in, CSRF-protected forms. */
export function dashboardRoutes(deps: DashboardRouteDependencies): RouteDefinition[] {
  const origin = new URL(deps.publicUrl).origin;
  const sessionOf = (req: Request) => deps.sessions.resolve(readCookie(req, DASHBOARD_COOKIE));
  const toLogin = (res: Response): undefined => {
    res.redirect(303, '/dashboard/login');
    return undefined;
  };
  const render = async (
    res: Response,
    session: DashboardSession,
    section: DashboardSection,
    title: string,
    body: string,
    notice: unknown,
  ) => {
    const merchant = await deps.db.repositories.merchants.findById(session.merchantId);
    res
      .set('Cache-Control', 'no-store')
      .type('html')
      .send(
        dashboardLayout({
          title,
          section,
          merchantName: merchant?.name ?? '',
          operator: merchant?.isOperator ?? false,
          csrf: deps.csrf.tokenFor(session.id),
          notice: typeof notice === 'string' ? (NOTICES[notice] ?? null) : null,
          body,
        }),
      );
  };
  const guildNames = async (merchantId: string) =>
    new Map((await deps.guilds.list(merchantId)).map((guild) => [guild.guildId, guild.name] as const));
  const page = (
    path: string,
    operationId: string,
    summary: string,
    query: z.ZodType<Record<string, string | undefined>>,
    params: z.ZodType<Record<string, string>> | undefined,
    show: (
      session: DashboardSession,
      req: Request,
      res: Response,
      query: Record<string, string | undefined>,
      params: Record<string, string>,
    ) => Promise<void>,
  ) =>
    defineRoute<undefined, Record<string, string>, Record<string, string | undefined>>({
      method: 'get',
      path,
      operationId,
      summary,
      tag: 'Dashboard',
      auth: 'public',
      query,
      ...(params === undefined ? {} : { params }),
      responses: { 200: html('The page'), 303: { description: 'To the sign-in page' } },
      handler: async ({ req, res, query: parsed, params: values }) => {
        const session = await sessionOf(req);
        if (session === null) return toLogin(res);
        await show(session, req, res, parsed, values);
        return undefined;
      },
    });
  /** A form post: signed-in session, same-origin, CSRF token; `act` answers with where to go next. */
  const action = (
    path: string,
    operationId: string,
    summary: string,
    act: (
      session: DashboardSession,
      form: Record<string, string>,
      params: Record<string, string>,
    ) => Promise<string>,
    params?: z.ZodType<Record<string, string>>,
  ) =>
    defineRoute<undefined, Record<string, string>>({
      method: 'post',
      path,
      operationId,
      summary,
      tag: 'Dashboard',
      auth: 'public',
      ...(params === undefined ? {} : { params }),
      responses: { 303: { description: 'The next page' }, 403: html('Cross-site or expired form') },
      handler: async ({ req, res, params: values }) => {
        const session = await sessionOf(req);
        if (session === null) return toLogin(res);
        const form = (req.body ?? {}) as Record<string, string>;
        const from = req.get('origin');
        if ((from !== undefined && from !== origin) || !deps.csrf.verify(session.id, form.csrf)) {
          res
            .status(403)
            .type('html')
            .send(
              '<!doctype html><title>Form expired</title><p>This form expired. Go back, reload the page and try again.</p>',
            );
          return undefined;
        }
        res.redirect(303, await act(session, form, values));
        return undefined;
      },
    });
  const guildParams = z.object({ guildId: snowflakeSchema });

  return [
    defineRoute({
      method: 'get',
      path: '/dashboard/login',
      operationId: 'dashboardLoginPage',
      summary: 'Dashboard sign-in with an API key',
      tag: 'Dashboard',
      auth: 'public',
      responses: { 200: html('The sign-in form') },
      handler: ({ res }) => {
        res.type('html').send(loginPage(null));
        return Promise.resolve(undefined);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/dashboard/login',
      operationId: 'dashboardLogin',
      summary: 'Signs in with an API key (form field apiKey); sets the session cookie',
      tag: 'Dashboard',
      auth: 'public',
      responses: { 303: { description: 'To the dashboard' }, 401: html('Wrong key: the form again') },
      handler: async ({ req, res }) => {
        const from = req.get('origin');
        const submitted = (req.body as Record<string, unknown> | undefined)?.apiKey;
        const key = typeof submitted === 'string' ? submitted.trim() : '';
        const signedIn = from !== undefined && from !== origin ? null : await deps.sessions.signIn(key);
        if (signedIn === null) {
          res.status(401).type('html').send(loginPage('This API key is unknown or was revoked.'));
          return undefined;
        }
        setSessionCookie(res, DASHBOARD_COOKIE, signedIn.token, {
          maxAgeSeconds: signedIn.maxAgeSeconds,
          secure: deps.secureCookies,
        });
        res.redirect(303, '/dashboard/integrations/discord');
        return undefined;
      },
    }),
    action('/dashboard/logout', 'dashboardLogout', 'Signs out', async (session) => {
      await deps.sessions.signOut(session);
      return '/dashboard/login';
    }),
    defineRoute({
      method: 'get',
      path: '/dashboard',
      operationId: 'dashboardHome',
      summary: 'The dashboard: on to Settings > Integrations > Discord',
      tag: 'Dashboard',
      auth: 'public',
      responses: { 303: { description: 'The Discord integration page' } },
      handler: ({ res }) => {
        res.redirect(303, '/dashboard/integrations/discord');
        return Promise.resolve(undefined);
      },
    }),
    page(
      '/dashboard/integrations/discord',
      'dashboardDiscord',
      'Settings > Integrations > Discord: invite link, connected servers, alerts',
      z.object({ notice: z.string().optional() }),
      undefined,
      async (session, _req, res, query) => {
        const [guilds, alerts] = await Promise.all([
          deps.guilds.list(session.merchantId),
          deps.db.repositories.merchantAlerts.listOpen(session.merchantId),
        ]);
        await render(
          res,
          session,
          'discord',
          'Discord',
          integrationsPage(guilds, alerts, deps.csrf.tokenFor(session.id)),
          query.notice,
        );
      },
    ),
    action(
      '/dashboard/integrations/discord/invite',
      'dashboardInvite',
      'Get Invite Link: on to Discord to install the bot',
      async (session) => {
        return (await deps.installs.inviteLink(session.merchantId)).url;
      },
    ),
    page(
      '/dashboard/guilds/:guildId',
      'dashboardGuild',
      'One server: channels, invite URL, toggles, diagnostics of each offer role',
      z.object({ notice: z.string().optional() }),
      guildParams,
      async (session, _req, res, query, params) => {
        const guildId = params.guildId!;
        const guild = (await deps.guilds.list(session.merchantId)).find((g) => g.guildId === guildId);
        if (guild === undefined)
          throw new ProblemError(404, 'not-found', 'Not Found', `You have no Discord server ${guildId}.`);
        const snapshot = await deps.inspector.snapshot(guildId).catch(() => null);
        const diagnostics =
          snapshot === null
            ? null
            : await deps.guilds.diagnose(session.merchantId, guildId).catch(() => null);
        const offers = (await deps.offers.list(session.merchantId, 100, undefined)).data.filter(
          (o) => o.discordGuildId === guildId,
        );
        const alerts = await deps.db.repositories.merchantAlerts.listOpen(session.merchantId, guildId);
        const refreshed =
          (await deps.guilds.list(session.merchantId)).find((g) => g.guildId === guildId) ?? guild;
        const body = guildPage({
          guild: refreshed,
          channels: snapshot?.channels ?? null,
          roles: snapshot?.roles ?? null,
          offers,
          diagnostics,
          alerts,
          csrf: deps.csrf.tokenFor(session.id),
        });
        await render(res, session, 'discord', guild.name, body, query.notice);
      },
    ),
    action(
      '/dashboard/guilds/:guildId/settings',
      'dashboardGuildSettings',
      "Saves a server's channels, invite URL and notification toggles",
      async (session, form, params) => {
        const input = guildConfigSchema.safeParse({
          paymentChannelId: form.paymentChannelId || null,
          generalChannelId: form.generalChannelId || null,
          inviteUrl: form.inviteUrl || null,
          notifications: {
            paymentSucceeded: form.paymentSucceeded === 'on',
            paymentFailed: form.paymentFailed === 'on',
            subscriptionCreated: form.subscriptionCreated === 'on',
            subscriptionCanceled: form.subscriptionCanceled === 'on',
          },
        });
        if (!input.success)
          throw new ProblemError(
            400,
            'validation',
            'Invalid settings',
            'Some settings are wrong; see errors.',
            { errors: fieldProblems(input.error) },
          );
        await deps.guilds.configure(session.merchantId, params.guildId!, input.data);
        return `/dashboard/guilds/${params.guildId}?notice=saved`;
      },
      guildParams,
    ),
    action(
      '/dashboard/guilds/:guildId/recheck',
      'dashboardGuildRecheck',
      "Checks a server's permissions again",
      async (session, _form, params) => {
        await deps.guilds.diagnose(session.merchantId, params.guildId!);
        return `/dashboard/guilds/${params.guildId}?notice=rechecked`;
      },
      guildParams,
    ),
    action(
      '/dashboard/guilds/:guildId/resync',
      'dashboardGuildResync',
      'Re-syncs every member of a server (at most every five minutes)',
      async (session, _form, params) => {
        const guild = await deps.db.repositories.discordGuilds.find(session.merchantId, params.guildId!);
        if (guild === null) throw new ProblemError(404, 'not-found', 'Not Found', 'No such server.');
        const result = await deps.actions.resyncGuild(session.merchantId, guild.guildId);
        return `/dashboard/guilds/${guild.guildId}?notice=${'tooSoon' in result ? 'resync-too-soon' : 'resyncing'}`;
      },
      guildParams,
    ),
    action(
      '/dashboard/guilds/:guildId/release',
      'dashboardGuildRelease',
      'Releases removals held by the mass-removal brake',
      async (session, _form, params) => {
        const guild = await deps.db.repositories.discordGuilds.find(session.merchantId, params.guildId!);
        if (guild === null) throw new ProblemError(404, 'not-found', 'Not Found', 'No such server.');
        await deps.actions.releaseHeldRemovals(session.merchantId, guild.guildId);
        return `/dashboard/guilds/${guild.guildId}?notice=released`;
      },
      guildParams,
    ),
    page(
      '/dashboard/offers',
      'dashboardOffers',
      'Offers: list and create, with the server and role to grant',
      z.object({ notice: z.string().optional() }),
      undefined,
      async (session, _req, res, query) => {
        const guilds = (await deps.guilds.list(session.merchantId)).filter(
          (g) => g.installStatus === 'installed',
        );
        const choices: RoleChoice[] = [];
        for (const guild of guilds) {
          const snapshot = await deps.inspector.snapshot(guild.guildId).catch(() => null);
          const roles: APIRole[] = snapshot?.roles ?? [];
          for (const role of roles)
            if (role.id !== guild.guildId && role.managed !== true)
              choices.push({
                guildId: guild.guildId,
                guildName: guild.name,
                roleId: role.id,
                roleName: role.name,
              });
        }
        const offers = (await deps.offers.list(session.merchantId, 100, undefined)).data;
        await render(
          res,
          session,
          'offers',
          'Offers',
          offersPage(offers, choices, await guildNames(session.merchantId), deps.csrf.tokenFor(session.id)),
          query.notice,
        );
      },
    ),
    action(
      '/dashboard/offers',
      'dashboardCreateOffer',
      'Creates an offer from the form',
      async (session, form) => {
        const [guildId, roleId] = (form.role ?? '').split(':');
        const input = createOfferSchema.safeParse({
          name: form.name,
          amountInCents: Math.round(Number(form.amount) * 100),
          currency: form.currency,
          interval: form.interval,
          intervalCount: 1,
          gracePeriodDays: Number(form.gracePeriodDays ?? 0),
          ...(guildId && roleId ? { discordGuildId: guildId, discordRoleId: roleId } : {}),
        });
        if (!input.success)
          throw new ProblemError(400, 'validation', 'Invalid offer', 'Some fields are wrong; see errors.', {
            errors: fieldProblems(input.error),
          });
        const offer = await deps.offers.create(session.merchantId, input.data);
        return offer.discordGuildId === null
          ? '/dashboard/offers?notice=offer-created'
          : `/dashboard/guilds/${offer.discordGuildId}?notice=offer-created`;
      },
    ),
    page(
      '/dashboard/members',
      'dashboardMembers',
      'Member view: search by customer id or Discord user id',
      z.object({ q: z.string().max(200).optional(), notice: z.string().optional() }),
      undefined,
      async (session, _req, res, query) => {
        const q = (query.q ?? '').trim();
        let found: MemberView | null = null;
        if (q !== '')
          found = await findMember(deps.db, session.merchantId, q, await guildNames(session.merchantId));
        await render(
          res,
          session,
          'members',
          'Members',
          membersPage(q, found, q !== '', deps.csrf.tokenFor(session.id)),
          query.notice,
        );
      },
    ),
    action(
      '/dashboard/members/resync',
      'dashboardMemberResync',
      'Re-syncs one member in every server',
      async (session, form) => {
        const userId = snowflakeSchema.safeParse(form.discordUserId);
        if (!userId.success)
          throw new ProblemError(400, 'validation', 'Invalid member', 'discordUserId must be a Discord id.');
        await deps.actions.resyncMember(session.merchantId, userId.data);
        return `/dashboard/members?q=${userId.data}&notice=member-resyncing`;
      },
    ),
    page(
      '/dashboard/activity',
      'dashboardActivity',
      'Activity: the audit trail, filterable, with a chart of the last 24 hours',
      z.object({
        guild: z.string().max(30).optional(),
        member: z.string().max(30).optional(),
        kind: z.string().max(30).optional(),
      }),
      undefined,
      async (session, _req, res, query) => {
        const guild = snowflakeSchema.safeParse(query.guild).data;
        const member = snowflakeSchema.safeParse(query.member).data;
        const kind = ['role', 'notification', 'guild', 'brake'].includes(query.kind ?? '')
          ? query.kind
          : undefined;
        const now = new Date();
        const [entries, counts] = await Promise.all([
          deps.db.repositories.auditLog.list(
            session.merchantId,
            {
              ...(guild ? { guildId: guild } : {}),
              ...(member ? { discordUserId: member } : {}),
              ...(kind ? { kindPrefix: `${kind}.` } : {}),
            },
            200,
          ),
          deps.db.repositories.auditLog.hourlyCounts(
            session.merchantId,
            new Date(now.getTime() - 24 * 3_600_000),
            guild,
          ),
        ]);
        const body = activityPage(
          entries,
          activityChart(counts, now),
          { guild: guild ?? '', member: member ?? '', kind: kind ?? '' },
          await guildNames(session.merchantId),
        );
        await render(res, session, 'activity', 'Activity', body, undefined);
      },
    ),
  ];
}

async function findMember(
  db: Database,
  merchantId: string,
  q: string,
  guildNames: ReadonlyMap<string, string>,
): Promise<MemberView | null> {
  const repos = db.repositories;
  let discordUserId: string | null = null;
  if (/^[1-9][0-9]{16,19}$/.test(q) && (await repos.discordLinks.customersOf(merchantId, q)).length > 0)
    discordUserId = q;
  if (discordUserId === null) {
    const customer = await repos.customers.findByExternalId(merchantId, q);
    if (customer !== null)
      discordUserId =
        (await repos.discordLinks.findSummaryByCustomer(merchantId, customer.id))?.discordUserId ?? null;
  }
  if (discordUserId === null) return null;
  const grants = await repos.roleGrants.listForMerchantMember(merchantId, discordUserId);
  const presence = new Map<string, string>();
  for (const guildId of new Set(grants.map((g) => g.guildId))) {
    const member = await repos.discordMembers.find(guildId, discordUserId);
    presence.set(
      guildId,
      member === null
        ? 'unknown'
        : member.presence === 'member'
          ? 'yes'
          : member.presence === 'absent'
            ? 'no'
            : 'unknown',
    );
  }
  return {
    discordUserId,
    customers: await repos.discordLinks.customersOf(merchantId, discordUserId),
    grants,
    presence,
    guildNames,
  };
}
