import { ChannelType } from 'discord-api-types/v10';
import type { Diagnostic, GuildConfigInput, GuildView } from '@inflow/contracts';
import type { Database } from '@inflow/db';
import type { GuildHealthService } from '@inflow/guild-health';
import { problems } from '../http/problem';
import { problemForDiscordFailure, type GuildInspector } from '../discord/guild-inspector';
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
    private readonly health: GuildHealthService,
    private readonly outboxWritten: () => void,
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
   * notification channel's access; stores the result as the guild's health and its alerts.
   */
  async diagnose(merchantId: string, guildId: string): Promise<GuildDiagnostics> {
    const guild = await this.db.repositories.discordGuilds.find(merchantId, guildId);
    if (guild === null) throw problems.notFound(`You have no Discord server ${guildId}.`);
    const report = await this.health.check(guild).catch((error: unknown) => {
      throw problemForDiscordFailure(error);
    });
    if (report.recovered) await this.resyncWaitingMembers(guildId);
    return {
      guildId,
      ok: report.ok,
      problems: report.problems.map((problem) => ({ ...problem, severity: problem.severity ?? 'error' })),
      checkedAt: report.checkedAt.toISOString(),
    };
  }

  /** After the merchant fixed the setup, members whose roles waited for it are synced again. */
  private async resyncWaitingMembers(guildId: string): Promise<void> {
    const members = await this.db.repositories.roleGrants.membersInState(guildId, ['needs_action'], 100_000);
    if (members.length === 0) return;
    await this.db.repositories.outbox.add(
      members.map((userId) => ({
        jobName: 'role-sync.member',
        payload: { guildId, userId, reason: 'manual' },
      })),
    );
    this.outboxWritten();
  }
}
