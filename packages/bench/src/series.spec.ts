import { describe, expect, it } from '@jest/globals';
import { binWidthFor, histogram, longestPause, percentile, perSecondCounts, round } from './series';

describe('percentile', () => {
  it('takes the nearest rank, never interpolating a value nobody measured', () => {
    const values = [40, 10, 30, 20, 50, 60, 70, 80, 90, 100];
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(100);
    expect(percentile(values, 10)).toBe(10);
    expect(percentile([7], 99)).toBe(7);
  });

  it('refuses an empty list and a percentile outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });
});

describe('perSecondCounts', () => {
  it('counts events per whole second and drops the partial last second', () => {
    const start = 1_000_000;
    const times = [start, start + 10, start + 999, start + 1000, start + 1500, start + 2100];
    expect(perSecondCounts(times, start)).toEqual([
      { t: 0, value: 3 },
      { t: 1, value: 2 },
    ]);
  });

  it('keeps the only bucket when every event falls in the first second', () => {
    expect(perSecondCounts([5, 6, 7], 0)).toEqual([{ t: 0, value: 3 }]);
    expect(perSecondCounts([], 0)).toEqual([]);
  });
});

describe('histogram', () => {
  it('bins values from zero and puts everything beyond the range into the last bin', () => {
    const bins = histogram([0, 9, 10, 25, 1000], 10, 30);
    expect(bins.map((bin) => bin.count)).toEqual([2, 1, 2]);
    expect(bins[2]).toEqual({ from: 20, to: 30, count: 2 });
  });

  it('refuses bins that cannot cover the range', () => {
    expect(() => histogram([1], 0, 10)).toThrow(RangeError);
    expect(() => histogram([1], 10, 10)).toThrow(RangeError);
  });
});

describe('round', () => {
  it('rounds to the given decimals', () => {
    expect(round(0.95238, 3)).toBe(0.952);
    expect(round(12.5, 0)).toBe(13);
  });
});

describe('longestPause', () => {
  it('measures gaps between completions only while some work waited through the whole gap', () => {
    const done = [0, 100, 5_000, 5_100, 9_000];
    expect(longestPause(done, [[50, 5_050]])).toBe(4_900);
    expect(longestPause(done, [[5_200, 9_000]])).toBe(0);
    expect(
      longestPause(done, [
        [0, 100],
        [5_100, 9_000],
      ]),
    ).toBe(3_900);
    expect(longestPause(done, [])).toBe(0);
  });
});

describe('binWidthFor', () => {
  it('picks a round width that keeps the bin count bounded', () => {
    expect(binWidthFor(300, 60)).toBe(5);
    expect(binWidthFor(16_000, 60)).toBe(500);
    expect(binWidthFor(120, 60)).toBe(2);
  });
});
