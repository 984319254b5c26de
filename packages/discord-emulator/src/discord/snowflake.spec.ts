import { describe, expect, it } from '@jest/globals';
import { isSnowflake, SnowflakeGenerator, snowflakeTimestamp } from './snowflake';

describe('snowflakes', () => {
  it('accepts decimal ids within 64 bits only', () => {
    expect(isSnowflake('1100000000000000001')).toBe(true);
    expect(isSnowflake('18446744073709551615')).toBe(true);
    expect(isSnowflake('18446744073709551616')).toBe(false);
    expect(isSnowflake('01')).toBe(false);
    expect(isSnowflake('abc')).toBe(false);
    expect(isSnowflake('')).toBe(false);
  });

  it('mints increasing, realistic ids that encode their time', () => {
    const now = Date.UTC(2026, 10, 24, 10);
    const generator = new SnowflakeGenerator(() => now);
    const ids = Array.from({ length: 5000 }, () => generator.next());
    for (let i = 1; i < ids.length; i += 1) expect(BigInt(ids[i]!)).toBeGreaterThan(BigInt(ids[i - 1]!));
    expect(ids[0]).toMatch(/^\d{19}$/);
    expect(snowflakeTimestamp(ids[0]!)).toBe(now);
  });
});
