import { once } from 'node:events';
import { Database } from '@inflow/db';
import { createRedisConnection, pingRedis } from '@inflow/queue';
import {
  createHealthHandlers,
  createLifecycle,
  createLogger,
  createMetrics,
  runService,
} from '@inflow/service-runtime';
import { createApp } from './app';
import { loadApiEnv } from './env';

const SERVICE = 'api';
const READINESS_TIMEOUT_MS = 900;

void runService(SERVICE, async (context) => {
  const env = loadApiEnv();
  const logger = context.useLogger(createLogger({ service: SERVICE, level: env.LOG_LEVEL }));
  const lifecycle = context.useLifecycle(createLifecycle({ logger, timeoutMs: env.SHUTDOWN_TIMEOUT_MS }));
  const metrics = createMetrics({ service: SERVICE });

  const db = await Database.connect({ url: env.DATABASE_URL, applicationName: SERVICE });
  lifecycle.onShutdown('postgres', () => db.close());

  const redis = createRedisConnection(env.REDIS_URL, {
    purpose: 'producer',
    name: SERVICE,
    onError: (error) => logger.warn({ err: error }, 'redis connection error'),
  });
  lifecycle.onShutdown('redis', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });

  const health = createHealthHandlers({
    registry: metrics.registry,
    isShuttingDown: lifecycle.isShuttingDown,
    timeoutMs: READINESS_TIMEOUT_MS,
    checks: { postgres: () => db.ping(), redis: () => pingRedis(redis, READINESS_TIMEOUT_MS) },
  });
  const app = createApp({ logger, health });
  const server = app.listen(env.PORT);
  await once(server, 'listening');
  lifecycle.onShutdown('http', async () => {
    // Stop accepting, let requests in flight finish, drop idle keep-alive sockets.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
  });
  logger.info({ port: env.PORT, publicUrl: env.PUBLIC_URL }, 'listening');
});
