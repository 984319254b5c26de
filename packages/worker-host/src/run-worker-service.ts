import type { Redis } from 'ioredis';
import { Database } from '@inflow/db';
import { createRedisConnection, pingRedis } from '@inflow/queue';
import {
  createHealthHandlers,
  createLifecycle,
  createLogger,
  createMetrics,
  runService,
  startHealthServer,
  type Lifecycle,
  type Logger,
  type Metrics,
  type ReadinessCheck,
} from '@inflow/service-runtime';
import type { WorkerEnv } from './worker-env';

/** Readiness checks give up after this long, so /readyz answers within about a second. */
const READINESS_TIMEOUT_MS = 900;

/** What a worker's own wiring receives once the shared connections are up. */
export interface WorkerHost<Env extends WorkerEnv> {
  service: string;
  env: Env;
  logger: Logger;
  lifecycle: Lifecycle;
  metrics: Metrics;
  db: Database;
  /** A `worker`-purpose connection (waits for Redis while it is down); BullMQ workers share it. */
  redis: Redis;
  /**
   * Adds a readiness check next to `postgres` and `redis`, for a dependency of the worker's own (the
   * gateway-worker's Discord connection). `/readyz` runs it from the next request on; a name already
   * taken is refused, so a worker cannot silently replace the shared checks.
   */
  addReadinessCheck(name: string, check: ReadinessCheck): void;
}

/**
 * Starts a worker process: env, logger, health server, Postgres, Redis, then the worker's own parts
 * (`start`), in that order. Closers run in reverse: the worker's parts finish their current jobs first,
 * then Redis and Postgres close, and the health server, which says "not ready" from the first moment
 * of shutdown, closes last.
 */
export function runWorkerService<Env extends WorkerEnv>(
  service: string,
  loadEnv: () => Env,
  start: (host: WorkerHost<Env>) => Promise<void>,
): void {
  void runService(service, async (context) => {
    const env = loadEnv();
    const logger = context.useLogger(createLogger({ service, level: env.LOG_LEVEL }));
    const lifecycle = context.useLifecycle(createLifecycle({ logger, timeoutMs: env.SHUTDOWN_TIMEOUT_MS }));
    const metrics = createMetrics({ service });

    // The health server comes first so that /healthz answers while the connections are being made.
    const connections: { db?: Database; redis?: Redis } = {};
    // The handlers read this object on every request, so checks a worker adds later are run too.
    const checks: Record<string, ReadinessCheck> = {
      postgres: () => connections.db?.ping() ?? Promise.reject(new Error('connecting')),
      redis: () =>
        connections.redis === undefined
          ? Promise.reject(new Error('connecting'))
          : pingRedis(connections.redis, READINESS_TIMEOUT_MS),
    };
    const server = await startHealthServer({
      port: env.PORT,
      handlers: createHealthHandlers({
        registry: metrics.registry,
        isShuttingDown: lifecycle.isShuttingDown,
        timeoutMs: READINESS_TIMEOUT_MS,
        checks,
      }),
    });
    lifecycle.onShutdown('http', () => server.close());

    const db = await Database.connect({ url: env.DATABASE_URL, applicationName: service });
    connections.db = db;
    lifecycle.onShutdown('postgres', () => db.close());

    const workerRedis = createRedisConnection(env.REDIS_URL, {
      purpose: 'worker',
      name: service,
      onError: (error) => logger.warn({ err: error }, 'redis connection error'),
    });
    connections.redis = workerRedis;
    lifecycle.onShutdown('redis', async () => {
      await workerRedis.quit().catch(() => workerRedis.disconnect());
    });

    const addReadinessCheck = (name: string, check: ReadinessCheck): void => {
      if (Object.hasOwn(checks, name)) throw new Error(`readiness check "${name}" already exists`);
      checks[name] = check;
    };
    await start({ service, env, logger, lifecycle, metrics, db, redis: workerRedis, addReadinessCheck });
    logger.info({ port: server.port }, 'listening for health checks');
  });
}
