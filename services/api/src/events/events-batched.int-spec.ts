import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiHarness, type TestMerchant } from '../test/api-harness';

/**
 * Many events at once share transactions (group commit). Whatever the batching, each subscription ends
 * in the state of its newest event, each event is answered for itself, and one bad event fails alone.
 */
describe('POST /events under concurrency (batched transactions)', () => {
  let h: ApiHarness;
  let acme: TestMerchant;
  let offerId: string;

  beforeAll(async () => {
    ({ h, merchant: acme, offerId } = await ApiHarness.startWithSeedOffer());
  });

  afterAll(async () => {
    await h.stop();
  });

  const event = (
    n: number,
    sub: number,
    status: string,
    minute: number,
    customer = `cus_${sub}`,
    offer = offerId,
  ) => ({
    id: `evt_${n}`,
    type: 'subscription.updated',
    occurredAt: new Date(Date.UTC(2026, 10, 1, 0, minute)).toISOString(),
    subscription: {
      id: `sub_${sub}`,
      offerId: offer,
      status,
      currentPeriodEnd: null,
      cancelAtPeriodEnd: false,
      customer: { id: customer },
    },
  });

  it('ends every subscription in the state of its newest event, answering each event on its own', async () => {
    const statuses = ['ACTIVE', 'PAST_DUE', 'CANCELED', 'TRIALING', 'EXPIRED'];
    const events = Array.from({ length: 200 }, (_, n) => event(n, n % 20, statuses[(n * 7) % 5]!, n));
    const shuffled = [...events].sort(() => Math.random() - 0.5);
    const unknown = event(900, 1, 'ACTIVE', 900, 'cus_1', '9b2f0a2e-0000-4000-8000-000000000000');
    const mismatch = event(901, 2, 'ACTIVE', 901, 'cus_someone_else');
    const responses = await Promise.all(
      [...shuffled.slice(0, 100), unknown, mismatch, ...shuffled.slice(100), ...shuffled.slice(0, 30)].map(
        (body) =>
          h
            .request('POST', '/events', { key: acme.apiKey, body })
            .then((r) => ({ id: body.id, status: r.status })),
      ),
    );
    const byId = new Map<string, number[]>();
    for (const r of responses) byId.set(r.id, [...(byId.get(r.id) ?? []), r.status]);
    expect(byId.get('evt_900')).toEqual([422]);
    expect(byId.get('evt_901')).toEqual([422]);
    for (const e of events) {
      const statusesSeen = byId.get(e.id)!.sort();
      expect(statusesSeen.filter((s) => s === 202)).toHaveLength(1);
      expect(statusesSeen.every((s) => s === 202 || s === 200)).toBe(true);
    }
    for (let sub = 0; sub < 20; sub += 1) {
      const newest = events.filter((e) => e.subscription.id === `sub_${sub}`).at(-1)!;
      const view = await h.request('GET', `/subscription/sub_${sub}`, { key: acme.apiKey });
      expect({ sub, status: (view.body as { status: string }).status }).toEqual({
        sub,
        status: newest.subscription.status,
      });
    }
    expect(
      await h.t.sql(
        `SELECT count(*)::int AS n FROM inbound_event WHERE external_id IN ('evt_900', 'evt_901')`,
      ),
    ).toEqual([{ n: 0 }]);
    expect(
      await h.t.sql(`SELECT count(*)::int AS n FROM customer WHERE external_id = 'cus_someone_else'`),
    ).toEqual([{ n: 0 }]);
    expect(await h.t.sql(`SELECT count(*)::int AS n FROM inbound_event`)).toEqual([{ n: 200 }]);
  });
});
