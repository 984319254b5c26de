const DEFAULT_LOCALE = 'en-US';

function currencyFormat(locale: string, currency: string): Intl.NumberFormat | undefined {
  for (const candidate of [locale, DEFAULT_LOCALE]) {
    try {
      return new Intl.NumberFormat(candidate, { style: 'currency', currency });
    } catch {
      // An unknown locale falls back to the default; an invalid currency code fails for both.
    }
  }
  return undefined;
}

/** Minor units as an exact decimal string: (1999, 2) → "19.99", (-5, 2) → "-0.05", (500, 0) → "500". */
export function minorUnitsToDecimal(amount: number, fractionDigits: number): `${number}` {
  const minor = BigInt(Math.round(amount));
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(fractionDigits + 1, '0');
  const whole = digits.slice(0, digits.length - fractionDigits);
  const fraction = digits.slice(digits.length - fractionDigits);
  return `${negative ? '-' : ''}${whole}${fractionDigits > 0 ? `.${fraction}` : ''}` as `${number}`;
}

/**
 * An amount in the currency's minor units ("cents") for people: `Intl.NumberFormat(locale, {style:
 * 'currency', currency})` over the exact decimal, with as many decimals as the currency has (EUR 2, JPY 0,
 * BHD 3). An unknown locale falls back to en-US; an invalid currency code shows the plain decimal and code.
 */
export function formatAmount(
  amountInCents: number,
  currency: string,
  locale: string = DEFAULT_LOCALE,
): string {
  if (!Number.isFinite(amountInCents)) return `? ${currency}`;
  const format = currencyFormat(locale, currency);
  if (!format) return `${minorUnitsToDecimal(amountInCents, 2)} ${currency}`;
  const fractionDigits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minorUnitsToDecimal(amountInCents, fractionDigits));
}
