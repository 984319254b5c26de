import type { EntityManager } from 'typeorm';

export interface DashboardSession {
  id: string;
  merchantId: string;
  apiKeyId: string;
  expiresAt: Date;
}

/** Dashboard sessions: valid while unexpired AND while the API key that opened them is not revoked. */
export class DashboardSessionRepository {
  constructor(private readonly manager: EntityManager) {}

  async create(merchantId: string, apiKeyId: string, tokenHash: Buffer, expiresAt: Date): Promise<string> {
    const rows = await this.manager.query<Array<{ id: string }>>(
      `INSERT INTO dashboard_session (merchant_id, api_key_id, token_hash, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
      [merchantId, apiKeyId, tokenHash, expiresAt],
    );
    return rows[0]!.id;
  }

  async findActive(tokenHash: Buffer, now: Date): Promise<DashboardSession | null> {
    const rows = await this.manager.query<
      Array<{ id: string; merchant_id: string; api_key_id: string; expires_at: Date }>
    >(
      `SELECT s.id, s.merchant_id, s.api_key_id, s.expires_at
         FROM dashboard_session s JOIN api_key k ON k.id = s.api_key_id AND k.revoked_at IS NULL
        WHERE s.token_hash = $1 AND s.expires_at > $2`,
      [tokenHash, now],
    );
    const row = rows[0];
    return row === undefined
      ? null
      : { id: row.id, merchantId: row.merchant_id, apiKeyId: row.api_key_id, expiresAt: row.expires_at };
  }

  async delete(sessionId: string): Promise<void> {
    await this.manager.query(`DELETE FROM dashboard_session WHERE id = $1`, [sessionId]);
  }
}
