import type { CreateOfferInput, Diagnostic, OfferView, UpdateOfferInput } from '@inflow/contracts';
import type { Database, OfferPatch } from '@inflow/db';
import { problems } from '../http/problem';
import type { GuildInspector } from '../discord/guild-inspector';
import { offerView } from './offer-view';

export interface OfferServiceDependencies {
  db: Database;
  guilds: GuildInspector;
  /** Called after a commit that wrote outbox rows. */
  outboxWritten: () => void;
}

const PAGE_LIMIT_MAX = 100;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Creates, reads and changes a merchant's offers; checks every Discord role against the real guild. */
export class OfferService {
  constructor(private readonly deps: OfferServiceDependencies) {}

  async create(merchantId: string, input: CreateOfferInput): Promise<OfferView> {
    const diagnostics =
      input.discordGuildId == null || input.discordRoleId == null
        ? undefined
        : await this.checkRole(merchantId, input.discordGuildId, input.discordRoleId, input.name);
    const offer = await this.deps.db.repositories.offers.create(merchantId, {
      name: input.name,
      description: input.description ?? null,
      amountInCents: input.amountInCents,
      currency: input.currency,
      billingInterval: input.interval,
      intervalCount: input.intervalCount,
      discordGuildId: input.discordGuildId ?? null,
      discordRoleId: input.discordRoleId ?? null,
      gracePeriodDays: input.gracePeriodDays,
    });
    return offerView(offer, diagnostics);
  }

  async list(
    merchantId: string,
    limit: number,
    cursor: string | undefined,
  ): Promise<{ data: OfferView[]; nextCursor: string | null }> {
    const size = Math.min(Math.max(limit, 1), PAGE_LIMIT_MAX);
    const offers = await this.deps.db.repositories.offers.list(merchantId, size + 1, cursor);
    const page = offers.slice(0, size);
    return {
      data: page.map((offer) => offerView(offer)),
      nextCursor: offers.length > size ? (page.at(-1)?.id ?? null) : null,
    };
  }

  async get(merchantId: string, offerId: string): Promise<OfferView> {
    const offer = UUID.test(offerId)
      ? await this.deps.db.repositories.offers.find(merchantId, offerId)
      : null;
    if (offer === null) throw problems.notFound(`You have no offer ${offerId}.`);
    if (offer.discordGuildId === null || offer.discordRoleId === null) return offerView(offer);
    const snapshot = await this.deps.guilds.snapshot(offer.discordGuildId).catch(() => null);
    const diagnostics =
      snapshot === null ? undefined : this.roleDiagnostics(snapshot, offer.discordRoleId, offer.name);
    return offerView(offer, diagnostics);
  }

  /**
   * Applies a patch. When the role (or guild) changes, every linked subscriber is re-synced in the old
   * and the new guild, in the same transaction as the change; a new grace period moves the end of
   * access of past-due subscriptions with it.
   */
  async update(merchantId: string, offerId: string, input: UpdateOfferInput): Promise<OfferView> {
    const current = UUID.test(offerId)
      ? await this.deps.db.repositories.offers.find(merchantId, offerId)
      : null;
    if (current === null) throw problems.notFound(`You have no offer ${offerId}.`);
    const roleChanges =
      'discordRoleId' in input &&
      (input.discordGuildId !== current.discordGuildId || input.discordRoleId !== current.discordRoleId);
    const diagnostics =
      roleChanges && input.discordGuildId != null && input.discordRoleId != null
        ? await this.checkRole(
            merchantId,
            input.discordGuildId,
            input.discordRoleId,
            input.name ?? current.name,
          )
        : undefined;

    const patch: OfferPatch = {};
    if (input.name !== undefined) patch.name = input.name;
    if (input.description !== undefined) patch.description = input.description;
    if (input.amountInCents !== undefined) patch.amountInCents = input.amountInCents;
    if (input.currency !== undefined) patch.currency = input.currency;
    if (input.interval !== undefined) patch.billingInterval = input.interval;
    if (input.intervalCount !== undefined) patch.intervalCount = input.intervalCount;
    if (input.gracePeriodDays !== undefined) patch.gracePeriodDays = input.gracePeriodDays;
    if (roleChanges) {
      patch.discordGuildId = input.discordGuildId ?? null;
      patch.discordRoleId = input.discordRoleId ?? null;
    }

    const { offer, resynced } = await this.deps.db.transaction(async (repos) => {
      const locked = await repos.offers.findForUpdate(merchantId, offerId);
      if (locked === null) throw problems.notFound(`You have no offer ${offerId}.`);
      const updated = await repos.offers.update(merchantId, offerId, patch);
      if (updated === null) throw problems.notFound(`You have no offer ${offerId}.`);
      if (patch.gracePeriodDays !== undefined && patch.gracePeriodDays !== locked.gracePeriodDays) {
        await repos.subscriptions.setPastDueAccessEnd(offerId, patch.gracePeriodDays);
      }
      let count = 0;
      if (roleChanges || patch.gracePeriodDays !== undefined) {
        const guilds = [
          ...new Set([locked.discordGuildId, updated.discordGuildId].filter((g): g is string => g !== null)),
        ];
        count = await repos.outbox.addRoleSyncForOffer(offerId, guilds, 'offer-change');
      }
      return { offer: updated, resynced: count };
    });
    if (resynced > 0) this.deps.outboxWritten();
    return offerView(offer, diagnostics);
  }

  /**
   * The guild must be connected to this merchant and the role must exist in it; returns the diagnostics
   * for that role (for example that the bot's role must move above it).
   */
  private async checkRole(
    merchantId: string,
    guildId: string,
    roleId: string,
    offerName: string,
  ): Promise<Diagnostic[]> {
    const guild = await this.deps.db.repositories.discordGuilds.find(merchantId, guildId);
    if (guild === null || guild.installStatus !== 'installed') {
      throw problems.unprocessable(
        'This Discord server is not connected to your account. Get the bot install link from GET /discord/invite-link, add the bot to the server, then create the offer.',
        [{ pointer: '/discordGuildId', detail: 'is not a Discord server connected to your account' }],
        'guild-not-connected',
      );
    }
    const snapshot = await this.deps.guilds.snapshot(guildId);
    const role = snapshot.roles.find((candidate) => candidate.id === roleId);
    if (role === undefined || roleId === guildId) {
      throw problems.unprocessable(
        `The server "${snapshot.guild.name}" has no role with this id that can be granted. Copy the role id from Server Settings > Roles (with Developer Mode on).`,
        [{ pointer: '/discordRoleId', detail: `is not a role of the server "${snapshot.guild.name}"` }],
        'role-not-found',
      );
    }
    return this.roleDiagnostics(snapshot, roleId, offerName);
  }

  private roleDiagnostics(
    snapshot: Parameters<GuildInspector['diagnose']>[0],
    roleId: string,
    offerName: string,
  ): Diagnostic[] {
    return this.deps.guilds
      .diagnose(snapshot, { offerRoles: [{ roleId, offerName }], channels: [] })
      .map((problem) => ({
        code: problem.code,
        severity: problem.severity,
        message: problem.message,
        ...(problem.roleId === undefined ? {} : { roleId: problem.roleId }),
        ...(problem.channelId === undefined ? {} : { channelId: problem.channelId }),
      }));
  }
}
