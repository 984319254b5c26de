import type { EntityManager } from 'typeorm';
import { RoleGrantEntity, type RoleGrant, type RoleSyncState } from '../entities/role-grant.entity';

export interface RoleGrantWrite {
  desired: boolean;
  applied: boolean;
  syncState: RoleSyncState;
  lastError: string | null;
  lastErrorCode: number | null;
  /** Set when this write applied the role on Discord. */
  appliedAt?: Date;
}

export class RoleGrantRepository {
  constructor(private readonly manager: EntityManager) {}

  /** The grants of one member in one guild for the given roles (those without a row are not returned). */
  async findFor(guildId: string, discordUserId: string, roleIds: readonly string[]): Promise<RoleGrant[]> {
    if (roleIds.length === 0) return [];
    return this.manager
      .getRepository(RoleGrantEntity)
      .createQueryBuilder('g')
      .where('g.guild_id = :guildId AND g.discord_user_id = :discordUserId AND g.role_id IN (:...roleIds)', {
        guildId,
        discordUserId,
        roleIds: [...roleIds],
      })
      .getMany();
  }

  async listForMember(guildId: string, discordUserId: string): Promise<RoleGrant[]> {
    return this.manager
      .getRepository(RoleGrantEntity)
      .find({ where: { guildId, discordUserId }, order: { roleId: 'ASC' } });
  }

  /** Writes the state of one grant (the member row must exist: record it first). */
  async write(
    merchantId: string,
    guildId: string,
    discordUserId: string,
    roleId: string,
    state: RoleGrantWrite,
  ): Promise<void> {
    await this.manager.query(
      `INSERT INTO role_grant (merchant_id, guild_id, discord_user_id, role_id, desired, applied, sync_state, last_error, last_error_code, applied_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (guild_id, discord_user_id, role_id) DO UPDATE
          SET desired = EXCLUDED.desired, applied = EXCLUDED.applied, sync_state = EXCLUDED.sync_state,
              last_error = EXCLUDED.last_error, last_error_code = EXCLUDED.last_error_code,
              applied_at = COALESCE(EXCLUDED.applied_at, role_grant.applied_at), updated_at = now()`,
      [
        merchantId,
        guildId,
        discordUserId,
        roleId,
        state.desired,
        state.applied,
        state.syncState,
        state.lastError,
        state.lastErrorCode,
        state.appliedAt ?? null,
      ],
    );
  }

  /** The member left the guild: nothing is applied any more; what is still desired waits for a join. */
  async markMemberLeft(guildId: string, discordUserId: string): Promise<void> {
    await this.manager.query(
      `UPDATE role_grant SET applied = false, sync_state = CASE WHEN desired THEN 'pending' ELSE 'synced' END, updated_at = now()
        WHERE guild_id = $1 AND discord_user_id = $2`,
      [guildId, discordUserId],
    );
  }

  /** Members with a grant in one of these states in the guild: re-synced once the cause is fixed. */
  async membersInState(guildId: string, states: readonly RoleSyncState[], limit: number): Promise<string[]> {
    const rows = await this.manager.query<Array<{ discord_user_id: string }>>(
      `SELECT DISTINCT discord_user_id FROM role_grant WHERE guild_id = $1 AND sync_state = ANY($2::text[]) LIMIT $3`,
      [guildId, [...states], limit],
    );
    return rows.map((row) => row.discord_user_id);
  }

  /** How many managed roles are applied in the guild: the base of the mass-removal brake. */
  async countApplied(guildId: string): Promise<number> {
    const rows = await this.manager.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM role_grant WHERE guild_id = $1 AND applied`,
      [guildId],
    );
    return rows[0]?.n ?? 0;
  }

  /** Every member with managed-role state in the guild ("Re-sync all"). */
  async membersInGuild(guildId: string): Promise<string[]> {
    const rows = await this.manager.query<Array<{ discord_user_id: string }>>(
      `SELECT DISTINCT discord_user_id FROM role_grant WHERE guild_id = $1`,
      [guildId],
    );
    return rows.map((row) => row.discord_user_id);
  }

  /** A Discord user's grants across the merchant's guilds (the dashboard's member view). */
  async listForMerchantMember(merchantId: string, discordUserId: string): Promise<RoleGrant[]> {
    return this.manager
      .getRepository(RoleGrantEntity)
      .find({ where: { merchantId, discordUserId }, order: { guildId: 'ASC', roleId: 'ASC' } });
  }
}
