/**
 * The BullMQ key prefix of every queue in this system. Services pass `QUEUE_PREFIX` from their env.ts
 * instead when they share a Redis with another deployment, or run on Redis Cluster, where the prefix
 * must be a hash tag such as `{inflow}` so that all of a queue's keys land in one slot (BullMQ's Lua
 * scripts touch several keys at once).
 */
export const DEFAULT_QUEUE_PREFIX = 'inflow';

const PREFIX_PATTERN = /^(?:[A-Za-z0-9_.-]+|\{[A-Za-z0-9_.-]+\})$/;

/**
 * Checks a configured queue prefix and returns it, or the default when none is configured. Rejected:
 * empty strings, whitespace, ':' (BullMQ joins keys with it, so it would blur the queue name) and
 * braces anywhere but around the whole prefix (a partial hash tag silently spreads keys over slots).
 */
export function parseQueuePrefix(value: string | undefined): string {
  if (value === undefined || value === '') {
    return DEFAULT_QUEUE_PREFIX;
  }
  if (!PREFIX_PATTERN.test(value)) {
    throw new Error(
      `Invalid queue prefix "${value}": use letters, digits, '_', '.', '-', optionally wrapped whole in {} for Redis Cluster`,
    );
  }
  return value;
}
