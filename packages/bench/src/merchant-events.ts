import type { MerchantEvent } from '@inflow/contracts';

export interface SubscriptionRef {
  subscriptionId: string;
  offerId: string;
  customerId: string;
}

/** A `subscription.created` event (ACTIVE, a month to go) for the subscription, as a merchant sends it. */
export function subscriptionCreated(eventId: string, ref: SubscriptionRef, occurredAt: Date): MerchantEvent {
  return {
    id: eventId,
    type: 'subscription.created',
    occurredAt: occurredAt.toISOString(),
    subscription: {
      id: ref.subscriptionId,
      offerId: ref.offerId,
      status: 'ACTIVE',
      currentPeriodEnd: new Date(occurredAt.getTime() + 30 * 86_400_000).toISOString(),
      cancelAtPeriodEnd: false,
      customer: { id: ref.customerId },
    },
  };
}

/** A `payment.succeeded` event for the subscription (a renewal: still ACTIVE). */
export function paymentSucceeded(eventId: string, ref: SubscriptionRef, occurredAt: Date): MerchantEvent {
  return {
    ...subscriptionCreated(eventId, ref, occurredAt),
    type: 'payment.succeeded',
    payment: { id: `pay_${eventId}`, amountInCents: 999, currency: 'EUR', failureReason: null },
  };
}

/**
 * The ingest scenario's stream: event n names subscription n mod `subscriptions`; the first round creates
 * them, later rounds are renewals. Every event id is new and `occurredAt` grows, so every event is
 * recorded and applied (the full write path), never answered from the idempotency record.
 */
export class IngestEventStream {
  private n = 0;

  constructor(
    private readonly runTag: string,
    private readonly offerIds: readonly string[],
    private readonly subscriptions: number,
    private readonly startsAt: Date,
  ) {
    if (offerIds.length === 0 || subscriptions < 1) throw new RangeError('need offers and subscriptions');
  }

  get sent(): number {
    return this.n;
  }

  next(): MerchantEvent {
    const n = this.n;
    this.n += 1;
    const k = n % this.subscriptions;
    const ref: SubscriptionRef = {
      subscriptionId: `sub_${this.runTag}_${k}`,
      offerId: this.offerIds[k % this.offerIds.length]!,
      customerId: `cus_${this.runTag}_${k}`,
    };
    const occurredAt = new Date(this.startsAt.getTime() + n);
    const id = `evt_${this.runTag}_${n}`;
    return n < this.subscriptions
      ? subscriptionCreated(id, ref, occurredAt)
      : paymentSucceeded(id, ref, occurredAt);
  }
}
