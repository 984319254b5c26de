import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiHarness, seedEvent, type TestMerchant } from '../test/api-harness';

/**
 * Merchant B names merchant A's objects on every route that takes an id: each answers 404, exactly as
 * for an id that does not exist, so B learns nothing about A.
 */
describe('tenant isolation', () => {
  let h: ApiHarness;
  let a: TestMerchant;
  let b: TestMerchant;
  let offerId: string;

  beforeAll(async () => {
    h = await ApiHarness.start();
    a = await h.createMerchant('A');
    b = await h.createMerchant('B');
    await h.connectGuild(a);
    offerId = await h.createSeedOffer(a);
    expect((await h.request('POST', '/events', { key: a.apiKey, body: seedEvent(offerId) })).status).toBe(
      202,
    );
  });

  afterAll(async () => {
    await h.stop();
  });

  const config = {
    paymentChannelId: null,
    generalChannelId: null,
    notifications: {
      paymentSucceeded: true,
      paymentFailed: true,
      subscriptionCreated: true,
      subscriptionCanceled: true,
    },
  };
  const matrix = (): Array<[string, string, unknown]> => [
    ['GET', `/subscription/offer/${offerId}`, undefined],
    ['PATCH', `/subscription/offer/${offerId}`, { name: 'Stolen' }],
    ['GET', '/subscription/sub_1', undefined],
    ['PUT', `/discord/guilds/${h.seed.guildId}`, config],
    ['GET', `/discord/guilds/${h.seed.guildId}/diagnostics`, undefined],
  ];

  it('answers 404 to B on every route naming A objects, and A still sees them', async () => {
    for (const [method, path, body] of matrix()) {
      const asB = await h.request(method, path, { key: b.apiKey, body });
      expect({ method, path, status: asB.status }).toEqual({ method, path, status: 404 });
      const asA = await h.request(
        method === 'PATCH' || method === 'PUT' ? 'GET' : method,
        method === 'PUT' ? '/discord/guilds' : path,
        { key: a.apiKey },
      );
      expect({ method, path, status: asA.status }).toEqual({ method, path, status: 200 });
    }
  });

  it("keeps A's data out of B's lists and out of B's events", async () => {
    expect((await h.request('GET', '/subscription/offer', { key: b.apiKey })).body).toEqual({
      data: [],
      nextCursor: null,
    });
    expect((await h.request('GET', '/discord/guilds', { key: b.apiKey })).body).toEqual({ data: [] });
    const event = await h.request('POST', '/events', {
      key: b.apiKey,
      body: seedEvent(offerId, { id: 'evt_b' }),
    });
    expect(event).toMatchObject({ status: 422, body: { errors: [{ pointer: '/subscription/offerId' }] } });
    expect((await h.request('GET', `/subscription/offer/${offerId}`, { key: a.apiKey })).body).toMatchObject({
      name: 'VIP Monthly',
    });
  });
});
