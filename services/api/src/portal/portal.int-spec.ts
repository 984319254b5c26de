import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ApiHarness, seedEvent, seedOffer, type TestMerchant } from '../test/api-harness';

const run = promisify(execFile);

/** A browser's cookie jar and redirect handling, enough to walk the OAuth dance by hand. */
class Browser {
  private cookie = '';
  constructor(private readonly h: ApiHarness) {}

  async get(url: string): Promise<Response> {
    const response = await fetch(url, {
      redirect: 'manual',
      headers: url.startsWith(this.h.baseUrl) && this.cookie !== '' ? { cookie: this.cookie } : {},
    });
    const set = response.headers.get('set-cookie');
    if (set !== null && url.startsWith(this.h.baseUrl)) this.cookie = set.split(';')[0]!;
    return response;
  }

  async post(path: string, form: Record<string, string>): Promise<Response> {
    return fetch(`${this.h.baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: this.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }

  /** Follows redirects (ours and the emulator's) until a page; returns the last URL and the page. */
  async follow(url: string): Promise<{ url: string; status: number; page: string }> {
    let current = url;
    for (let hops = 0; hops < 10; hops += 1) {
      const response = await this.get(current);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location !== null) {
        current = new URL(location, current).toString();
        continue;
      }
      return { url: current, status: response.status, page: await response.text() };
    }
    throw new Error('too many redirects');
  }

  async csrf(): Promise<string> {
    const page = await (await this.get(`${this.h.baseUrl}/portal`)).text();
    return /name="csrf" value="([^"]+)"/.exec(page)![1]!;
  }
}

describe('customer portal and Discord linking', () => {
  let h: ApiHarness;
  let acme: TestMerchant;
  let offerId: string;
  const [alice, bob] = ['', ''];

  beforeAll(async () => {
    h = await ApiHarness.start();
    acme = await h.createMerchant('Acme Shop');
    await h.connectGuild(acme);
    offerId = (
      (
        await h.request('POST', '/subscription/offer', {
          key: acme.apiKey,
          body: seedOffer(h.seed.guildId, h.seed.vipRoleId),
        })
      ).body as { id: string }
    ).id;
    expect((await h.request('POST', '/events', { key: acme.apiKey, body: seedEvent(offerId) })).status).toBe(
      202,
    );
    void alice;
    void bob;
  });

  afterAll(async () => {
    await h.stop();
  });

  async function portalLinks(
    customerId = 'cus_1',
  ): Promise<{ url: string; connectDiscordUrl: string; expiresAt: string }> {
    const response = await h.request('POST', '/customer/portal-session', {
      key: acme.apiKey,
      body: { customerId },
    });
    expect(response.status).toBe(201);
    return response.body as { url: string; connectDiscordUrl: string; expiresAt: string };
  }

  it('gives short-lived links that open the portal with a session cookie', async () => {
    const links = await portalLinks();
    expect(links.url).toMatch(new RegExp(`^${h.baseUrl}/portal/s/[A-Za-z0-9_-]{43}$`));
    expect(links.connectDiscordUrl).toBe(`${links.url}?next=connect`);
    expect(new Date(links.expiresAt).getTime() - Date.now()).toBeGreaterThan(3_500_000);
    const browser = new Browser(h);
    const opened = await browser.get(links.url);
    expect(opened.status).toBe(302);
    expect(opened.headers.get('location')).toBe('/portal');
    expect(opened.headers.get('set-cookie')).toMatch(
      /^inflow_portal=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/,
    );
    const page = await browser.follow(`${h.baseUrl}/portal`);
    expect(page.status).toBe(200);
    expect(page.page).toContain('Your Discord access at Acme Shop');
    expect(page.page).toContain('VIP Monthly');
    expect(page.page).toContain('Connect Discord to get your role.');
  });

  it('refuses the portal without a session, and an unknown link', async () => {
    expect((await fetch(`${h.baseUrl}/portal`)).status).toBe(401);
    expect((await fetch(`${h.baseUrl}/portal/s/${'a'.repeat(43)}`, { redirect: 'manual' })).status).toBe(401);
  });

  it('connects Discord through consent, stores the tokens encrypted, and queues the role sync', async () => {
    const user = h.seed.userIds[0]!;
    h.emulator.state.setAuthorizingUser(user);
    const browser = new Browser(h);
    const done = await browser.follow((await portalLinks()).connectDiscordUrl);
    expect(done.url).toBe(`${h.baseUrl}/portal?notice=linked`);
    expect(done.page).toContain('Discord is connected');
    expect(done.page).toContain('Connected as');
    const [link] = await h.t.sql<{ discord_user_id: string; access_token_enc: Buffer; scopes: string[] }>(
      `SELECT discord_user_id, access_token_enc, scopes FROM discord_link`,
    );
    expect(link).toMatchObject({
      discord_user_id: user,
      scopes: expect.arrayContaining(['identify', 'guilds.join']),
    });
    expect(link!.access_token_enc.length).toBeGreaterThan(28);
    expect(
      await h.t.sql(
        `SELECT payload FROM outbox WHERE job_name = 'role-sync.member' ORDER BY id DESC LIMIT 1`,
      ),
    ).toEqual([{ payload: { guildId: h.seed.guildId, userId: user, reason: 'link' } }]);

    const { stdout } = await run('pg_dump', ['--data-only', h.t.url], { maxBuffer: 64 * 1024 * 1024 });
    const tokens = h.emulator.state.oauth.issuedTokens();
    expect(tokens.length).toBeGreaterThan(0);
    for (const token of tokens) expect(stdout.includes(token)).toBe(false);
  });

  it('refuses a state that is reused, expired or from another session, and explains consent denied', async () => {
    const browser = new Browser(h);
    await browser.get((await portalLinks()).url);
    const consent = await browser.follow(`${h.baseUrl}/portal`);
    expect(consent.status).toBe(200);
    const start = await browser.post('/portal/connect', { csrf: await browser.csrf() });
    const toDiscord = start.headers.get('location')!;
    const back = (await fetch(toDiscord, { redirect: 'manual' })).headers.get('location')!;
    expect((await browser.follow(back)).url).toBe(`${h.baseUrl}/portal?notice=linked`);
    expect((await browser.follow(back)).url).toBe(`${h.baseUrl}/portal?notice=state-used`);

    const stranger = new Browser(h);
    await stranger.get((await portalLinks('cus_2')).url);
    const otherStart = (await browser.post('/portal/connect', { csrf: await browser.csrf() })).headers.get(
      'location',
    )!;
    const otherBack = (await fetch(otherStart, { redirect: 'manual' })).headers.get('location')!;
    expect((await stranger.follow(otherBack)).url).toBe(`${h.baseUrl}/portal?notice=state-other-session`);

    const late = (await browser.post('/portal/connect', { csrf: await browser.csrf() })).headers.get(
      'location',
    )!;
    const lateBack = (await fetch(late, { redirect: 'manual' })).headers.get('location')!;
    await h.t.sql(
      `UPDATE oauth_state SET expires_at = now() - interval '1 second' WHERE consumed_at IS NULL`,
    );
    expect((await browser.follow(lateBack)).url).toBe(`${h.baseUrl}/portal?notice=state-expired`);

    h.emulator.state.setConsent('deny');
    const denied = (await browser.post('/portal/connect', { csrf: await browser.csrf() })).headers.get(
      'location',
    )!;
    expect((await browser.follow(denied)).url).toBe(`${h.baseUrl}/portal?notice=consent-denied`);
    h.emulator.state.setConsent('allow');
  });

  it('rejects a form without its CSRF token', async () => {
    const browser = new Browser(h);
    await browser.get((await portalLinks()).url);
    expect((await browser.post('/portal/disconnect', {})).status).toBe(403);
    expect((await browser.post('/portal/disconnect', { csrf: 'forged' })).status).toBe(403);
  });

  it('switches account (re-syncing both users) and disconnects (revoking the token)', async () => {
    const [first, second] = h.seed.userIds as [string, string];
    const browser = new Browser(h);
    await browser.get((await portalLinks()).url);
    h.emulator.state.setAuthorizingUser(second);
    const start = (await browser.post('/portal/switch', { csrf: await browser.csrf() })).headers.get(
      'location',
    )!;
    expect((await browser.follow(start)).url).toBe(`${h.baseUrl}/portal?notice=switched`);
    const jobs = await h.t.sql<{ payload: { userId: string; reason: string } }>(
      `SELECT payload FROM outbox WHERE job_name = 'role-sync.member' ORDER BY id DESC LIMIT 2`,
    );
    expect(jobs.map((j) => [j.payload.userId, j.payload.reason]).sort()).toEqual(
      [
        [first, 'unlink'],
        [second, 'link'],
      ].sort(),
    );

    const revokedBefore = h.emulator.stats.requests({ route: '/oauth2/token/revoke' }).length;
    const out = await browser.post('/portal/disconnect', { csrf: await browser.csrf() });
    expect(out.headers.get('location')).toBe('/portal?notice=disconnected');
    expect(await h.t.sql(`SELECT count(*)::int AS n FROM discord_link`)).toEqual([{ n: 0 }]);
    expect(h.emulator.stats.requests({ route: '/oauth2/token/revoke' }).length).toBe(revokedBefore + 1);
    expect((await browser.follow(`${h.baseUrl}/portal`)).page).toContain('No Discord account is connected');
  });

  it('limits "Refresh my roles" to once a minute', async () => {
    const browser = new Browser(h);
    await browser.get((await portalLinks()).url);
    expect(
      (await browser.post('/portal/refresh', { csrf: await browser.csrf() })).headers.get('location'),
    ).toBe('/portal?notice=refreshing');
    expect(
      (await browser.post('/portal/refresh', { csrf: await browser.csrf() })).headers.get('location'),
    ).toBe('/portal?notice=refresh-too-soon');
  });

  it("refuses a Discord account already linked to another customer when the merchant's policy says so", async () => {
    await h.t.sql(`UPDATE merchant SET duplicate_discord_link_policy = 'refuse' WHERE id = $1`, [
      acme.merchantId,
    ]);
    const user = h.seed.userIds[1]!;
    h.emulator.state.setAuthorizingUser(user);
    const one = new Browser(h);
    expect((await one.follow((await portalLinks('cus_a')).connectDiscordUrl)).url).toBe(
      `${h.baseUrl}/portal?notice=linked`,
    );
    const two = new Browser(h);
    expect((await two.follow((await portalLinks('cus_b')).connectDiscordUrl)).url).toBe(
      `${h.baseUrl}/portal?notice=duplicate-refused`,
    );
    await h.t.sql(`UPDATE merchant SET duplicate_discord_link_policy = 'allow' WHERE id = $1`, [
      acme.merchantId,
    ]);
  });
});
