import { describe, expect, it } from '@jest/globals';
import { SlidingWindowLimiter } from './sliding-window-limiter';

describe('SlidingWindowLimiter', () => {
  it('admits up to the limit, then says how long until the oldest admission leaves the window', () => {
    let now = 10_000;
    const limiter = new SlidingWindowLimiter(3, 1_000, () => now);
    expect([limiter.tryAcquire(), limiter.tryAcquire()]).toEqual([0, 0]);
    now = 10_400;
    expect(limiter.tryAcquire()).toBe(0);
    expect(limiter.tryAcquire()).toBe(600);
    now = 10_999;
    expect(limiter.tryAcquire()).toBe(1);
    now = 11_000;
    // Both admissions of t=10000 have left (10000, 11000]; the one of t=10400 has not.
    expect([limiter.tryAcquire(), limiter.tryAcquire(), limiter.tryAcquire()]).toEqual([0, 0, 400]);
  });

  it('never admits more than the limit in any window', () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter(5, 1_000, () => now);
    const admitted: number[] = [];
    for (now = 0; now < 5_000; now += 7) {
      if (limiter.tryAcquire() === 0) admitted.push(now);
    }
    for (const start of admitted) {
      expect(admitted.filter((time) => time >= start && time < start + 1_000).length).toBeLessThanOrEqual(5);
    }
    expect(admitted.length).toBeGreaterThanOrEqual(25);
  });

  it('rejects a limit below 1', () => {
    expect(() => new SlidingWindowLimiter(0, 1_000)).toThrow(RangeError);
  });
});
