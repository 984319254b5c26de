/**
 * Counts events in the trailing `windowMs` (a true sliding window, as Discord's invalid-request limit is
 * described). Keeps one timestamp per event, so it is meant for limits in the thousands. Pure.
 */
export class SlidingWindowCounter {
  private readonly times: number[] = [];
  private head = 0;

  constructor(readonly windowMs: number) {
    if (!(windowMs > 0)) throw new RangeError(`window must be > 0 ms, got ${windowMs}`);
  }

  /** Records one event at `now` and returns the count within the window, this one included. */
  add(now: number): number {
    this.times.push(now);
    return this.count(now);
  }

  count(now: number): number {
    const cutoff = now - this.windowMs;
    while (this.head < this.times.length && (this.times[this.head] ?? Infinity) <= cutoff) this.head += 1;
    // Compact occasionally so the array does not grow for the lifetime of the process.
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times.splice(0, this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  clear(): void {
    this.times.length = 0;
    this.head = 0;
  }
}
