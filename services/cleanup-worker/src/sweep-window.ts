/** The timestamps one access-ended sweep looks at: after `from`, up to and including `to`. */
export interface SweepWindow {
  from: Date;
  to: Date;
}

export interface SweepWindowOptions {
  /** The sweep's period; a first sweep (no cursor yet) looks back two of them. */
  intervalMs: number;
  /** How far the window's end stays behind the clock (see {@link sweepWindow}). */
  commitMarginMs: number;
}

/**
 * The window of the next sweep, given where the last one stopped, or null when there is nothing new
 * to look at (the cursor is at or past the end, e.g. after the margin was made longer).
 *
 * Why the end lags the clock: the sweep finds ended access by `access_ends_at` and, for event ends, by
 * `updated_at`, which Postgres fills with `now()`, the start time of the writing transaction. The row
 * only becomes visible when that transaction commits, later by its duration. A window ending at the
 * present could read before that commit, and the next window would start after the row's timestamp:
 * the row would be skipped forever. Ending each window `commitMarginMs` behind the clock means every
 * row stamped inside it was written by a transaction that started at least that long ago and has
 * committed by now, unless it ran longer than the margin. Rows stamped in the last `commitMarginMs`
 * belong to the next window, which starts exactly where this one ends, so windows tile the timeline
 * without gap or overlap and each row is looked at once. The margin also absorbs clock skew between
 * this host and Postgres.
 *
 * The alternative, ending at the present and starting the next window `commitMarginMs` before the last
 * end, gives the same guarantee with less latency but looks at every row of the overlap twice: the
 * second role sync collapses into a waiting one, but reruns one that already finished. Access ends
 * are measured in days of grace, so the lag (interval plus margin) costs nothing that matters.
 */
export function sweepWindow(cursor: Date | null, now: Date, options: SweepWindowOptions): SweepWindow | null {
  const to = new Date(now.getTime() - options.commitMarginMs);
  // No cursor: a fresh install. Ends that passed before it were handled by their events' own syncs
  // and the drift sweep; two periods back is what a sweep that never ran would have covered.
  const from = cursor ?? new Date(to.getTime() - 2 * options.intervalMs);
  return from.getTime() < to.getTime() ? { from, to } : null;
}
