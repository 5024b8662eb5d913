import { dayNumber, dayString, isoWeekday, workingDaysBetween } from '../common/calendar-days.js';
import type { HalfDay, LeaveUnit } from './leave.schemas.js';

/**
 * Working-day counting for leave: which days of a request count, and how
 * much. Amounts are hundredths of the type's unit (a day or an hour), so sums
 * never drift.
 */

/** A request's days: from `startDate` to `endDate`, starting in the afternoon (`startHalf: 'pm'`) or ending at noon (`endHalf: 'am'`). */
export interface LeavePeriod {
  startDate: string;
  endDate: string;
  startHalf?: HalfDay | null | undefined;
  endHalf?: HalfDay | null | undefined;
}

/** A holiday of the person's calendar; a half day is half off. */
export interface HolidayDay {
  date: string;
  name: string;
  halfDay: boolean;
}

export interface LeaveDayRules {
  /** ISO weekdays worked (1 Monday … 7 Sunday). */
  workingDays: readonly number[];
  /** The person's holidays, by day. */
  holidays: ReadonlyMap<string, HolidayDay>;
  /** The type counts non-working weekdays inside a request. */
  countWeekends: boolean;
  /** The type counts holidays inside a request. */
  countHolidays: boolean;
}

/** One counted day: `fraction` of a full day (0.5 or 1), in hundredths of the unit as `amount`. */
export interface LeaveDayAmount {
  date: string;
  fraction: number;
  amount: number;
}

export const HUNDREDTHS = 100;
/** Working hours per day when the profile says nothing. */
export const DEFAULT_HOURS_PER_DAY = 8;

/** Days or hours as hundredths, and back: the API speaks in units with two decimals. */
export const toHundredths = (units: number): number => Math.round(units * HUNDREDTHS);
export const fromHundredths = (hundredths: number): number => hundredths / HUNDREDTHS;

/** The part of one day the request asks for (1, 0.5, or 0 when the halves cancel out). */
export function requestedFraction(period: LeavePeriod, day: string): number {
  let fraction = 1;
  if (day === period.startDate && period.startHalf === 'pm') fraction -= 0.5;
  if (day === period.endDate && period.endHalf === 'am') fraction -= 0.5;
  return fraction;
}

/** How much of a day the person would work: 1, 0.5 on a half holiday, 0 on a day off (unless the type counts it). */
export function workingFraction(day: string, rules: LeaveDayRules): number {
  if (!rules.workingDays.includes(isoWeekday(day))) return rules.countWeekends ? 1 : 0;
  const holiday = rules.holidays.get(day);
  if (!holiday || rules.countHolidays) return 1;
  return holiday.halfDay ? 0.5 : 0;
}

const unitFactor = (unit: LeaveUnit, hoursPerDay: number) => (unit === 'hour' ? hoursPerDay : 1) * HUNDREDTHS;

/** Every day of the request that counts, with its amount (days that count nothing are left out). */
export function leaveDays(
  period: LeavePeriod,
  rules: LeaveDayRules,
  unit: LeaveUnit = 'day',
  hoursPerDay = DEFAULT_HOURS_PER_DAY,
): LeaveDayAmount[] {
  const factor = unitFactor(unit, hoursPerDay);
  const out: LeaveDayAmount[] = [];
  for (let n = dayNumber(period.startDate); n <= dayNumber(period.endDate); n++) {
    const date = dayString(n);
    const fraction = Math.min(requestedFraction(period, date), workingFraction(date, rules));
    if (fraction > 0) out.push({ date, fraction, amount: Math.round(fraction * factor) });
  }
  return out;
}

/**
 * The request's total in hundredths of the unit, without walking every day:
 * the working days of the period by whole weeks, less the holidays on them,
 * corrected at the two ends for half days. Equal to the sum of `leaveDays`
 * (property-tested against a day-by-day count).
 */
export function leaveAmount(
  period: LeavePeriod,
  rules: LeaveDayRules,
  unit: LeaveUnit = 'day',
  hoursPerDay = DEFAULT_HOURS_PER_DAY,
): number {
  const { startDate: start, endDate: end } = period;
  if (end < start) return 0;
  let halves =
    2 *
    (rules.countWeekends ? dayNumber(end) - dayNumber(start) + 1 : workingDaysBetween(start, end, rules.workingDays));
  if (!rules.countHolidays) {
    for (const holiday of rules.holidays.values()) {
      if (holiday.date < start || holiday.date > end) continue;
      // A holiday on a day outside the working week is that day's rule (countWeekends), not a holiday's.
      if (rules.workingDays.includes(isoWeekday(holiday.date))) halves -= holiday.halfDay ? 1 : 2;
    }
  }
  for (const day of start === end ? [start] : [start, end]) {
    const working = workingFraction(day, rules);
    halves -= 2 * (working - Math.min(requestedFraction(period, day), working));
  }
  // Each counted day is rounded alone in leaveDays; with whole or half days of a whole-hundredth factor, nothing rounds.
  const factor = unitFactor(unit, hoursPerDay);
  if (Number.isInteger(factor / 2)) return (halves * factor) / 2;
  return leaveDays(period, rules, unit, hoursPerDay).reduce((sum, d) => sum + d.amount, 0);
}
