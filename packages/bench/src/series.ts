/**
 * The value below which `p` percent of `values` fall (nearest rank, the definition that never invents a
 * value that was not measured). Throws on an empty list: a percentile of nothing is a harness bug.
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty list');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** The largest of `values` (-Infinity for none); a loop, so a run's hundred thousand samples fit the stack. */
export function maxOf(values: Iterable<number>): number {
  let max = -Infinity;
  for (const value of values) if (value > max) max = value;
  return max;
}

/** One point of a time series: seconds since the series' start, and a value. */
export interface SeriesPoint {
  t: number;
  value: number;
}

/**
 * Events per whole second from `startMs` (the first bucket) until the last event. The last bucket is
 * usually partial, so it is left out when it would understate the rate; a single event gives one bucket.
 */
export function perSecondCounts(timesMs: readonly number[], startMs: number): SeriesPoint[] {
  if (timesMs.length === 0) return [];
  const last = maxOf(timesMs);
  const buckets = Math.floor((last - startMs) / 1000) + 1;
  const counts = new Array<number>(buckets).fill(0);
  for (const time of timesMs) {
    const index = Math.floor((time - startMs) / 1000);
    if (index >= 0 && index < buckets) counts[index] = (counts[index] ?? 0) + 1;
  }
  const complete = buckets > 1 ? counts.slice(0, -1) : counts;
  return complete.map((value, t) => ({ t, value }));
}

/** A histogram bin: values in [from, to). */
export interface Bin {
  from: number;
  to: number;
  count: number;
}

/**
 * Equal-width bins from 0 covering every value; values at or above `maxValue` land in the last bin
 * (so one outlier does not stretch the plot), which is then open-ended.
 */
export function histogram(values: readonly number[], binWidth: number, maxValue: number): Bin[] {
  if (!(binWidth > 0) || !(maxValue > binWidth))
    throw new RangeError('need binWidth > 0 and maxValue > binWidth');
  const count = Math.ceil(maxValue / binWidth);
  const bins: Bin[] = Array.from({ length: count }, (_, i) => ({
    from: i * binWidth,
    to: (i + 1) * binWidth,
    count: 0,
  }));
  for (const value of values) {
    const index = Math.min(count - 1, Math.max(0, Math.floor(value / binWidth)));
    bins[index]!.count += 1;
  }
  return bins;
}

/** Rounds to `digits` decimals, for figures that are printed and stored. */
export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * The longest stretch without an event while work was waiting: `waiting` holds [from, to) spans of
 * outstanding work (e.g. an event accepted until its role change), `eventsMs` the moments work got done.
 */
export function longestPause(
  eventsMs: readonly number[],
  waiting: ReadonlyArray<readonly [number, number]>,
): number {
  const events = [...eventsMs].sort((a, b) => a - b);
  let longest = 0;
  for (let i = 1; i < events.length; i += 1) {
    const from = events[i - 1]!;
    const to = events[i]!;
    // A gap counts only when some work was outstanding over the whole of it.
    if (waiting.some(([start, end]) => start <= from && end >= to)) longest = Math.max(longest, to - from);
  }
  return longest;
}

/** A bin width of 1, 2 or 5 × 10ⁿ that covers `range` in at most `maxBins` bins. */
export function binWidthFor(range: number, maxBins: number): number {
  const raw = range / maxBins;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * magnitude).find((width) => width >= raw) ?? 10 * magnitude;
}
