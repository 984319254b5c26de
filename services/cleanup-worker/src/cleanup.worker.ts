import { createWorker, type JobHandlers, type QueueWorker, type WorkerOptions } from '@inflow/queue';
import type { Logger } from '@inflow/service-runtime';
import type { CleanupMetrics } from './cleanup-metrics';
import type { CleanupSweepService } from './cleanup-sweep.service';
import type { OutboxRedeliveryService } from './outbox-redelivery.service';

export interface CleanupWorkerOptions {
  service: Pick<CleanupSweepService, 'sweep' | 'drift'>;
  /** Run after each access-ended sweep. */
  redelivery: Pick<OutboxRedeliveryService, 'run'>;
  metrics: CleanupMetrics;
  logger: Logger;
  /** BullMQ connection, prefix and naming; concurrency stays 1 (the queue allows one job at a time anyway). */
  worker: Pick<WorkerOptions, 'connection' | 'prefix' | 'workerName'>;
  /** The clock a sweep runs at. Default: the system clock. */
  now?: () => Date;
}

/** The worker of the `cleanup` queue: thin handlers that time a sweep, log its result and return. */
export function createCleanupWorker(options: CleanupWorkerOptions): QueueWorker {
  const { service, redelivery, metrics, logger } = options;
  const now = options.now ?? (() => new Date());

  const handlers: JobHandlers<'cleanup'> = {
    'cleanup.sweep': async (_payload, context) => {
      const result = await metrics.measure('access-ended', () => service.sweep(now()), now);
      logger.info(
        {
          ...context.logFields,
          from: result.window?.from.toISOString() ?? null,
          to: result.window?.to.toISOString() ?? null,
          subscriptions: result.subscriptions,
          members: result.members,
          pages: result.pages,
        },
        result.window === null ? 'access-ended sweep: window empty' : 'access-ended sweep done',
      );
      const outbox = await redelivery.run(now());
      if (outbox.unconfirmed > 0 || outbox.pruned > 0) {
        logger.info({ ...context.logFields, ...outbox }, 'outbox checked: jobs Redis lost published again');
      }
      return result.window === null ? { status: 'skipped', reason: 'window-empty' } : undefined;
    },
    'cleanup.drift-sweep': async (_payload, context) => {
      const result = await metrics.measure('drift', () => service.drift(now()), now);
      logger.info(
        {
          ...context.logFields,
          staleBefore: result.staleBefore.toISOString(),
          startedAfter: result.startedAfter,
          members: result.members,
          pages: result.pages,
          stoppedAtLimit: result.stoppedAtLimit,
        },
        'drift sweep done',
      );
    },
  };

  return createWorker('cleanup', handlers, {
    ...options.worker,
    concurrency: 1,
    onFailed: (name, outcome, durationMs, error) =>
      logger.error({ queue: 'cleanup', job: name, outcome, durationMs, err: error }, 'cleanup job failed'),
    onError: (error) => logger.warn({ err: error }, 'cleanup worker error'),
  });
}
