import {
  databaseUrl,
  logLevel,
  port,
  queuePrefix,
  redisUrl,
  shutdownTimeoutMs,
} from '@inflow/service-runtime';

/*
 * The fields every service shares, parsed with the very schemas the services use, so that a value a
 * manifest or docker-compose.yml sets (a hash-tagged QUEUE_PREFIX, a DATABASE_URL) is one the service
 * accepts at start. Service-specific fields are only checked for their names (service-env-catalog.ts).
 */
const SHARED_FIELDS = {
  DATABASE_URL: databaseUrl,
  REDIS_URL: redisUrl,
  PORT: port(1),
  LOG_LEVEL: logLevel,
  QUEUE_PREFIX: queuePrefix,
  SHUTDOWN_TIMEOUT_MS: shutdownTimeoutMs,
};

/**
 * The variables whose defaults only make sense on a developer's machine: 127.0.0.1 inside a container
 * is the container itself, and OAuth redirects to localhost would reach the customer's own computer.
 * Every deployment sets them wherever the service reads them.
 */
export const SET_IN_EVERY_DEPLOYMENT = ['DATABASE_URL', 'REDIS_URL', 'PUBLIC_URL'] as const;

/** The shared fields among `values` that their service would refuse, as "NAME=value: reason". */
export function sharedFieldErrors(values: ReadonlyMap<string, string>): string[] {
  const errors: string[] = [];
  for (const [name, schema] of Object.entries(SHARED_FIELDS)) {
    const value = values.get(name);
    // An empty variable counts as unset: the default applies (loadEnv).
    if (value === undefined || value === '') continue;
    const parsed = schema.safeParse(value);
    if (!parsed.success)
      errors.push(`${name}=${value}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  return errors;
}
