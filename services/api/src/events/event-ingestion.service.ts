import {
  accessEndsAt,
  applySubscriptionEvent,
  type MerchantEvent,
  type MerchantEventType,
  type SubscriptionState,
} from '@inflow/contracts';
import type { Database, NewOutboxRow, Repositories, Subscription, SubscriptionWrite } from '@inflow/db';
import { problems } from '../http/problem';
import { canonicalHash } from './canonical-hash';

export interface IngestResult {
  /** 202 when this call recorded the event, 200 when the same event had been recorded before. */
  status: 200 | 202;
  body: { id: string; status: 'accepted' };
}

/** Events that post a notification to the guild of the subscription's offer. */
const NOTIFYING_EVENTS: ReadonlySet<MerchantEventType> = new Set([
  'payment.succeeded',
  'payment.failed',
  'subscription.created',
  'subscription.canceled',
]);

function stateOf(subscription: Subscription): SubscriptionState {
  return {
    status: subscription.status,
    currentPeriodEnd: subscription.currentPeriodEnd,
    cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
    pastDueSince: subscription.pastDueSince,
    lastEventAt: subscription.lastEventAt,
    lastEventId: subscription.lastEventId,
  };
}

/**
 * Takes a merchant event: records it, applies it to the subscription unless it is older than the last
 * applied one, and writes the jobs it needs (role sync, notification) to the outbox, all in one
 * transaction. Idempotent by event id: the same body again answers the same, a different body 409.
 */
export class EventIngestionService {
  constructor(
    private readonly db: Database,
    private readonly outboxWritten: () => void,
  ) {}

  async ingest(merchantId: string, event: MerchantEvent): Promise<IngestResult> {
    const accepted = { id: event.id, status: 'accepted' as const };
    const bodyHash = canonicalHash(event);
    const outcome = await this.db.transaction(async (repos) => {
      const offer = await repos.offers.find(merchantId, event.subscription.offerId);
      if (offer === null) {
        throw problems.unprocessable(
          'The subscription names an offer you do not have.',
          [{ pointer: '/subscription/offerId', detail: 'is not one of your offers' }],
          'unknown-offer',
        );
      }
      const recorded = await repos.inboundEvents.recordIfNew({
        merchantId,
        externalId: event.id,
        type: event.type,
        occurredAt: new Date(event.occurredAt),
        bodyHash,
        body: event,
      });
      if (!recorded.recorded) {
        if (!recorded.bodyHash.equals(bodyHash)) {
          throw problems.conflict(
            `Event ${event.id} was already received with a different body; event ids must be unique.`,
            'event-id-reused',
          );
        }
        return { duplicate: true, wroteOutbox: false };
      }
      const wroteOutbox = await this.apply(repos, merchantId, event, recorded.id, offer);
      return { duplicate: false, wroteOutbox };
    });
    if (outcome.wroteOutbox) this.outboxWritten();
    return { status: outcome.duplicate ? 200 : 202, body: accepted };
  }

  /** Applies a newly recorded event; returns whether it wrote outbox rows. */
  private async apply(
    repos: Repositories,
    merchantId: string,
    event: MerchantEvent,
    inboundEventId: string,
    offer: {
      id: string;
      discordGuildId: string | null;
      gracePeriodDays: number;
      discordRoleId: string | null;
    },
  ): Promise<boolean> {
    const customerId = await repos.customers.upsert(
      merchantId,
      event.subscription.customer.id,
      event.subscription.customer.email ?? null,
    );
    const facts = {
      eventId: event.id,
      occurredAt: new Date(event.occurredAt),
      status: event.subscription.status,
      currentPeriodEnd:
        event.subscription.currentPeriodEnd == null ? null : new Date(event.subscription.currentPeriodEnd),
      cancelAtPeriodEnd: event.subscription.cancelAtPeriodEnd,
    };
    const write = (state: SubscriptionState, offerId: string): SubscriptionWrite => ({
      ...state,
      offerId,
      accessEndsAt: accessEndsAt(state, offer),
    });

    const target = await this.lockOrCreate(
      repos,
      merchantId,
      event.subscription.id,
      customerId,
      write(applySubscriptionEvent(null, facts).state, offer.id),
    );
    let subscriptionId: string;
    let applied = true;
    let previousGuildId: string | null = null;
    if (target.created) {
      subscriptionId = target.id;
    } else {
      const existing = target.subscription;
      if (existing.customerId !== customerId) {
        throw problems.unprocessable(
          `Subscription ${event.subscription.id} belongs to another customer.`,
          [
            {
              pointer: '/subscription/customer/id',
              detail: 'differs from the customer of this subscription',
            },
          ],
          'customer-mismatch',
        );
      }
      const result = applySubscriptionEvent(stateOf(existing), facts);
      subscriptionId = existing.id;
      applied = result.applied;
      const offerMoved = result.applied && existing.offerId !== offer.id;
      const previousOffer =
        offerMoved || !result.applied ? await repos.offers.find(merchantId, existing.offerId) : offer;
      if (offerMoved) previousGuildId = previousOffer?.discordGuildId ?? null;
      if (result.applied || result.state.pastDueSince !== existing.pastDueSince) {
        await repos.subscriptions.update(existing.id, {
          ...result.state,
          offerId: result.applied ? offer.id : existing.offerId,
          accessEndsAt: accessEndsAt(result.state, result.applied ? offer : (previousOffer ?? offer)),
        });
      }
    }
    await repos.inboundEvents.markOutcome(inboundEventId, subscriptionId, applied);

    const jobs: NewOutboxRow[] = [];
    if (applied) {
      const userId = await repos.discordLinks.discordUserIdOf(customerId);
      if (userId !== null) {
        const guilds = new Set(
          [offer.discordGuildId, previousGuildId].filter((g): g is string => g !== null),
        );
        for (const guildId of guilds)
          jobs.push({ jobName: 'role-sync.member', payload: { guildId, userId, reason: 'event' } });
      }
    }
    if (NOTIFYING_EVENTS.has(event.type) && offer.discordGuildId !== null) {
      jobs.push({ jobName: 'notification.send', payload: { inboundEventId, guildId: offer.discordGuildId } });
    }
    await repos.outbox.add(jobs);
    return jobs.length > 0;
  }

  /**
   * Locks the subscription, creating it with `initial` when it does not exist. A concurrent request may
   * create it between our read and our insert; we then lock and return that one.
   */
  private async lockOrCreate(
    repos: Repositories,
    merchantId: string,
    externalId: string,
    customerId: string,
    initial: SubscriptionWrite,
  ): Promise<{ created: true; id: string } | { created: false; subscription: Subscription }> {
    const existing = await repos.subscriptions.findForUpdate(merchantId, externalId);
    if (existing !== null) return { created: false, subscription: existing };
    const id = await repos.subscriptions.insertIfAbsent(merchantId, externalId, customerId, initial);
    if (id !== null) return { created: true, id };
    const raced = await repos.subscriptions.findForUpdate(merchantId, externalId);
    if (raced === null) throw new Error(`subscription ${externalId} neither inserted nor found`);
    return { created: false, subscription: raced };
  }
}
