import { createHash } from 'node:crypto';
import { type BucketTake, FixedWindowBucket } from './fixed-window';
import { SlidingWindowCounter } from './sliding-window-counter';

/** Discord's `X-RateLimit-Scope` values. */
export type RateLimitScope = 'user' | 'global' | 'shared';

/** A per-route limit. Routes naming the same `bucket` share one window per major parameter. */
export interface RouteLimit {
  bucket: string;
  limit: number;
  windowMs: number;
}

export interface InvalidRequestLimit {
  max: number;
  windowMs: number;
  banMs: number;
}

export interface RateLimiterOptions {
  /** Requests per second per identity (bot token, bearer token or, unauthenticated, client IP). */
  globalPerSecond: number;
  invalidRequests: InvalidRequestLimit;
}

export interface RouteTake extends BucketTake {
  /** Opaque `X-RateLimit-Bucket` value, identical for routes that share a bucket. */
  hash: string;
}

export interface BanRecord {
  ip: string;
  bannedAt: number;
  until: number;
  /** Invalid requests counted in the window when the ban started. */
  invalidCount: number;
}

/** Opaque bucket hash; stable per bucket name, like Discord's, so clients can group shared routes. */
export function bucketHash(bucket: string): string {
  return createHash('sha256').update(`inflow-emulator:${bucket}`).digest('hex').slice(0, 32);
}

const SWEEP_EVERY = 1000;

/**
 * Discord's three rate-limit layers: the global per-identity limit, per-route buckets keyed by identity,
 * bucket and major parameter, and the per-IP invalid-request limit that leads to a temporary ban.
 * Time is passed in, so the behaviour is deterministic under test.
 */
export class RateLimiter {
  private readonly global = new Map<string, FixedWindowBucket>();
  private readonly routes = new Map<string, FixedWindowBucket>();
  private readonly invalid = new Map<string, SlidingWindowCounter>();
  private readonly activeBans = new Map<string, BanRecord>();
  private readonly banLog: BanRecord[] = [];
  private takes = 0;

  constructor(private options: RateLimiterOptions) {}

  configure(options: Partial<RateLimiterOptions>): void {
    this.options = { ...this.options, ...options };
    this.global.clear();
  }

  /** The active ban of `ip`, if any. */
  banOf(ip: string, now: number): BanRecord | undefined {
    const ban = this.activeBans.get(ip);
    if (ban && ban.until <= now) {
      this.activeBans.delete(ip);
      return undefined;
    }
    return ban;
  }

  takeGlobal(identity: string, now: number): BucketTake {
    this.maybeSweep(now);
    let bucket = this.global.get(identity);
    if (!bucket) {
      bucket = new FixedWindowBucket(this.options.globalPerSecond, 1000);
      this.global.set(identity, bucket);
    }
    return bucket.take(now);
  }

  takeRoute(identity: string, route: RouteLimit, majorParameter: string, now: number): RouteTake {
    const key = `${identity}\u0000${route.bucket}\u0000${majorParameter}`;
    let bucket = this.routes.get(key);
    if (!bucket || bucket.limit !== route.limit || bucket.windowMs !== route.windowMs) {
      bucket = new FixedWindowBucket(route.limit, route.windowMs);
      this.routes.set(key, bucket);
    }
    return { ...bucket.take(now), hash: bucketHash(route.bucket) };
  }

  /** Counts one invalid request (401, 403, 429 except scope shared); returns the ban it started, if any. */
  recordInvalid(ip: string, now: number): BanRecord | undefined {
    let counter = this.invalid.get(ip);
    if (!counter) {
      counter = new SlidingWindowCounter(this.options.invalidRequests.windowMs);
      this.invalid.set(ip, counter);
    }
    const count = counter.add(now);
    if (count < this.options.invalidRequests.max || this.banOf(ip, now)) return undefined;
    const ban: BanRecord = {
      ip,
      bannedAt: now,
      until: now + this.options.invalidRequests.banMs,
      invalidCount: count,
    };
    this.activeBans.set(ip, ban);
    this.banLog.push(ban);
    counter.clear();
    return ban;
  }

  /** Invalid requests within the current window, for one IP or summed over all. */
  invalidCount(now: number, ip?: string): number {
    if (ip !== undefined) return this.invalid.get(ip)?.count(now) ?? 0;
    let total = 0;
    for (const counter of this.invalid.values()) total += counter.count(now);
    return total;
  }

  bans(): readonly BanRecord[] {
    return this.banLog;
  }

  /** Lifts bans and forgets every window, as if the process had just started. */
  reset(): void {
    this.global.clear();
    this.routes.clear();
    this.invalid.clear();
    this.activeBans.clear();
    this.banLog.length = 0;
  }

  private maybeSweep(now: number): void {
    this.takes += 1;
    if (this.takes % SWEEP_EVERY !== 0) return;
    for (const map of [this.global, this.routes]) {
      for (const [key, bucket] of map) if (bucket.isIdle(now)) map.delete(key);
    }
  }
}
