import { QUEUE_NAMES } from '@inflow/contracts';
import { createProducer } from '@inflow/queue';
import type { Logger } from '@inflow/service-runtime';
import type { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import type { Registry } from 'prom-client';
import { CleanupMetrics } from './cleanup-metrics';
import { CleanupSweepService, type CleanupSweepOptions } from './cleanup-sweep.service';
import { installCleanupSchedulers } from './cleanup.scheduler';
import { createCleanupWorker } from './cleanup.worker';
import { RedisDriftPosition } from './drift-position';
import type { Env } from './env';

export interface CleanupParts {
  env: Pick<
    Env,
    | 'QUEUE_PREFIX'
    | 'CLEANUP_INTERVAL_MS'
    | 'CLEANUP_COMMIT_MARGIN_MS'
    | 'CLEANUP_PAGE_SIZE'
    | 'DRIFT_INTERVAL_MS'
    | 'DRIFT_MAX_AGE_MS'
    | 'DRIFT_BATCH_LIMIT'
  >;
  logger: Logger;
  /** Where the cleanup metrics are registered (the registry /metrics serves). */
  registry: Registry;
  /** The repositories the sweeps read (`db.repositories`). */
  repositories: Pick<CleanupSweepOptions, 'subscriptions' | 'sweepCursors' | 'discordMembers'>;
  /** A `worker`-purpose connection: the cleanup queue, its worker and the role-sync producer share it. */
  redis: Redis;
  /** Shown as BullMQ's `processedBy`. */
  workerName: string;
}

/** The running cleanup: close it on shutdown (safe to call twice). */
export interface RunningCleanup {
  close(): Promise<void>;
}

/**
 * Wires the cleanup: the schedulers (and the queue's one-at-a-time limit) first, then the worker. The
 * role-sync producer waits for Redis instead of failing fast, like the worker: a sweep has no caller to
 * answer, and an enqueue that waits for a reconnect beats a failed run.
 */
export async function composeCleanup(parts: CleanupParts): Promise<RunningCleanup> {
  const { env, logger, redis } = parts;
  const onError = (error: Error) => logger.warn({ err: error }, 'cleanup queue error');
  const roleSync = createProducer(QUEUE_NAMES.roleSync, {
    connection: redis,
    prefix: env.QUEUE_PREFIX,
    onError,
  });
  const cleanupQueue = new Queue<unknown, unknown, string>(QUEUE_NAMES.cleanup, {
    connection: redis,
    prefix: env.QUEUE_PREFIX,
  });
  cleanupQueue.on('error', onError);
  const closeQueues = async () => {
    await cleanupQueue.close();
    await roleSync.close();
  };

  const service = new CleanupSweepService({
    subscriptions: parts.repositories.subscriptions,
    sweepCursors: parts.repositories.sweepCursors,
    discordMembers: parts.repositories.discordMembers,
    // Not under `<prefix>:cleanup:`, which is BullMQ's namespace for the queue.
    driftPosition: new RedisDriftPosition(redis, `${env.QUEUE_PREFIX}:cleanup-worker:drift-position`),
    roleSync,
    intervalMs: env.CLEANUP_INTERVAL_MS,
    commitMarginMs: env.CLEANUP_COMMIT_MARGIN_MS,
    pageSize: env.CLEANUP_PAGE_SIZE,
    driftMaxAgeMs: env.DRIFT_MAX_AGE_MS,
    driftBatchLimit: env.DRIFT_BATCH_LIMIT,
  });

  try {
    await installCleanupSchedulers(cleanupQueue, {
      sweepEveryMs: env.CLEANUP_INTERVAL_MS,
      driftEveryMs: env.DRIFT_INTERVAL_MS,
    });
  } catch (error) {
    await closeQueues();
    throw error;
  }
  logger.info(
    { sweepEveryMs: env.CLEANUP_INTERVAL_MS, driftEveryMs: env.DRIFT_INTERVAL_MS },
    'cleanup schedulers installed',
  );

  const worker = createCleanupWorker({
    service,
    metrics: new CleanupMetrics(parts.registry),
    logger,
    worker: { connection: redis, prefix: env.QUEUE_PREFIX, workerName: parts.workerName },
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    // The worker first: it finishes the sweep in progress, which still needs the producer.
    closing ??= worker.close().then(closeQueues);
    return closing;
  };
  try {
    await worker.waitUntilReady();
  } catch (error) {
    await close();
    throw error;
  }
  return { close };
}
