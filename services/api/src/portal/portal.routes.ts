import type { Request, Response } from 'express';
import { z } from 'zod';
import { portalSessionSchema } from '@inflow/contracts';
import type { ActivePortalSession } from '@inflow/db';
import { simplePage } from '../html/page';
import { readCookie, setSessionCookie } from '../http/cookies';
import type { CsrfTokens } from '../http/csrf';
import { problemResponses } from '../http/problem-responses';
import { defineRoute, type RouteDefinition } from '../http/route';
import type { DiscordLinkService, PortalNotice } from './discord-link.service';
import { isPortalNotice, portalPage } from './portal-page';
import type { PortalSessionService } from './portal-session.service';
import type { PortalViewService } from './portal-view.service';

export const PORTAL_COOKIE = 'inflow_portal';

export interface PortalRouteDependencies {
  sessions: PortalSessionService;
  links: DiscordLinkService;
  views: PortalViewService;
  csrf: CsrfTokens;
  secureCookies: boolean;
}

const html = (description: string) => ({ description, contentType: 'text/html' });

/** The customer portal and the customer OAuth return: browser-facing, server-rendered. */
export function portalRoutes(deps: PortalRouteDependencies): RouteDefinition[] {
  const session = async (req: Request): Promise<ActivePortalSession | null> =>
    deps.sessions.resolve(readCookie(req, PORTAL_COOKIE));
  const expired = (res: Response): undefined => {
    res
      .status(401)
      .type('html')
      .send(
        simplePage('This link has expired', [
          'Portal links last a short while. Open the newest link from the shop, or ask the shop for a new one.',
        ]),
      );
    return undefined;
  };
  const toPortal = (res: Response, notice: PortalNotice) => {
    res.redirect(303, `/portal?notice=${notice}`);
  };
  /** A form post from the portal page: the session's cookie and its CSRF token, or nothing happens. */
  const formAction = (
    path: string,
    operationId: string,
    summary: string,
    act: (s: ActivePortalSession, res: Response) => Promise<void>,
  ) =>
    defineRoute({
      method: 'post',
      path,
      operationId,
      summary,
      tag: 'Customer portal',
      auth: 'public',
      responses: {
        303: { description: 'Back to the portal (or on to Discord)' },
        401: html('No portal session'),
        403: html('Missing or wrong CSRF token'),
      },
      handler: async ({ req, res }) => {
        const current = await session(req);
        if (current === null) return expired(res);
        if (!deps.csrf.verify(current.id, (req.body as Record<string, unknown> | undefined)?.csrf)) {
          res
            .status(403)
            .type('html')
            .send(simplePage('This form expired', ['Reload the portal page and try again.']));
          return undefined;
        }
        await act(current, res);
        return undefined;
      },
    });

  return [
    defineRoute({
      method: 'post',
      path: '/customer/portal-session',
      operationId: 'createPortalSession',
      summary:
        'Short-lived links for one customer: the portal, and straight to Connect Discord (send it right after checkout)',
      tag: 'Customer portal',
      auth: 'merchant',
      body: portalSessionSchema,
      responses: {
        201: {
          description: 'The links',
          schema: z.object({ url: z.url(), connectDiscordUrl: z.url(), expiresAt: z.iso.datetime() }),
        },
        ...problemResponses(400, 401, 429),
      },
      handler: async ({ merchantId, body }) => ({
        status: 201,
        body: await deps.sessions.create(merchantId, body.customerId),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/portal/s/:token',
      operationId: 'openPortalLink',
      summary:
        'Opens a portal link: becomes a session cookie, then the portal (or Discord with next=connect)',
      tag: 'Customer portal',
      auth: 'public',
      params: z.object({ token: z.string().max(100) }),
      query: z.object({ next: z.enum(['connect']).optional() }),
      responses: {
        302: { description: 'To the portal or to Discord' },
        401: html('Expired or unknown link'),
      },
      handler: async ({ params, query, res }) => {
        const current = await deps.sessions.resolve(params.token);
        if (current === null) return expired(res);
        setSessionCookie(res, PORTAL_COOKIE, params.token, {
          maxAgeSeconds: deps.sessions.secondsLeft(current),
          secure: deps.secureCookies,
        });
        // The token leaves the address bar: from here on the cookie carries the session.
        res.redirect(302, query.next === 'connect' ? await deps.links.start(current) : '/portal');
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/portal',
      operationId: 'portal',
      summary: 'The customer portal: subscriptions, Discord account, the state of each server',
      tag: 'Customer portal',
      auth: 'public',
      query: z.object({ notice: z.string().max(40).optional() }),
      responses: { 200: html('The portal page'), 401: html('No portal session') },
      handler: async ({ req, res, query }) => {
        const current = await session(req);
        if (current === null) return expired(res);
        const view = await deps.views.view(current);
        res
          .set('Cache-Control', 'no-store')
          .type('html')
          .send(
            portalPage(
              view,
              deps.csrf.tokenFor(current.id),
              isPortalNotice(query.notice) ? query.notice : null,
            ),
          );
        return undefined;
      },
    }),
    formAction(
      '/portal/connect',
      'portalConnect',
      'Connect Discord: on to Discord’s consent screen',
      async (current, res) => {
        res.redirect(303, await deps.links.start(current));
      },
    ),
    formAction(
      '/portal/switch',
      'portalSwitch',
      'Switch account: connect another Discord account; roles move to it',
      async (current, res) => {
        res.redirect(303, await deps.links.start(current));
      },
    ),
    formAction(
      '/portal/disconnect',
      'portalDisconnect',
      'Disconnect Discord: the link and the roles it gave go away',
      async (current, res) => {
        toPortal(res, await deps.links.disconnect(current));
      },
    ),
    formAction(
      '/portal/refresh',
      'portalRefresh',
      'Refresh my roles (at most once a minute)',
      async (current, res) => {
        toPortal(res, await deps.links.refresh(current));
      },
    ),
    defineRoute({
      method: 'get',
      path: '/oauth/discord/callback',
      operationId: 'customerOAuthCallback',
      summary: 'Where Discord sends the customer back after consent (code and state, or error)',
      tag: 'Customer portal',
      auth: 'public',
      query: z.object({
        code: z.string().max(200).optional(),
        state: z.string().max(200).optional(),
        error: z.string().max(100).optional(),
        error_description: z.string().max(500).optional(),
      }),
      responses: {
        303: { description: 'Back to the portal with what happened' },
        401: html('No portal session in this browser'),
      },
      handler: async ({ req, res, query }) => {
        const current = await session(req);
        if (current === null) return expired(res);
        toPortal(res, await deps.links.complete(current, query));
        return undefined;
      },
    }),
  ];
}
