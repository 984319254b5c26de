/**
 * The BullMQ key prefix of every queue in this system. Services pass `QUEUE_PREFIX` from their env.ts
 * instead when they share a Redis with another deployment, or run on Redis Cluster, where the prefix
 * must be a hash tag such as `{inflow}` so that all of a queue's keys land in one slot (BullMQ's Lua
 * scripts touch several keys at once).
 */
export const DEFAULT_QUEUE_PREFIX = 'inflow';

// An optional leading hash tag, then plain key characters; ':' is fine (queue names cannot contain it,
// so `<prefix>:<queue>:…` stays unambiguous).
const PREFIX_PATTERN = /^(?:\{[A-Za-z0-9_.:-]+\})?[A-Za-z0-9_.:-]*$/;

/**
 * Checks a configured queue prefix and returns it, or the default when none is configured. Rejected:
 * whitespace and other punctuation, and braces anywhere but one leading `{tag}` (Redis Cluster hashes
 * only the first `{…}` of a key, so a stray brace silently spreads a queue's keys over slots).
 */
export function parseQueuePrefix(value: string | undefined): string {
  if (value === undefined || value === '') {
    return DEFAULT_QUEUE_PREFIX;
  }
  if (!PREFIX_PATTERN.test(value)) {
    throw new Error(
      `Invalid queue prefix "${value}": use letters, digits, '_', '.', ':', '-', optionally starting with a {hash tag}`,
    );
  }
  return value;
}
