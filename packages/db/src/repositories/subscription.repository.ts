import type { EntityManager } from 'typeorm';
import type { SubscriptionState } from '@inflow/contracts';
import { SubscriptionEntity, type Subscription } from '../entities/subscription.entity';

export interface SubscriptionWrite extends SubscriptionState {
  offerId: string;
  accessEndsAt: Date | null;
}

export class SubscriptionRepository {
  constructor(private readonly manager: EntityManager) {}

  /**
   * The subscription, locked for the rest of the transaction so that events for it apply one at a time
   * (their order then depends only on occurredAt, never on which request won a race).
   */
  async findForUpdate(merchantId: string, externalId: string): Promise<Subscription | null> {
    return this.manager
      .getRepository(SubscriptionEntity)
      .createQueryBuilder('s')
      .setLock('pessimistic_write')
      .where('s.merchant_id = :merchantId AND s.external_id = :externalId', { merchantId, externalId })
      .getOne();
  }

  /**
   * Creates the subscription, or returns null when a concurrent transaction created it first (the caller
   * then locks and updates that one).
   */
  async insertIfAbsent(
    merchantId: string,
    externalId: string,
    customerId: string,
    state: SubscriptionWrite,
  ): Promise<string | null> {
    const rows = await this.manager.query<Array<{ id: string }>>(
      `INSERT INTO subscription (merchant_id, external_id, customer_id, offer_id, status, current_period_end,
                                 cancel_at_period_end, past_due_since, access_ends_at, last_event_at, last_event_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (merchant_id, external_id) DO NOTHING
       RETURNING id`,
      [
        merchantId,
        externalId,
        customerId,
        state.offerId,
        state.status,
        state.currentPeriodEnd,
        state.cancelAtPeriodEnd,
        state.pastDueSince,
        state.accessEndsAt,
        state.lastEventAt,
        state.lastEventId,
      ],
    );
    return rows[0]?.id ?? null;
  }

  async update(subscriptionId: string, state: SubscriptionWrite): Promise<void> {
    await this.manager.query(
      `UPDATE subscription SET offer_id = $2, status = $3, current_period_end = $4, cancel_at_period_end = $5,
              past_due_since = $6, access_ends_at = $7, last_event_at = $8, last_event_id = $9, updated_at = now()
        WHERE id = $1`,
      [
        subscriptionId,
        state.offerId,
        state.status,
        state.currentPeriodEnd,
        state.cancelAtPeriodEnd,
        state.pastDueSince,
        state.accessEndsAt,
        state.lastEventAt,
        state.lastEventId,
      ],
    );
  }

  async findByExternalId(merchantId: string, externalId: string): Promise<Subscription | null> {
    return this.manager.getRepository(SubscriptionEntity).findOneBy({ merchantId, externalId });
  }

  /**
   * Recomputes access_ends_at for an offer's subscriptions after its grace period changed. Only past-due
   * subscriptions depend on the grace period.
   */
  async setPastDueAccessEnd(offerId: string, gracePeriodDays: number): Promise<void> {
    await this.manager.query(
      `UPDATE subscription SET access_ends_at = past_due_since + make_interval(days => $2), updated_at = now()
        WHERE offer_id = $1 AND status = 'PAST_DUE' AND past_due_since IS NOT NULL`,
      [offerId, gracePeriodDays],
    );
  }
}
