const SNOWFLAKE = /^[1-9]\d{16,19}$/;

/** Whether `value` is a Discord id: 17 to 20 digits without a leading zero. */
export function isSnowflake(value: string): boolean {
  return SNOWFLAKE.test(value);
}

/**
 * Throws a RangeError unless `value` is a Discord id. Ids become path segments, so this also keeps a
 * malformed id from pointing a request at another route.
 */
export function assertSnowflake(name: string, value: string): void {
  if (!isSnowflake(value))
    throw new RangeError(`${name} must be a Discord id (17 to 20 digits), got "${value}"`);
}
