import { describe, expect, it } from '@jest/globals';
import { loadServiceEnv } from './env';

const REQUIRED = { DISCORD_BOT_TOKEN: 'bot-token', DISCORD_CLIENT_ID: '1380000000000000001' };

class ExitCalled extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** The one stderr line loadEnv writes for an invalid environment. */
function problemsOf(source: Record<string, string>): string {
  const lines: string[] = [];
  expect(() =>
    loadServiceEnv(source, {
      stderr: { write: (text: string) => lines.push(text) },
      exit: (code) => {
        throw new ExitCalled(code);
      },
    }),
  ).toThrow(ExitCalled);
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('gateway-worker env', () => {
  it('applies the documented defaults', () => {
    const env = loadServiceEnv(REQUIRED);
    expect(env).toMatchObject({
      PORT: 3001,
      DISCORD_API_URL: 'https://discord.com/api',
      DISCORD_GLOBAL_RATE_LIMIT: 50,
      QUEUE_PREFIX: 'inflow',
    });
    expect(env.DISCORD_GATEWAY_URL).toBeUndefined();
    expect(env.SHARD_COUNT).toBeUndefined();
    expect(env.SHARD_IDS).toBeUndefined();
  });

  it('parses SHARD_IDS as a list or an inclusive range', () => {
    expect(loadServiceEnv({ ...REQUIRED, SHARD_COUNT: '4', SHARD_IDS: '2,0,2' }).SHARD_IDS).toEqual([0, 2]);
    expect(loadServiceEnv({ ...REQUIRED, SHARD_COUNT: '8', SHARD_IDS: '4-7' }).SHARD_IDS).toEqual([
      4, 5, 6, 7,
    ]);
    expect(loadServiceEnv({ ...REQUIRED, SHARD_COUNT: '1', SHARD_IDS: '0' }).SHARD_IDS).toEqual([0]);
  });

  it('accepts a ws(s) gateway override', () => {
    const env = loadServiceEnv({ ...REQUIRED, DISCORD_GATEWAY_URL: 'ws://127.0.0.1:5055/gateway' });
    expect(env.DISCORD_GATEWAY_URL).toBe('ws://127.0.0.1:5055/gateway');
  });

  it.each([
    [{ SHARD_IDS: '0,1' }, 'SHARD_IDS needs SHARD_COUNT'],
    [{ SHARD_COUNT: '2', SHARD_IDS: '1,2,3' }, 'SHARD_IDS must name shards below SHARD_COUNT (2), not 2, 3'],
    [{ SHARD_COUNT: '2', SHARD_IDS: '3-1' }, 'SHARD_IDS must be a range from low to high'],
    [{ SHARD_COUNT: '2', SHARD_IDS: 'all' }, 'SHARD_IDS must be a list like "0,2" or a range like "0-3"'],
    [{ SHARD_COUNT: '0' }, 'SHARD_COUNT must be an integer between 1 and'],
    [
      { DISCORD_GATEWAY_URL: 'https://gateway.discord.gg' },
      'DISCORD_GATEWAY_URL must be a ws:// or wss:// URL',
    ],
  ])('refuses %j with a clear line', (extra, expected) => {
    expect(problemsOf({ ...REQUIRED, ...extra })).toContain(expected);
  });

  it('names the missing credentials without echoing any value', () => {
    const line = problemsOf({ DISCORD_CLIENT_ID: 'not-an-id' });
    expect(line).toContain('DISCORD_BOT_TOKEN is required');
    expect(line).toContain('DISCORD_CLIENT_ID must be the application id');
    expect(line).not.toContain('not-an-id');
  });
});
