import { addDays, daysBetween, overlaps } from '../common/calendar-days.js';
import { DomainError } from '../errors/domain-error.js';
import {
  fromHundredths,
  type LeaveDayAmount,
  type LeaveDayRules,
  leaveAmount,
  leaveDays,
  requestedFraction,
} from './leave.days.js';
import type { HolidayCalendarRecord, LeaveRequestRecord, LeaveTypeRecord } from './leave.records.js';
import { type HalfDay, MAX_LEAVE_RANGE_DAYS } from './leave.schemas.js';

/** What a leave request asks for: the fields a submission or an edit sets. */
export interface LeaveAsk {
  typeId: string;
  startDate: string;
  endDate: string;
  startHalf: HalfDay | null;
  endHalf: HalfDay | null;
  reason: string | null;
  attachmentFileId: string | null;
}

/** What an accepted ask takes: hundredths of the type's unit, each day's share, and the leave year. */
export interface LeaveTake {
  amount: number;
  days: LeaveDayAmount[];
  year: number;
}

/**
 * The rules of a submission or edit, in the order a person fixes them: the
 * period itself, the type (archived, service, notice, length, document),
 * what it takes (at least a working day), and no day shared with the
 * requester's own pending or approved leave (`own`; the one being edited left
 * out). The balance is checked by the write that holds the days.
 */
export function decideLeaveAsk(input: {
  ask: LeaveAsk;
  type: LeaveTypeRecord;
  rules: LeaveDayRules;
  hoursPerDay: number;
  joinDate: string | null;
  own: readonly LeaveRequestRecord[];
  editing?: string | undefined;
  today: string;
  /** HR records leave of any day, and without notice. */
  mayRecordPast: boolean;
}): LeaveTake {
  const { ask, type, rules, today, mayRecordPast } = input;
  if (ask.endDate < ask.startDate) {
    throw new DomainError('INVALID_PERIOD', 'The end date is before the start date', {
      startDate: ask.startDate,
      endDate: ask.endDate,
    });
  }
  if (ask.startDate === ask.endDate && requestedFraction(ask, ask.startDate) <= 0) {
    throw new DomainError('VALIDATION_FAILED', 'A one-day request cannot start at noon and end at noon', [
      { path: 'endHalf', message: 'with startHalf pm on the same day, leave endHalf out', code: 'invalid_half_days' },
    ]);
  }
  const span = daysBetween(ask.startDate, ask.endDate);
  if (span > MAX_LEAVE_RANGE_DAYS) {
    throw new DomainError('PERIOD_TOO_LONG', `A request covers at most ${MAX_LEAVE_RANGE_DAYS} days`, {
      maxDays: MAX_LEAVE_RANGE_DAYS,
      days: span,
    });
  }
  const year = Number(ask.startDate.slice(0, 4));
  if (Number(ask.endDate.slice(0, 4)) !== year) {
    throw new DomainError(
      'LEAVE_CROSSES_YEAR',
      'A request counts in one leave year; request the new year’s days apart',
      {
        yearEnd: `${year}-12-31`,
      },
    );
  }
  if (type.archived) {
    throw new DomainError('LEAVE_TYPE_ARCHIVED', `${type.name} is archived; choose another type`, { typeId: type.id });
  }
  if (input.joinDate && type.minServiceDays > 0) {
    const eligibleFrom = addDays(input.joinDate, type.minServiceDays);
    if (ask.startDate < eligibleFrom) {
      throw new DomainError(
        'LEAVE_SERVICE_TOO_SHORT',
        `${type.name} opens after ${type.minServiceDays} days of service`,
        {
          minServiceDays: type.minServiceDays,
          eligibleFrom,
        },
      );
    }
  }
  if (!mayRecordPast && ask.startDate < today) {
    const earliestStart = addDays(today, -type.maxPastDays);
    if (ask.startDate < earliestStart) {
      throw new DomainError(
        'DAYS_IN_PAST',
        `${type.name} may start at most ${type.maxPastDays} days back; HR records earlier leave`,
        {
          startDate: ask.startDate,
          today,
          maxPastDays: type.maxPastDays,
        },
      );
    }
  } else if (!mayRecordPast) {
    const earliestStart = addDays(today, type.minNoticeDays);
    if (ask.startDate < earliestStart) {
      throw new DomainError('LEAVE_NOTICE_TOO_SHORT', `${type.name} needs ${type.minNoticeDays} days’ notice`, {
        minNoticeDays: type.minNoticeDays,
        earliestStart,
      });
    }
  }
  const days = leaveDays(ask, rules, type.unit, input.hoursPerDay);
  const amount = leaveAmount(ask, rules, type.unit, input.hoursPerDay);
  if (amount <= 0) {
    throw new DomainError('LEAVE_NO_WORKING_DAYS', 'Every requested day is a weekend or a holiday', {
      startDate: ask.startDate,
      endDate: ask.endDate,
    });
  }
  const dayCount = days.reduce((sum, d) => sum + d.fraction, 0);
  if (type.maxConsecutiveDays !== null && dayCount > type.maxConsecutiveDays) {
    throw new DomainError('LEAVE_TOO_LONG', `${type.name} allows at most ${type.maxConsecutiveDays} days in a row`, {
      maxConsecutiveDays: type.maxConsecutiveDays,
      days: dayCount,
    });
  }
  if (
    type.documentRequiredAfterDays !== null &&
    dayCount > fromHundredths(type.documentRequiredAfterDays) &&
    !ask.attachmentFileId
  ) {
    throw new DomainError('LEAVE_DOCUMENT_REQUIRED', `${type.name} longer than this needs a supporting document`, {
      documentRequiredAfterDays: fromHundredths(type.documentRequiredAfterDays),
      days: dayCount,
    });
  }
  const period = { start: ask.startDate, end: ask.endDate };
  const clash = input.own.find(
    (r) =>
      r.id !== input.editing &&
      (r.status === 'pending' || r.status === 'approved') &&
      overlaps(period, { start: r.startDate, end: r.curtailedFrom ? addDays(r.curtailedFrom, -1) : r.endDate }) &&
      sharesHalf(ask, r),
  );
  if (clash) {
    throw new DomainError('LEAVE_OVERLAP', 'You already have leave on some of these days', {
      request: {
        id: clash.id,
        typeId: clash.typeId,
        startDate: clash.startDate,
        endDate: clash.endDate,
        startHalf: clash.startHalf,
        endHalf: clash.endHalf,
        status: clash.status,
      },
    });
  }
  return { amount, days, year };
}

/** A morning off and an afternoon off on the same day do not clash. */
function sharesHalf(
  a: Pick<LeaveAsk, 'startDate' | 'endDate' | 'startHalf' | 'endHalf'>,
  b: LeaveRequestRecord,
): boolean {
  const first = a.startDate > b.startDate ? a.startDate : b.startDate;
  const last = a.endDate < b.endDate ? a.endDate : b.endDate;
  if (first !== last) return true;
  const halves = (r: typeof a) => ({
    am: !(first === r.startDate && r.startHalf === 'pm'),
    pm: !(first === r.endDate && r.endHalf === 'am'),
  });
  const x = halves(a);
  const y = halves(b);
  return (x.am && y.am) || (x.pm && y.pm);
}

/** The requester changes their own request while it waits for a decision. */
export function assertLeaveEditable(request: LeaveRequestRecord, actorId: string): void {
  if (request.userId !== actorId) {
    throw new DomainError('FORBIDDEN', 'Only the requester can change a request', { requestId: request.id });
  }
  if (request.status !== 'pending') {
    throw new DomainError('REQUEST_NOT_PENDING', `The request is ${request.status}; submit a new one`, {
      status: request.status,
    });
  }
}

/** What a cancellation does: withdraw a pending request, or give back the days of approved leave from `from` on. */
export type LeaveCancellation =
  | { kind: 'withdraw' }
  | { kind: 'restore'; from: string; amount: number; days: [string, number][]; whole: boolean };

/**
 * Cancelling: pending → withdrawn (the hold released); approved and not
 * begun → cancelled, every day given back (the requester or HR); approved
 * and begun → HR only, the days from today on given back and the leave cut
 * short there.
 */
export function decideLeaveCancel(input: {
  request: LeaveRequestRecord;
  actorId: string;
  isHr: boolean;
  today: string;
}): LeaveCancellation {
  const { request, actorId, isHr, today } = input;
  if (request.userId !== actorId && !isHr) {
    throw new DomainError('FORBIDDEN', 'Only the requester or HR cancels leave', { requestId: request.id });
  }
  if (request.status === 'pending') {
    if (request.userId !== actorId) {
      throw new DomainError('FORBIDDEN', 'A pending request is withdrawn by the requester; reject it instead', {
        requestId: request.id,
      });
    }
    return { kind: 'withdraw' };
  }
  if (request.status !== 'approved' || request.curtailedFrom !== null) {
    throw new DomainError(
      'REQUEST_NOT_PENDING',
      `The request is ${request.status}${request.curtailedFrom ? ' and was cut short' : ''}`,
      {
        status: request.status,
      },
    );
  }
  const started = request.startDate <= today;
  if (started && !isHr) {
    throw new DomainError('LEAVE_ALREADY_STARTED', 'The leave has begun; HR gives back the remaining days', {
      startDate: request.startDate,
    });
  }
  const from = started ? today : request.startDate;
  const days = request.days.filter(([day]) => day >= from);
  if (started && days.length === 0) {
    throw new DomainError('LEAVE_ALREADY_STARTED', 'The leave is over; nothing remains to give back', {
      startDate: request.startDate,
    });
  }
  const amount = days.reduce((sum, [, a]) => sum + a, 0);
  return { kind: 'restore', from, amount, days, whole: from === request.startDate };
}

/** The line an inbox shows: "Annual leave 2026-03-02 – 2026-03-06 (5 days)". */
export function leaveSummary(
  type: Pick<LeaveTypeRecord, 'name' | 'unit'>,
  r: Pick<LeaveRequestRecord, 'startDate' | 'endDate' | 'amount'>,
): string {
  const days = r.startDate === r.endDate ? r.startDate : `${r.startDate} – ${r.endDate}`;
  const amount = fromHundredths(r.amount);
  const unit = type.unit === 'hour' ? (amount === 1 ? 'hour' : 'hours') : amount === 1 ? 'day' : 'days';
  return `${type.name} ${days} (${amount} ${unit})`;
}

/** The holiday calendar someone follows: the one naming their office, city or country, else the default. */
export function calendarFor(
  calendars: readonly HolidayCalendarRecord[],
  place: { office?: string | null | undefined; city?: string | null | undefined; country?: string | null | undefined },
): HolidayCalendarRecord | null {
  const names = [place.office, place.city, place.country]
    .filter((n): n is string => typeof n === 'string' && n.length > 0)
    .map((n) => n.toLowerCase());
  for (const name of names) {
    const match = calendars.find((c) => c.locations.some((l) => l.toLowerCase() === name));
    if (match) return match;
  }
  return calendars.find((c) => c.isDefault) ?? null;
}

/** The day rules of a type for someone following `calendar`. */
export function dayRulesOf(
  type: Pick<LeaveTypeRecord, 'countWeekends' | 'countHolidays'>,
  calendar: HolidayCalendarRecord | null,
  workingDays: readonly number[],
): LeaveDayRules {
  return {
    workingDays,
    holidays: new Map((calendar?.days ?? []).map((d) => [d.date, d])),
    countWeekends: type.countWeekends,
    countHolidays: type.countHolidays,
  };
}

/**
 * Whether the balance can hold `amount`: the balance as it will stand on the
 * first requested day (`available`) may go down to −allowNegative. Returns
 * the lowest stored balance (`stored`, what the projection holds now) at
 * which the hold's conditional write may land, so that a concurrent hold that
 * got in first makes this one fail rather than overdraw; null when the type
 * keeps no balance.
 */
export function decideHold(input: {
  tracked: boolean;
  available: number;
  stored: number;
  amount: number;
  allowNegative: number;
}): { minStored: number | null } {
  const { tracked, available, stored, amount, allowNegative } = input;
  if (!tracked) return { minStored: null };
  if (available - amount < -allowNegative) throw insufficientBalance(available, amount, allowNegative);
  return { minStored: amount - allowNegative - (available - stored) };
}

/** 422 INSUFFICIENT_BALANCE, in the type's unit. */
export function insufficientBalance(available: number, requested: number, allowedNegative: number): DomainError {
  return new DomainError('INSUFFICIENT_BALANCE', 'Not enough leave left for this request', {
    available: fromHundredths(available),
    requested: fromHundredths(requested),
    allowedNegative: fromHundredths(allowedNegative),
  });
}
