import { describe, expect, it } from '@jest/globals';
import { maxInWindow } from './busiest-window';

describe('maxInWindow', () => {
  it('finds the busiest span of the given length', () => {
    expect(maxInWindow([0, 100, 900, 999, 1000, 1500, 1999], 1000)).toBe(4);
    expect(maxInWindow([5, 1, 3], 10)).toBe(3);
    expect(maxInWindow([], 1000)).toBe(0);
  });
});
