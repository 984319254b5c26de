/**
 * A run id in the test runs' format (start time in base 36, `x`, four hex digits). Databases named after
 * it count as a live run for other Jest runs on this machine, whose setup drops only leftovers that are
 * hours old; any other format would be dropped as garbage mid-benchmark.
 */
export function benchRunId(now = Date.now(), random = Math.random()): string {
  return `${Math.floor(now / 1000).toString(36)}x${Math.floor(random * 0xffff)
    .toString(16)
    .padStart(4, '0')}`;
}
