import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRedisConnection, waitUntilRedisReady } from '@inflow/queue';
import { createLogger } from '@inflow/service-runtime';
import {
  createTestDatabase,
  deleteRedisKeys,
  eventually,
  testEnv,
  uniqueRedisPrefix,
  type TestDatabase,
} from '@inflow/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { composeCleanup, type CleanupParts, type RunningCleanup } from './compose-cleanup';
import { arrangeGuild, arrangeSubscription, snowflake, waitingRoleSyncs } from './test/cleanup-fixture';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const SWEEP_EVERY_MS = 3_600_000;
const DRIFT_EVERY_MS = 7_200_000;

/** Two cleanup services on one queue prefix, as two replicas of the deployment would run. */
describe('cleanup replicas sharing a queue', () => {
  let t: TestDatabase;
  const prefix = uniqueRedisPrefix('cleanup-replicas');
  const connections: Redis[] = [];
  const registries = [new Registry(), new Registry()];
  const running: RunningCleanup[] = [];
  let cleanupQueue: Queue;
  let roleSyncQueue: Queue;
  let dueMembers: string[];

  beforeAll(async () => {
    t = await createTestDatabase();
    const guild = await arrangeGuild(t, snowflake(1));
    dueMembers = [];
    for (const user of [51, 52, 53].map(snowflake)) {
      await arrangeSubscription(t, {
        guild,
        status: 'EXPIRED',
        discordUserId: user,
        accessEndsAt: null,
        updatedAt: new Date(Date.now() - 60_000),
      });
      dueMembers.push(`${guild.guildId}:${user}:cleanup`);
    }

    // Reading the cursor slowly widens each sweep, so two sweeps allowed to run at once would overlap.
    const repositories: CleanupParts['repositories'] = {
      subscriptions: t.db.repositories.subscriptions,
      discordMembers: t.db.repositories.discordMembers,
      sweepCursors: {
        get: async (name) => {
          await sleep(300);
          return t.db.repositories.sweepCursors.get(name);
        },
        set: (name, at) => t.db.repositories.sweepCursors.set(name, at),
      },
      outbox: t.db.repositories.outbox,
    };
    const start = async (replica: number) => {
      const redis = createRedisConnection(testEnv.redisUrl, {
        purpose: 'worker',
        name: `replica-${replica}`,
      });
      connections.push(redis);
      await waitUntilRedisReady(redis, 5_000);
      return composeCleanup({
        env: {
          QUEUE_PREFIX: prefix,
          CLEANUP_INTERVAL_MS: SWEEP_EVERY_MS,
          CLEANUP_COMMIT_MARGIN_MS: 1_000,
          CLEANUP_PAGE_SIZE: 1_000,
          DRIFT_INTERVAL_MS: DRIFT_EVERY_MS,
          DRIFT_MAX_AGE_MS: 86_400_000,
          DRIFT_BATCH_LIMIT: 5_000,
          OUTBOX_REDELIVER_AFTER_MS: 600_000,
          OUTBOX_RETENTION_MS: 7 * 86_400_000,
        },
        logger: createLogger({ service: `cleanup-replica-${replica}`, level: 'silent' }),
        registry: registries[replica]!,
        repositories,
        redis,
        workerName: `replica-${replica}`,
      });
    };
    // Replicas of a deployment start together.
    running.push(...(await Promise.all([start(0), start(1)])));

    const inspector = createRedisConnection(testEnv.redisUrl, {
      purpose: 'worker',
      name: 'replicas-inspector',
    });
    connections.push(inspector);
    cleanupQueue = new Queue('cleanup', { connection: inspector, prefix });
    roleSyncQueue = new Queue('role-sync', { connection: inspector, prefix });
  });

  afterAll(async () => {
    for (const cleanup of running) await cleanup.close();
    await cleanupQueue.close();
    await roleSyncQueue.close();
    for (const redis of connections) await redis.quit();
    await deleteRedisKeys(prefix);
    await t.drop();
  });

  async function completedCleanupJobs() {
    return (await cleanupQueue.getJobs(['completed'])).sort(
      (a, b) => (a.processedOn ?? 0) - (b.processedOn ?? 0),
    );
  }

  it('installs each scheduler once, with the catalog ids (colon included), and limits the queue to one job', async () => {
    const schedulers = await cleanupQueue.getJobSchedulers();
    expect(
      schedulers
        .map(({ key, name, every }) => ({ key, name, every }))
        .sort((a, b) => a.key.localeCompare(b.key)),
    ).toEqual([
      { key: 'cleanup:drift', name: 'cleanup.drift-sweep', every: DRIFT_EVERY_MS },
      { key: 'cleanup:sweep', name: 'cleanup.sweep', every: SWEEP_EVERY_MS },
    ]);
    expect(await cleanupQueue.getGlobalConcurrency()).toBe(1);

    // The first iteration of each runs at once; the next one waits, once per scheduler.
    const ran = await eventually(async () => {
      const ids = (await completedCleanupJobs()).map((job) => job.id ?? '');
      expect(ids.filter((id) => /^repeat:cleanup:sweep:\d+$/.test(id))).toHaveLength(1);
      expect(ids.filter((id) => /^repeat:cleanup:drift:\d+$/.test(id))).toHaveLength(1);
      return completedCleanupJobs();
    });
    expect(ran.map((job) => job.returnvalue as unknown)).toEqual([{ status: 'done' }, { status: 'done' }]);
    const next = (await cleanupQueue.getJobs(['delayed', 'wait'])).map((job) => job.id ?? '').sort();
    expect(next).toEqual([
      expect.stringMatching(/^repeat:cleanup:drift:\d+$/),
      expect.stringMatching(/^repeat:cleanup:sweep:\d+$/),
    ]);
  });

  it('runs one sweep at a time across replicas, so each ended member is enqueued once', async () => {
    const before = (await completedCleanupJobs()).length;
    await cleanupQueue.addBulk([1, 2, 3].map(() => ({ name: 'cleanup.sweep', data: {} })));
    const jobs = await eventually(async () => {
      const completed = await completedCleanupJobs();
      expect(completed).toHaveLength(before + 3);
      return completed;
    }, 15_000);

    for (let i = 1; i < jobs.length; i += 1) {
      expect(jobs[i]!.processedOn).toBeGreaterThanOrEqual(jobs[i - 1]!.finishedOn!);
    }
    const enqueued = await Promise.all(
      registries.map(async (registry) => {
        const metric = await registry.getSingleMetric('cleanup_members_enqueued_total')!.get();
        return metric.values.find((value) => value.labels.kind === 'access-ended')?.value ?? 0;
      }),
    );
    expect(enqueued[0]! + enqueued[1]!).toBe(dueMembers.length);
    expect((await waitingRoleSyncs(roleSyncQueue)).filter((job) => job.endsWith(':cleanup'))).toEqual(
      [...dueMembers].sort(),
    );
  });
});
