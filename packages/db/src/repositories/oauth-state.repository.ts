import type { EntityManager } from 'typeorm';
import { OAuthStateEntity, type OAuthState, type OAuthStatePurpose } from '../entities/oauth-state.entity';

export interface NewOAuthState {
  stateHash: Buffer;
  purpose: OAuthStatePurpose;
  merchantId: string;
  portalSessionId?: string | null;
  codeVerifier?: string | null;
  expiresAt: Date;
}

export class OAuthStateRepository {
  constructor(private readonly manager: EntityManager) {}

  async create(state: NewOAuthState): Promise<void> {
    await this.manager.getRepository(OAuthStateEntity).insert({
      stateHash: state.stateHash,
      purpose: state.purpose,
      merchantId: state.merchantId,
      portalSessionId: state.portalSessionId ?? null,
      codeVerifier: state.codeVerifier ?? null,
      expiresAt: state.expiresAt,
    });
  }

  /**
   * Consumes a state: succeeds once, only for its purpose and before it expires. A second use, an
   * expired state and an unknown one all come back as null, in one atomic statement.
   */
  async consume(stateHash: Buffer, purpose: OAuthStatePurpose, now: Date): Promise<OAuthState | null> {
    const rows = await this.manager.query<Array<Record<string, unknown>>>(
      // Wrapped in a CTE: TypeORM returns [rows, count] for a bare UPDATE … RETURNING.
      `WITH consumed AS (
         UPDATE oauth_state SET consumed_at = $3
          WHERE state_hash = $1 AND purpose = $2 AND consumed_at IS NULL AND expires_at > $3
          RETURNING merchant_id, portal_session_id, code_verifier, created_at, expires_at)
       SELECT * FROM consumed`,
      [stateHash, purpose, now],
    );
    const row = rows[0];
    if (row === undefined) return null;
    return {
      stateHash,
      purpose,
      merchantId: row.merchant_id as string,
      portalSessionId: (row.portal_session_id as string | null) ?? null,
      codeVerifier: (row.code_verifier as string | null) ?? null,
      createdAt: row.created_at as Date,
      expiresAt: row.expires_at as Date,
      consumedAt: now,
    };
  }

  /** Why a state failed, for a clear message: unknown, already used, or expired. */
  async explainRejection(stateHash: Buffer, now: Date): Promise<'unknown' | 'used' | 'expired'> {
    const state = await this.manager.getRepository(OAuthStateEntity).findOneBy({ stateHash });
    if (state === null) return 'unknown';
    if (state.consumedAt !== null) return 'used';
    return state.expiresAt <= now ? 'expired' : 'unknown';
  }

  async deleteExpired(before: Date): Promise<void> {
    await this.manager.query(`DELETE FROM oauth_state WHERE expires_at < $1`, [before]);
  }
}
