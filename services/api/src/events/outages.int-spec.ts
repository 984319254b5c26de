import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually, startTcpProxy, testEnv, type TcpProxy } from '@inflow/testing';
import { ApiHarness, seedEvent, type TestMerchant } from '../test/api-harness';

describe('POST /events while a dependency is down', () => {
  let h: ApiHarness;
  let acme: TestMerchant;
  let offerId: string;
  let redisProxy: TcpProxy;

  beforeAll(async () => {
    const redis = new URL(testEnv.redisUrl);
    redisProxy = await startTcpProxy(redis.hostname, Number(redis.port || 6379));
    h = await ApiHarness.start({ redisUrl: redisProxy.urlFor(testEnv.redisUrl), postgresProxy: true });
    acme = await h.createMerchant('Acme');
    await h.connectGuild(acme);
    offerId = await h.createSeedOffer(acme);
  });

  afterAll(async () => {
    await h.stop();
    await redisProxy.close();
  });

  it('accepts events with 202 while Redis is down, and publishes their jobs once Redis is back', async () => {
    await redisProxy.outage();
    try {
      const response = await h.request('POST', '/events', {
        key: acme.apiKey,
        body: seedEvent(offerId, { id: 'evt_redis_down' }),
      });
      expect(response).toMatchObject({ status: 202, body: { id: 'evt_redis_down', status: 'accepted' } });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await h.t.sql(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`)).toEqual([
        { n: 1 },
      ]);
    } finally {
      await redisProxy.restore();
    }
    await eventually(async () => {
      expect(await h.t.sql(`SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL`)).toEqual([
        { n: 0 },
      ]);
      expect((await h.queuedJobs('notifications')).map((job) => job.name)).toEqual(['notification.send']);
    }, 20_000);
  });

  it('answers 503 problem+json in under a second while Postgres is down, and writes nothing', async () => {
    const before = await h.t.sql(
      'SELECT (SELECT count(*) FROM inbound_event) AS e, (SELECT count(*) FROM outbox) AS o',
    );
    await h.postgresProxy!.outage();
    try {
      const started = Date.now();
      const response = await h.request('POST', '/events', {
        key: acme.apiKey,
        body: seedEvent(offerId, { id: 'evt_pg_down' }),
      });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(response).toMatchObject({
        status: 503,
        body: { status: 503, type: expect.stringContaining('unavailable') },
      });
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.headers.get('retry-after')).toBe('2');
      const readiness = await fetch(`${h.baseUrl}/readyz`);
      expect(readiness.status).toBe(503);
    } finally {
      await h.postgresProxy!.restore();
    }
    expect(
      await h.t.sql('SELECT (SELECT count(*) FROM inbound_event) AS e, (SELECT count(*) FROM outbox) AS o'),
    ).toEqual(before);
    await eventually(async () => {
      expect(
        (
          await h.request('POST', '/events', {
            key: acme.apiKey,
            body: seedEvent(offerId, { id: 'evt_pg_down' }),
          })
        ).status,
      ).toBe(202);
    });
  });
});
