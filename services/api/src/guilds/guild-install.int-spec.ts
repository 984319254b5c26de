import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiHarness, type TestMerchant } from '../test/api-harness';

describe('installing the bot in a merchant guild', () => {
  let h: ApiHarness;
  let acme: TestMerchant;
  let other: TestMerchant;
  let guildId: string;

  beforeAll(async () => {
    h = await ApiHarness.start();
    acme = await h.createMerchant('Acme');
    other = await h.createMerchant('Other');
    guildId = h.emulator.state.createGuild({ name: 'Acme Community', ownerId: h.seed.authorizingUserId }).id;
    h.emulator.state.setDefaultInstallGuild(guildId);
    h.emulator.state.setBotRolePlacement('top');
  });

  afterAll(async () => {
    await h.stop();
  });

  async function install(
    merchant: TestMerchant,
  ): Promise<{ callbackUrl: string; status: number; page: string }> {
    const link = await h.request('GET', '/discord/invite-link', { key: merchant.apiKey });
    expect(link.status).toBe(200);
    const { url } = link.body as { url: string };
    const consent = await fetch(url, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const callbackUrl = consent.headers.get('location')!;
    const callback = await fetch(callbackUrl, { redirect: 'manual' });
    return { callbackUrl, status: callback.status, page: await callback.text() };
  }

  it('gives a bot install link with the permissions and a single-use state', async () => {
    const link = await h.request('GET', '/discord/invite-link', { key: acme.apiKey });
    const url = new URL((link.body as { url: string }).url);
    expect(url.origin + url.pathname).toBe(h.emulator.authorizeUrl);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: h.emulator.applicationId,
      scope: 'bot applications.commands',
      permissions: '268454913',
      response_type: 'code',
      redirect_uri: `${h.baseUrl}/oauth/discord/bot-callback`,
      state: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
  });

  it('binds the guild to the merchant when Discord sends the browser back', async () => {
    const result = await install(acme);
    expect(result.status).toBe(200);
    expect(result.page).toContain('Acme Community');
    const guilds = await h.request('GET', '/discord/guilds', { key: acme.apiKey });
    expect(guilds.body).toMatchObject({
      data: [{ guildId, name: 'Acme Community', installStatus: 'installed', health: { status: 'healthy' } }],
    });

    const reused = await fetch(result.callbackUrl, { redirect: 'manual' });
    expect(reused.status).toBe(400);
    expect(await reused.text()).toContain('already used');
  });

  it('refuses a guild already bound to another merchant', async () => {
    const result = await install(other);
    expect(result.status).toBe(409);
    expect(result.page).toContain('another Inflow merchant');
    expect((await h.request('GET', '/discord/guilds', { key: other.apiKey })).body).toEqual({ data: [] });
  });

  it('refuses an unknown state and explains a cancelled install', async () => {
    const forged = await fetch(
      `${h.baseUrl}/oauth/discord/bot-callback?code=abc&state=${'x'.repeat(43)}&guild_id=${guildId}`,
    );
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('not valid');
    const cancelled = await fetch(`${h.baseUrl}/oauth/discord/bot-callback?error=access_denied&state=x`);
    expect(cancelled.status).toBe(400);
    expect(await cancelled.text()).toContain('cancelled');
  });

  it('configures channels of that guild only, and diagnoses them', async () => {
    const channel = h.emulator.state.createChannel(guildId, { name: 'payments' });
    const foreign = h.seed.generalChannelId;
    const toggles = {
      paymentSucceeded: true,
      paymentFailed: true,
      subscriptionCreated: true,
      subscriptionCanceled: false,
    };
    const bad = await h.request('PUT', `/discord/guilds/${guildId}`, {
      key: acme.apiKey,
      body: { paymentChannelId: foreign, notifications: toggles },
    });
    expect(bad).toMatchObject({ status: 422, body: { errors: [{ pointer: '/paymentChannelId' }] } });
    const good = await h.request('PUT', `/discord/guilds/${guildId}`, {
      key: acme.apiKey,
      body: {
        paymentChannelId: channel.id,
        generalChannelId: channel.id,
        inviteUrl: 'https://discord.gg/acme',
        notifications: toggles,
      },
    });
    expect(good).toMatchObject({
      status: 200,
      body: { paymentChannelId: channel.id, inviteUrl: 'https://discord.gg/acme', notifications: toggles },
    });
    const diagnostics = await h.request('GET', `/discord/guilds/${guildId}/diagnostics`, {
      key: acme.apiKey,
    });
    expect(diagnostics).toMatchObject({ status: 200, body: { guildId, ok: true, problems: [] } });

    h.emulator.state.updateChannel(channel.id, {
      permissionOverwrites: [{ id: guildId, type: 0, deny: 1n << 10n }],
    });
    const broken = await h.request('GET', `/discord/guilds/${guildId}/diagnostics`, { key: acme.apiKey });
    const found = broken.body as { ok: boolean; problems: Array<{ code: string; channelId?: string }> };
    expect(found.ok).toBe(false);
    expect(found.problems.length).toBeGreaterThan(0);
    expect(
      found.problems.every(
        (problem) => problem.code === 'channel_missing_view' && problem.channelId === channel.id,
      ),
    ).toBe(true);
  });
});
