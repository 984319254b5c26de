import type { Registry } from 'prom-client';
import { createDiscordRateLimiter, type DiscordRateLimiter } from './discord-rate-limiter';
import { createRedisConnection } from './redis-connection';

export interface SharedDiscordLimiterOptions {
  redisUrl: string;
  /** QUEUE_PREFIX: deployments sharing a Redis keep their limits apart. */
  prefix: string;
  /** The application id (DISCORD_CLIENT_ID): one limit per bot token. */
  clientId: string;
  /** DISCORD_GLOBAL_RATE_LIMIT. */
  perSecond: number;
  /** Which process holds the connection (`CLIENT LIST`). */
  name: string;
  onFallback?: (error: Error) => void;
  onRecovered?: () => void;
  /** Where `discord_limiter_late_admissions_total` is registered, when given. */
  registry?: Registry;
}

export interface SharedDiscordLimiter {
  limiter: DiscordRateLimiter;
  /** Closes the limiter's connection; safe to call twice. */
  close(): Promise<void>;
}

/** The Redis key of the bot token's global limit: the same in every process, so they share it. */
export function discordLimitKey(prefix: string, clientId: string): string {
  return `${prefix}:discord:global:${clientId}`;
}

/**
 * The global Discord limit shared by every process of the deployment, on a fail-fast connection of its
 * own: a Redis outage switches it to its local fallback at once instead of stalling Discord calls.
 */
export function openSharedDiscordLimiter(options: SharedDiscordLimiterOptions): SharedDiscordLimiter {
  const redis = createRedisConnection(options.redisUrl, {
    purpose: 'client',
    name: `${options.name}-discord-limiter`,
    onError: () => undefined,
  });
  let closing: Promise<void> | undefined;
  return {
    limiter: createDiscordRateLimiter({
      redis,
      key: discordLimitKey(options.prefix, options.clientId),
      perSecond: options.perSecond,
      ...(options.onFallback === undefined ? {} : { onFallback: options.onFallback }),
      ...(options.onRecovered === undefined ? {} : { onRecovered: options.onRecovered }),
      ...(options.registry === undefined ? {} : { registry: options.registry }),
    }),
    close: () => {
      closing ??= redis.quit().then(
        () => undefined,
        () => redis.disconnect(),
      );
      return closing;
    },
  };
}
