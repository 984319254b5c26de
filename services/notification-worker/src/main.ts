import { Counter } from 'prom-client';
import { DiscordBotClient } from '@inflow/discord';
import { createDiscordRateLimiter, createRedisConnection } from '@inflow/queue';
import { runWorkerService } from '@inflow/worker-host';
import { AlertNotificationService } from './alert-notification.service';
import { ChannelDeliveryService } from './channel-delivery.service';
import { loadServiceEnv } from './env';
import { NotificationService } from './notification.service';
import { startNotificationWorker } from './notification.worker';

runWorkerService(
  'notification-worker',
  loadServiceEnv,
  async ({ env, logger, lifecycle, metrics, db, redis }) => {
    // The limiter's own connection fails fast, so that a Redis outage switches it to its local fallback.
    const limiterRedis = createRedisConnection(env.REDIS_URL, {
      purpose: 'client',
      name: 'notification-limiter',
      onError: () => undefined,
    });
    lifecycle.onShutdown('limiter-redis', async () => {
      await limiterRedis.quit().catch(() => limiterRedis.disconnect());
    });
    const limiter = createDiscordRateLimiter({
      redis: limiterRedis,
      key: `${env.QUEUE_PREFIX}:discord:global:${env.DISCORD_CLIENT_ID}`,
      perSecond: env.DISCORD_GLOBAL_RATE_LIMIT,
      onFallback: (error) => logger.warn({ err: error }, 'Discord rate limiter on local fallback'),
      onRecovered: () => logger.info('Discord rate limiter back on Redis'),
    });
    const discordRequests = new Counter({
      name: 'discord_requests_total',
      help: 'Discord REST responses by route template and status',
      labelNames: ['route', 'status'] as const,
      registers: [metrics.registry],
    });
    const rateLimited = new Counter({
      name: 'discord_rate_limited_total',
      help: 'Discord 429s by scope',
      labelNames: ['scope'] as const,
      registers: [metrics.registry],
    });
    const bot = new DiscordBotClient({
      token: env.DISCORD_BOT_TOKEN,
      apiBaseUrl: env.DISCORD_API_URL,
      limiter,
      hooks: {
        onResponse: (route, status) => discordRequests.inc({ route, status: String(status) }),
        onRateLimited: (event) => rateLimited.inc({ scope: event.scope }),
      },
      // Longer waits release the job (no attempt spent) instead of holding a worker slot.
      maxRateLimitWaitMs: 5_000,
    });
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
    const jobOutcomes = new Counter({
      name: 'jobs_total',
      help: 'Jobs finished, by job name and outcome class',
      labelNames: ['job', 'outcome'] as const,
      registers: [metrics.registry],
    });
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
        onCompleted: (job, outcome) => jobOutcomes.inc({ job, outcome }),
        onFailed: (job, outcome, _ms, error) => {
          jobOutcomes.inc({ job, outcome });
          logger.warn({ err: error, job, outcome }, 'notification job failed');
        },
        onError: (error) => logger.error({ err: error }, 'notification worker error'),
      },
    );
    lifecycle.onShutdown('notification-worker', () => worker.close());
    await worker.waitUntilReady();
  },
);
