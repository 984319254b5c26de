import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiHarness, type TestMerchant } from '../test/api-harness';

describe('dashboard sign-in and form protection', () => {
  let h: ApiHarness;
  let acme: TestMerchant;

  beforeAll(async () => {
    h = await ApiHarness.start();
    acme = await h.createMerchant('Acme');
    await h.connectGuild(acme);
  });

  afterAll(async () => {
    await h.stop();
  });

  async function signIn(key: string, origin = h.baseUrl): Promise<string | null> {
    const response = await fetch(`${h.baseUrl}/dashboard/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
      body: new URLSearchParams({ apiKey: key }).toString(),
    });
    return response.status === 303 ? response.headers.get('set-cookie')!.split(';')[0]! : null;
  }

  const page = (cookie: string, path: string) =>
    fetch(`${h.baseUrl}${path}`, { headers: { cookie }, redirect: 'manual' });

  it('signs in with a valid key only, and from our own origin only', async () => {
    expect(await signIn('inflow_priv_nope_nope_nope_nope_nope_nope')).toBeNull();
    expect(await signIn(acme.apiKey, 'https://evil.example')).toBeNull();
    const cookie = await signIn(acme.apiKey);
    expect(cookie).toMatch(/^inflow_dashboard=/);
    const discord = await page(cookie!, '/dashboard/integrations/discord');
    expect(discord.status).toBe(200);
    expect(await discord.text()).toContain('Inflow Demo Community');
  });

  it('sends visitors without a session to the sign-in page', async () => {
    const response = await fetch(`${h.baseUrl}/dashboard/offers`, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard/login');
  });

  it('refuses form posts without the CSRF token or from another origin', async () => {
    const cookie = (await signIn(acme.apiKey))!;
    const html = await (await page(cookie, '/dashboard/integrations/discord')).text();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const post = (form: Record<string, string>, origin = h.baseUrl) =>
      fetch(`${h.baseUrl}/dashboard/guilds/${h.seed.guildId}/recheck`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form).toString(),
      });
    expect((await post({})).status).toBe(403);
    expect((await post({ csrf }, 'https://evil.example')).status).toBe(403);
    const ok = await post({ csrf });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/dashboard/guilds/${h.seed.guildId}?notice=rechecked`);
  });

  it("ends the session when the key is revoked, and hides other merchants' servers", async () => {
    const cookie = (await signIn(acme.apiKey))!;
    const other = await h.createMerchant('Other');
    const otherCookie = (await signIn(other.apiKey))!;
    expect((await page(otherCookie, `/dashboard/guilds/${h.seed.guildId}`)).status).toBe(404);
    const [key] = await h.t.db.repositories.apiKeys.listForMerchant(acme.merchantId);
    await h.t.db.repositories.apiKeys.revoke(acme.merchantId, key!.id, new Date());
    expect((await page(cookie, '/dashboard/integrations/discord')).status).toBe(303);
  });
});
