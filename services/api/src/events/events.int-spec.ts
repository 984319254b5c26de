import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '@inflow/testing';
import { generateApiKey } from '../auth/api-key';
import { ApiHarness, seedEvent, type TestMerchant } from '../test/api-harness';

describe('POST /events', () => {
  let h: ApiHarness;
  let acme: TestMerchant;
  let offerId: string;

  beforeAll(async () => {
    ({ h, merchant: acme, offerId } = await ApiHarness.startWithSeedOffer());
  });

  afterAll(async () => {
    await h.stop();
  });

  const post = (body: unknown) => h.request('POST', '/events', { key: acme.apiKey, body });

  it("accepts the seed's event with 202, records the subscription and queues its notification", async () => {
    const response = await post(seedEvent(offerId));
    expect(response).toMatchObject({ status: 202, body: { id: 'evt_1', status: 'accepted' } });
    const subscription = await h.request('GET', '/subscription/sub_1', { key: acme.apiKey });
    expect(subscription).toMatchObject({
      status: 200,
      body: {
        id: 'sub_1',
        offerId,
        customerId: 'cus_1',
        status: 'ACTIVE',
        currentPeriodEnd: '2026-12-24T10:00:00.000Z',
        discord: null,
        roles: [
          {
            guildId: h.seed.guildId,
            roleId: h.seed.vipRoleId,
            shouldHave: true,
            has: null,
            state: 'not_linked',
          },
        ],
      },
    });
    await eventually(async () => {
      const jobs = await h.queuedJobs('notifications');
      expect(jobs).toEqual([
        { name: 'notification.send', data: { inboundEventId: expect.any(String), guildId: h.seed.guildId } },
      ]);
    });
  });

  it('answers the same event again with 200 and the same body, and changes nothing', async () => {
    const rows = await h.t.sql('SELECT count(*)::int AS n FROM outbox');
    const again = await post(seedEvent(offerId));
    expect(again).toMatchObject({ status: 200, body: { id: 'evt_1', status: 'accepted' } });
    expect(await h.t.sql('SELECT count(*)::int AS n FROM outbox')).toEqual(rows);
  });

  it('answers the same id with a different body with 409', async () => {
    const response = await post(seedEvent(offerId, { status: 'PAST_DUE' }));
    expect(response).toMatchObject({
      status: 409,
      body: { type: expect.stringContaining('event-id-reused') },
    });
    expect((await h.request('GET', '/subscription/sub_1', { key: acme.apiKey })).body).toMatchObject({
      status: 'ACTIVE',
    });
  });

  it('treats the same body with keys in another order as the same event', async () => {
    const event = seedEvent(offerId, { id: 'evt_order' });
    const reordered = Object.fromEntries(Object.entries(event).reverse());
    expect((await post(event)).status).toBe(202);
    expect((await post(reordered)).status).toBe(200);
  });

  it('applies 100 concurrent posts of one new event once: one state change, one set of outbox rows', async () => {
    const before = await h.t.sql<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
    const event = seedEvent(offerId, {
      id: 'evt_burst',
      type: 'payment.succeeded',
      occurredAt: '2026-11-25T10:00:00Z',
      payment: { id: 'pay_1', amountInCents: 999, currency: 'EUR', failureReason: null },
    });
    const responses = await Promise.all(Array.from({ length: 100 }, () => post(event)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(99);
    const after = await h.t.sql<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
    expect(after[0]!.n - before[0]!.n).toBe(1);
    expect(
      await h.t.sql(`SELECT count(*)::int AS n FROM inbound_event WHERE external_id = 'evt_burst'`),
    ).toEqual([{ n: 1 }]);
    expect(await h.t.sql(`SELECT last_event_id FROM subscription WHERE external_id = 'sub_1'`)).toEqual([
      { last_event_id: 'evt_burst' },
    ]);
  });

  it('records an out-of-order payment.failed older than an applied payment.succeeded without leaving ACTIVE', async () => {
    const payment = { id: 'pay_2', amountInCents: 999, currency: 'EUR', failureReason: 'card_declined' };
    const failedEarlier = seedEvent(offerId, {
      id: 'evt_failed_late',
      type: 'payment.failed',
      occurredAt: '2026-11-25T09:00:00Z',
      status: 'PAST_DUE',
      payment,
    });
    expect((await post(failedEarlier)).status).toBe(202);
    const subscription = await h.request('GET', '/subscription/sub_1', { key: acme.apiKey });
    expect(subscription.body).toMatchObject({ status: 'ACTIVE', pastDueSince: null });
    expect(await h.t.sql(`SELECT applied FROM inbound_event WHERE external_id = 'evt_failed_late'`)).toEqual([
      { applied: false },
    ]);
  });

  it('refuses an event for an offer the merchant does not have with 422, writing nothing', async () => {
    const before = await h.t.sql(
      'SELECT (SELECT count(*) FROM inbound_event) AS e, (SELECT count(*) FROM customer) AS c, (SELECT count(*) FROM outbox) AS o',
    );
    const response = await post({
      ...seedEvent('9b2f0a2e-0000-4000-8000-000000000000', { id: 'evt_unknown_offer' }),
    });
    expect(response).toMatchObject({ status: 422, body: { errors: [{ pointer: '/subscription/offerId' }] } });
    expect(
      await h.t.sql(
        'SELECT (SELECT count(*) FROM inbound_event) AS e, (SELECT count(*) FROM customer) AS c, (SELECT count(*) FROM outbox) AS o',
      ),
    ).toEqual(before);
  });

  it('refuses with 401, writing nothing, a key revoked after this api trusted it, and goes on refusing it', async () => {
    const extra = generateApiKey();
    const created = await h.t.db.repositories.apiKeys.create(acme.merchantId, extra);
    const postWith = (id: string) =>
      h.request('POST', '/events', { key: extra.apiKey, body: seedEvent(offerId, { id }) });
    // Found active once: POST /events no longer looks this key up before the batch reads.
    expect((await postWith('evt_key_1')).status).toBe(202);
    await h.t.db.repositories.apiKeys.revoke(acme.merchantId, created.id, new Date());
    const count = () =>
      h.t.sql(
        'SELECT (SELECT count(*) FROM inbound_event) AS e, (SELECT count(*) FROM subscription) AS s, (SELECT count(*) FROM outbox) AS o',
      );
    const before = await count();
    for (const id of ['evt_key_2', 'evt_key_3']) {
      const refused = await postWith(id);
      expect(refused).toMatchObject({ status: 401, body: { status: 401, title: 'Unauthorized' } });
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await count()).toEqual(before);
    expect(
      await h.t.sql(`SELECT count(*)::int AS n FROM inbound_event WHERE external_id LIKE 'evt_key_%'`),
    ).toEqual([{ n: 1 }]);
    // The merchant's other key goes on working.
    expect((await post(seedEvent(offerId, { id: 'evt_key_4' }))).status).toBe(202);
  });

  it.each([
    [{}, ['/id', '/type', '/occurredAt', '/subscription']],
    [{ type: 'payment.failed' }, ['/payment']],
    [{ occurredAt: 'yesterday' }, ['/occurredAt']],
    [
      { subscription: { id: 'sub_1' } },
      ['/subscription/offerId', '/subscription/status', '/subscription/customer'],
    ],
    [{ extra: true }, ['/extra']],
  ])('answers a bad event (%j) with 400 naming %j', async (patch, pointers) => {
    const body =
      Object.keys(patch).length === 0 ? {} : { ...seedEvent(offerId, { id: 'evt_bad' }), ...patch };
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(
      (response.body as { errors: Array<{ pointer: string }> }).errors.map((e) => e.pointer).sort(),
    ).toEqual([...pointers].sort());
  });

  it('refuses a NUL byte in free text with 400 naming the field, writing nothing (Postgres cannot store it)', async () => {
    const before = await h.t.sql('SELECT count(*) AS e FROM inbound_event');
    const event = seedEvent(offerId, { id: 'evt_nul', type: 'payment.failed' });
    const response = await post({
      ...event,
      payment: { id: 'pay_nul', amountInCents: 999, currency: 'EUR', failureReason: 'card\u0000declined' },
    });
    expect(response).toMatchObject({
      status: 400,
      body: { errors: [{ pointer: '/payment/failureReason' }] },
    });
    expect(await h.t.sql('SELECT count(*) AS e FROM inbound_event')).toEqual(before);
  });

  it('answers a path that cannot be percent-decoded, or holds a NUL, with 400', async () => {
    for (const path of ['/subscription/%ZZ', '/subscription/%ED%A0%80', '/subscription/%00']) {
      const response = await h.request('GET', path, { key: acme.apiKey });
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
    }
  });

  it('queues a role sync when the customer has linked Discord and the state changed', async () => {
    const customer = await h.t.sql<{ id: string }>(`SELECT id FROM customer WHERE external_id = 'cus_1'`);
    await h.t.sql(
      `INSERT INTO discord_link (merchant_id, customer_id, discord_user_id) VALUES ($1, $2, $3)`,
      [acme.merchantId, customer[0]!.id, h.seed.userIds[0]],
    );
    const event = seedEvent(offerId, {
      id: 'evt_cancel',
      type: 'subscription.canceled',
      occurredAt: '2026-11-26T10:00:00Z',
      status: 'CANCELED',
    });
    expect((await post(event)).status).toBe(202);
    await eventually(async () => {
      expect((await h.queuedJobs('role-sync')).map((job) => job.data)).toContainEqual({
        guildId: h.seed.guildId,
        userId: h.seed.userIds[0],
        reason: 'event',
      });
    });
  });
});
