import { type ResponseLike } from '@discordjs/rest';
import { describe, expect, it } from '@jest/globals';
import { runInNewContext } from 'node:vm';
import { createDiscordTransport, type MakeRequest, type RateLimitedEvent } from './discord-transport';
import { DiscordNetworkError } from './network-error';

const URL_ROLE =
  'https://discord.com/api/v10/guilds/1340000000000000100/members/1340000000000000200/roles/1340000000000000300';
const ROUTE_ROLE = '/guilds/{guild_id}/members/{user_id}/roles/{role_id}';

function fakeResponse(status: number, headers: Record<string, string> = {}): ResponseLike {
  return {
    status,
    ok: status >= 200 && status < 300,
    statusText: String(status),
    headers: new Headers(headers),
    body: null,
    bodyUsed: false,
    arrayBuffer: () => Promise.resolve(new ArrayBuffer(0)),
    json: () => Promise.resolve({}),
    text: () => Promise.resolve(''),
  };
}

/** A socket error as Jest's code sees Node's: made in another realm, so not `instanceof Error` here. */
function foreignSocketError(code: string): Error {
  // An Error all the same, only of the other realm's Error class.
  return runInNewContext(`Object.assign(new Error('read ${code}'), { code: '${code}' })`) as Error;
}

/** Records the order of limiter admissions and sends. */
function recorder() {
  const events: string[] = [];
  return {
    events,
    limiter: {
      acquire: async () => {
        events.push('acquire');
        return Promise.resolve(Date.now());
      },
    },
  };
}

function neverAnswers(): MakeRequest {
  return (_url, init) =>
    new Promise((_resolve, reject) => {
      init.signal?.addEventListener('abort', () =>
        reject(new DOMException('This operation was aborted', 'AbortError')),
      );
    });
}

describe('createDiscordTransport', () => {
  it('takes a limiter slot before every attempt, retries included', async () => {
    const { events, limiter } = recorder();
    let calls = 0;
    const send: MakeRequest = () => {
      calls += 1;
      events.push('send');
      if (calls < 3) return Promise.reject(foreignSocketError('ECONNRESET'));
      return Promise.resolve(fakeResponse(204));
    };
    const transport = createDiscordTransport({ limiter, timeoutMs: 1_000, retries: 3, hooks: {}, send });

    const response = await transport(URL_ROLE, { method: 'PUT' });

    expect(response.status).toBe(204);
    expect(events).toEqual(['acquire', 'send', 'acquire', 'send', 'acquire', 'send']);
  });

  it('gives up after `retries` network failures with an error @discordjs/rest will not retry again', async () => {
    const { events, limiter } = recorder();
    const send: MakeRequest = () => Promise.reject(foreignSocketError('ECONNRESET'));
    const transport = createDiscordTransport({ limiter, timeoutMs: 1_000, retries: 2, hooks: {}, send });

    const error = await transport(URL_ROLE, { method: 'PUT' }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(DiscordNetworkError);
    expect(error).toMatchObject({ networkCode: 'ECONNRESET', attempts: 3 });
    // @discordjs/rest retries errors with code ECONNRESET or that word in the message: neither is there.
    expect('code' in (error as object)).toBe(false);
    expect((error as Error).message).not.toContain('ECONNRESET');
    expect(events.filter((event) => event === 'acquire')).toHaveLength(3);
  });

  it('does not retry what is not a network failure', async () => {
    let calls = 0;
    const send: MakeRequest = () => {
      calls += 1;
      return Promise.reject(new TypeError('Invalid URL'));
    };
    const transport = createDiscordTransport({ timeoutMs: 1_000, retries: 3, hooks: {}, send });

    await expect(transport(URL_ROLE, { method: 'PUT' })).rejects.toThrow('Invalid URL');
    expect(calls).toBe(1);
  });

  it('starts the timeout only once the limiter admitted the request', async () => {
    const limiter = { acquire: () => new Promise((resolve) => setTimeout(resolve, 150)) };
    const send: MakeRequest = () =>
      new Promise((resolve) => setTimeout(() => resolve(fakeResponse(200)), 30));
    const transport = createDiscordTransport({ limiter, timeoutMs: 100, retries: 0, hooks: {}, send });

    await expect(transport(URL_ROLE, { method: 'GET' })).resolves.toMatchObject({ status: 200 });
  });

  it('times out each attempt and reports TIMEOUT after the retries', async () => {
    let calls = 0;
    const inner = neverAnswers();
    const send: MakeRequest = (url, init) => {
      calls += 1;
      return inner(url, init);
    };
    const transport = createDiscordTransport({ timeoutMs: 30, retries: 1, hooks: {}, send });

    const error = await transport(URL_ROLE, { method: 'GET' }).catch((thrown: unknown) => thrown);

    expect(error).toBeInstanceOf(DiscordNetworkError);
    expect((error as DiscordNetworkError).timedOut).toBe(true);
    expect(calls).toBe(2);
  });

  it('reports every response and every 429 to the hooks, with the route template', async () => {
    const responses: Array<[string, number, number]> = [];
    const limited: RateLimitedEvent[] = [];
    const answers = [
      fakeResponse(429, {
        'retry-after': '1',
        'x-ratelimit-reset-after': '0.350',
        'x-ratelimit-scope': 'user',
      }),
      fakeResponse(429, { 'retry-after': '2', 'x-ratelimit-scope': 'global', 'x-ratelimit-global': 'true' }),
      fakeResponse(204),
    ];
    const send: MakeRequest = () => Promise.resolve(answers.shift()!);
    const transport = createDiscordTransport({
      timeoutMs: 1_000,
      retries: 0,
      send,
      hooks: {
        onResponse: (route, status, durationMs) => responses.push([route, status, durationMs]),
        onRateLimited: (event) => limited.push(event),
      },
    });

    for (let i = 0; i < 3; i += 1) await transport(URL_ROLE, { method: 'PUT' });

    expect(responses.map(([route, status]) => [route, status])).toEqual([
      [ROUTE_ROLE, 429],
      [ROUTE_ROLE, 429],
      [ROUTE_ROLE, 204],
    ]);
    expect(responses.every(([, , duration]) => duration >= 0)).toBe(true);
    expect(limited).toEqual([
      { route: ROUTE_ROLE, scope: 'user', global: false, retryAfterMs: 350 },
      { route: ROUTE_ROLE, scope: 'global', global: true, retryAfterMs: 2_000 },
    ]);
  });

  it('ignores a hook that throws', async () => {
    const send: MakeRequest = () => Promise.resolve(fakeResponse(200));
    const transport = createDiscordTransport({
      timeoutMs: 1_000,
      retries: 0,
      send,
      hooks: {
        onResponse: () => {
          throw new Error('metrics broke');
        },
      },
    });

    await expect(transport(URL_ROLE, { method: 'GET' })).resolves.toMatchObject({ status: 200 });
  });
});
