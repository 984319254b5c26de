import { describe, expect, it } from '@jest/globals';
import { FixedWindowBucket } from './fixed-window';
import { bucketHash, RateLimiter } from './rate-limiter';
import { SlidingWindowCounter } from './sliding-window-counter';

const T0 = 1_795_000_000_000;

describe('FixedWindowBucket', () => {
  it('opens the window at the first request and refuses past the limit until it resets', () => {
    const bucket = new FixedWindowBucket(2, 1000);
    expect(bucket.take(T0)).toEqual({
      allowed: true,
      limit: 2,
      remaining: 1,
      resetAt: T0 + 1000,
      resetAfterMs: 1000,
    });
    expect(bucket.take(T0 + 100)).toMatchObject({ allowed: true, remaining: 0, resetAfterMs: 900 });
    expect(bucket.take(T0 + 999)).toMatchObject({ allowed: false, remaining: 0, resetAfterMs: 1 });
    // Refused requests consume nothing, and the next window starts at the next request.
    expect(bucket.take(T0 + 1500)).toMatchObject({ allowed: true, remaining: 1, resetAt: T0 + 2500 });
  });

  it('rejects nonsensical limits', () => {
    expect(() => new FixedWindowBucket(0, 1000)).toThrow(RangeError);
    expect(() => new FixedWindowBucket(1, 0)).toThrow(RangeError);
  });
});

describe('SlidingWindowCounter', () => {
  it('counts only events within the trailing window', () => {
    const counter = new SlidingWindowCounter(1000);
    counter.add(T0);
    counter.add(T0 + 500);
    expect(counter.add(T0 + 999)).toBe(3);
    expect(counter.count(T0 + 1000)).toBe(2);
    expect(counter.count(T0 + 1500)).toBe(1);
    expect(counter.count(T0 + 2000)).toBe(0);
  });
});

describe('RateLimiter', () => {
  const options = { globalPerSecond: 3, invalidRequests: { max: 3, windowMs: 10_000, banMs: 60_000 } };

  it('keys route buckets by identity, bucket and major parameter, with one hash per bucket', () => {
    const limiter = new RateLimiter(options);
    const route = { bucket: 'member-roles', limit: 1, windowMs: 10_000 };
    expect(limiter.takeRoute('bot:a', route, 'guild-1', T0).allowed).toBe(true);
    expect(limiter.takeRoute('bot:a', route, 'guild-1', T0).allowed).toBe(false);
    expect(limiter.takeRoute('bot:a', route, 'guild-2', T0).allowed).toBe(true);
    expect(limiter.takeRoute('bot:b', route, 'guild-1', T0).allowed).toBe(true);
    const take = limiter.takeRoute('bot:a', { ...route, bucket: 'get-member' }, 'guild-1', T0);
    expect(take.allowed).toBe(true);
    expect(take.hash).toBe(bucketHash('get-member'));
    expect(bucketHash('member-roles')).not.toBe(bucketHash('get-member'));
    expect(bucketHash('member-roles')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('enforces the global limit per identity per second', () => {
    const limiter = new RateLimiter(options);
    const results = Array.from({ length: 4 }, () => limiter.takeGlobal('bot:a', T0).allowed);
    expect(results).toEqual([true, true, true, false]);
    expect(limiter.takeGlobal('bot:b', T0).allowed).toBe(true);
    expect(limiter.takeGlobal('bot:a', T0 + 1000).allowed).toBe(true);
  });

  it('bans an IP once invalid requests reach the threshold, until banMs passes', () => {
    const limiter = new RateLimiter(options);
    expect(limiter.recordInvalid('127.0.0.1', T0)).toBeUndefined();
    expect(limiter.recordInvalid('127.0.0.1', T0 + 1)).toBeUndefined();
    expect(limiter.invalidCount(T0 + 2, '127.0.0.1')).toBe(2);
    const ban = limiter.recordInvalid('127.0.0.1', T0 + 2);
    expect(ban).toEqual({ ip: '127.0.0.1', bannedAt: T0 + 2, until: T0 + 60_002, invalidCount: 3 });
    expect(limiter.banOf('127.0.0.1', T0 + 60_001)).toBe(ban);
    expect(limiter.banOf('127.0.0.2', T0 + 3)).toBeUndefined();
    expect(limiter.banOf('127.0.0.1', T0 + 60_002)).toBeUndefined();
    expect(limiter.bans()).toEqual([ban]);
  });

  it('forgets invalid requests that left the window', () => {
    const limiter = new RateLimiter(options);
    limiter.recordInvalid('127.0.0.1', T0);
    limiter.recordInvalid('127.0.0.1', T0 + 1);
    expect(limiter.recordInvalid('127.0.0.1', T0 + 10_000)).toBeUndefined();
    expect(limiter.invalidCount(T0 + 10_000)).toBe(2);
    limiter.reset();
    expect(limiter.invalidCount(T0 + 10_001)).toBe(0);
  });
});
