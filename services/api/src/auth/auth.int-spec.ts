import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTcpProxy, testEnv, type TcpProxy } from '@inflow/testing';
import { ApiHarness, type TestMerchant } from '../test/api-harness';

describe('merchant authentication and rate limiting', () => {
  let h: ApiHarness;
  let acme: TestMerchant;
  let redisProxy: TcpProxy;

  beforeAll(async () => {
    const redis = new URL(testEnv.redisUrl);
    redisProxy = await startTcpProxy(redis.hostname, Number(redis.port || 6379));
    h = await ApiHarness.start({ redisUrl: redisProxy.urlFor(testEnv.redisUrl), apiRateLimitPerSecond: 5 });
    acme = await h.createMerchant('Acme');
  });

  afterAll(async () => {
    await h.stop();
    await redisProxy.close();
  });

  it.each([
    ['no key', undefined],
    ['an empty key', ''],
    ['a key of the wrong shape', 'Bearer abc'],
    ['an unknown key', `inflow_priv_${'x'.repeat(43)}`],
  ])('answers %s with 401 problem+json', async (_label, key) => {
    const response = await h.request('GET', '/discord/guilds', key === undefined ? {} : { key });
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status: 401, title: 'Unauthorized', detail: expect.any(String) });
  });

  it('stops a revoked key at once', async () => {
    const merchant = await h.createMerchant('Revoked');
    expect((await h.request('GET', '/discord/guilds', { key: merchant.apiKey })).status).toBe(200);
    const keys = await h.t.db.repositories.apiKeys.listForMerchant(merchant.merchantId);
    await h.t.db.repositories.apiKeys.revoke(merchant.merchantId, keys[0]!.id, new Date());
    expect((await h.request('GET', '/discord/guilds', { key: merchant.apiKey })).status).toBe(401);
  });

  it('limits requests per key with 429 and Retry-After, without touching other keys', async () => {
    const busy = await h.createMerchant('Busy');
    let limited: Awaited<ReturnType<ApiHarness['request']>>[] = [];
    // A burst whose count Redis answers later than the limiter waits goes through (it fails open), which a
    // loaded machine can cause: a few bursts make sure one is counted in time.
    for (let burst = 0; burst < 5 && limited.length === 0; burst += 1) {
      const responses = await Promise.all(
        Array.from({ length: 12 }, () => h.request('GET', '/discord/guilds', { key: busy.apiKey })),
      );
      limited = responses.filter((r) => r.status === 429);
    }
    expect(limited.length).toBeGreaterThan(0);
    expect(limited[0]!.headers.get('retry-after')).toBe('1');
    expect(limited[0]!.body).toMatchObject({ status: 429, type: expect.stringContaining('rate-limited') });
    expect((await h.request('GET', '/discord/guilds', { key: acme.apiKey })).status).toBe(200);
  });

  it('lets requests through while Redis is down (fail open)', async () => {
    await redisProxy.outage();
    try {
      const responses = await Promise.all(
        Array.from({ length: 8 }, () => h.request('GET', '/discord/guilds', { key: acme.apiKey })),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    } finally {
      await redisProxy.restore();
    }
  });
});
