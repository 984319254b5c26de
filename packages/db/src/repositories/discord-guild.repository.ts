import type { EntityManager } from 'typeorm';
import {
  DiscordGuildEntity,
  type DiscordGuild,
  type GuildHealthProblem,
  type GuildHealthStatus,
} from '../entities/discord-guild.entity';

export interface GuildConfig {
  paymentChannelId: string | null;
  generalChannelId: string | null;
  inviteUrl: string | null;
  notifyPaymentSucceeded: boolean;
  notifyPaymentFailed: boolean;
  notifySubscriptionCreated: boolean;
  notifySubscriptionCanceled: boolean;
}

export type BindGuildResult =
  { outcome: 'bound'; guild: DiscordGuild } | { outcome: 'owned-by-another-merchant' };

/** Guilds the bot was installed in; every merchant-facing method filters on the merchant. */
export class DiscordGuildRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * Binds a guild to the merchant that installed the bot (or re-installed it after removing it). A guild
   * bound to another merchant is refused, installed or not: their offers and history point at it.
   */
  async bindInstall(merchantId: string, guildId: string, name: string, now: Date): Promise<BindGuildResult> {
    const rows = await this.manager.query<Array<{ guild_id: string }>>(
      `INSERT INTO discord_guild (guild_id, merchant_id, name, install_status, installed_at, removed_at)
       VALUES ($1, $2, $3, 'installed', $4, NULL)
       ON CONFLICT (guild_id) DO UPDATE
          SET name = EXCLUDED.name, install_status = 'installed', installed_at = EXCLUDED.installed_at,
              removed_at = NULL, updated_at = now()
        WHERE discord_guild.merchant_id = EXCLUDED.merchant_id
       RETURNING guild_id`,
      [guildId, merchantId, name, now],
    );
    if (rows.length === 0) return { outcome: 'owned-by-another-merchant' };
    return { outcome: 'bound', guild: await this.getOrFail(merchantId, guildId) };
  }

  async find(merchantId: string, guildId: string): Promise<DiscordGuild | null> {
    return this.manager.getRepository(DiscordGuildEntity).findOneBy({ guildId, merchantId });
  }

  async getOrFail(merchantId: string, guildId: string): Promise<DiscordGuild> {
    return this.manager.getRepository(DiscordGuildEntity).findOneByOrFail({ guildId, merchantId });
  }

  /** For workers, which act on a guild whatever merchant owns it. */
  async findById(guildId: string): Promise<DiscordGuild | null> {
    return this.manager.getRepository(DiscordGuildEntity).findOneBy({ guildId });
  }

  async listForMerchant(merchantId: string): Promise<DiscordGuild[]> {
    return this.manager
      .getRepository(DiscordGuildEntity)
      .find({ where: { merchantId }, order: { installedAt: 'ASC' } });
  }

  /** Sets the guild's notification settings; new channels start unbroken. */
  async updateConfig(merchantId: string, guildId: string, config: GuildConfig): Promise<DiscordGuild | null> {
    const result = await this.manager
      .getRepository(DiscordGuildEntity)
      .update({ guildId, merchantId }, { ...config, brokenChannels: {}, updatedAt: new Date() });
    return (result.affected ?? 0) === 0 ? null : this.find(merchantId, guildId);
  }

  async setHealth(
    guildId: string,
    status: GuildHealthStatus,
    problems: GuildHealthProblem[],
    now: Date,
  ): Promise<void> {
    await this.manager
      .getRepository(DiscordGuildEntity)
      .update(
        { guildId },
        { healthStatus: status, healthDetail: problems, healthCheckedAt: now, updatedAt: now },
      );
  }

  /**
   * The gateway saw the bot in this guild (GUILD_CREATE): a guild a merchant bound is installed again
   * if it had been removed, and keeps Discord's current name. Unknown guilds are left alone (a guild
   * becomes a merchant's only through the install flow). Returns whether the guild is known.
   */
  async markPresent(guildId: string, name: string, now: Date): Promise<boolean> {
    const result = await this.manager
      .getRepository(DiscordGuildEntity)
      .update({ guildId }, { name, installStatus: 'installed', removedAt: null, updatedAt: now });
    return (result.affected ?? 0) > 0;
  }

  /**
   * Records that Discord refused posts to a channel (gone, no access): notifications to it stop until
   * the merchant changes the guild's channels or the diagnostics find it fixed.
   */
  async markChannelBroken(guildId: string, channelId: string, reason: string): Promise<void> {
    await this.manager.query(
      `UPDATE discord_guild SET broken_channels = broken_channels || jsonb_build_object($2::text, $3::text), updated_at = now()
        WHERE guild_id = $1`,
      [guildId, channelId, reason],
    );
  }

  async clearBrokenChannels(guildId: string): Promise<void> {
    await this.manager.query(
      `UPDATE discord_guild SET broken_channels = '{}'::jsonb, updated_at = now() WHERE guild_id = $1`,
      [guildId],
    );
  }

  /** Every installed guild's health status (the operator's per-guild health metric). */
  async healthOfInstalled(): Promise<Array<{ guildId: string; status: GuildHealthStatus }>> {
    const rows = await this.manager.query<Array<{ guild_id: string; health_status: GuildHealthStatus }>>(
      `SELECT guild_id, health_status FROM discord_guild WHERE install_status = 'installed'`,
    );
    return rows.map((row) => ({ guildId: row.guild_id, status: row.health_status }));
  }

  async markRemoved(guildId: string, now: Date): Promise<void> {
    await this.manager
      .getRepository(DiscordGuildEntity)
      .update({ guildId }, { installStatus: 'removed', removedAt: now, updatedAt: now });
  }
}
