/** Discord's epoch (2015-01-01T00:00:00Z) in milliseconds. */
const DISCORD_EPOCH = 1_420_070_400_000n;
const MAX_SNOWFLAKE = (1n << 64n) - 1n;

/** Whether `value` is a snowflake Discord would accept in a path: decimal digits within 64 bits. */
export function isSnowflake(value: string): boolean {
  if (!/^(0|[1-9][0-9]{0,19})$/.test(value)) return false;
  return BigInt(value) <= MAX_SNOWFLAKE;
}

/** Milliseconds since the Unix epoch encoded in a snowflake. */
export function snowflakeTimestamp(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/**
 * Mints realistic, strictly increasing snowflakes (18–19 digits for current dates), the shape
 * @discordjs/rest expects when it derives rate-limit buckets from ids.
 */
export class SnowflakeGenerator {
  private increment = 0n;
  private lastMs = 0n;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly workerId = 1n,
  ) {}

  next(): string {
    let ms = BigInt(this.now());
    if (ms <= this.lastMs) {
      ms = this.lastMs;
      this.increment += 1n;
      // 12 bits of increment per millisecond; borrow the next millisecond instead of wrapping.
      if (this.increment > 0xfffn) {
        ms += 1n;
        this.increment = 0n;
      }
    } else {
      this.increment = 0n;
    }
    this.lastMs = ms;
    return (((ms - DISCORD_EPOCH) << 22n) | (this.workerId << 17n) | this.increment).toString();
  }
}
