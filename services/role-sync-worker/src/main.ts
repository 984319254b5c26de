import { Counter, Histogram } from 'prom-client';
import { TokenCipher } from '@inflow/db';
import { DiscordOAuthClient } from '@inflow/discord';
import { GuildHealthService } from '@inflow/guild-health';
import { createJobMetrics } from '@inflow/queue';
import { openDiscordBot, runWorkerService } from '@inflow/worker-host';
import { loadServiceEnv } from './env';
import { MassRemovalBrake } from './mass-removal-brake';
import { MemberJoiner } from './member-joiner';
import { RoleSyncService } from './role-sync.service';
import { startRoleSyncWorker } from './role-sync.worker';

runWorkerService('role-sync-worker', loadServiceEnv, async (host) => {
  const { env, logger, lifecycle, metrics, db, redis } = host;
  // Longer rate-limit waits release the job (no attempt spent) instead of holding a worker slot.
  const bot = openDiscordBot(host, { maxRateLimitWaitMs: 5_000 });
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
  const eventToRole = new Histogram({
    name: 'event_to_role_seconds',
    help: 'From a merchant event accepted by the api to the role change it caused on Discord',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
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
    onEventLatency: (seconds) => eventToRole.observe(seconds),
  });
  const jobMetrics = createJobMetrics(metrics.registry);
  const worker = startRoleSyncWorker(service, logger, {
    connection: redis,
    prefix: env.QUEUE_PREFIX,
    concurrency: env.ROLE_SYNC_CONCURRENCY,
    lockDuration: env.ROLE_SYNC_LOCK_DURATION_MS,
    stalledInterval: Math.max(1000, Math.floor(env.ROLE_SYNC_LOCK_DURATION_MS / 2)),
    ...jobMetrics,
    onFailed: (job, outcome, ms, error) => {
      jobMetrics.onFailed?.(job, outcome, ms, error);
      logger.warn({ err: error, job, outcome }, 'role sync failed');
    },
    onError: (error) => logger.error({ err: error }, 'role-sync worker error'),
  });
  lifecycle.onShutdown('role-sync-worker', () => worker.close());
  await worker.waitUntilReady();
});
