import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { startEmulator, type DiscordEmulator } from '@inflow/discord-emulator';
import {
  createTestDatabase,
  deleteRedisKeys,
  freePort,
  httpGet,
  startNode,
  testEnv,
  uniqueRedisPrefix,
  waitForStatus,
  type RunningProcess,
  type TestDatabase,
} from '@inflow/testing';

const ENTRY = 'services/gateway-worker/dist/main.js';

let emulator: DiscordEmulator;
let t: TestDatabase;
const prefix = uniqueRedisPrefix('gateway-e2e');
let service: RunningProcess | undefined;

async function startService(
  overrides: Record<string, string>,
): Promise<{ process: RunningProcess; port: number }> {
  const port = await freePort();
  service = startNode([ENTRY], {
    DATABASE_URL: t.url,
    REDIS_URL: testEnv.redisUrl,
    QUEUE_PREFIX: prefix,
    PORT: String(port),
    LOG_LEVEL: 'info',
    DISCORD_API_URL: emulator.apiBaseUrl,
    DISCORD_BOT_TOKEN: emulator.botToken,
    DISCORD_CLIENT_ID: emulator.applicationId,
    ...overrides,
  });
  return { process: service, port };
}

beforeAll(async () => {
  emulator = await startEmulator({ identify: { maxConcurrency: 16, intervalMs: 0 } });
  emulator.state.seedDemo();
  t = await createTestDatabase();
});

afterEach(async () => {
  await service?.stop(2_000);
  service = undefined;
});

afterAll(async () => {
  await t.drop();
  await emulator.stop();
  await deleteRedisKeys(prefix);
});

describe('gateway-worker as a process', () => {
  it('answers /readyz 200 once its shard is connected, and stops within 10 s of SIGTERM', async () => {
    const { process, port } = await startService({});

    await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, 30_000);
    const readiness = await httpGet(`http://127.0.0.1:${port}/readyz`);
    expect(JSON.parse(readiness.body)).toEqual({
      status: 'ready',
      checks: { postgres: 'ok', redis: 'ok', gateway: 'ok' },
    });
    expect((await httpGet(`http://127.0.0.1:${port}/metrics`)).body).toMatch(
      /gateway_shard_ready\{[^}]*shard="0"[^}]*\} 1/,
    );
    expect(emulator.gatewayCounts().sessions).toBe(1);

    const stopping = Date.now();
    process.child.kill('SIGTERM');
    expect(await process.exited).toBe(0);
    expect(Date.now() - stopping).toBeLessThan(10_000);
    expect(process.stdout.some((line) => line.includes('"closer":"gateway"'))).toBe(true);
  });

  it('with a rejected token stays up, not ready, with one line saying what to fix and no reconnect loop', async () => {
    const { process, port } = await startService({
      DISCORD_BOT_TOKEN: 'not-the-bot-token',
      DISCORD_GATEWAY_URL: emulator.gatewayUrl,
    });

    await process.waitForLine(/not reconnecting/, 30_000);
    const readiness = await httpGet(`http://127.0.0.1:${port}/readyz`);
    expect(readiness.status).toBe(503);
    expect(JSON.parse(readiness.body)).toMatchObject({
      checks: { postgres: 'ok', redis: 'ok', gateway: expect.stringContaining('DISCORD_BOT_TOKEN') },
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(process.child.exitCode).toBeNull();
    expect((await httpGet(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const failures = [...process.stdout, ...process.stderr].filter((line) => /4004/.test(line));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('"level":"error"');
  });
});
