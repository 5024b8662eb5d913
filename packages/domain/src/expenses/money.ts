/**
 * Money is an integer count of a currency's minor units (cents, pence; yen
 * have none) with its ISO 4217 code: never a float. Sums stay integers;
 * conversion is exact rational arithmetic on BigInt, rounded once, half to
 * even (banker's rounding), so converting many claims never drifts one way.
 */
export interface Money {
  minor: number;
  currency: string;
}

const exponents = new Map<string, number>();

/** True for an ISO 4217 code this runtime knows (three capital letters). */
export function isCurrency(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  try {
    return currencyExponent(code) >= 0;
  } catch {
    return false;
  }
}

/** The number of minor-unit digits of a currency (EUR 2, JPY 0, BHD 3), from ICU's ISO 4217 data. */
export function currencyExponent(code: string): number {
  let found = exponents.get(code);
  if (found === undefined) {
    if (!Intl.supportedValuesOf('currency').includes(code)) throw new RangeError(`unknown currency ${code}`);
    found = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
      .maximumFractionDigits as number;
    exponents.set(code, found);
  }
  return found;
}

/** A rate as an exact decimal: `digits / 10^scale` (the string "1.0834" is 10834 / 10^4). */
export interface DecimalRate {
  digits: bigint;
  scale: number;
}

/** Parses a positive decimal string (up to 12 digits after the point), or null. */
export function parseRate(text: string): DecimalRate | null {
  const match = /^(\d{1,12})(?:\.(\d{1,12}))?$/.exec(text.trim());
  if (!match) return null;
  const whole = match[1] as string;
  const fraction = match[2] ?? '';
  const digits = BigInt(whole + fraction);
  if (digits === 0n) return null;
  return { digits, scale: fraction.length };
}

/** n / d rounded to an integer, half to even (d > 0). */
export function divideHalfEven(n: bigint, d: bigint): bigint {
  const negative = n < 0n;
  const a = negative ? -n : n;
  let q = a / d;
  const r = a % d;
  const twice = 2n * r;
  if (twice > d || (twice === d && q % 2n === 1n)) q += 1n;
  return negative ? -q : q;
}

/**
 * An amount in another currency at `rate` (units of `to` for one unit of the
 * amount's currency), in `to`'s minor units, rounded once, half to even.
 */
export function convert(amount: Money, rate: DecimalRate, to: string): Money {
  if (amount.currency === to) return { minor: amount.minor, currency: to };
  const shift = currencyExponent(to) - currencyExponent(amount.currency);
  let numerator = BigInt(amount.minor) * rate.digits;
  let denominator = 10n ** BigInt(rate.scale);
  if (shift >= 0) numerator *= 10n ** BigInt(shift);
  else denominator *= 10n ** BigInt(-shift);
  return { minor: Number(divideHalfEven(numerator, denominator)), currency: to };
}

/** The sum of amounts of one currency (adding two currencies is a bug, never a rule); stays an exact integer. */
export function sumMoney(amounts: readonly Money[], currency: string): Money {
  let total = 0n;
  for (const amount of amounts) {
    if (amount.currency !== currency) {
      throw new Error(`cannot add ${amount.currency} to ${currency}`);
    }
    total += BigInt(amount.minor);
  }
  if (total > BigInt(Number.MAX_SAFE_INTEGER) || total < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError('sum beyond the safe integer range');
  }
  return { minor: Number(total), currency };
}

/** A decimal string of an amount in major units ("12.30 EUR" is minor 1230): for CSV and text, never arithmetic. */
export function formatMinor(amount: Money): string {
  const exponent = currencyExponent(amount.currency);
  const sign = amount.minor < 0 ? '-' : '';
  const digits = String(Math.abs(amount.minor)).padStart(exponent + 1, '0');
  return exponent === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}
