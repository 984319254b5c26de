import type { ChaosMember } from './chaos-world';
import { pick, shuffle, type Random } from './seeded-random';

/** A merchant event to send, as `POST /events` takes it. */
export interface PlannedEvent {
  id: string;
  subscriptionId: string;
  occurredAt: number;
  status: string;
  body: Record<string, unknown>;
}

interface Step {
  type: string;
  status: string;
  cancelAtPeriodEnd?: boolean;
}

const FIRST_STEPS: readonly Step[] = [
  { type: 'subscription.created', status: 'ACTIVE' },
  { type: 'subscription.created', status: 'TRIALING' },
];

/** Every status and both kinds of cancellation, so grants, removals and kept roles all happen. */
const LATER_STEPS: readonly Step[] = [
  { type: 'subscription.updated', status: 'ACTIVE' },
  { type: 'subscription.updated', status: 'TRIALING' },
  { type: 'subscription.past_due', status: 'PAST_DUE' },
  { type: 'subscription.canceled', status: 'CANCELED' },
  { type: 'subscription.canceled', status: 'CANCELED', cancelAtPeriodEnd: true },
  { type: 'subscription.expired', status: 'EXPIRED' },
  { type: 'payment.succeeded', status: 'ACTIVE' },
  { type: 'payment.failed', status: 'PAST_DUE' },
];

const DAY_MS = 86_400_000;

/**
 * `perSubscription` events for every subscription of the members (created, then random moves), in a
 * random delivery order with a tenth of them repeated, as a merchant's webhook retries would. Their
 * `occurredAt` run in order per subscription, so the newest event decides whatever order they arrive in.
 */
export function planEvents(
  members: readonly ChaosMember[],
  options: { label: string; perSubscription: number; random: Random },
): PlannedEvent[] {
  const { label, perSubscription, random } = options;
  const base = Date.now() - 3_600_000;
  const events: PlannedEvent[] = [];
  let subscriptionIndex = 0;
  for (const member of members) {
    for (const subscription of member.subscriptions) {
      subscriptionIndex += 1;
      for (let step = 0; step < perSubscription; step += 1) {
        const { type, status, cancelAtPeriodEnd } = pick(random, step === 0 ? FIRST_STEPS : LATER_STEPS);
        const occurredAt = base + step * 10_000 + subscriptionIndex;
        const id = `evt_${label}_${subscription.id}_${step}`;
        events.push({
          id,
          subscriptionId: subscription.id,
          occurredAt,
          status,
          body: {
            id,
            type,
            occurredAt: new Date(occurredAt).toISOString(),
            subscription: {
              id: subscription.id,
              offerId: subscription.offer.id,
              status,
              currentPeriodEnd: new Date(occurredAt + 30 * DAY_MS).toISOString(),
              cancelAtPeriodEnd: cancelAtPeriodEnd ?? false,
              customer: { id: member.customerId },
            },
            ...(type.startsWith('payment.')
              ? {
                  payment: {
                    id: `pay_${id}`,
                    amountInCents: 999,
                    currency: 'EUR',
                    failureReason: type === 'payment.failed' ? 'card_declined' : null,
                  },
                }
              : {}),
          },
        });
      }
    }
  }
  const repeats = events.filter(() => random() < 0.1);
  return shuffle(random, [...events, ...repeats]);
}

/**
 * For every subscription of the members: created, then canceled at the end of a period that ends at
 * `endsAt`. The role stays until then; after it, only the cleanup cycle (nothing else happens to
 * these members) takes it away.
 */
export function clockEndingEvents(
  members: readonly ChaosMember[],
  options: { label: string; endsAt: number },
): PlannedEvent[] {
  const created = Date.now() - 60_000;
  return members.flatMap((member) =>
    member.subscriptions.flatMap((subscription) =>
      (
        [
          ['subscription.created', 'ACTIVE', created, false],
          ['subscription.canceled', 'CANCELED', created + 30_000, true],
        ] as const
      ).map(([type, status, occurredAt, cancelAtPeriodEnd], step) => {
        const id = `evt_${options.label}_${subscription.id}_${step}`;
        return {
          id,
          subscriptionId: subscription.id,
          occurredAt,
          status,
          body: {
            id,
            type,
            occurredAt: new Date(occurredAt).toISOString(),
            subscription: {
              id: subscription.id,
              offerId: subscription.offer.id,
              status,
              currentPeriodEnd: new Date(options.endsAt).toISOString(),
              cancelAtPeriodEnd,
              customer: { id: member.customerId },
            },
          },
        };
      }),
    ),
  );
}

/** The status each subscription must end in: that of its newest event. */
export function finalStatuses(events: readonly PlannedEvent[]): Map<string, string> {
  const newest = new Map<string, PlannedEvent>();
  for (const event of events) {
    const seen = newest.get(event.subscriptionId);
    if (seen === undefined || event.occurredAt > seen.occurredAt) newest.set(event.subscriptionId, event);
  }
  return new Map([...newest].map(([id, event]) => [id, event.status]));
}
