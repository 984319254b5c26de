/*
 * A worker-shaped process for lifecycle.int-spec.ts: health server first, then a piece of "work" whose
 * closer is slow (FIXTURE_CLOSER=slow) or never finishes (FIXTURE_CLOSER=hang). It prints its port in
 * the `listening` log line.
 */
import { z } from 'zod';
import {
  createHealthHandlers,
  createLifecycle,
  createLogger,
  createMetrics,
  envInteger,
  loadEnv,
  logLevel,
  runService,
  shutdownTimeoutMs,
  startHealthServer,
} from '../index';

const SERVICE = 'fixture-worker';

const env = loadEnv(
  SERVICE,
  z.object({
    LOG_LEVEL: logLevel,
    SHUTDOWN_TIMEOUT_MS: shutdownTimeoutMs,
    FIXTURE_CLOSER: z.enum(['slow', 'hang']),
    FIXTURE_SLOW_CLOSE_MS: envInteger(0, 60_000).default(1_000),
  }),
  process.env,
);

void runService(SERVICE, async (context) => {
  const logger = context.useLogger(createLogger({ service: SERVICE, level: env.LOG_LEVEL }));
  const lifecycle = context.useLifecycle(createLifecycle({ logger, timeoutMs: env.SHUTDOWN_TIMEOUT_MS }));
  const { registry } = createMetrics({ service: SERVICE });
  const handlers = createHealthHandlers({
    checks: { dependency: () => Promise.resolve() },
    registry,
    isShuttingDown: lifecycle.isShuttingDown,
  });

  const server = await startHealthServer({ port: 0, host: '127.0.0.1', handlers });
  lifecycle.onShutdown('health-server', () => server.close());

  // Stands for a BullMQ worker finishing its current job; the interval keeps the process alive like one.
  const working = setInterval(() => undefined, 1_000);
  lifecycle.onShutdown('work', async () => {
    if (env.FIXTURE_CLOSER === 'hang') await new Promise<never>(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, env.FIXTURE_SLOW_CLOSE_MS));
    clearInterval(working);
  });

  logger.info({ port: server.port }, 'listening');
});
