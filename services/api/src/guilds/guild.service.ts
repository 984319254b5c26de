import { ChannelType } from 'discord-api-types/v10';
import type { Diagnostic, GuildConfigInput, GuildView } from '@inflow/contracts';
import type { Database, GuildHealthProblem } from '@inflow/db';
import { problems } from '../http/problem';
import type { GuildInspector, GuildSnapshot } from '../discord/guild-inspector';
import { guildView } from './guild-view';

const TEXT_CHANNEL_TYPES: ReadonlySet<number> = new Set([
  ChannelType.GuildText,
  ChannelType.GuildAnnouncement,
]);

export interface GuildDiagnostics {
  guildId: string;
  ok: boolean;
  problems: Diagnostic[];
  checkedAt: string;
}

/** A merchant's connected guilds: their settings and their health. */
export class GuildService {
  constructor(
    private readonly db: Database,
    private readonly inspector: GuildInspector,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async list(merchantId: string): Promise<GuildView[]> {
    return (await this.db.repositories.discordGuilds.listForMerchant(merchantId)).map(guildView);
  }

  /** Sets channels, invite URL and toggles. Channels must be text channels of that very guild. */
  async configure(merchantId: string, guildId: string, input: GuildConfigInput): Promise<GuildView> {
    const guild = await this.db.repositories.discordGuilds.find(merchantId, guildId);
    if (guild === null) throw problems.notFound(`You have no Discord server ${guildId}.`);
    const channelIds = {
      paymentChannelId: input.paymentChannelId ?? null,
      generalChannelId: input.generalChannelId ?? null,
    };
    if (channelIds.paymentChannelId !== null || channelIds.generalChannelId !== null) {
      const snapshot = await this.inspector.snapshot(guildId);
      const fieldErrors = Object.entries(channelIds).flatMap(([field, id]) => {
        if (id === null) return [];
        const channel = snapshot.channels.find((candidate) => candidate.id === id);
        if (channel === undefined)
          return [
            { pointer: `/${field}`, detail: `is not a channel of the server "${snapshot.guild.name}"` },
          ];
        if (!TEXT_CHANNEL_TYPES.has(channel.type))
          return [{ pointer: `/${field}`, detail: 'is not a text channel' }];
        return [];
      });
      if (fieldErrors.length > 0) {
        throw problems.unprocessable(
          'Notifications go to text channels of this server.',
          fieldErrors,
          'channel-not-in-guild',
        );
      }
    }
    const updated = await this.db.repositories.discordGuilds.updateConfig(merchantId, guildId, {
      ...channelIds,
      inviteUrl: input.inviteUrl ?? null,
      notifyPaymentSucceeded: input.notifications.paymentSucceeded,
      notifyPaymentFailed: input.notifications.paymentFailed,
      notifySubscriptionCreated: input.notifications.subscriptionCreated,
      notifySubscriptionCanceled: input.notifications.subscriptionCanceled,
    });
    if (updated === null) throw problems.notFound(`You have no Discord server ${guildId}.`);
    return guildView(updated);
  }

  /**
   * Checks the guild now: the bot's permissions, each offer role's place below the bot's, each
   * notification channel's access; stores the result as the guild's health.
   */
  async diagnose(merchantId: string, guildId: string): Promise<GuildDiagnostics> {
    const guild = await this.db.repositories.discordGuilds.find(merchantId, guildId);
    if (guild === null) throw problems.notFound(`You have no Discord server ${guildId}.`);
    const snapshot: GuildSnapshot = await this.inspector.snapshot(guildId);
    const offers = await this.db.repositories.offers.listForGuild(merchantId, guildId);
    const channels = [
      ...(guild.paymentChannelId === null
        ? []
        : [{ id: guild.paymentChannelId, purpose: 'payment' as const }]),
      ...(guild.generalChannelId === null
        ? []
        : [{ id: guild.generalChannelId, purpose: 'general' as const }]),
    ];
    const found = this.inspector.diagnose(snapshot, {
      offerRoles: offers.flatMap((offer) =>
        offer.discordRoleId === null ? [] : [{ roleId: offer.discordRoleId, offerName: offer.name }],
      ),
      channels,
    });
    const now = this.now();
    const health: GuildHealthProblem[] = found.map((problem) => ({
      code: problem.code,
      severity: problem.severity,
      message: problem.message,
      ...(problem.roleId === undefined ? {} : { roleId: problem.roleId }),
      ...(problem.channelId === undefined ? {} : { channelId: problem.channelId }),
    }));
    const ok = !found.some((problem) => problem.severity === 'error');
    await this.db.repositories.discordGuilds.setHealth(guildId, ok ? 'healthy' : 'needs_action', health, now);
    return {
      guildId,
      ok,
      problems: health.map((problem) => ({ ...problem, severity: problem.severity ?? 'error' })),
      checkedAt: now.toISOString(),
    };
  }
}
