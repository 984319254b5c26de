import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createEmptyDatabase,
  deleteRedisKeys,
  dropDatabase,
  freePortRange,
  httpGet,
  startNode,
  testEnv,
  uniqueRedisPrefix,
  waitForStatus,
  type RunningProcess,
} from '@inflow/testing';
import { SERVICES } from './services';

describe('pnpm start (the launcher)', () => {
  let database: { name: string; url: string };
  let launcher: RunningProcess;
  let portBase: number;
  const prefix = uniqueRedisPrefix('launcher');

  beforeAll(async () => {
    database = await createEmptyDatabase('launcher');
    // Five consecutive ports: take a free one well away from the usual 3000–3004.
    portBase = await freePortRange(SERVICES.length);
    launcher = startNode(['packages/launcher/dist/main.js'], {
      DATABASE_URL: database.url,
      REDIS_URL: testEnv.redisUrl,
      QUEUE_PREFIX: prefix,
      PORT_BASE: String(portBase),
      SANDBOX_DISCORD_PORT: '0',
      LOG_LEVEL: 'info',
    });
  });

  afterAll(async () => {
    await launcher.stop(2000);
    await dropDatabase(database.name);
    await deleteRedisKeys(prefix);
  });

  it('migrates an empty database and brings up five services that answer /readyz with 200', async () => {
    await launcher.waitForLine(/applied migrations: InitialSchema/);
    await launcher.waitForLine(/ready: api/, 60_000);
    for (const service of SERVICES) {
      const readiness = await httpGet(`http://127.0.0.1:${portBase + service.portOffset}/readyz`);
      expect({ service: service.name, ...readiness }).toEqual({
        service: service.name,
        status: 200,
        body: JSON.stringify({
          status: 'ready',
          checks: {
            postgres: 'ok',
            redis: 'ok',
            ...(service.name === 'gateway-worker' ? { gateway: 'ok' } : {}),
          },
        }),
      });
      const metrics = await httpGet(`http://127.0.0.1:${portBase + service.portOffset}/metrics`);
      expect(metrics.body).toContain(`service="${service.name}"`);
    }
  });

  it('stops every service within 10 s of SIGTERM, cleanly', async () => {
    await waitForStatus(`http://127.0.0.1:${portBase}/healthz`, 200);
    const started = Date.now();
    launcher.child.kill('SIGTERM');
    expect(await launcher.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    const exits = launcher.stdout.filter((line) => / exiting exitCode=0/.test(line));
    expect(exits).toHaveLength(SERVICES.length);
    for (const service of SERVICES) {
      await expect(
        httpGet(`http://127.0.0.1:${portBase + service.portOffset}/healthz`, 500),
      ).rejects.toThrow();
    }
  });
});
