import { Counter } from 'prom-client';
import { createJobMetrics } from '@inflow/queue';
import { openDiscordBot, runWorkerService } from '@inflow/worker-host';
import { AlertNotificationService } from './alert-notification.service';
import { ChannelDeliveryService } from './channel-delivery.service';
import { loadServiceEnv } from './env';
import { NotificationService } from './notification.service';
import { startNotificationWorker } from './notification.worker';

runWorkerService('notification-worker', loadServiceEnv, async (host) => {
  const { env, logger, lifecycle, metrics, db, redis } = host;
  // Longer rate-limit waits release the job (no attempt spent) instead of holding a worker slot.
  const bot = openDiscordBot(host, { maxRateLimitWaitMs: 5_000 });
  const notifications = new Counter({
    name: 'notifications_total',
    help: 'Notifications by kind and outcome (sent, skipped, failed, duplicate, retry, rate_limited)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [metrics.registry],
  });
  const delivery = new ChannelDeliveryService({
    repositories: db.repositories,
    bot,
    now: () => new Date(),
    onOutcome: (kind, outcome) => notifications.inc({ kind, outcome }),
  });
  const jobMetrics = createJobMetrics(metrics.registry);
  const worker = startNotificationWorker(
    {
      events: new NotificationService({
        repositories: db.repositories,
        delivery,
        locale: env.NOTIFICATION_LOCALE,
      }),
      alerts: new AlertNotificationService({ repositories: db.repositories, delivery }),
    },
    logger,
    {
      connection: redis,
      prefix: env.QUEUE_PREFIX,
      concurrency: env.NOTIFICATION_CONCURRENCY,
      ...jobMetrics,
      onFailed: (job, outcome, ms, error) => {
        jobMetrics.onFailed?.(job, outcome, ms, error);
        logger.warn({ err: error, job, outcome }, 'notification job failed');
      },
      onError: (error) => logger.error({ err: error }, 'notification worker error'),
    },
  );
  lifecycle.onShutdown('notification-worker', () => worker.close());
  await worker.waitUntilReady();
});
