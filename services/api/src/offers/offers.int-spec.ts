import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { eventually } from '@inflow/testing';
import { ApiHarness, seedOffer, type TestMerchant } from '../test/api-harness';

describe('offers', () => {
  let h: ApiHarness;
  let acme: TestMerchant;
  let other: TestMerchant;

  beforeAll(async () => {
    h = await ApiHarness.start();
    acme = await h.createMerchant('Acme');
    other = await h.createMerchant('Other');
    await h.connectGuild(acme);
  });

  afterAll(async () => {
    await h.stop();
  });

  it("answers the seed's curl example with 201, the offer and its role's diagnostics", async () => {
    const response = await h.request('POST', '/subscription/offer', {
      key: acme.apiKey,
      body: seedOffer(h.seed.guildId, h.seed.vipRoleId),
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      id: expect.any(String),
      name: 'VIP Monthly',
      amountInCents: 999,
      currency: 'EUR',
      interval: 'month',
      intervalCount: 1,
      discordGuildId: h.seed.guildId,
      discordRoleId: h.seed.vipRoleId,
      gracePeriodDays: 0,
      diagnostics: [],
    });
  });

  it('refuses a guild that is not connected to this merchant with 422 and the way to connect it', async () => {
    const response = await h.request('POST', '/subscription/offer', {
      key: other.apiKey,
      body: seedOffer(h.seed.guildId, h.seed.vipRoleId),
    });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({
      status: 422,
      type: expect.stringContaining('guild-not-connected'),
      detail: expect.stringContaining('GET /discord/invite-link'),
      errors: [{ pointer: '/discordGuildId', detail: expect.any(String) }],
    });
  });

  it('refuses a role the guild does not have, naming the field', async () => {
    const response = await h.request('POST', '/subscription/offer', {
      key: acme.apiKey,
      body: seedOffer(h.seed.guildId, '123456789012345678'),
    });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ errors: [{ pointer: '/discordRoleId' }] });
  });

  it('creates the offer but says how to fix a role above the bot', async () => {
    const high = h.emulator.state.createRole(h.seed.guildId, { name: 'Legend', position: 50 });
    const response = await h.request('POST', '/subscription/offer', {
      key: acme.apiKey,
      body: seedOffer(h.seed.guildId, high.id),
    });
    expect(response.status).toBe(201);
    const diagnostics = (response.body as { diagnostics: Array<{ code: string; message: string }> })
      .diagnostics;
    expect(diagnostics).toEqual([
      expect.objectContaining({ code: 'offer_role_above_bot', message: expect.stringContaining('"Legend"') }),
    ]);
  });

  it.each([
    [{ ...seedOffer('123', '456') }, ['/discordGuildId', '/discordRoleId']],
    [
      { ...seedOffer('123456789012345678', '123456789012345678'), discordRoleId: undefined },
      ['/discordRoleId'],
    ],
    [
      { ...seedOffer('123456789012345678', '123456789012345678'), amountInCents: -1, currency: 'euro' },
      ['/amountInCents', '/currency'],
    ],
    [{ ...seedOffer('123456789012345678', '123456789012345678'), priceInCents: 5 }, ['/priceInCents']],
    [{ name: 'x' }, ['/amountInCents', '/currency', '/interval']],
  ])('answers %j with 400 naming %j and writes nothing', async (body, pointers) => {
    const before = await h.request('GET', '/subscription/offer?limit=100', { key: acme.apiKey });
    const response = await h.request('POST', '/subscription/offer', { key: acme.apiKey, body });
    expect(response.status).toBe(400);
    const errors = (response.body as { errors: Array<{ pointer: string }> }).errors.map((e) => e.pointer);
    expect(errors.sort()).toEqual([...pointers].sort());
    const after = await h.request('GET', '/subscription/offer?limit=100', { key: acme.apiKey });
    expect(after.body).toEqual(before.body);
  });

  it('answers malformed JSON, a wrong content type and an oversized body with problems', async () => {
    expect(
      (
        await h.request('POST', '/subscription/offer', {
          key: acme.apiKey,
          rawBody: '{"name":',
          headers: { 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await h.request('POST', '/subscription/offer', {
          key: acme.apiKey,
          rawBody: 'name=x',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
      ).status,
    ).toBe(415);
    const huge = await h.request('POST', '/subscription/offer', {
      key: acme.apiKey,
      body: { name: 'x'.repeat(100_000) },
    });
    expect(huge.status).toBe(413);
    expect(huge.headers.get('content-type')).toContain('application/problem+json');
  });

  it('lists, reads and pages through offers', async () => {
    const created = await Promise.all(
      [1, 2, 3].map((n) =>
        h.request('POST', '/subscription/offer', {
          key: acme.apiKey,
          body: { ...seedOffer(h.seed.guildId, h.seed.memberRoleId), name: `Member ${n}` },
        }),
      ),
    );
    const ids = created.map((r) => (r.body as { id: string }).id);
    const read = await h.request('GET', `/subscription/offer/${ids[0]}`, { key: acme.apiKey });
    expect(read).toMatchObject({ status: 200, body: { id: ids[0], name: 'Member 1', diagnostics: [] } });

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: unknown } = await h.request(
        'GET',
        `/subscription/offer?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`,
        { key: acme.apiKey },
      );
      const body = page.body as { data: Array<{ id: string }>; nextCursor: string | null };
      expect(body.data.length).toBeLessThanOrEqual(2);
      seen.push(...body.data.map((o) => o.id));
      cursor = body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('updates an offer; moving its role queues a re-sync of its linked subscribers', async () => {
    const created = await h.request('POST', '/subscription/offer', {
      key: acme.apiKey,
      body: seedOffer(h.seed.guildId, h.seed.vipRoleId),
    });
    const offerId = (created.body as { id: string }).id;
    const customerId = await h.t.db.repositories.customers.upsert(acme.merchantId, 'cus_resync', null);
    await h.t.sql(
      `INSERT INTO discord_link (merchant_id, customer_id, discord_user_id) VALUES ($1, $2, $3)`,
      [acme.merchantId, customerId, h.seed.userIds[0]],
    );
    await h.t.sql(
      `INSERT INTO subscription (merchant_id, external_id, customer_id, offer_id, status, last_event_at, last_event_id)
       VALUES ($1, 'sub_resync', $2, $3, 'ACTIVE', now(), 'evt_0')`,
      [acme.merchantId, customerId, offerId],
    );
    const before = await h.request('PATCH', `/subscription/offer/${offerId}`, {
      key: acme.apiKey,
      body: { name: 'VIP Yearly' },
    });
    expect(before).toMatchObject({
      status: 200,
      body: { name: 'VIP Yearly', discordRoleId: h.seed.vipRoleId },
    });

    const moved = await h.request('PATCH', `/subscription/offer/${offerId}`, {
      key: acme.apiKey,
      body: { discordGuildId: h.seed.guildId, discordRoleId: h.seed.memberRoleId },
    });
    expect(moved).toMatchObject({ status: 200, body: { discordRoleId: h.seed.memberRoleId } });
    await eventually(async () => {
      expect((await h.queuedJobs('role-sync')).map((job) => job.data)).toContainEqual({
        guildId: h.seed.guildId,
        userId: h.seed.userIds[0],
        reason: 'offer-change',
      });
    });
  });
});
