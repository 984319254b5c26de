/**
 * The most events that fall within any `windowMs` span [t, t + windowMs), over sorted or unsorted times:
 * how rate limits are checked against what was admitted or received.
 */
export function maxInWindow(timesMs: readonly number[], windowMs: number): number {
  const sorted = [...timesMs].sort((a, b) => a - b);
  let most = 0;
  let first = 0;
  for (let last = 0; last < sorted.length; last += 1) {
    while (sorted[last]! - sorted[first]! >= windowMs) first += 1;
    most = Math.max(most, last - first + 1);
  }
  return most;
}
