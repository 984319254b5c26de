import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { merchantEventSchema, type MerchantEvent } from '@inflow/contracts';
import { STALE_BATCH_SQLSTATE, type IngestionApiKey, type IngestionWrite } from '@inflow/db';
import { generateApiKey, hashApiKey } from '../auth/api-key';
import type { ProblemError } from '../http/problem';
import { ApiHarness, type TestMerchant } from '../test/api-harness';
import { EventIngestionService } from './event-ingestion.service';

/**
 * Several api replicas ingest at once. A batch reads, then writes in one statement that checks nothing it
 * read changed meanwhile; when something did, the statement writes nothing and the batch runs again.
 */
describe('event ingestion across api replicas', () => {
  let h: ApiHarness;
  let acme: TestMerchant;
  let offerId: string;
  let acmeKey: IngestionApiKey;

  beforeAll(async () => {
    ({ h, merchant: acme, offerId } = await ApiHarness.startWithSeedOffer());
    acmeKey = { merchantId: acme.merchantId, keyHash: hashApiKey(acme.apiKey) };
  });

  afterAll(async () => {
    await h.stop();
  });

  const event = (id: string, sub: string, status: string, minute: number): MerchantEvent =>
    merchantEventSchema.parse({
      id,
      type: 'subscription.updated',
      occurredAt: new Date(Date.UTC(2026, 10, 1, 0, minute)).toISOString(),
      subscription: {
        id: sub,
        offerId,
        status,
        currentPeriodEnd: null,
        cancelAtPeriodEnd: false,
        customer: { id: `cus_${sub}`, email: `${sub}@example.com` },
      },
    });

  const counts = async () => {
    const [row] = await h.t.sql<{ events: number; customers: number; subscriptions: number; jobs: number }>(
      `SELECT (SELECT count(*)::int FROM inbound_event) AS events, (SELECT count(*)::int FROM customer) AS customers,
                (SELECT count(*)::int FROM subscription) AS subscriptions, (SELECT count(*)::int FROM outbox) AS jobs`,
    );
    if (row === undefined) throw new Error('no counts');
    return row;
  };

  it('writes the events of a batch whose key is active and refuses, writing nothing, those whose key is not', async () => {
    const service = new EventIngestionService(h.t.db, () => undefined);
    const other = generateApiKey();
    const created = await h.t.db.repositories.apiKeys.create(acme.merchantId, other);
    await h.t.db.repositories.apiKeys.revoke(acme.merchantId, created.id, new Date());
    const revoked: IngestionApiKey = { merchantId: acme.merchantId, keyHash: other.keyHash };
    // Another merchant's id with a key of acme's is refused too: the key is checked with its owner.
    const misowned: IngestionApiKey = { merchantId: randomUUID(), keyHash: acmeKey.keyHash };
    // The first event takes the batch that starts at once; the others wait and share the next one.
    const answers = await Promise.allSettled([
      service.ingest(acmeKey, event('evt_keys_0', 'sub_keys_0', 'ACTIVE', 1)),
      service.ingest(revoked, event('evt_keys_1', 'sub_keys_1', 'ACTIVE', 1)),
      service.ingest(acmeKey, event('evt_keys_2', 'sub_keys_2', 'ACTIVE', 1)),
      service.ingest(misowned, event('evt_keys_3', 'sub_keys_3', 'ACTIVE', 1)),
      service.ingest(revoked, event('evt_keys_2', 'sub_keys_2', 'ACTIVE', 1)),
    ]);
    expect(
      answers.map((a) =>
        a.status === 'fulfilled' ? a.value.status : (a.reason as ProblemError).problem.status,
      ),
    ).toEqual([202, 401, 202, 401, 401]);
    expect(
      await h.t.sql(
        `SELECT external_id FROM inbound_event WHERE external_id LIKE 'evt_keys_%' ORDER BY external_id`,
      ),
    ).toEqual([{ external_id: 'evt_keys_0' }, { external_id: 'evt_keys_2' }]);
    expect(
      await h.t.sql(
        `SELECT count(*)::int AS n FROM subscription WHERE external_id IN ('sub_keys_1', 'sub_keys_3')`,
      ),
    ).toEqual([{ n: 0 }]);
  });

  it('refuses, writing nothing, a batch whose subscription changed after it was read', async () => {
    const service = new EventIngestionService(h.t.db, () => undefined);
    await service.ingest(acmeKey, event('evt_stale_1', 'sub_stale', 'ACTIVE', 1));
    const ingestion = h.t.db.repositories.eventIngestion;
    const key = { merchantId: acme.merchantId, externalId: 'sub_stale' };
    const snapshot = await ingestion.snapshot({
      offers: [],
      subscriptions: [key],
      events: [],
      customers: [],
      apiKeys: [],
    });
    const read = [...snapshot.subscriptions.values()][0]!;
    // Another replica applies an event in between.
    await service.ingest(acmeKey, event('evt_stale_2', 'sub_stale', 'PAST_DUE', 2));
    const before = await counts();

    const newCustomerId = randomUUID();
    const stale: IngestionWrite = {
      newCustomers: [
        { id: newCustomerId, merchantId: acme.merchantId, externalId: 'cus_other', email: null },
      ],
      customerEmails: [],
      newSubscriptions: [],
      changedSubscriptions: [
        {
          id: read.id,
          version: read.version,
          state: { ...read, status: 'CANCELED', lastEventId: 'evt_stale_3', accessEndsAt: null },
        },
      ],
      events: [
        {
          id: randomUUID(),
          merchantId: acme.merchantId,
          externalId: 'evt_stale_3',
          type: 'subscription.canceled',
          occurredAt: new Date(),
          bodyHash: Buffer.alloc(32),
          body: {},
          subscriptionId: read.id,
          applied: true,
        },
      ],
      jobs: [{ jobName: 'notification.send', payload: { inboundEventId: randomUUID(), guildId: '1' } }],
    };
    await expect(ingestion.write(stale)).rejects.toMatchObject({
      driverError: { code: STALE_BATCH_SQLSTATE },
    });
    expect(await counts()).toEqual(before);
    expect(await h.t.sql(`SELECT status FROM subscription WHERE external_id = 'sub_stale'`)).toEqual([
      { status: 'PAST_DUE' },
    ]);

    // The same write against what is there now goes through.
    const fresh = await ingestion.snapshot({
      offers: [],
      subscriptions: [key],
      events: [],
      customers: [],
      apiKeys: [],
    });
    const now = [...fresh.subscriptions.values()][0]!;
    await ingestion.write({
      ...stale,
      changedSubscriptions: [{ ...stale.changedSubscriptions[0]!, version: now.version }],
    });
    expect(await counts()).toEqual({
      events: before.events + 1,
      customers: before.customers + 1,
      subscriptions: before.subscriptions,
      jobs: before.jobs + 1,
    });
  });

  it('refuses, writing nothing, a batch creating a subscription or event another batch created since', async () => {
    const ingestion = h.t.db.repositories.eventIngestion;
    const service = new EventIngestionService(h.t.db, () => undefined);
    await service.ingest(acmeKey, event('evt_race_1', 'sub_race', 'ACTIVE', 1));
    const [customer] = await h.t.sql<{ id: string }>(
      `SELECT id FROM customer WHERE external_id = 'cus_sub_race'`,
    );
    const customerId = customer!.id;
    const before = await counts();
    const state = {
      offerId,
      status: 'ACTIVE' as const,
      currentPeriodEnd: null,
      cancelAtPeriodEnd: false,
      pastDueSince: null,
      accessEndsAt: null,
      lastEventAt: new Date(),
      lastEventId: 'evt_race_2',
    };
    const subscriptionId = randomUUID();
    const eventRow = {
      id: randomUUID(),
      merchantId: acme.merchantId,
      type: 'subscription.updated',
      occurredAt: new Date(),
      bodyHash: Buffer.alloc(32),
      body: {},
      subscriptionId,
      applied: true,
    };
    /** A batch creating `subscription` with one event, as if read before either existed. */
    const creating = (subscription: string, eventId: string): IngestionWrite => ({
      newCustomers: [],
      customerEmails: [],
      newSubscriptions: [
        { id: subscriptionId, merchantId: acme.merchantId, externalId: subscription, customerId, state },
      ],
      changedSubscriptions: [],
      events: [{ ...eventRow, externalId: eventId }],
      jobs: [{ jobName: 'notification.send', payload: { inboundEventId: eventRow.id, guildId: '1' } }],
    });
    // Read before sub_race existed: it would create it again.
    await expect(ingestion.write(creating('sub_race', 'evt_race_2'))).rejects.toMatchObject({
      driverError: { code: STALE_BATCH_SQLSTATE },
    });
    // Read before evt_race_1 was recorded: it would record it again.
    await expect(ingestion.write(creating('sub_race_new', 'evt_race_1'))).rejects.toMatchObject({
      driverError: { code: STALE_BATCH_SQLSTATE },
    });
    expect(await counts()).toEqual(before);
  });

  it('ends every subscription in the state of its newest event when two replicas take its events at once', async () => {
    const replicas = [
      new EventIngestionService(h.t.db, () => undefined),
      new EventIngestionService(h.t.db, () => undefined),
    ];
    const statuses = ['ACTIVE', 'PAST_DUE', 'CANCELED', 'TRIALING', 'EXPIRED'];
    const events = Array.from({ length: 300 }, (_, n) =>
      event(`evt_both_${n}`, `sub_both_${n % 10}`, statuses[(n * 3) % 5]!, n),
    );
    const shuffled = [...events].sort(() => Math.random() - 0.5);
    const answers = await Promise.all(
      shuffled.map((e, i) =>
        replicas[i % 2]!.ingest(acmeKey, e).then((result) => ({ id: e.id, status: result.status })),
      ),
    );
    expect(answers.filter((a) => a.status === 202)).toHaveLength(300);
    const rows = await h.t.sql<{ external_id: string; status: string; last_event_id: string }>(
      `SELECT external_id, status, last_event_id FROM subscription WHERE external_id LIKE 'sub_both_%'`,
    );
    expect(rows).toHaveLength(10);
    for (let sub = 0; sub < 10; sub += 1) {
      const newest = events.filter((e) => e.subscription.id === `sub_both_${sub}`).at(-1)!;
      expect(rows.find((row) => row.external_id === `sub_both_${sub}`)).toEqual({
        external_id: `sub_both_${sub}`,
        status: newest.subscription.status,
        last_event_id: newest.id,
      });
    }
    expect(
      await h.t.sql(
        `SELECT count(*)::int AS n, count(*) FILTER (WHERE applied)::int AS applied
           FROM inbound_event WHERE external_id LIKE 'evt_both_%'`,
      ),
    ).toEqual([{ n: 300, applied: expect.any(Number) }]);
    expect(
      await h.t.sql(`SELECT count(*)::int AS n FROM customer WHERE external_id LIKE 'cus_sub_both_%'`),
    ).toEqual([{ n: 10 }]);
  });
});
