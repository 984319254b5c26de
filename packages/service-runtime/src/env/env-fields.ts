import { z } from 'zod';

/*
 * Field schemas for the configuration table in DESIGN.md. Each parses one environment string. Their
 * messages are predicates ("must be …") that loadEnv prefixes with the variable name, and none of them
 * repeats the input: a value can be a secret (a URL's password), so no message shows it.
 */

/**
 * A URL whose scheme is one of `protocols` (written like `redis:`) and which names a host.
 * `new URL` does the parsing, so `nonsense` or `redis://` without a host fail.
 */
export function envUrl(protocols: readonly [string, ...string[]]) {
  const schemes = protocols.map((protocol) => `${protocol}//`);
  const message = `must be a ${schemes.length > 1 ? `${schemes.slice(0, -1).join(', ')} or ${schemes.at(-1)}` : schemes[0]} URL`;
  return z.string().refine(
    (value) => {
      if (!URL.canParse(value)) return false;
      const url = new URL(value);
      return protocols.includes(url.protocol) && url.hostname !== '';
    },
    { error: message },
  );
}

/** A base-10 integer between `min` and `max` inclusive, parsed from its decimal text. */
export function envInteger(min: number, max: number, unit = '') {
  return z
    .string()
    .regex(/^\d+$/, { error: `must be an integer${unit} between ${min} and ${max}` })
    .transform(Number)
    .refine((value) => value >= min && value <= max, {
      error: `must be an integer${unit} between ${min} and ${max}`,
    });
}

/** `DATABASE_URL`: the Postgres connection string. */
export const databaseUrl = envUrl(['postgres:', 'postgresql:']).default(
  'postgres://postgres@127.0.0.1:5432/inflow',
);

/** `REDIS_URL`: Redis for BullMQ and the shared limits. `rediss:` is Redis over TLS. */
export const redisUrl = envUrl(['redis:', 'rediss:']).default('redis://127.0.0.1:6379');

/** `PORT`: the HTTP port of the process (health and metrics; the api also serves its API there). */
export function port(defaultPort: number) {
  return envInteger(1, 65_535).default(defaultPort);
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** `LOG_LEVEL`: the lowest pino level written. */
export const logLevel = z
  .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })
  .default('info');

/**
 * `QUEUE_PREFIX`: the BullMQ key prefix. A `{hash tag}` keeps every key of a queue in one Redis
 * Cluster slot, which BullMQ's multi-key scripts need. `:` is allowed, as in Redis key namespaces
 * (`inflow:staging`); BullMQ puts another `:` after the prefix.
 */
export const queuePrefix = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(100, { error: 'must be at most 100 characters' })
  .regex(/^[\w.:-]*(?:\{[\w.:-]+\}[\w.:-]*)?$/, {
    error: 'must use only letters, digits, "-", "_", ".", ":" and at most one {hash-tag}',
  })
  .default('inflow');

/** `SHUTDOWN_TIMEOUT_MS`: how long a graceful shutdown may take before the process exits with 1. */
export const shutdownTimeoutMs = envInteger(1, 600_000, ' of milliseconds').default(10_000);
