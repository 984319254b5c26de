import { describe, expect, it } from '@jest/globals';
import { admissionLag } from './admission-recorder';

describe('admissionLag', () => {
  it('pairs the k-th admission with the k-th arrival', () => {
    const lag = admissionLag([100, 0, 200, 300], [10, 120, 260, 310, 900]);
    // Lags 10, 20, 60, 10: the nearest-rank median of four is the second smallest.
    expect(lag).toEqual({ admissions: 4, arrivals: 5, p50: 10, p99: 60, max: 60 });
  });

  it('has nothing to say without admissions', () => {
    expect(admissionLag([], [1])).toBeNull();
  });
});
