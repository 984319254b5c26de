import type { IIdentifyThrottler } from '@discordjs/ws';
import type { Registry } from 'prom-client';
import { QUEUE_NAMES } from '@inflow/contracts';
import type { Database } from '@inflow/db';
import { createDiscordMetrics, DiscordBotClient } from '@inflow/discord';
import { GuildHealthService } from '@inflow/guild-health';
import {
  createDiscordRateLimiter,
  discordLimitKey,
  createProducer,
  createRedisConnection,
  waitUntilRedisReady,
} from '@inflow/queue';
import type { Logger } from '@inflow/service-runtime';
import type { Env } from './env';
import { GatewayConnection } from './gateway-connection';
import { GatewayEventsService, type GatewayEventsOptions } from './gateway-events.service';
import { createGatewayMetrics } from './gateway-metrics';
import { RoleSyncEnqueuer } from './role-sync-enqueuer';

/** How long startup waits for the producer connection before relying on the outbox fallback. */
const PRODUCER_READY_TIMEOUT_MS = 5_000;

/** What the gateway worker is built from: its configuration and the connections the host opened. */
export interface GatewayWorkerParts {
  env: Pick<
    Env,
    | 'REDIS_URL'
    | 'QUEUE_PREFIX'
    | 'DISCORD_API_URL'
    | 'DISCORD_GATEWAY_URL'
    | 'DISCORD_BOT_TOKEN'
    | 'DISCORD_CLIENT_ID'
    | 'DISCORD_GLOBAL_RATE_LIMIT'
    | 'SHARD_COUNT'
    | 'SHARD_IDS'
  >;
  db: Database;
  logger: Logger;
  registry: Registry;
  /** Tests tune timings; production uses the defaults. */
  events?: Partial<Omit<GatewayEventsOptions, 'logger' | 'metrics'>>;
  /** Tests relax identify pacing against the emulator. */
  identifyThrottler?: IIdentifyThrottler;
}

export interface GatewayWorker {
  connection: GatewayConnection;
  events: GatewayEventsService;
  /** Waits briefly for Redis, then connects to the gateway in the background. */
  start(): Promise<void>;
  /** Closes the gateway, finishes the events in hand, then closes the producer and its connection. Safe to call twice. */
  close(): Promise<void>;
}

/** Wires the gateway worker: producer with outbox fallback, Discord REST for health checks, events service, gateway. */
export function composeGatewayWorker(parts: GatewayWorkerParts): GatewayWorker {
  const { env, db, logger } = parts;
  const metrics = createGatewayMetrics(parts.registry);

  // Fails fast while Redis is down, so that a gateway event never waits on Redis: the outbox takes the job.
  const redis = createRedisConnection(env.REDIS_URL, {
    purpose: 'producer',
    name: 'gateway-worker-producer',
    onError: (error) => logger.warn({ err: error }, 'redis producer connection error'),
  });
  const producer = createProducer(QUEUE_NAMES.roleSync, {
    connection: redis,
    prefix: env.QUEUE_PREFIX,
    onError: (error) => logger.warn({ err: error }, 'role-sync producer error'),
  });
  const jobs = new RoleSyncEnqueuer(producer, db.repositories.outbox, logger, metrics);

  const limiter = createDiscordRateLimiter({
    redis,
    key: discordLimitKey(env.QUEUE_PREFIX, env.DISCORD_CLIENT_ID),
    perSecond: env.DISCORD_GLOBAL_RATE_LIMIT,
    onFallback: (error) => logger.warn({ err: error }, 'Discord rate limiter on local fallback'),
    registry: parts.registry,
  });
  const bot = new DiscordBotClient({
    token: env.DISCORD_BOT_TOKEN,
    apiBaseUrl: env.DISCORD_API_URL,
    limiter,
    hooks: createDiscordMetrics(parts.registry),
  });
  const events = new GatewayEventsService(
    db.repositories,
    jobs,
    new GuildHealthService(db, bot),
    () => new Date(),
    { ...parts.events, logger, metrics },
  );

  const connection = new GatewayConnection({
    token: env.DISCORD_BOT_TOKEN,
    apiBaseUrl: env.DISCORD_API_URL,
    gatewayUrl: env.DISCORD_GATEWAY_URL,
    shardCount: env.SHARD_COUNT,
    shardIds: env.SHARD_IDS,
    onDispatch: (payload) => void events.accept(payload),
    logger,
    metrics,
    ...(parts.identifyThrottler === undefined ? {} : { identifyThrottler: parts.identifyThrottler }),
  });

  let closing: Promise<void> | undefined;
  return {
    connection,
    events,
    async start() {
      await waitUntilRedisReady(redis, PRODUCER_READY_TIMEOUT_MS).catch((error: unknown) =>
        logger.warn({ err: error }, 'Redis not ready; role-sync jobs go to the outbox until it is'),
      );
      connection.start();
    },
    close() {
      closing ??= (async () => {
        // No new events first; then the ones in hand still reach the queue or the outbox.
        await connection.close();
        await events.close();
        await producer.close();
        await redis.quit().catch(() => redis.disconnect());
      })();
      return closing;
    },
  };
}
