import { z } from 'zod';
import {
  databaseUrl,
  envUrl,
  loadEnv,
  logLevel,
  port,
  queuePrefix,
  redisUrl,
  shutdownTimeoutMs,
} from '@inflow/service-runtime';

const schema = z.object({
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  PORT: port(3000),
  PUBLIC_URL: envUrl(['http:', 'https:']).default('http://localhost:3000'),
  LOG_LEVEL: logLevel,
  QUEUE_PREFIX: queuePrefix,
  SHUTDOWN_TIMEOUT_MS: shutdownTimeoutMs,
});

export type ApiEnv = z.output<typeof schema>;

export function loadApiEnv(source: NodeJS.ProcessEnv = process.env): ApiEnv {
  return loadEnv('api', schema, source);
}
