import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { HTTPError } from '@discordjs/rest';
import { type DiscordEmulator, startEmulator } from '../emulator';
import { type DemoSeed } from '../state/emulator-state';
import { botRest, eventually } from '../test/fixtures';
import { gatewayClient } from '../test/gateway-client';

let emulator: DiscordEmulator;

beforeAll(async () => {
  emulator = await startEmulator({
    heartbeatIntervalMs: 1000,
    identify: { maxConcurrency: 16, intervalMs: 0 },
  });
});

afterAll(async () => {
  await emulator.stop();
});

/** One call to the HTTP control API, as a separate process (benchmark, sandbox) would make it. */
async function control<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${emulator.url}/_emulator${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

describe('HTTP control API', () => {
  it('reports URLs and credentials, and seeds the demo guild', async () => {
    const info = await control<Record<string, unknown>>('GET', '/info');
    expect(info.body).toMatchObject({
      url: emulator.url,
      apiBaseUrl: emulator.apiBaseUrl,
      gatewayUrl: emulator.gatewayUrl,
      authorizeUrl: emulator.authorizeUrl,
      botToken: emulator.botToken,
      applicationId: emulator.applicationId,
      clientSecret: emulator.clientSecret,
    });
    const seed = await control<DemoSeed>('POST', '/seed-demo');
    expect(seed.status).toBe(200);
    expect(emulator.state.guild(seed.body.guildId)?.name).toBe('Inflow Demo Community');
  });

  it('builds a world: users, guild, bot, roles, channels, members, bans', async () => {
    const owner = await control<{ id: string }>('POST', '/users', { username: 'merchant', maxGuilds: 200 });
    const customer = await control<{ id: string; max_guilds: number }>('POST', '/users', {
      id: '1234567890123456789',
      username: 'customer',
    });
    expect(customer.body).toMatchObject({ id: '1234567890123456789', max_guilds: 100 });
    const guild = await control<{ id: string }>('POST', '/guilds', { name: 'Shop', ownerId: owner.body.id });
    const gid = guild.body.id;
    const vip = await control<{ id: string; position: number }>('POST', `/guilds/${gid}/roles`, {
      name: 'VIP',
      permissions: '0',
    });
    const installed = await control<{ role: { id: string; managed: boolean } }>('PUT', `/guilds/${gid}/bot`, {
      permissions: '268454913',
      placement: 'top',
    });
    expect(installed.body.role.managed).toBe(true);
    const channel = await control<{ id: string; permission_overwrites: unknown[] }>(
      'POST',
      `/guilds/${gid}/channels`,
      {
        name: 'payments',
        permissionOverwrites: [{ id: gid, type: 0, deny: '2048' }],
      },
    );
    expect(channel.body.permission_overwrites).toEqual([{ id: gid, type: 0, allow: '0', deny: '2048' }]);

    const joined = await control<{ roles: string[] }>('PUT', `/guilds/${gid}/members/${customer.body.id}`, {
      roles: [vip.body.id],
    });
    expect(joined.body.roles).toEqual([vip.body.id]);
    expect(
      (await control('PUT', `/guilds/${gid}/members/${customer.body.id}/roles`, { roles: [] })).body,
    ).toEqual({ roles: [] });
    expect((await control('DELETE', `/guilds/${gid}/members/${customer.body.id}`)).status).toBe(204);
    expect((await control('GET', `/guilds/${gid}/members/${customer.body.id}`)).status).toBe(404);
    expect(
      (await control('PUT', `/guilds/${gid}/bans/${customer.body.id}`, { reason: 'chargeback' })).status,
    ).toBe(204);
    expect((await control('PUT', `/guilds/${gid}/members/${customer.body.id}`, {})).status).toBe(409);

    // Role moves and bot permissions are visible through the real API.
    const moved = await control<{ position: number }>('PUT', `/guilds/${gid}/bot/position`, { position: 1 });
    expect(moved.body.position).toBe(1);
    expect((await control('PUT', `/guilds/${gid}/bot/permissions`, { permissions: '2048' })).status).toBe(
      200,
    );
    const roles = (await botRest(emulator).get(`/guilds/${gid}/roles`)) as {
      id: string;
      permissions: string;
      position: number;
    }[];
    expect(roles.find((role) => role.id === installed.body.role.id)).toMatchObject({
      permissions: '2048',
      position: 1,
    });
    expect((await control('DELETE', `/guilds/${gid}/roles/${vip.body.id}`)).status).toBe(204);
    expect((await control('DELETE', `/guilds/${gid}/bot`)).status).toBe(204);
    expect(emulator.state.guild(gid)?.members.has(emulator.botUserId)).toBe(false);
  });

  it('answers misuse with a JSON error and the right status', async () => {
    expect(await control('POST', '/guilds', { name: 'x' })).toEqual({
      status: 400,
      body: { error: 'ownerId is required' },
    });
    expect((await control('PATCH', '/guilds/1100000000000000999', { name: 'x' })).status).toBe(404);
    expect((await control('GET', '/nothing')).status).toBe(404);
    const broken = await fetch(`${emulator.url}/_emulator/users`, { method: 'POST', body: '{' });
    expect(broken.status).toBe(400);
  });

  it('exposes messages, OAuth settings and token revocation', async () => {
    const seed = emulator.state.seedDemo();
    await botRest(emulator).post(`/channels/${seed.paymentsChannelId}/messages`, {
      body: { content: 'Payment received' },
    });
    const messages = await control<{ content: string }[]>(
      'GET',
      `/channels/${seed.paymentsChannelId}/messages`,
    );
    expect(messages.body.map((message) => message.content)).toEqual(['Payment received']);

    expect(
      (
        await control('PUT', '/oauth', {
          authorizingUserId: seed.userIds[2],
          consent: 'deny',
          botRolePlacement: 'top',
        })
      ).status,
    ).toBe(204);
    expect((await control('GET', '/oauth')).body).toMatchObject({
      authorizingUserId: seed.userIds[2],
      consent: 'deny',
      botRolePlacement: 'top',
    });
    emulator.state.setConsent('allow');
    const grant = emulator.state.oauth.issueTokens(seed.userIds[2]!, ['identify'], null);
    expect((await control('POST', `/users/${seed.userIds[2]!}/revoke-tokens`)).body).toEqual({ revoked: 1 });
    expect(emulator.state.oauth.liveAccessToken(grant.accessToken)).toBeUndefined();
    expect((await control('PUT', '/gateway/intents', { guildMembers: false })).body).toMatchObject({
      guildMembers: false,
    });
    emulator.state.setPrivilegedIntents({ guildMembers: true });
  });

  it('filters and resets the request log and stats', async () => {
    const seed = emulator.state.seedDemo();
    expect((await control('DELETE', '/stats')).status).toBe(204);
    const rest = botRest(emulator);
    await rest.put(`/guilds/${seed.guildId}/members/${seed.userIds[0]!}/roles/${seed.vipRoleId}`, {
      reason: 'sub_9 renewed',
    });
    await rest.get(`/guilds/${seed.guildId}/members/${seed.userIds[2]!}`).catch(() => undefined);
    const stats = await control<{ totalRequests: number; byRoute: Record<string, Record<string, number>> }>(
      'GET',
      '/stats',
    );
    expect(stats.body.totalRequests).toBe(2);
    expect(stats.body.byRoute).toEqual({
      'PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}': { '204': 1 },
      'GET /guilds/{guild_id}/members/{user_id}': { '404': 1 },
    });
    const log = await control<{ auditLogReason: string; code: number | null }[]>(
      'GET',
      '/stats/requests?method=PUT&route=/roles/',
    );
    expect(log.body).toEqual([expect.objectContaining({ auditLogReason: 'sub_9 renewed', status: 204 })]);
    const notFound = await control<unknown[]>('GET', '/stats/requests?code=10007');
    expect(notFound.body).toHaveLength(1);
  });
});

describe('faults', () => {
  it('adds latency and 5xx responses that @discordjs/rest retries', async () => {
    const seed = emulator.state.seedDemo();
    await control('PUT', '/faults/latency', { ms: 120 });
    const started = Date.now();
    await botRest(emulator).get(`/guilds/${seed.guildId}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    await control('DELETE', '/faults');

    await control('PUT', '/faults/server-errors', { rate: 1, statuses: [502] });
    const error = await botRest(emulator, { retries: 2 })
      .get(`/guilds/${seed.guildId}`)
      .catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(HTTPError);
    expect((error as HTTPError).status).toBe(502);
    expect(
      emulator.stats.requests({ route: '/guilds/{guild_id}', status: 502 }).length,
    ).toBeGreaterThanOrEqual(3);
    await control('DELETE', '/faults');
  });

  // @discordjs/rest retries ECONNRESET, but under Jest the socket error comes from another realm and fails
  // its `instanceof Error` check, so the drop is observed with fetch here.
  it('resets the TCP connection of the next requests without answering', async () => {
    const seed = emulator.state.seedDemo();
    emulator.stats.reset();
    await control('POST', '/faults/drop-http', { count: 1 });
    const get = () =>
      fetch(`${emulator.apiBaseUrl}/v10/guilds/${seed.guildId}`, {
        headers: { Authorization: `Bot ${emulator.botToken}` },
      });
    const dropped = await get().catch((error: unknown) => error);
    expect(dropped).toMatchObject({ message: 'fetch failed' });
    expect((dropped as { cause?: { code?: string } }).cause?.code).toBe('ECONNRESET');
    expect((await get()).status).toBe(200);
    expect(emulator.stats.requests({ route: '/guilds/{guild_id}' }).map((entry) => entry.status)).toEqual([
      0, 200,
    ]);
  });

  it('drops gateway connections and forces RECONNECT over HTTP', async () => {
    const client = gatewayClient(emulator, { intents: 1 });
    try {
      await client.manager.connect();
      expect((await control('POST', '/faults/gateway/drop')).body).toEqual({ affected: 1 });
      await client.waitFor('RESUMED');
      expect((await control('POST', '/faults/gateway/reconnect')).body).toEqual({ affected: 1 });
      await eventually(() => client.resumed === 2, 5000, 'second resume');
      expect((await control<{ gateway: { sessions: number } }>('GET', '/stats')).body.gateway.sessions).toBe(
        1,
      );
    } finally {
      await client.destroy();
    }
  });
});
