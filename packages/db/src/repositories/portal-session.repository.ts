import type { EntityManager } from 'typeorm';

export interface ActivePortalSession {
  id: string;
  merchantId: string;
  customerId: string;
  expiresAt: Date;
}

/** Short-lived customer portal sessions; the token travels in the link, only its hash is stored. */
export class PortalSessionRepository {
  constructor(private readonly manager: EntityManager) {}

  async create(merchantId: string, customerId: string, tokenHash: Buffer, expiresAt: Date): Promise<string> {
    const rows = await this.manager.query<Array<{ id: string }>>(
      `INSERT INTO portal_session (merchant_id, customer_id, token_hash, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
      [merchantId, customerId, tokenHash, expiresAt],
    );
    return rows[0]!.id;
  }

  /** The session for a token, while it has not expired. */
  async findActive(tokenHash: Buffer, now: Date): Promise<ActivePortalSession | null> {
    const rows = await this.manager.query<
      Array<{ id: string; merchant_id: string; customer_id: string; expires_at: Date }>
    >(
      `SELECT id, merchant_id, customer_id, expires_at FROM portal_session WHERE token_hash = $1 AND expires_at > $2`,
      [tokenHash, now],
    );
    const row = rows[0];
    return row === undefined
      ? null
      : { id: row.id, merchantId: row.merchant_id, customerId: row.customer_id, expiresAt: row.expires_at };
  }

  /** Claims a "refresh my roles" for the session at most once per `intervalSeconds`; false when too soon. */
  async claimRolesRefresh(sessionId: string, now: Date, intervalSeconds: number): Promise<boolean> {
    const rows = await this.manager.query<Array<{ id: string }>>(
      `WITH claimed AS (
         UPDATE portal_session SET roles_refreshed_at = $2
          WHERE id = $1 AND (roles_refreshed_at IS NULL OR roles_refreshed_at <= $2::timestamptz - make_interval(secs => $3))
          RETURNING id)
       SELECT id FROM claimed`,
      [sessionId, now, intervalSeconds],
    );
    return rows.length > 0;
  }

  async deleteExpired(before: Date): Promise<number> {
    const rows = await this.manager.query<Array<{ n: number }>>(
      `WITH gone AS (DELETE FROM portal_session WHERE expires_at < $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`,
      [before],
    );
    return rows[0]?.n ?? 0;
  }
}
