import { QUEUE_NAMES } from '@inflow/contracts';
import { createProducer } from '@inflow/queue';
import type { Logger } from '@inflow/service-runtime';
import type { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import type { Registry } from 'prom-client';
import { CleanupMetrics } from './cleanup-metrics';
import { CleanupSweepService, type CleanupSweepOptions } from './cleanup-sweep.service';
import { installCleanupSchedulers, watchCleanupSchedulers } from './cleanup.scheduler';
import { createCleanupWorker } from './cleanup.worker';
import { RedisDriftPosition } from './drift-position';
import { OutboxRedeliveryService, type OutboxRedeliveryOptions } from './outbox-redelivery.service';
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
    | 'OUTBOX_REDELIVER_AFTER_MS'
    | 'OUTBOX_RETENTION_MS'
  >;
  logger: Logger;
  /** Where the cleanup metrics are registered (the registry /metrics serves). */
  registry: Registry;
  /** The repositories the sweeps read (`db.repositories`). */
  repositories: Pick<CleanupSweepOptions, 'subscriptions' | 'sweepCursors' | 'discordMembers'> &
    Pick<OutboxRedeliveryOptions, 'outbox'>;
  /** A `worker`-purpose connection: the cleanup queue, its worker and the role-sync producer share it. */
  redis: Redis;
  /** Shown as BullMQ's `processedBy`. */
  workerName: string;
}

/** The longest a lost scheduler goes unnoticed (sooner when sweeps run more often). */
const SCHEDULER_CHECK_MAX_MS = 60_000;

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
  // Only asked whether a notification is still queued (the redelivery check); it adds nothing.
  const notifications = createProducer(QUEUE_NAMES.notifications, {
    connection: redis,
    prefix: env.QUEUE_PREFIX,
    onError,
  });
  const closeQueues = async () => {
    await cleanupQueue.close();
    await notifications.close();
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

  const redelivery = new OutboxRedeliveryService({
    outbox: parts.repositories.outbox,
    producers: { notifications, 'role-sync': roleSync },
    redeliverAfterMs: env.OUTBOX_REDELIVER_AFTER_MS,
    retentionMs: env.OUTBOX_RETENTION_MS,
    limit: env.CLEANUP_PAGE_SIZE,
  });

  const schedule = { sweepEveryMs: env.CLEANUP_INTERVAL_MS, driftEveryMs: env.DRIFT_INTERVAL_MS };
  try {
    await installCleanupSchedulers(cleanupQueue, schedule);
  } catch (error) {
    await closeQueues();
    throw error;
  }
  logger.info(
    { sweepEveryMs: env.CLEANUP_INTERVAL_MS, driftEveryMs: env.DRIFT_INTERVAL_MS },
    'cleanup schedulers installed',
  );
  const watch = watchCleanupSchedulers(cleanupQueue, schedule, {
    checkEveryMs: Math.min(env.CLEANUP_INTERVAL_MS, SCHEDULER_CHECK_MAX_MS),
    onRestored: () => logger.warn('cleanup schedulers were missing from Redis; installed them again'),
    onError: (error) => logger.warn({ err: error }, 'cleanup scheduler check failed'),
  });

  const worker = createCleanupWorker({
    service,
    redelivery,
    metrics: new CleanupMetrics(parts.registry),
    logger,
    worker: { connection: redis, prefix: env.QUEUE_PREFIX, workerName: parts.workerName },
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    // The worker first: it finishes the sweep in progress, which still needs the producer.
    watch.stop();
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
