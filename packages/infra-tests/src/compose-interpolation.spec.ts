import { describe, expect, it } from '@jest/globals';
import { interpolate } from './compose-interpolation';

const env = new Map([
  ['SET', 'value'],
  ['EMPTY', ''],
]);

function one(text: string) {
  const result = interpolate({ text }, env);
  return { value: (result.value as { text: string }).text, errors: result.errors };
}

describe('Compose interpolation', () => {
  it('substitutes set variables, braced or bare, and $$ as a literal $', () => {
    expect(one('${SET}/$SET/$$SET').value).toBe('value/value/$SET');
  });

  it('treats an empty variable as unset only with a colon', () => {
    expect(one('${EMPTY:-fallback}|${EMPTY-fallback}|${MISSING-fallback}').value).toBe('fallback||fallback');
    expect(one('${EMPTY:+alt}|${EMPTY+alt}|${SET:+alt}').value).toBe('|alt|alt');
  });

  it('reports each missing required variable with its message, and only those', () => {
    expect(one('${SET:?set SET}${EMPTY:?set EMPTY}${MISSING?set MISSING}${EMPTY?ok}').errors).toEqual([
      'EMPTY: set EMPTY',
      'MISSING: set MISSING',
    ]);
  });

  it('interpolates values at any depth but never keys, and names every variable it met', () => {
    const result = interpolate({ '${SET}': ['a ${SET}', { deep: '${OTHER:-x}' }], n: 3 }, env);
    expect(result.value).toEqual({ '${SET}': ['a value', { deep: 'x' }], n: 3 });
    expect([...result.variables].sort()).toEqual(['OTHER', 'SET']);
  });

  it('refuses nested expressions rather than half-understanding them', () => {
    expect(() => one('${A:-${B}}')).toThrow(/nested/);
  });
});
