/** Outcome of taking one request from a bucket. Times are milliseconds since the Unix epoch. */
export interface BucketTake {
  allowed: boolean;
  limit: number;
  /** Requests left in the current window after this one. */
  remaining: number;
  resetAt: number;
  resetAfterMs: number;
}

/**
 * A Discord-style fixed window: the window opens with the first request after the previous one ended,
 * and admits `limit` requests until it resets. Refused requests do not consume capacity. Pure: the
 * caller passes the time.
 */
export class FixedWindowBucket {
  private remaining: number;
  private resetAt = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`bucket limit must be ≥ 1, got ${limit}`);
    if (!(windowMs > 0)) throw new RangeError(`bucket window must be > 0 ms, got ${windowMs}`);
    this.remaining = limit;
  }

  take(now: number): BucketTake {
    if (now >= this.resetAt) {
      this.remaining = this.limit;
      this.resetAt = now + this.windowMs;
    }
    const allowed = this.remaining > 0;
    if (allowed) this.remaining -= 1;
    return {
      allowed,
      limit: this.limit,
      remaining: this.remaining,
      resetAt: this.resetAt,
      resetAfterMs: this.resetAt - now,
    };
  }

  /** Whether the window has ended, so the bucket can be forgotten without changing behaviour. */
  isIdle(now: number): boolean {
    return now >= this.resetAt;
  }
}
