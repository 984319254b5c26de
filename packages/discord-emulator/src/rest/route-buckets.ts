import { type RouteLimit } from '../rate-limit/rate-limiter';

/** Names of the per-route buckets; routes that share a name share a bucket (and its `X-RateLimit-Bucket`). */
export type RouteBucketName =
  | 'member-roles'
  | 'add-member'
  | 'get-member'
  | 'create-message'
  | 'get-guild'
  | 'get-roles'
  | 'get-channels'
  | 'current-user'
  | 'oauth2-me'
  | 'gateway-bot'
  | 'oauth-token';

export interface BucketLimit {
  limit: number;
  windowMs: number;
}

/**
 * Defaults modelled on limits commonly observed on Discord (which publishes none and asks clients to read
 * the headers): 10 role changes per 10 s per guild shared by add and remove, 5 messages per 5 s per
 * channel, 10 member adds per 10 s per guild, 5 per second for reads.
 */
export const DEFAULT_ROUTE_BUCKETS: Readonly<Record<RouteBucketName, BucketLimit>> = {
  'member-roles': { limit: 10, windowMs: 10_000 },
  'add-member': { limit: 10, windowMs: 10_000 },
  'get-member': { limit: 5, windowMs: 1_000 },
  'create-message': { limit: 5, windowMs: 5_000 },
  'get-guild': { limit: 5, windowMs: 1_000 },
  'get-roles': { limit: 5, windowMs: 1_000 },
  'get-channels': { limit: 5, windowMs: 1_000 },
  'current-user': { limit: 5, windowMs: 1_000 },
  'oauth2-me': { limit: 5, windowMs: 1_000 },
  'gateway-bot': { limit: 5, windowMs: 1_000 },
  'oauth-token': { limit: 5, windowMs: 1_000 },
};

/** Default buckets with overrides applied, as RouteLimits ready for the limiter. */
export function resolveRouteBuckets(
  overrides: Partial<Record<RouteBucketName, BucketLimit>> = {},
): Record<RouteBucketName, RouteLimit> {
  const resolved = {} as Record<RouteBucketName, RouteLimit>;
  for (const name of Object.keys(DEFAULT_ROUTE_BUCKETS) as RouteBucketName[]) {
    const { limit, windowMs } = overrides[name] ?? DEFAULT_ROUTE_BUCKETS[name];
    if (!Number.isInteger(limit) || limit < 1 || !(windowMs > 0)) {
      throw new RangeError(`route bucket ${name} needs an integer limit ≥ 1 and windowMs > 0`);
    }
    resolved[name] = { bucket: name, limit, windowMs };
  }
  return resolved;
}
