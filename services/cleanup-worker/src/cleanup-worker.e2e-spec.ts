import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRedisConnection, waitUntilRedisReady } from '@inflow/queue';
import {
  createTestDatabase,
  deleteRedisKeys,
  eventually,
  freePort,
  httpGet,
  startNode,
  testEnv,
  uniqueRedisPrefix,
  waitForStatus,
  type TestDatabase,
} from '@inflow/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { arrangeGuild, arrangeSubscription, snowflake, waitingRoleSyncs } from './test/cleanup-fixture';

describe('cleanup-worker process', () => {
  let t: TestDatabase;
  let redis: Redis;
  let roleSyncQueue: Queue;
  const prefix = uniqueRedisPrefix('cleanup-e2e');

  beforeAll(async () => {
    t = await createTestDatabase();
    redis = createRedisConnection(testEnv.redisUrl, { purpose: 'worker', name: 'cleanup-e2e' });
    await waitUntilRedisReady(redis, 5_000);
    roleSyncQueue = new Queue('role-sync', { connection: redis, prefix });
  });

  afterAll(async () => {
    await roleSyncQueue.close();
    await redis.quit();
    await deleteRedisKeys(prefix);
    await t.drop();
  });

  it('enqueues role sync for access that just ended, reports ready, and exits promptly on SIGTERM', async () => {
    const guild = await arrangeGuild(t, snowflake(1));
    const port = await freePort();
    const worker = startNode(['services/cleanup-worker/dist/main.js'], {
      DATABASE_URL: t.url,
      REDIS_URL: testEnv.redisUrl,
      PORT: String(port),
      QUEUE_PREFIX: prefix,
      CLEANUP_INTERVAL_MS: '1000',
      CLEANUP_COMMIT_MARGIN_MS: '1000',
      LOG_LEVEL: 'info',
    });
    try {
      await waitForStatus(`http://127.0.0.1:${port}/readyz`, 200, 20_000);

      const user = snowflake(77);
      await arrangeSubscription(t, {
        guild,
        status: 'EXPIRED',
        discordUserId: user,
        accessEndsAt: null,
        updatedAt: new Date(),
      });
      // One interval plus the commit margin, and some slack for a busy machine.
      await eventually(
        async () =>
          expect(await waitingRoleSyncs(roleSyncQueue)).toEqual([`${guild.guildId}:${user}:cleanup`]),
        6_000,
        100,
      );
      const metrics = await httpGet(`http://127.0.0.1:${port}/metrics`);
      expect(metrics.body).toMatch(/^cleanup_members_enqueued_total\{kind="access-ended"[^}]*\} 1$/m);
      expect(metrics.body).toMatch(/^cleanup_last_success_timestamp_seconds\{kind="access-ended"/m);

      const stopping = Date.now();
      expect(await worker.stop(10_000)).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(10_000);
      await worker.waitForLine(/"msg":"exiting"/, 1_000);
    } finally {
      await worker.stop(1_000);
    }
  });
});
