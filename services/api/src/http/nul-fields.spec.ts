import { describe, expect, it } from '@jest/globals';
import { nulFields } from './nul-fields';

describe('nulFields', () => {
  it('names each string value and key that holds a NUL by its JSON pointer', () => {
    const body = {
      name: 'VIP \u0000',
      payment: { failureReason: 'card\u0000declined', amountInCents: 999 },
      tags: ['ok', '\u0000'],
      'bad\u0000key': 'fine',
    };
    expect(
      nulFields(body)
        .map((problem) => problem.pointer)
        .sort(),
    ).toEqual(['/bad\u0000key', '/name', '/payment/failureReason', '/tags/1'].sort());
  });

  it('finds nothing in clean bodies, numbers, nulls or an absent body', () => {
    expect(nulFields({ name: 'VIP', amountInCents: 0, description: null, list: [1, 'a'] })).toEqual([]);
    expect(nulFields(undefined)).toEqual([]);
  });

  it('walks a body nested deeper than the stack would allow for recursion', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 50_000; i += 1) deep = [deep];
    const [problem] = nulFields(deep);
    expect(problem?.pointer).toBe('/0'.repeat(50_000));
  });
});
