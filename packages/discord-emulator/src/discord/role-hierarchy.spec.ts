import { describe, expect, it } from '@jest/globals';
import { compareRoles, highestRole, ranksBelow } from './role-hierarchy';

const older = { id: '1100000000000000010', position: 3 };
const newer = { id: '1100000000000000020', position: 3 };
const low = { id: '1100000000000000005', position: 1 };

describe('role hierarchy', () => {
  it('ranks by position, then the older (smaller) id above the newer at equal positions', () => {
    expect(compareRoles(older, low)).toBeGreaterThan(0);
    expect(compareRoles(older, newer)).toBeGreaterThan(0);
    expect(compareRoles(newer, older)).toBeLessThan(0);
    expect(compareRoles(older, { ...older })).toBe(0);
  });

  it('finds the highest role with ties broken by id', () => {
    expect(highestRole([low, newer, older])).toBe(older);
    expect(highestRole([])).toBeUndefined();
  });

  it('allows managing only roles strictly below the actor', () => {
    expect(ranksBelow(low, older)).toBe(true);
    expect(ranksBelow(newer, older)).toBe(true);
    expect(ranksBelow(older, newer)).toBe(false);
    expect(ranksBelow(older, older)).toBe(false);
    expect(ranksBelow(low, undefined)).toBe(false);
  });
});
