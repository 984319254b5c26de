/**
 * An in-process sliding-window log: at most `limit` admissions in any `windowMs`. Used by the Discord
 * rate limiter while Redis is unreachable.
 */
export class SlidingWindowLimiter {
  private readonly admitted: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`limit must be an integer >= 1, got ${limit}`);
    }
  }

  /** Admits now and returns 0, or returns the milliseconds until a slot frees. */
  tryAcquire(): number {
    const now = this.now();
    // An admission at t counts for the window (t, t + windowMs]; older ones have left it.
    let oldest = this.admitted[0];
    while (oldest !== undefined && oldest <= now - this.windowMs) {
      this.admitted.shift();
      oldest = this.admitted[0];
    }
    if (oldest === undefined || this.admitted.length < this.limit) {
      this.admitted.push(now);
      return 0;
    }
    return Math.max(1, oldest + this.windowMs - now);
  }
}
