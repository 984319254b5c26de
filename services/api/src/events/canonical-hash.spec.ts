import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { canonicalHash, canonicalJson } from './canonical-hash';

describe('canonicalJson', () => {
  it('does not depend on key order, at any depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}',
    );
  });

  it('hashes any permutation of keys the same, and different values differently', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        expect(canonicalHash(reversed).equals(canonicalHash(record))).toBe(true);
        expect(canonicalHash({ ...record, '\u0000extra': 1 }).equals(canonicalHash(record))).toBe(false);
      }),
    );
  });
});
