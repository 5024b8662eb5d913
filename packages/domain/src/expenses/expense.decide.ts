import { DomainError } from '../errors/domain-error.js';
import type { ExchangeRateRecord } from './expense-setup.schemas.js';
import { convert, type Money, parseRate } from './money.js';

/**
 * The rate in force on a day: the latest entry on or before it, for the base
 * currency in force (rates set under another base do not apply), or null.
 */
export function rateOn(
  rates: readonly Pick<ExchangeRateRecord, 'currency' | 'base' | 'date' | 'rate'>[],
  currency: string,
  base: string,
  day: string,
): Pick<ExchangeRateRecord, 'date' | 'rate'> | null {
  let best: Pick<ExchangeRateRecord, 'date' | 'rate'> | null = null;
  for (const r of rates) {
    if (r.currency !== currency || r.base !== base || r.date > day) continue;
    if (!best || r.date > best.date) best = r;
  }
  return best;
}

/**
 * An amount in the base currency at the rate in force on `day` (itself when it
 * is in the base currency); 422 EXCHANGE_RATE_MISSING when no rate is set.
 */
export function toBaseCurrency(
  amount: Money,
  base: string,
  day: string,
  rates: readonly Pick<ExchangeRateRecord, 'currency' | 'base' | 'date' | 'rate'>[],
): { amount: Money; rate: string | null; rateDate: string | null } {
  if (amount.currency === base) return { amount: { ...amount }, rate: null, rateDate: null };
  const found = rateOn(rates, amount.currency, base, day);
  const rate = found ? parseRate(found.rate) : null;
  if (!found || !rate) {
    throw new DomainError(
      'EXCHANGE_RATE_MISSING',
      `No ${amount.currency} to ${base} rate is set for ${day} or before`,
      {
        currency: amount.currency,
        base,
        date: day,
      },
    );
  }
  return { amount: convert(amount, rate, base), rate: found.rate, rateDate: found.date };
}
