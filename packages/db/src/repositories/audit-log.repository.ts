import type { EntityManager } from 'typeorm';
import { AuditLogEntity, type AuditLogEntry } from '../entities/audit-log.entity';

export type NewAuditLogEntry = Omit<AuditLogEntry, 'id' | 'createdAt' | 'detail'> & {
  detail?: Record<string, unknown>;
};

export class AuditLogRepository {
  constructor(private readonly manager: EntityManager) {}

  async add(entries: readonly NewAuditLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.manager.query(
      `INSERT INTO audit_log (merchant_id, guild_id, discord_user_id, role_id, kind, reason, detail)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[])`,
      [
        entries.map((e) => e.merchantId),
        entries.map((e) => e.guildId),
        entries.map((e) => e.discordUserId),
        entries.map((e) => e.roleId),
        entries.map((e) => e.kind),
        entries.map((e) => e.reason),
        entries.map((e) => JSON.stringify(e.detail ?? {})),
      ],
    );
  }

  /** How many entries of `kind` the guild had since `since`. */
  async countSince(guildId: string, kind: string, since: Date): Promise<number> {
    const rows = await this.manager.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM audit_log WHERE guild_id = $1 AND kind = $2 AND created_at >= $3`,
      [guildId, kind, since],
    );
    return rows[0]?.n ?? 0;
  }

  /** A merchant's most recent entries, newest first, optionally for one guild, member or kind. */
  async list(
    merchantId: string,
    filter: { guildId?: string; discordUserId?: string; kindPrefix?: string; before?: string },
    limit: number,
  ): Promise<AuditLogEntry[]> {
    const query = this.manager
      .getRepository(AuditLogEntity)
      .createQueryBuilder('a')
      .where('a.merchant_id = :merchantId', { merchantId })
      .orderBy('a.id', 'DESC')
      .limit(limit);
    if (filter.guildId !== undefined) query.andWhere('a.guild_id = :guildId', { guildId: filter.guildId });
    if (filter.discordUserId !== undefined)
      query.andWhere('a.discord_user_id = :userId', { userId: filter.discordUserId });
    if (filter.kindPrefix !== undefined)
      query.andWhere('a.kind LIKE :kind', { kind: `${filter.kindPrefix}%` });
    if (filter.before !== undefined) query.andWhere('a.id < :before', { before: filter.before });
    return query.getMany();
  }

  /** Entries per hour and kind since `since` (the activity chart): role grants, removals, failures. */
  async hourlyCounts(
    merchantId: string,
    since: Date,
    guildId?: string,
  ): Promise<Array<{ hour: Date; kind: string; count: number }>> {
    const rows = await this.manager.query<Array<{ hour: Date; kind: string; n: number }>>(
      `SELECT date_trunc('hour', created_at) AS hour, kind, count(*)::int AS n
         FROM audit_log
        WHERE merchant_id = $1 AND created_at >= $2 AND ($3::text IS NULL OR guild_id = $3)
          AND kind IN ('role.granted', 'role.removed', 'role.failed')
        GROUP BY 1, 2 ORDER BY 1`,
      [merchantId, since, guildId ?? null],
    );
    return rows.map((row) => ({ hour: row.hour, kind: row.kind, count: row.n }));
  }
}
