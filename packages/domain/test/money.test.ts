import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  convert,
  currencyExponent,
  divideHalfEven,
  formatMinor,
  isCurrency,
  parseRate,
  sumMoney,
} from '../src/index.js';

/** The half-even rounding of n/d by comparing remainders, written independently. */
function bruteHalfEven(n: bigint, d: bigint): bigint {
  const floor = n >= 0n ? n / d : -((-n + d - 1n) / d);
  const rest = n - floor * d; // 0 <= rest < d
  if (2n * rest < d) return floor;
  if (2n * rest > d) return floor + 1n;
  return floor % 2n === 0n ? floor : floor + 1n;
}

describe('money', () => {
  it('knows currencies and their minor units from ISO 4217', () => {
    expect([currencyExponent('EUR'), currencyExponent('JPY'), currencyExponent('BHD')]).toEqual([2, 0, 3]);
    expect(isCurrency('USD')).toBe(true);
    expect(isCurrency('usd')).toBe(false);
    expect(isCurrency('XYZ')).toBe(false);
  });

  it('parses rates as exact decimals and refuses anything else', () => {
    expect(parseRate('1.0834')).toEqual({ digits: 10834n, scale: 4 });
    expect(parseRate('150')).toEqual({ digits: 150n, scale: 0 });
    for (const bad of ['0', '0.000', '-1.2', '1e3', '1,2', '', '.5', '1.', 'abc']) expect(parseRate(bad)).toBeNull();
  });

  it('property: rounding is half to even, as an independent brute force says', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        (n, d) => {
          expect(divideHalfEven(n, d)).toBe(bruteHalfEven(n, d));
        },
      ),
    );
    // Ties go to the even neighbour, both ways.
    expect([5n, 15n, 25n, -5n, -15n].map((n) => divideHalfEven(n, 10n))).toEqual([0n, 2n, 2n, 0n, -2n]);
  });

  it('converts with the currencies’ minor units, rounding once', () => {
    const usd = parseRate('1.0834') as NonNullable<ReturnType<typeof parseRate>>;
    // 12.34 EUR at 1.0834 USD per EUR = 13.369156 USD → 13.37.
    expect(convert({ minor: 1234, currency: 'EUR' }, usd, 'USD')).toEqual({ minor: 1337, currency: 'USD' });
    // 1,000 JPY at 0.0061 EUR per JPY = 6.10 EUR; and back from minor-less to three digits.
    expect(convert({ minor: 1000, currency: 'JPY' }, parseRate('0.0061') as never, 'EUR')).toEqual({
      minor: 610,
      currency: 'EUR',
    });
    expect(convert({ minor: 1234, currency: 'EUR' }, parseRate('0.41') as never, 'BHD').minor).toBe(5059); // 5.0594
    expect(convert({ minor: 999, currency: 'EUR' }, parseRate('2') as never, 'EUR').minor).toBe(999);
    // An exact half goes to even: 0.125 EUR at rate 1 to USD is impossible; 25 cents × 0.5 = 12.5 → 12.
    expect(convert({ minor: 25, currency: 'EUR' }, parseRate('0.5') as never, 'USD').minor).toBe(12);
    expect(convert({ minor: 35, currency: 'EUR' }, parseRate('0.5') as never, 'USD').minor).toBe(18);
  });

  it('property: a conversion is within half a minor unit of the exact value, and never drifts in sum', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 1, max: 10 ** 8 }),
        (amounts, rateDigits) => {
          const rate = { digits: BigInt(rateDigits), scale: 6 };
          let exactNumerator = 0n;
          const converted = amounts.map((minor) => {
            exactNumerator += BigInt(minor) * rate.digits;
            const out = convert({ minor, currency: 'EUR' }, rate, 'USD');
            // |out − exact| ≤ ½: 2·|out·10^6 − minor·rate| ≤ 10^6.
            const error = BigInt(out.minor) * 10n ** 6n - BigInt(minor) * rate.digits;
            expect(2n * (error < 0n ? -error : error) <= 10n ** 6n).toBe(true);
            return out;
          });
          // The sum of the rounded amounts is an exact integer sum, within n/2 of the exact total.
          const total = sumMoney(converted, 'USD').minor;
          expect(total).toBe(converted.reduce((s, m) => s + m.minor, 0));
          const drift = BigInt(total) * 10n ** 6n - exactNumerator;
          expect(2n * (drift < 0n ? -drift : drift) <= BigInt(amounts.length) * 10n ** 6n).toBe(true);
        },
      ),
    );
  });

  it('sums one currency exactly and refuses to add two', () => {
    expect(
      sumMoney(
        [
          { minor: 10, currency: 'EUR' },
          { minor: 20, currency: 'EUR' },
        ],
        'EUR',
      ),
    ).toEqual({
      minor: 30,
      currency: 'EUR',
    });
    expect(() => sumMoney([{ minor: 10, currency: 'USD' }], 'EUR')).toThrow();
  });

  it('writes amounts in major units for text, for any exponent', () => {
    expect(formatMinor({ minor: 1230, currency: 'EUR' })).toBe('12.30');
    expect(formatMinor({ minor: 5, currency: 'EUR' })).toBe('0.05');
    expect(formatMinor({ minor: -1999, currency: 'EUR' })).toBe('-19.99');
    expect(formatMinor({ minor: 1500, currency: 'JPY' })).toBe('1500');
    expect(formatMinor({ minor: 5059, currency: 'BHD' })).toBe('5.059');
  });
});
