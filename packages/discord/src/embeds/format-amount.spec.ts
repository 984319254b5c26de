import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { formatAmount, minorUnitsToDecimal } from './format-amount';

// Intl separates currency and number with a no-break space in many locales.
const plain = (text: string): string => text.replace(/[\u00a0\u202f]/g, ' ');

describe('formatAmount', () => {
  it.each<[number, string, string | undefined, string]>([
    [999, 'EUR', undefined, '€9.99'],
    [999, 'USD', 'en-US', '$9.99'],
    [100_000, 'USD', 'en-US', '$1,000.00'],
    [999, 'EUR', 'de-DE', '9,99 €'],
    [1_234, 'JPY', 'en-US', '¥1,234'],
    [1_234, 'JPY', 'ja-JP', '￥1,234'],
    [1_234, 'BHD', 'en-US', 'BHD 1.234'],
    [5, 'EUR', 'en-US', '€0.05'],
    [-250, 'USD', 'en-US', '-$2.50'],
    [0, 'GBP', 'en-GB', '£0.00'],
    [999, 'eur', 'en-US', '€9.99'],
    [999, 'EUR', 'not a locale!!', '€9.99'],
    [999, 'EURO', 'en-US', '9.99 EURO'],
  ])('%d %s in %s → %s', (amount, currency, locale, expected) => {
    expect(plain(formatAmount(amount, currency, locale))).toBe(expected);
  });

  it('is exact beyond the range of floating point cents', () => {
    expect(formatAmount(9_007_199_254_740_991, 'USD')).toBe('$90,071,992,547,409.91');
  });

  it('never throws, whatever the input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer(), fc.double()),
        fc.string(),
        fc.string(),
        (amount, currency, locale) => {
          expect(typeof formatAmount(amount, currency, locale)).toBe('string');
        },
      ),
    );
  });
});

describe('minorUnitsToDecimal', () => {
  it.each<[number, number, string]>([
    [1999, 2, '19.99'],
    [5, 2, '0.05'],
    [-5, 2, '-0.05'],
    [500, 0, '500'],
    [1, 3, '0.001'],
    [0, 2, '0.00'],
  ])('%d with %d digits → %s', (amount, digits, expected) => {
    expect(minorUnitsToDecimal(amount, digits)).toBe(expected);
  });
});
