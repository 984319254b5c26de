/**
 * Thrown by a handler when retrying cannot help (a bug, a target that no longer exists, a setting
 * only the merchant can fix). The worker fails the job at once without spending its other attempts.
 */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Thrown by a handler when a downstream API asked it to slow down (Discord 429). The worker pauses
 * the whole queue for `retryAfterMs` and puts the job back without spending an attempt: a 429 says
 * nothing about whether the job can succeed.
 */
export class RateLimitedJobError extends Error {
  override readonly name = 'RateLimitedJobError';

  constructor(
    readonly retryAfterMs: number,
    message = `Rate limited for ${retryAfterMs} ms`,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    if (!Number.isFinite(retryAfterMs) || retryAfterMs < 0) {
      throw new RangeError(`retryAfterMs must be a finite number >= 0, got ${retryAfterMs}`);
    }
  }
}
