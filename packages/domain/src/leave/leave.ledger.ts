import { dayNumber, dayString } from '../common/calendar-days.js';
import type { AccrualRule } from './leave.schemas.js';

/**
 * Balances as a ledger: every change is an entry, and a balance is the sum of
 * their effects. Accrual schedules, carry-forward and its expiry are pure
 * functions of the type's terms and the person's employment. Amounts are
 * hundredths of the type's unit.
 */

export const LEDGER_KINDS = [
  'entitlement',
  'accrual',
  'carryIn',
  'carryExpiry',
  'adjustment',
  'hold',
  'release',
  'take',
  'restore',
] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** A balance's totals (hundredths). `entitled` is informational: the year's (pro-rata) entitlement. */
export interface BalanceTotals {
  entitled: number;
  accrued: number;
  carried: number;
  expired: number;
  adjusted: number;
  taken: number;
  pending: number;
}

export const EMPTY_TOTALS: BalanceTotals = {
  entitled: 0,
  accrued: 0,
  carried: 0,
  expired: 0,
  adjusted: 0,
  taken: 0,
  pending: 0,
};

/**
 * What an entry of `amount` does to the totals. A hold moves days to pending;
 * release gives them back; take turns pending into taken (the approval);
 * restore gives taken days back (a cancelled approved leave).
 */
export function effectOf(kind: LedgerKind, amount: number): Partial<BalanceTotals> {
  switch (kind) {
    case 'entitlement':
      return { entitled: amount };
    case 'accrual':
      return { accrued: amount };
    case 'carryIn':
      return { carried: amount };
    case 'carryExpiry':
      return { expired: amount };
    case 'adjustment':
      return { adjusted: amount };
    case 'hold':
      return { pending: amount };
    case 'release':
      return { pending: -amount };
    case 'take':
      return { pending: -amount, taken: amount };
    case 'restore':
      return { taken: -amount };
  }
}

/** accrued + carried − expired + adjusted − taken − pending. */
export function availableOf(t: BalanceTotals): number {
  return t.accrued + t.carried - t.expired + t.adjusted - t.taken - t.pending;
}

export function addTotals(a: BalanceTotals, delta: Partial<BalanceTotals>): BalanceTotals {
  const out = { ...a };
  for (const key of Object.keys(delta) as (keyof BalanceTotals)[]) out[key] += delta[key] ?? 0;
  return out;
}

/** A ledger entry as the balance arithmetic needs it. */
export interface LedgerLine {
  kind: LedgerKind;
  amount: number;
  /** The day it takes effect (accruals and expiry count from it). */
  effectiveDate: string;
  /** For holds, releases and restores: the amount on each day of the leave. */
  days?: readonly (readonly [string, number])[] | null;
}

/** The projection: the totals of every entry (what `leave_balances` stores). */
export function projectLedger(lines: readonly LedgerLine[]): BalanceTotals {
  return lines.reduce((t, line) => addTotals(t, effectOf(line.kind, line.amount)), EMPTY_TOTALS);
}

// ---- Accrual ----

export interface AccrualTerms {
  accrual: AccrualRule;
  /** A full year's entitlement (hundredths); null for types without a balance. */
  entitlement: number | null;
}

/** When someone works here: from `joinDate` (null: always) to `leftOn` (null: still here), both included. */
export interface Employment {
  joinDate: string | null;
  leftOn: string | null;
}

/** One credit of a schedule: `period` is `YYYY` (yearly) or `YYYY-MM` (monthly), the key that makes it post once. */
export interface AccrualCredit {
  period: string;
  effectiveDate: string;
  amount: number;
}

const pad = (n: number) => String(n).padStart(2, '0');
function lastDayOfMonth(year: number, month: number): string {
  const next = month === 12 ? `${year + 1}-01-01` : `${year}-${pad(month + 1)}-01`;
  return dayString(dayNumber(next) - 1);
}

/** The first and last day of a month (1–12). */
export function monthBounds(year: number, month: number): { start: string; end: string } {
  return { start: `${year}-${pad(month)}-01`, end: lastDayOfMonth(year, month) };
}

/** Days of `[start, end]` someone is employed. */
function employedDays(employment: Employment, start: string, end: string): { days: number; first: string | null } {
  const from = employment.joinDate && employment.joinDate > start ? employment.joinDate : start;
  const to = employment.leftOn && employment.leftOn < end ? employment.leftOn : end;
  if (to < from) return { days: 0, first: null };
  return { days: dayNumber(to) - dayNumber(from) + 1, first: from };
}

/**
 * A leave year's credits. Yearly: the whole (pro-rata) entitlement on the
 * first employed day. Monthly: a twelfth per month on its first employed
 * day, each month pro-rata by its employed days; rounded so that the year's
 * credits add up to the rounded pro-rata total (a full year: exactly the
 * entitlement).
 */
export function accrualSchedule(terms: AccrualTerms, employment: Employment, year: number): AccrualCredit[] {
  if (terms.accrual === 'none' || terms.entitlement === null) return [];
  const entitlement = terms.entitlement;
  if (terms.accrual === 'yearly') {
    const start = `${year}-01-01`;
    const end = `${year}-12-31`;
    const { days, first } = employedDays(employment, start, end);
    if (!first) return [];
    const total = dayNumber(end) - dayNumber(start) + 1;
    return [{ period: String(year), effectiveDate: first, amount: Math.round((entitlement * days) / total) }];
  }
  const credits: AccrualCredit[] = [];
  let months = 0;
  let credited = 0;
  for (let month = 1; month <= 12; month++) {
    const { start, end } = monthBounds(year, month);
    const { days, first } = employedDays(employment, start, end);
    months += days / (dayNumber(end) - dayNumber(start) + 1);
    const cumulative = Math.round((entitlement * months) / 12);
    if (first) credits.push({ period: `${year}-${pad(month)}`, effectiveDate: first, amount: cumulative - credited });
    credited = cumulative;
  }
  return credits;
}

/** The year's entitlement as it stands for this person: the sum of its schedule. */
export function entitlementOf(terms: AccrualTerms, employment: Employment, year: number): number {
  return accrualSchedule(terms, employment, year).reduce((sum, c) => sum + c.amount, 0);
}

// ---- Carry-forward ----

export interface CarryTerms {
  /** At most this much carries into the next year (hundredths); 0 or null: nothing. */
  carryForwardCap: number | null;
  /** Carried days lapse after the last day of this month of the new year (1–12); null: never. */
  carryForwardExpiryMonths: number | null;
}

/** What carries into the next year: the year-end balance, at most the cap, never below zero. */
export function carryForwardOf(terms: CarryTerms, yearEnd: BalanceTotals): number {
  if (!terms.carryForwardCap) return 0;
  return Math.max(0, Math.min(terms.carryForwardCap, availableOf(yearEnd)));
}

/** The last day carried days can be used in `year` (null: they do not lapse). */
export function carryExpiresOn(terms: CarryTerms, year: number): string | null {
  if (terms.carryForwardExpiryMonths === null) return null;
  return monthBounds(year, terms.carryForwardExpiryMonths).end;
}

/**
 * What lapses when carried days expire: the carried days not used by then.
 * Leave on days up to the last day (taken or pending) uses carried days
 * first; leave after it does not.
 */
export function expiringCarry(carried: number, lines: readonly LedgerLine[], lastDay: string): number {
  let used = 0;
  for (const line of lines) {
    const sign = line.kind === 'hold' ? 1 : line.kind === 'release' || line.kind === 'restore' ? -1 : 0;
    if (sign === 0 || !line.days) continue;
    for (const [day, amount] of line.days) if (day <= lastDay) used += sign * amount;
  }
  return Math.max(0, carried - Math.max(0, used));
}

/**
 * A balance as it will stand on `asOf`: posted credits effective by then, the
 * schedule's credits not posted yet but due by then, carried days lapsed by
 * then (posted, or due and worked out); taken and pending count for the
 * whole leave year.
 */
export function balanceAsOf(input: {
  lines: readonly LedgerLine[];
  /** The year's schedule; credits whose period is in `posted` are in the ledger already. */
  schedule: readonly AccrualCredit[];
  posted: ReadonlySet<string>;
  expiresOn: string | null;
  asOf: string;
}): BalanceTotals {
  const { lines, schedule, posted, expiresOn, asOf } = input;
  let totals = EMPTY_TOTALS;
  let expiryPosted = false;
  for (const line of lines) {
    if ((line.kind === 'accrual' || line.kind === 'carryExpiry') && line.effectiveDate > asOf) continue;
    if (line.kind === 'carryExpiry') expiryPosted = true;
    totals = addTotals(totals, effectOf(line.kind, line.amount));
  }
  for (const credit of schedule) {
    if (!posted.has(credit.period) && credit.effectiveDate <= asOf)
      totals = addTotals(totals, { accrued: credit.amount });
  }
  if (!lines.some((l) => l.kind === 'entitlement')) {
    totals = addTotals(totals, { entitled: schedule.reduce((sum, c) => sum + c.amount, 0) });
  }
  if (!expiryPosted && expiresOn && asOf > expiresOn) {
    totals = addTotals(totals, { expired: expiringCarry(totals.carried, lines, expiresOn) });
  }
  return totals;
}
