import type { EntityManager } from 'typeorm';
import {
  DiscordMemberEntity,
  type DiscordMember,
  type MemberPresence,
} from '../entities/discord-member.entity';

export class DiscordMemberRepository {
  constructor(private readonly manager: EntityManager) {}

  async find(guildId: string, discordUserId: string): Promise<DiscordMember | null> {
    return this.manager.getRepository(DiscordMemberEntity).findOneBy({ guildId, discordUserId });
  }

  /**
   * Records what Discord showed of a member (gateway event or read): in the guild with these roles, or
   * absent. Only for guilds a merchant installed the bot in; returns false for any other guild.
   */
  async recordSeen(
    guildId: string,
    discordUserId: string,
    presence: MemberPresence,
    roles: readonly string[] | null,
    seenAt: Date,
  ): Promise<boolean> {
    const rows = await this.manager.query<Array<{ guild_id: string }>>(
      `INSERT INTO discord_member (guild_id, discord_user_id, merchant_id, presence, roles_seen, roles_seen_at)
       SELECT g.guild_id, $2, g.merchant_id, $3, $4::text[], $5 FROM discord_guild g WHERE g.guild_id = $1
       ON CONFLICT (guild_id, discord_user_id) DO UPDATE
          SET presence = EXCLUDED.presence, roles_seen = EXCLUDED.roles_seen, roles_seen_at = EXCLUDED.roles_seen_at,
              updated_at = now()
        WHERE discord_member.roles_seen_at IS NULL OR discord_member.roles_seen_at <= EXCLUDED.roles_seen_at
       RETURNING guild_id`,
      [guildId, discordUserId, presence, roles === null ? null : [...roles], seenAt],
    );
    if (rows.length > 0) return true;
    // Not written: either an unknown guild, or a newer observation was already stored.
    return (
      (await this.manager.query<unknown[]>(`SELECT 1 FROM discord_guild WHERE guild_id = $1`, [guildId]))
        .length > 0
    );
  }

  /** Makes sure a row exists for the member (presence unknown), so grants can be recorded against it. */
  async ensureKnown(guildId: string, discordUserId: string): Promise<void> {
    await this.manager.query(
      `INSERT INTO discord_member (guild_id, discord_user_id, merchant_id)
       SELECT guild_id, $2, merchant_id FROM discord_guild WHERE guild_id = $1
       ON CONFLICT (guild_id, discord_user_id) DO NOTHING`,
      [guildId, discordUserId],
    );
  }

  /** Stamps a completed sync: the roles the member now holds and when. */
  /**
   * Records a finished sync: the member's roles as the sync left them, unless another observation was
   * recorded since the one the sync started from (`basedOn`, the roles_seen_at it read): a moderator's
   * change that the gateway recorded while the sync ran is newer than what the sync saw, and the gateway
   * has already asked for another sync, which starts from it.
   */
  async markSynced(
    guildId: string,
    discordUserId: string,
    roles: readonly string[],
    at: Date,
    basedOn: Date | null,
  ): Promise<void> {
    await this.manager.query(
      `UPDATE discord_member
          SET last_synced_at = $4, updated_at = now(),
              presence = CASE WHEN roles_seen_at IS NOT DISTINCT FROM $5 THEN 'member' ELSE presence END,
              roles_seen = CASE WHEN roles_seen_at IS NOT DISTINCT FROM $5 THEN $3::text[] ELSE roles_seen END,
              roles_seen_at = CASE WHEN roles_seen_at IS NOT DISTINCT FROM $5 THEN $4 ELSE roles_seen_at END
        WHERE guild_id = $1 AND discord_user_id = $2`,
      [guildId, discordUserId, [...roles], at, basedOn],
    );
  }

  async markSyncAttempted(guildId: string, discordUserId: string, at: Date): Promise<void> {
    await this.manager.query(
      `UPDATE discord_member SET last_synced_at = $3, updated_at = now() WHERE guild_id = $1 AND discord_user_id = $2`,
      [guildId, discordUserId, at],
    );
  }

  /**
   * Members with managed-role state (a grant row) not synced since `before`, in key order after `after`:
   * the drift sweep. Members the system never granted anything are not its business.
   */
  async staleMembers(
    before: Date,
    limit: number,
    after: { guildId: string; discordUserId: string } | null,
  ): Promise<Array<{ guildId: string; discordUserId: string }>> {
    const rows = await this.manager.query<Array<{ guild_id: string; discord_user_id: string }>>(
      `SELECT m.guild_id, m.discord_user_id FROM discord_member m
         JOIN discord_guild g ON g.guild_id = m.guild_id AND g.install_status = 'installed'
        WHERE (m.last_synced_at IS NULL OR m.last_synced_at < $1)
          AND ($3::text IS NULL OR (m.guild_id, m.discord_user_id) > ($3::text, $4::text))
          AND EXISTS (SELECT 1 FROM role_grant r WHERE r.guild_id = m.guild_id AND r.discord_user_id = m.discord_user_id)
        ORDER BY m.guild_id, m.discord_user_id
        LIMIT $2`,
      [before, limit, after?.guildId ?? null, after?.discordUserId ?? null],
    );
    return rows.map((row) => ({ guildId: row.guild_id, discordUserId: row.discord_user_id }));
  }
}
