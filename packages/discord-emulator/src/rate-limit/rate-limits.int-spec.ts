import { afterEach, describe, expect, it } from '@jest/globals';
import { type RateLimitData, RESTEvents } from '@discordjs/rest';
import { type DiscordEmulator, startEmulator } from '../emulator';
import { type EmulatorOptions } from '../emulator-options';
import { bucketHash } from './rate-limiter';
import { botRest } from '../test/fixtures';

const running: DiscordEmulator[] = [];

async function emulatorWith(options: EmulatorOptions): Promise<DiscordEmulator> {
  const emulator = await startEmulator(options);
  running.push(emulator);
  return emulator;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((emulator) => emulator.stop()));
});

function raw(
  emulator: DiscordEmulator,
  path: string,
  init: RequestInit = {},
  token = emulator.botToken,
): Promise<Response> {
  return fetch(`${emulator.apiBaseUrl}/v10${path}`, {
    ...init,
    headers: { Authorization: `Bot ${token}`, ...(init.headers as Record<string, string> | undefined) },
  });
}

describe('per-route buckets', () => {
  it('puts bucket headers on every response; role add and remove share one bucket per guild', async () => {
    const emulator = await emulatorWith({ memberRoleBucket: { limit: 3, windowMs: 10_000 } });
    const seed = emulator.state.seedDemo();
    const other = emulator.state.seedDemo();
    const alice = seed.userIds[0]!;
    const put = await raw(emulator, `/guilds/${seed.guildId}/members/${alice}/roles/${seed.vipRoleId}`, {
      method: 'PUT',
    });
    const del = await raw(emulator, `/guilds/${seed.guildId}/members/${alice}/roles/${seed.vipRoleId}`, {
      method: 'DELETE',
    });
    const elsewhere = await raw(
      emulator,
      `/guilds/${other.guildId}/members/${other.userIds[0]!}/roles/${other.vipRoleId}`,
      {
        method: 'PUT',
      },
    );
    // A 404 still carries and consumes the bucket.
    const missing = await raw(
      emulator,
      `/guilds/${seed.guildId}/members/${seed.userIds[2]!}/roles/${seed.vipRoleId}`,
      {
        method: 'PUT',
      },
    );
    expect([put.status, del.status, elsewhere.status, missing.status]).toEqual([204, 204, 204, 404]);
    const headers = (response: Response) => ({
      limit: response.headers.get('x-ratelimit-limit'),
      remaining: response.headers.get('x-ratelimit-remaining'),
      bucket: response.headers.get('x-ratelimit-bucket'),
    });
    expect(headers(put)).toEqual({ limit: '3', remaining: '2', bucket: bucketHash('member-roles') });
    expect(headers(del)).toEqual({ limit: '3', remaining: '1', bucket: bucketHash('member-roles') });
    expect(headers(elsewhere)).toEqual({ limit: '3', remaining: '2', bucket: bucketHash('member-roles') });
    expect(headers(missing).remaining).toBe('0');
    const resetAfter = Number(put.headers.get('x-ratelimit-reset-after'));
    const reset = Number(put.headers.get('x-ratelimit-reset'));
    expect(resetAfter).toBeGreaterThan(9);
    expect(resetAfter).toBeLessThanOrEqual(10);
    expect(Math.abs(reset - (Date.now() / 1000 + resetAfter))).toBeLessThan(1);
    expect(put.headers.get('x-ratelimit-reset')).toMatch(/^\d+\.\d{3}$/);

    const limited = await raw(emulator, `/guilds/${seed.guildId}/members/${alice}/roles/${seed.vipRoleId}`, {
      method: 'PUT',
    });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-scope')).toBe('user');
    expect(limited.headers.get('x-ratelimit-global')).toBeNull();
    expect(Number(limited.headers.get('retry-after'))).toBe(10);
    const body = (await limited.json()) as { message: string; retry_after: number; global: boolean };
    expect(body).toEqual({
      message: 'You are being rate limited.',
      retry_after: expect.any(Number),
      global: false,
    });
    expect(body.retry_after).toBeGreaterThan(9);
    expect(emulator.stats.snapshot().rateLimited).toEqual({ user: 1, global: 0, shared: 0 });
  });

  it('makes @discordjs/rest wait out a 429 it could not foresee (two processes sharing a guild bucket)', async () => {
    const emulator = await emulatorWith({ memberRoleBucket: { limit: 2, windowMs: 600 } });
    const seed = emulator.state.seedDemo();
    const workerA = botRest(emulator);
    const workerB = botRest(emulator);
    const limitedEvents: RateLimitData[] = [];
    workerA.on(RESTEvents.RateLimited, (data) => limitedEvents.push(data));
    workerB.on(RESTEvents.RateLimited, (data) => limitedEvents.push(data));
    const [alice, bob] = seed.userIds as [string, string];
    const started = Date.now();
    await Promise.all([
      workerA.put(`/guilds/${seed.guildId}/members/${alice}/roles/${seed.vipRoleId}`),
      workerB.put(`/guilds/${seed.guildId}/members/${bob}/roles/${seed.vipRoleId}`),
      workerA.put(`/guilds/${seed.guildId}/members/${alice}/roles/${seed.memberRoleId}`),
      workerB.put(`/guilds/${seed.guildId}/members/${bob}/roles/${seed.memberRoleId}`),
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(emulator.state.memberRoles(seed.guildId, alice)).toEqual([seed.memberRoleId, seed.vipRoleId]);
    expect(emulator.state.memberRoles(seed.guildId, bob)).toEqual([seed.vipRoleId, seed.memberRoleId]);
    const statuses = emulator.stats.requests({ method: 'PUT' }).map((entry) => entry.status);
    expect(statuses.filter((status) => status === 204)).toHaveLength(4);
    expect(statuses).toContain(429);
    expect(limitedEvents.length).toBeGreaterThan(0);
  });
});

describe('global limit', () => {
  it('answers 429 scope global past the per-token limit, and @discordjs/rest waits it out', async () => {
    const emulator = await emulatorWith({ globalRateLimit: 4 });
    const seed = emulator.state.seedDemo();
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => raw(emulator, `/guilds/${seed.guildId}/roles`)),
    );
    const limited = responses.filter((response) => response.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(2);
    const first = limited[0]!;
    expect(first.headers.get('x-ratelimit-global')).toBe('true');
    expect(first.headers.get('x-ratelimit-scope')).toBe('global');
    expect(first.headers.get('retry-after')).toBe('1');
    await expect(first.json()).resolves.toMatchObject({
      message: 'You are being rate limited.',
      global: true,
    });

    // A client that believes in 50/s hits the 4/s limit and still completes everything.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    emulator.stats.reset();
    const rest = botRest(emulator);
    const paths = [
      `/guilds/${seed.guildId}`,
      `/guilds/${seed.guildId}/roles`,
      `/guilds/${seed.guildId}/channels`,
      `/guilds/${seed.guildId}/members/${seed.userIds[0]!}`,
      `/guilds/${seed.guildId}/members/${seed.userIds[1]!}`,
      '/users/@me',
    ] as const;
    const results = await Promise.all(paths.map((path) => rest.get(path)));
    expect(results).toHaveLength(6);
    expect(emulator.stats.snapshot().rateLimited.global).toBeGreaterThan(0);
    expect(emulator.stats.requests({ status: 200 })).toHaveLength(6);
  });
});

describe('invalid requests', () => {
  it('bans an IP after too many 401/403/429 and lifts the ban after banMs', async () => {
    const emulator = await emulatorWith({ invalidRequestLimit: { max: 5, windowMs: 10_000, banMs: 1500 } });
    const seed = emulator.state.seedDemo();
    for (let i = 0; i < 4; i += 1) expect((await raw(emulator, '/users/@me', {}, 'wrong')).status).toBe(401);
    expect(emulator.stats.snapshot().invalidRequestsInWindow).toBe(4);

    // Shared-scope 429s do not count.
    emulator.faults.startRateLimitStorm({ scope: 'shared', durationMs: 300, retryAfterMs: 300 });
    const shared = await raw(emulator, '/users/@me');
    expect(shared.status).toBe(429);
    expect(shared.headers.get('x-ratelimit-scope')).toBe('shared');
    expect(emulator.stats.snapshot().invalidRequestsInWindow).toBe(4);
    await new Promise((resolve) => setTimeout(resolve, 300));

    // The fifth invalid request (a 403) starts the ban.
    const other = emulator.state.createGuild({ name: 'No bot', ownerId: seed.ownerId });
    expect((await raw(emulator, `/guilds/${other.id}/roles`)).status).toBe(403);
    const banned = await raw(emulator, '/users/@me');
    expect(banned.status).toBe(429);
    expect(banned.headers.get('x-ratelimit-scope')).toBe('global');
    expect(banned.headers.get('retry-after')).toBe('2');
    await expect(banned.json()).resolves.toMatchObject({
      global: true,
      code: 0,
      message: expect.stringContaining('blocked'),
    });
    const { bans } = emulator.stats.snapshot();
    expect(bans).toEqual([expect.objectContaining({ ip: expect.any(String), invalidCount: 5 })]);
    expect(emulator.stats.requests({ route: '/users/@me', status: 429 }).at(-1)?.rateLimitScope).toBe(
      'global',
    );

    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await raw(emulator, '/users/@me')).status).toBe(200);
  });
});

describe('429 storms', () => {
  it('answers every matching request with the storm scope until it ends; @discordjs/rest retries through it', async () => {
    const emulator = await emulatorWith({});
    const seed = emulator.state.seedDemo();
    emulator.faults.startRateLimitStorm({
      scope: 'user',
      durationMs: 400,
      retryAfterMs: 200,
      route: '/roles/',
    });
    const stormed = await raw(
      emulator,
      `/guilds/${seed.guildId}/members/${seed.userIds[0]!}/roles/${seed.vipRoleId}`,
      {
        method: 'PUT',
      },
    );
    expect(stormed.status).toBe(429);
    expect(stormed.headers.get('x-ratelimit-scope')).toBe('user');
    expect((await raw(emulator, `/guilds/${seed.guildId}/roles`)).status).toBe(200);

    const started = Date.now();
    await botRest(emulator).put(
      `/guilds/${seed.guildId}/members/${seed.userIds[0]!}/roles/${seed.vipRoleId}`,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(emulator.state.memberRoles(seed.guildId, seed.userIds[0]!)).toContain(seed.vipRoleId);

    emulator.faults.startRateLimitStorm({ scope: 'global', durationMs: 200 });
    const global = await raw(emulator, '/users/@me');
    expect([global.status, global.headers.get('x-ratelimit-global')]).toEqual([429, 'true']);
  });
});
