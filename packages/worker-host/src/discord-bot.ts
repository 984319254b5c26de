import { createDiscordMetrics, DiscordBotClient } from '@inflow/discord';
import { openSharedDiscordLimiter } from '@inflow/queue';
import type { WorkerEnv } from './worker-env';
import type { WorkerHost } from './run-worker-service';

/** The Discord settings a worker that calls Discord reads (DESIGN.md, configuration). */
export interface DiscordBotEnv extends WorkerEnv {
  DISCORD_API_URL: string;
  DISCORD_BOT_TOKEN: string;
  DISCORD_CLIENT_ID: string;
  DISCORD_GLOBAL_RATE_LIMIT: number;
}

/**
 * The bot's REST client as a worker uses it: every request admitted by the deployment-wide Redis
 * limiter, Discord traffic counted on the worker's metrics, and rate-limit waits longer than
 * `maxRateLimitWaitMs` handed back (the job is released without spending an attempt instead of holding
 * a worker slot). The limiter's connection closes with the worker.
 */
export function openDiscordBot(
  host: WorkerHost<DiscordBotEnv>,
  options: { maxRateLimitWaitMs: number },
): DiscordBotClient {
  const { env, logger, lifecycle, metrics, service } = host;
  const discordLimit = openSharedDiscordLimiter({
    redisUrl: env.REDIS_URL,
    prefix: env.QUEUE_PREFIX,
    clientId: env.DISCORD_CLIENT_ID,
    perSecond: env.DISCORD_GLOBAL_RATE_LIMIT,
    name: service,
    registry: metrics.registry,
    onFallback: (error) => logger.warn({ err: error }, 'Discord rate limiter on local fallback'),
    onRecovered: () => logger.info('Discord rate limiter back on Redis'),
  });
  lifecycle.onShutdown('discord-limiter', () => discordLimit.close());
  return new DiscordBotClient({
    token: env.DISCORD_BOT_TOKEN,
    apiBaseUrl: env.DISCORD_API_URL,
    limiter: discordLimit.limiter,
    hooks: createDiscordMetrics(metrics.registry),
    maxRateLimitWaitMs: options.maxRateLimitWaitMs,
  });
}
