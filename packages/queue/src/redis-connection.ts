import { Redis, type RedisOptions } from 'ioredis';

/**
 * What a connection is for, which decides how it behaves while Redis is down:
 * - `worker`: BullMQ workers (and the blocking connection BullMQ duplicates from it). Commands wait
 *   for the reconnect instead of failing, which BullMQ requires (`maxRetriesPerRequest: null`).
 * - `producer`: enqueues jobs from request paths. Fails fast, so an HTTP request never hangs on Redis.
 * - `client`: plain commands (rate limiter, readiness). Fails fast like a producer.
 */
export type RedisConnectionPurpose = 'worker' | 'producer' | 'client';

export interface RedisConnectionOptions {
  /** Decides the failure behaviour while Redis is unreachable (see {@link RedisConnectionPurpose}). */
  purpose: RedisConnectionPurpose;
  /** Shown by `CLIENT LIST`, so an operator can tell which process holds which connection. */
  name: string;
  /** How long one connection attempt may take. Default 2 s for producer/client, 10 s for worker. */
  connectTimeoutMs?: number;
  /** How long a fail-fast (producer/client) command may wait for its reply. Default 5 s. */
  commandTimeoutMs?: number;
  /** Ceiling of the reconnect backoff. Default 10 s. */
  maxReconnectDelayMs?: number;
  /**
   * Receives connection errors. Without it ioredis prints them to stderr; services pass their logger.
   * Errors here are informational: the connection keeps reconnecting on its own.
   */
  onError?: (error: Error) => void;
}

const FAIL_FAST_CONNECT_TIMEOUT_MS = 2_000;
const WORKER_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;
const DEFAULT_MAX_RECONNECT_DELAY_MS = 10_000;
const FIRST_RECONNECT_DELAY_MS = 100;

/**
 * The reconnect delay after `attempt` failed attempts: exponential from 100 ms, capped, with up to
 * 20 % random jitter so that many processes losing the same Redis do not reconnect in lockstep.
 * Never gives up: a service without Redis is useless, and the readiness check reports it.
 */
export function reconnectDelayMs(
  attempt: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const exponential = FIRST_RECONNECT_DELAY_MS * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(maxDelayMs, exponential);
  return Math.round(capped * (0.8 + 0.2 * random()));
}

// ioredis types `replyMapping` as optional-but-defined, which exactOptionalPropertyTypes enforces.
type ConnectionSettings = Omit<RedisOptions, 'replyMapping'>;

/** The ioredis options for one purpose. Exported for tests; services call {@link createRedisConnection}. */
export function redisOptionsFor(options: RedisConnectionOptions): ConnectionSettings {
  const maxReconnectDelayMs = options.maxReconnectDelayMs ?? DEFAULT_MAX_RECONNECT_DELAY_MS;
  const common: ConnectionSettings = {
    connectionName: options.name,
    retryStrategy: (attempt) => reconnectDelayMs(attempt, maxReconnectDelayMs),
  };
  switch (options.purpose) {
    case 'worker':
      return {
        ...common,
        // BullMQ refuses a blocking connection that gives up on commands: a worker waits for Redis.
        maxRetriesPerRequest: null,
        connectTimeout: options.connectTimeoutMs ?? WORKER_CONNECT_TIMEOUT_MS,
      };
    case 'producer':
    case 'client':
      return {
        ...common,
        // While disconnected, commands are rejected at once instead of queued until Redis returns.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        connectTimeout: options.connectTimeoutMs ?? FAIL_FAST_CONNECT_TIMEOUT_MS,
        // Covers a Redis that accepts the connection but stops answering.
        commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      };
  }
}

/**
 * Opens an ioredis connection for one purpose. The caller owns it: BullMQ queues and workers built on
 * it leave it open when they close, so close it (`quit()`) after them. A producer or client connection
 * rejects commands until it is first ready: await {@link waitUntilRedisReady} before serving traffic.
 */
export function createRedisConnection(url: string, options: RedisConnectionOptions): Redis {
  const redis = new Redis(url, redisOptionsFor(options));
  if (options.onError !== undefined) {
    redis.on('error', options.onError);
  }
  return redis;
}

/**
 * Resolves once the connection is ready for commands, rejects after `timeoutMs`. Fail-fast connections
 * reject commands until their first connect completes too, so services await this at startup before
 * serving traffic.
 */
export async function waitUntilRedisReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') {
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(
        new Error(
          `Redis connection "${redis.options.connectionName ?? ''}" not ready within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    function onReady(): void {
      clearTimeout(timer);
      resolve();
    }
    redis.once('ready', onReady);
  });
}

/**
 * Resolves when Redis answers PING, rejects when it does not within `timeoutMs` (waiting for a
 * connection in progress counts): a readiness check that cannot hang, even on a worker connection whose
 * commands wait for a reconnect.
 */
export async function pingRedis(redis: Redis, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await waitUntilRedisReady(redis, timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer PING within ${timeoutMs} ms`)),
      Math.max(0, deadline - Date.now()),
    );
  });
  const ping = redis.ping();
  // The losing PING may still reject later (connection closed); that must not become unhandled.
  ping.catch(() => undefined);
  try {
    await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
