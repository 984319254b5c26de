import {
  accessEndsAt,
  applySubscriptionEvent,
  type MerchantEvent,
  type MerchantEventType,
  type SubscriptionEventFacts,
  type SubscriptionState,
} from '@inflow/contracts';
import type { Database, IngestionOffer, LockedSubscription, NewOutboxRow, Repositories } from '@inflow/db';
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

function stateOf(subscription: LockedSubscription): SubscriptionState {
  return {
    status: subscription.status,
    currentPeriodEnd: subscription.currentPeriodEnd,
    cancelAtPeriodEnd: subscription.cancelAtPeriodEnd,
    pastDueSince: subscription.pastDueSince,
    lastEventAt: subscription.lastEventAt,
    lastEventId: subscription.lastEventId,
  };
}

const unknownOffer = () =>
  problems.unprocessable(
    'The subscription names an offer you do not have.',
    [{ pointer: '/subscription/offerId', detail: 'is not one of your offers' }],
    'unknown-offer',
  );

/**
 * Takes a merchant event: records it, applies it to the subscription unless it is older than the last
 * applied one, and writes the jobs it needs (role sync, notification) to the outbox, all in one
 * transaction of few round trips. Idempotent by event id: the same body again answers the same, a
 * different body 409.
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
      const opened = await repos.eventIngestion.open({
        merchantId,
        externalId: event.id,
        type: event.type,
        occurredAt: new Date(event.occurredAt),
        bodyHash,
        body: event,
        offerId: event.subscription.offerId,
        customerExternalId: event.subscription.customer.id,
        customerEmail: event.subscription.customer.email ?? null,
        subscriptionExternalId: event.subscription.id,
      });
      switch (opened.kind) {
        case 'unknown-offer':
          throw unknownOffer();
        case 'duplicate':
          if (!opened.bodyHash.equals(bodyHash)) {
            throw problems.conflict(
              `Event ${event.id} was already received with a different body; event ids must be unique.`,
              'event-id-reused',
            );
          }
          return { duplicate: true, wroteOutbox: false };
        case 'new': {
          const jobs = await this.apply(
            repos,
            merchantId,
            event,
            opened.customerId,
            opened.offer,
            opened.subscription,
            opened.discordUserId,
            opened.inboundEventId,
          );
          return { duplicate: false, wroteOutbox: jobs > 0 };
        }
      }
    });
    if (outcome.wroteOutbox) this.outboxWritten();
    return { status: outcome.duplicate ? 200 : 202, body: accepted };
  }

  /** Applies a newly recorded event to its (locked) subscription; returns how many jobs it queued. */
  private async apply(
    repos: Repositories,
    merchantId: string,
    event: MerchantEvent,
    customerId: string,
    offer: IngestionOffer,
    locked: LockedSubscription | null,
    discordUserId: string | null,
    inboundEventId: string,
  ): Promise<number> {
    const facts: SubscriptionEventFacts = {
      eventId: event.id,
      occurredAt: new Date(event.occurredAt),
      status: event.subscription.status,
      currentPeriodEnd:
        event.subscription.currentPeriodEnd == null ? null : new Date(event.subscription.currentPeriodEnd),
      cancelAtPeriodEnd: event.subscription.cancelAtPeriodEnd,
    };
    let existing = locked;
    let subscriptionId: string | null = null;
    if (existing === null) {
      const { state } = applySubscriptionEvent(null, facts);
      subscriptionId = await repos.subscriptions.insertIfAbsent(
        merchantId,
        event.subscription.id,
        customerId,
        {
          ...state,
          offerId: offer.id,
          accessEndsAt: accessEndsAt(state, offer),
        },
      );
      if (subscriptionId === null) existing = await this.lockRaced(repos, merchantId, event.subscription.id);
    }

    let applied = true;
    let previousGuildId: string | null = null;
    if (existing !== null) {
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
      if (result.applied && existing.offerId !== offer.id) previousGuildId = existing.offerGuildId;
      if (result.applied || result.state.pastDueSince !== existing.pastDueSince) {
        const grace = result.applied
          ? offer
          : { gracePeriodDays: existing.offerGracePeriodDays, discordRoleId: null };
        await repos.subscriptions.update(existing.id, {
          ...result.state,
          offerId: result.applied ? offer.id : existing.offerId,
          accessEndsAt: accessEndsAt(result.state, grace),
        });
      }
    }

    const jobs: NewOutboxRow[] = [];
    if (applied && discordUserId !== null) {
      for (const guildId of new Set(
        [offer.discordGuildId, previousGuildId].filter((g): g is string => g !== null),
      )) {
        jobs.push({
          jobName: 'role-sync.member',
          payload: { guildId, userId: discordUserId, reason: 'event' },
        });
      }
    }
    if (NOTIFYING_EVENTS.has(event.type) && offer.discordGuildId !== null) {
      jobs.push({ jobName: 'notification.send', payload: { inboundEventId, guildId: offer.discordGuildId } });
    }
    await repos.eventIngestion.finish(inboundEventId, subscriptionId!, applied, jobs);
    return jobs.length;
  }

  /** The subscription a concurrent request created between our read and our insert, locked. */
  private async lockRaced(
    repos: Repositories,
    merchantId: string,
    externalId: string,
  ): Promise<LockedSubscription> {
    const raced = await repos.subscriptions.findForUpdate(merchantId, externalId);
    if (raced === null) throw new Error(`subscription ${externalId} neither inserted nor found`);
    const offer = await repos.offers.find(merchantId, raced.offerId);
    return {
      ...raced,
      offerGracePeriodDays: offer?.gracePeriodDays ?? 0,
      offerGuildId: offer?.discordGuildId ?? null,
    };
  }
}
