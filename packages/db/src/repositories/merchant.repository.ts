import type { EntityManager } from 'typeorm';
import { ApiKeyEntity } from '../entities/api-key.entity';
import { MerchantEntity, type Merchant } from '../entities/merchant.entity';

export interface NewApiKey {
  keyHash: Buffer;
  keyPrefix: string;
  label?: string | null;
}

export class MerchantRepository {
  constructor(private readonly manager: EntityManager) {}

  /** Creates a merchant and its first API key together: both or neither. */
  async createWithApiKey(
    name: string,
    key: NewApiKey,
    options: { operator?: boolean } = {},
  ): Promise<{ merchant: Merchant; apiKeyId: string }> {
    return this.manager.transaction(async (tx) => {
      const merchant = await tx
        .getRepository(MerchantEntity)
        .save({ name, isOperator: options.operator ?? false });
      const apiKey = await tx.getRepository(ApiKeyEntity).save({
        merchantId: merchant.id,
        keyHash: key.keyHash,
        keyPrefix: key.keyPrefix,
        label: key.label ?? null,
      });
      const created = await tx.getRepository(MerchantEntity).findOneByOrFail({ id: merchant.id });
      return { merchant: created, apiKeyId: apiKey.id };
    });
  }

  async list(): Promise<Merchant[]> {
    return this.manager.getRepository(MerchantEntity).find({ order: { createdAt: 'ASC' } });
  }

  async setOperator(merchantId: string, operator: boolean): Promise<boolean> {
    const result = await this.manager
      .getRepository(MerchantEntity)
      .update({ id: merchantId }, { isOperator: operator });
    return (result.affected ?? 0) > 0;
  }

  async findById(merchantId: string): Promise<Merchant | null> {
    return this.manager.getRepository(MerchantEntity).findOneBy({ id: merchantId });
  }
}
