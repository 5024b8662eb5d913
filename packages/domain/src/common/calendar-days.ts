/**
 * Calendar days (`YYYY-MM-DD`) as integers, days since 1970-01-01, so that
 * periods can be compared, counted and swept with plain arithmetic.
 */
const MS_PER_DAY = 86_400_000;

/** The last day there is: an open-ended period runs until it. */
export const OPEN_END_DAY = '9999-12-31';

export function dayNumber(day: string): number {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  const date = Number(day.slice(8, 10));
  return Math.floor(Date.UTC(year, month - 1, date) / MS_PER_DAY);
}

export function dayString(n: number): string {
  return new Date(n * MS_PER_DAY).toISOString().slice(0, 10);
}

export const OPEN_END = dayNumber(OPEN_END_DAY);

/** The day number of a period's last day; an open end (null) is OPEN_END. */
export function endDayNumber(end: string | null): number {
  return end === null ? OPEN_END : dayNumber(end);
}

/**
 * Days from `start` to `end`, both included; `end` null runs on without end.
 * Allocations, project periods and (later) leave are periods.
 */
export interface Period {
  start: string;
  end: string | null;
}

/** Does the period include the day? */
export function covers(period: Period, day: string): boolean {
  const d = dayNumber(day);
  return dayNumber(period.start) <= d && endDayNumber(period.end) >= d;
}

/** Do two periods share a day? */
export function overlaps(a: Period, b: Period): boolean {
  return dayNumber(a.start) <= endDayNumber(b.end) && dayNumber(b.start) <= endDayNumber(a.end);
}

/** Does the period lie within `outer`? */
export function within(period: Period, outer: Period): boolean {
  return dayNumber(period.start) >= dayNumber(outer.start) && endDayNumber(period.end) <= endDayNumber(outer.end);
}

/** `day` plus `n` days (n may be negative). */
export function addDays(day: string, n: number): string {
  return dayString(dayNumber(day) + n);
}

/** Days from `from` to `to`, both included (0 when `to` is before `from`). */
export function daysBetween(from: string, to: string): number {
  return Math.max(0, dayNumber(to) - dayNumber(from) + 1);
}

/** The calendar day an instant falls on in an IANA timezone. */
export function dayInTimezone(instant: Date, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    instant,
  );
}

/** The offset of `timeZone` from UTC at `instant`, in milliseconds (east positive). */
function offsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const local = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return local - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a calendar day begins in `timeZone` (its first moment; on a day
 * whose midnight a clock change skips, the first moment that exists).
 */
export function startOfDayIn(day: string, timeZone: string): Date {
  const midnightUtc = dayNumber(day) * 86_400_000;
  let instant = midnightUtc - offsetMs(midnightUtc, timeZone);
  // The offset at the guess may differ from the offset at local midnight (a clock change that day).
  const again = midnightUtc - offsetMs(instant, timeZone);
  if (again !== instant && dayInTimezone(new Date(again), timeZone) === day) instant = again;
  return new Date(instant);
}

export function isTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The ISO weekday of a day: 1 Monday … 7 Sunday. */
export function isoWeekday(day: string): number {
  // Day 0 (1970-01-01) was a Thursday (ISO 4).
  return ((((dayNumber(day) + 3) % 7) + 7) % 7) + 1;
}

/**
 * The working days from `from` to `to`, both included: days whose ISO weekday
 * is in `workingWeek` (1 Monday … 7 Sunday). Holidays are the leave area's.
 */
export function workingDaysBetween(from: string, to: string, workingWeek: readonly number[]): number {
  const first = dayNumber(from);
  const last = dayNumber(to);
  if (last < first) return 0;
  const week = new Set(workingWeek);
  const total = last - first + 1;
  const fullWeeks = Math.floor(total / 7);
  let count = fullWeeks * week.size;
  for (let n = first + fullWeeks * 7; n <= last; n++) if (week.has(isoWeekday(dayString(n)))) count++;
  return count;
}

/** The organisation's working week (ISO weekdays) and timezone: what "working hours" count in. */
export interface WorkCalendar {
  workingDays: readonly number[];
  timeZone: string;
}

const HOUR_MS = 3_600_000;

/**
 * The instant `hours` working hours after `start`: hours pass only on working
 * days (whole days in the calendar's timezone), so 48 hours from a Friday
 * morning end on Tuesday morning under a Monday–Friday week. The inverse of
 * `workingHoursBetween` (approvals report). Without any working day, wall-clock hours.
 */
export function addWorkingHours(start: Date, hours: number, calendar: WorkCalendar): Date {
  const week = new Set(calendar.workingDays);
  if (week.size === 0 || hours <= 0) return new Date(start.getTime() + Math.max(0, hours) * HOUR_MS);
  let remaining = hours * HOUR_MS;
  let day = dayInTimezone(start, calendar.timeZone);
  let cursor = start.getTime();
  // At most one step per calendar day; a week has at least one working day, so this ends.
  for (;;) {
    const next = startOfDayIn(addDays(day, 1), calendar.timeZone).getTime();
    if (week.has(isoWeekday(day))) {
      const available = next - cursor;
      if (remaining <= available) return new Date(cursor + remaining);
      remaining -= available;
    }
    day = addDays(day, 1);
    cursor = next;
  }
}
