import {
  databaseUrl,
  logLevel,
  port,
  queuePrefix,
  redisUrl,
  shutdownTimeoutMs,
  type LogLevel,
} from '@inflow/service-runtime';

/** The variables every worker reads (DESIGN.md, configuration), for its own env.ts to extend. */
export function workerEnvFields(defaultPort: number) {
  return {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    PORT: port(defaultPort),
    LOG_LEVEL: logLevel,
    QUEUE_PREFIX: queuePrefix,
    SHUTDOWN_TIMEOUT_MS: shutdownTimeoutMs,
  };
}

export interface WorkerEnv {
  DATABASE_URL: string;
  REDIS_URL: string;
  PORT: number;
  LOG_LEVEL: LogLevel;
  QUEUE_PREFIX: string;
  SHUTDOWN_TIMEOUT_MS: number;
}
