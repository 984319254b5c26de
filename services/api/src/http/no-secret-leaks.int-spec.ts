import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Redis } from 'ioredis';
import { eventually, testEnv } from '@inflow/testing';
import { ApiHarness, seedEvent, seedOffer, type TestMerchant } from '../test/api-harness';

/** Runs the merchant flows, then searches every response, log line and queued job for secrets. */
describe('no secret or personal data leaks', () => {
  let h: ApiHarness;
  let acme: TestMerchant;
  const responses: string[] = [];
  const email = 'jane.doe+vip@example.com';

  beforeAll(async () => {
    h = await ApiHarness.start();
    acme = await h.createMerchant('Acme');
    const record = async (...args: Parameters<ApiHarness['request']>) => {
      const response = await h.request(...args);
      responses.push(JSON.stringify([...response.headers.entries()]), response.text);
      return response;
    };
    // Install the bot in a second guild through the OAuth flow: tokens are issued on the way.
    const second = h.emulator.state.createGuild({ name: 'Second', ownerId: h.seed.authorizingUserId });
    h.emulator.state.setDefaultInstallGuild(second.id);
    const link = (await record('GET', '/discord/invite-link', { key: acme.apiKey })).body as { url: string };
    const consent = await fetch(link.url, { redirect: 'manual' });
    const callback = await fetch(consent.headers.get('location')!, { redirect: 'manual' });
    responses.push(await callback.text());

    const offer = await record('POST', '/subscription/offer', {
      key: acme.apiKey,
      body: seedOffer(second.id, h.emulator.state.createRole(second.id, { name: 'VIP', position: 1 }).id),
    });
    const offerId = (offer.body as { id: string }).id;
    const event = seedEvent(offerId, { id: 'evt_pii' }) as { subscription: { customer: { email: string } } };
    event.subscription.customer.email = email;
    await record('POST', '/events', { key: acme.apiKey, body: event });
    await record('POST', '/events', { key: acme.apiKey, body: { ...event, type: 'nonsense' } });
    await record('GET', '/subscription/sub_1', { key: acme.apiKey });
    await record('GET', '/discord/guilds', { key: acme.apiKey });
    await record('GET', '/discord/guilds', { key: `${acme.apiKey.slice(0, -1)}x` });
    await eventually(async () => expect((await h.queuedJobs('notifications')).length).toBe(1));
  });

  afterAll(async () => {
    await h.stop();
  });

  it('keeps the API key, OAuth tokens and e-mail addresses out of responses, logs and Redis', async () => {
    const redis = new Redis(testEnv.redisUrl);
    const redisValues: string[] = [];
    for (const key of await redis.keys(`${h.prefix}*`)) {
      const type = await redis.type(key);
      if (type === 'hash') redisValues.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'string') redisValues.push((await redis.get(key)) ?? '');
      else if (type === 'list') redisValues.push(JSON.stringify(await redis.lrange(key, 0, -1)));
    }
    redis.disconnect();
    const tokens = h.emulator.state.oauth.issuedTokens();
    expect(tokens.length).toBeGreaterThan(0);
    const secrets = [acme.apiKey, acme.apiKey.slice('inflow_priv_'.length), email, ...tokens];
    const haystacks = { responses, logs: h.logs, redis: redisValues };
    for (const [where, texts] of Object.entries(haystacks)) {
      for (const secret of secrets) {
        const leaks = texts.filter((text) => text.includes(secret));
        expect({ where, secret: secret.slice(0, 6), leaks }).toEqual({
          where,
          secret: secret.slice(0, 6),
          leaks: [],
        });
      }
    }
    expect(h.logs.length).toBeGreaterThan(0);
    expect(redisValues.length).toBeGreaterThan(0);
  });
});
