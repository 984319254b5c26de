import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { SUBSCRIPTION_STATUSES } from '../subscription-status';
import {
  applySubscriptionEvent,
  type SubscriptionEventFacts,
  type SubscriptionState,
} from './subscription-state';

const eventArb: fc.Arbitrary<SubscriptionEventFacts> = fc.record({
  eventId: fc.stringMatching(/^evt_[a-z0-9]{1,6}$/),
  occurredAt: fc.integer({ min: 0, max: 50 }).map((m) => new Date(Date.UTC(2026, 10, 1) + m * 60_000)),
  status: fc.constantFrom(...SUBSCRIPTION_STATUSES),
  currentPeriodEnd: fc.option(fc.constant(new Date('2026-12-01T00:00:00Z')), { nil: null }),
  cancelAtPeriodEnd: fc.boolean(),
});

function replay(events: readonly SubscriptionEventFacts[]): SubscriptionState | null {
  let state: SubscriptionState | null = null;
  for (const event of events) state = applySubscriptionEvent(state, event).state;
  return state;
}

function replaySteps(events: readonly SubscriptionEventFacts[]): SubscriptionState[] {
  const states: SubscriptionState[] = [];
  let state: SubscriptionState | null = null;
  for (const event of events) {
    state = applySubscriptionEvent(state, event).state;
    states.push(state);
  }
  return states;
}

const t = (m: number) => new Date(Date.UTC(2026, 10, 1, 0, m));

function newest(events: readonly SubscriptionEventFacts[]): SubscriptionEventFacts {
  return events.reduce((a, b) => {
    const delta = b.occurredAt.getTime() - a.occurredAt.getTime();
    return delta > 0 || (delta === 0 && b.eventId > a.eventId) ? b : a;
  });
}

describe('applySubscriptionEvent', () => {
  it('ends in the state of the newest event, whatever order the events arrive in (stale events move nothing)', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(eventArb, { minLength: 1, maxLength: 12, selector: (e) => e.eventId })
          .chain((events) =>
            fc.tuple(
              fc.constant(events),
              fc.shuffledSubarray(events, { minLength: events.length, maxLength: events.length }),
            ),
          ),
        ([events, shuffled]) => {
          const a = replay(events);
          const b = replay(shuffled);
          const last = newest(events);
          for (const state of [a, b]) {
            expect(state?.status).toBe(last.status);
            expect(state?.currentPeriodEnd).toEqual(last.currentPeriodEnd);
            expect(state?.cancelAtPeriodEnd).toBe(last.cancelAtPeriodEnd);
            expect(state?.lastEventId).toBe(last.eventId);
          }
        },
      ),
    );
  });

  it('records an event older than the last applied one without moving the state', () => {
    const succeeded = {
      eventId: 'evt_2',
      occurredAt: new Date('2026-11-24T10:00:00Z'),
      status: 'ACTIVE' as const,
      currentPeriodEnd: null,
      cancelAtPeriodEnd: false,
    };
    const failedEarlier = {
      ...succeeded,
      eventId: 'evt_1',
      occurredAt: new Date('2026-11-24T09:00:00Z'),
      status: 'PAST_DUE' as const,
    };
    const { state } = applySubscriptionEvent(null, succeeded);
    expect(applySubscriptionEvent(state, failedEarlier)).toEqual({ state, applied: false });
  });

  it('sets pastDueSince when the subscription becomes past due and keeps it while it stays so', () => {
    const base = { currentPeriodEnd: null, cancelAtPeriodEnd: false };
    const states = replaySteps([
      { ...base, eventId: 'a', occurredAt: t(0), status: 'ACTIVE' },
      { ...base, eventId: 'b', occurredAt: t(5), status: 'PAST_DUE' },
      { ...base, eventId: 'c', occurredAt: t(9), status: 'PAST_DUE' },
      { ...base, eventId: 'd', occurredAt: t(12), status: 'ACTIVE' },
    ]);
    expect(states.map((s) => s.pastDueSince)).toEqual([null, t(5), t(5), null]);
  });

  it('restarts the arrears when a late event shows the subscription was in good standing in between', () => {
    const base = { currentPeriodEnd: null, cancelAtPeriodEnd: false };
    const states = replaySteps([
      { ...base, eventId: 'a', occurredAt: t(0), status: 'PAST_DUE' },
      { ...base, eventId: 'c', occurredAt: t(2), status: 'PAST_DUE' },
      { ...base, eventId: 'b', occurredAt: t(1), status: 'ACTIVE' },
    ]);
    expect(states.map((s) => s.pastDueSince)).toEqual([t(0), t(0), t(2)]);
    expect(states[2]?.status).toBe('PAST_DUE');
  });

  it('never sets pastDueSince earlier than the true start of arrears (out of order only extends grace)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(eventArb, { minLength: 1, maxLength: 10, selector: (e) => e.eventId }),
        (events) => {
          const inOrder = [...events].sort(
            (x, y) => x.occurredAt.getTime() - y.occurredAt.getTime() || (x.eventId < y.eventId ? -1 : 1),
          );
          const truth = replay(inOrder);
          const arrived = replay(events);
          if (truth?.status === 'PAST_DUE') {
            expect(arrived!.pastDueSince!.getTime()).toBeGreaterThanOrEqual(truth.pastDueSince!.getTime());
          }
        },
      ),
    );
  });
});
