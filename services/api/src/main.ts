import { once } from 'node:events';
import { Database } from '@inflow/db';
import { createRedisConnection } from '@inflow/queue';
import { createLifecycle, createLogger, createMetrics, runService } from '@inflow/service-runtime';
import { composeApi } from './compose-api';
import { loadApiEnv } from './env';

const SERVICE = 'api';

void runService(SERVICE, async (context) => {
  const env = loadApiEnv();
  const logger = context.useLogger(createLogger({ service: SERVICE, level: env.LOG_LEVEL }));
  const lifecycle = context.useLifecycle(createLifecycle({ logger, timeoutMs: env.SHUTDOWN_TIMEOUT_MS }));
  const metrics = createMetrics({ service: SERVICE });

  const db = await Database.connect({ url: env.DATABASE_URL, applicationName: SERVICE });
  lifecycle.onShutdown('postgres', () => db.close());
  // Fails fast while Redis is down: requests never wait on it, and the outbox keeps the jobs.
  const redis = createRedisConnection(env.REDIS_URL, {
    purpose: 'producer',
    name: SERVICE,
    onError: (error) => logger.warn({ err: error }, 'redis connection error'),
  });
  lifecycle.onShutdown('redis', async () => {
    await redis.quit().catch(() => redis.disconnect());
  });

  const api = composeApi({
    env,
    db,
    redis,
    logger,
    registry: metrics.registry,
    isShuttingDown: lifecycle.isShuttingDown,
  });
  lifecycle.onShutdown('outbox-relay', () => api.close());

  const server = api.app.listen(env.PORT);
  await once(server, 'listening');
  lifecycle.onShutdown('http', async () => {
    // Stop accepting, let requests in flight finish, drop idle keep-alive sockets.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await closed;
  });
  logger.info({ port: env.PORT, publicUrl: env.PUBLIC_URL }, 'listening');
});
