import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CLEANUP_SCHEDULER_ID, QUEUE_NAMES } from '@inflow/contracts';
import { createRedisConnection } from '@inflow/queue';
import { deleteRedisKeys, eventually, testEnv, uniqueRedisPrefix } from '@inflow/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  cleanupSchedulersPresent,
  installCleanupSchedulers,
  watchCleanupSchedulers,
  type SchedulerWatch,
} from './cleanup.scheduler';

describe('the cleanup schedulers after Redis lost its data', () => {
  const prefix = uniqueRedisPrefix('cleanup-watch');
  const schedule = { sweepEveryMs: 3_600_000, driftEveryMs: 7_200_000 };
  let redis: Redis;
  let queue: Queue<unknown, unknown, string>;
  let watch: SchedulerWatch | undefined;

  beforeAll(async () => {
    redis = createRedisConnection(testEnv.redisUrl, { purpose: 'worker', name: 'cleanup-watch-test' });
    queue = new Queue(QUEUE_NAMES.cleanup, { connection: redis, prefix });
    await installCleanupSchedulers(queue, schedule);
  });

  afterAll(async () => {
    watch?.stop();
    await queue.close();
    await deleteRedisKeys(prefix);
    await redis.quit();
  });

  it('installs both schedulers and the one-at-a-time limit again when their keys are gone', async () => {
    expect(await cleanupSchedulersPresent(queue)).toBe(true);
    const restored: number[] = [];
    watch = watchCleanupSchedulers(queue, schedule, {
      checkEveryMs: 100,
      onRestored: () => restored.push(Date.now()),
      onError: (error) => {
        throw error;
      },
    });
    // Present: the checks change nothing.
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(restored).toEqual([]);

    // What FLUSHALL does to this deployment's keys.
    await deleteRedisKeys(prefix);
    expect(await cleanupSchedulersPresent(queue)).toBe(false);

    await eventually(async () => expect(await cleanupSchedulersPresent(queue)).toBe(true));
    expect(restored).toHaveLength(1);
    expect(await queue.getJobScheduler(CLEANUP_SCHEDULER_ID)).toMatchObject({
      every: schedule.sweepEveryMs,
      name: 'cleanup.sweep',
    });
    expect(await queue.getGlobalConcurrency()).toBe(1);
  });
});
