import { describe, expect, it } from '@jest/globals';
import { merchantEventSchema } from '@inflow/contracts';
import { IngestEventStream } from './merchant-events';

const OFFERS = ['5b0f3a52-8a1e-4d7c-9f5e-0c8a6b1d2e3f', '0e4c2f7a-1b3d-4e5f-8a9b-7c6d5e4f3a2b'];

describe('IngestEventStream', () => {
  it('creates each subscription once, then renews it, with a new id and a later occurredAt every time', () => {
    const stream = new IngestEventStream('run1', OFFERS, 3, new Date('2026-05-01T10:00:00Z'));
    const events = Array.from({ length: 7 }, () => stream.next());
    expect(events.map((e) => e.type)).toEqual([
      'subscription.created',
      'subscription.created',
      'subscription.created',
      'payment.succeeded',
      'payment.succeeded',
      'payment.succeeded',
      'payment.succeeded',
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(7);
    expect(events.map((e) => e.subscription.id)).toEqual([
      'sub_run1_0',
      'sub_run1_1',
      'sub_run1_2',
      'sub_run1_0',
      'sub_run1_1',
      'sub_run1_2',
      'sub_run1_0',
    ]);
    expect(events[3]!.subscription.offerId).toBe(events[0]!.subscription.offerId);
    const times = events.map((e) => Date.parse(e.occurredAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(times).size).toBe(7);
    expect(stream.sent).toBe(7);
  });

  it('produces bodies the api accepts', () => {
    const stream = new IngestEventStream('run2', OFFERS, 2, new Date());
    for (let i = 0; i < 4; i += 1) {
      const result = merchantEventSchema.safeParse(JSON.parse(JSON.stringify(stream.next())));
      expect(result.error).toBeUndefined();
    }
  });
});
