import { IsNull, type EntityManager } from 'typeorm';
import { ApiKeyEntity, type ApiKey } from '../entities/api-key.entity';
import type { NewApiKey } from './merchant.repository';

export interface ApiKeyOwner {
  apiKeyId: string;
  merchantId: string;
}

export class ApiKeyRepository {
  constructor(private readonly manager: EntityManager) {}

  /** The merchant a key belongs to, or null when the key is unknown or revoked. */
  async findActiveByHash(keyHash: Buffer): Promise<ApiKeyOwner | null> {
    const [owner] = await this.findActiveByHashes([keyHash]);
    return owner ?? null;
  }

  /**
   * The owner of each key, in order (null: unknown or revoked), in one query: the api looks up the keys
   * of the requests that arrive together at once.
   */
  async findActiveByHashes(keyHashes: readonly Buffer[]): Promise<Array<ApiKeyOwner | null>> {
    // Raw SQL: this runs on every merchant request.
    const rows = await this.manager.query<Array<{ id: string; merchant_id: string; key_hash: Buffer }>>(
      `SELECT id, merchant_id, key_hash FROM api_key WHERE key_hash = ANY($1::bytea[]) AND revoked_at IS NULL`,
      [keyHashes],
    );
    const byHash = new Map(rows.map((row) => [row.key_hash.toString('hex'), row]));
    return keyHashes.map((hash) => {
      const row = byHash.get(hash.toString('hex'));
      return row === undefined ? null : { apiKeyId: row.id, merchantId: row.merchant_id };
    });
  }

  async create(merchantId: string, key: NewApiKey): Promise<ApiKey> {
    return this.manager.getRepository(ApiKeyEntity).save({
      merchantId,
      keyHash: key.keyHash,
      keyPrefix: key.keyPrefix,
      label: key.label ?? null,
    });
  }

  /**
   * Records use at most once a minute per key, so authentication does not write on every request.
   */
  async touchLastUsed(apiKeyId: string, now: Date): Promise<void> {
    await this.manager.query(
      `UPDATE api_key SET last_used_at = $2
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
      [apiKeyId, now],
    );
  }

  /** Revokes a key of this merchant; it stops working at once. Returns false when no such active key. */
  async revoke(merchantId: string, apiKeyId: string, now: Date): Promise<boolean> {
    const result = await this.manager
      .getRepository(ApiKeyEntity)
      .update({ id: apiKeyId, merchantId, revokedAt: IsNull() }, { revokedAt: now });
    return (result.affected ?? 0) > 0;
  }

  async listForMerchant(merchantId: string): Promise<ApiKey[]> {
    return this.manager
      .getRepository(ApiKeyEntity)
      .find({ where: { merchantId }, order: { createdAt: 'ASC' } });
  }
}
