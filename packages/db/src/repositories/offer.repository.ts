import type { EntityManager } from 'typeorm';
import { OfferEntity, type Offer } from '../entities/offer.entity';

export type NewOffer = Omit<Offer, 'id' | 'merchantId' | 'createdAt' | 'updatedAt'>;
export type OfferPatch = Partial<NewOffer>;

/** Offers; every method takes the merchant's id and never reaches another merchant's rows. */
export class OfferRepository {
  constructor(private readonly manager: EntityManager) {}

  async create(merchantId: string, offer: NewOffer): Promise<Offer> {
    const saved = await this.manager.getRepository(OfferEntity).save({ ...offer, merchantId });
    return this.manager.getRepository(OfferEntity).findOneByOrFail({ id: saved.id, merchantId });
  }

  async list(merchantId: string, limit: number, afterId?: string): Promise<Offer[]> {
    const query = this.manager
      .getRepository(OfferEntity)
      .createQueryBuilder('offer')
      .where('offer.merchant_id = :merchantId', { merchantId })
      .orderBy('offer.id', 'ASC')
      .limit(limit);
    if (afterId !== undefined) query.andWhere('offer.id > :afterId', { afterId });
    return query.getMany();
  }

  async find(merchantId: string, offerId: string): Promise<Offer | null> {
    return this.manager.getRepository(OfferEntity).findOneBy({ id: offerId, merchantId });
  }

  /** Locks the offer for the rest of the transaction, so concurrent updates apply one after the other. */
  async findForUpdate(merchantId: string, offerId: string): Promise<Offer | null> {
    return this.manager
      .getRepository(OfferEntity)
      .createQueryBuilder('offer')
      .setLock('pessimistic_write')
      .where('offer.id = :offerId AND offer.merchant_id = :merchantId', { offerId, merchantId })
      .getOne();
  }

  async update(merchantId: string, offerId: string, patch: OfferPatch): Promise<Offer | null> {
    if (Object.keys(patch).length > 0) {
      await this.manager
        .getRepository(OfferEntity)
        .update({ id: offerId, merchantId }, { ...patch, updatedAt: new Date() });
    }
    return this.find(merchantId, offerId);
  }

  async listForGuild(merchantId: string, guildId: string): Promise<Offer[]> {
    return this.manager
      .getRepository(OfferEntity)
      .find({ where: { merchantId, discordGuildId: guildId }, order: { createdAt: 'ASC' } });
  }

  /** Every role some offer of this guild names: the roles the system manages there. */
  async managedRoleIds(guildId: string): Promise<string[]> {
    const rows = await this.manager.query<Array<{ role: string }>>(
      `SELECT DISTINCT discord_role_id AS role FROM offer WHERE discord_guild_id = $1 AND discord_role_id IS NOT NULL`,
      [guildId],
    );
    return rows.map((row) => row.role);
  }
}
