import { Counter } from 'prom-client';
import { TokenCipher } from '@inflow/db';
import { DiscordBotClient, DiscordOAuthClient } from '@inflow/discord';
import { GuildHealthService } from '@inflow/guild-health';
import { createDiscordRateLimiter, createRedisConnection } from '@inflow/queue';
import { runWorkerService } from '@inflow/worker-host';
import { loadServiceEnv } from './env';
import { MassRemovalBrake } from './mass-removal-brake';
import { MemberJoiner } from './member-joiner';
import { RoleSyncService } from './role-sync.service';
import { startRoleSyncWorker } from './role-sync.worker';

runWorkerService(
  'role-sync-worker',
  loadServiceEnv,
  async ({ env, logger, lifecycle, metrics, db, redis }) => {
    // The limiter's own connection fails fast, so that a Redis outage switches it to its local fallback.
    const limiterRedis = createRedisConnection(env.REDIS_URL, {
      purpose: 'client',
      name: 'role-sync-limiter',
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
    const hooks = {
      onResponse: (route: string, status: number) => discordRequests.inc({ route, status: String(status) }),
      onRateLimited: (event: { scope: string }) => rateLimited.inc({ scope: event.scope }),
    };
    const bot = new DiscordBotClient({
      token: env.DISCORD_BOT_TOKEN,
      apiBaseUrl: env.DISCORD_API_URL,
      limiter,
      hooks,
      // Longer waits release the job (no attempt spent) instead of holding a worker slot.
      maxRateLimitWaitMs: 5_000,
    });
    const oauth = new DiscordOAuthClient({
      clientId: env.DISCORD_CLIENT_ID,
      clientSecret: env.DISCORD_CLIENT_SECRET,
      apiBaseUrl: env.DISCORD_API_URL,
    });
    const now = () => new Date();
    const roleChanges = new Counter({
      name: 'role_changes_total',
      help: 'Role changes made on Discord, by outcome',
      labelNames: ['change'] as const,
      registers: [metrics.registry],
    });
    const service = new RoleSyncService({
      db,
      bot,
      joiner: new MemberJoiner(bot, oauth, new TokenCipher(env.TOKEN_ENCRYPTION_KEY), now),
      health: new GuildHealthService(db, bot, now),
      brake: new MassRemovalBrake({ windowMs: env.MASS_REMOVAL_WINDOW_MS, minimum: env.MASS_REMOVAL_MIN }),
      logger,
      now,
      onRoleChange: (change) => roleChanges.inc({ change }),
    });
    const jobOutcomes = new Counter({
      name: 'jobs_total',
      help: 'Jobs finished, by job name and outcome class',
      labelNames: ['job', 'outcome'] as const,
      registers: [metrics.registry],
    });
    const worker = startRoleSyncWorker(service, logger, {
      connection: redis,
      prefix: env.QUEUE_PREFIX,
      concurrency: env.ROLE_SYNC_CONCURRENCY,
      lockDuration: env.ROLE_SYNC_LOCK_DURATION_MS,
      stalledInterval: Math.max(1000, Math.floor(env.ROLE_SYNC_LOCK_DURATION_MS / 2)),
      onCompleted: (job, outcome) => jobOutcomes.inc({ job, outcome }),
      onFailed: (job, outcome, _ms, error) => {
        jobOutcomes.inc({ job, outcome });
        logger.warn({ err: error, job, outcome }, 'role sync failed');
      },
      onError: (error) => logger.error({ err: error }, 'role-sync worker error'),
    });
    lifecycle.onShutdown('role-sync-worker', () => worker.close());
    await worker.waitUntilReady();
  },
);
