import type { WorkLocationType } from '../approvals/approval.schemas.js';
import { addDays, dayInTimezone, startOfDayIn } from '../common/calendar-days.js';
import { DomainError } from '../errors/domain-error.js';
import { distanceMeters, ipInRanges } from './attendance.network.js';
import type {
  AttendanceLockRecord,
  AttendanceRecord,
  CorrectedPunchRecord,
  CorrectionRecord,
  OverlayRecord,
} from './attendance.records.js';
import type {
  AttendanceSettings,
  AttendanceState,
  BreakRule,
  DayFigures,
  DayFlag,
  GeoPoint,
  PunchType,
} from './attendance.schemas.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

// ---- The state machine ----

/** What each state allows: not started → working ⇄ on break → ended (again only with multiple sessions). */
export function allowedPunches(state: AttendanceState, multipleSessions: boolean): PunchType[] {
  switch (state) {
    case 'notStarted':
      return ['start'];
    case 'working':
      return ['break', 'end'];
    case 'onBreak':
      return ['resume', 'end'];
    case 'ended':
      return multipleSessions ? ['start'] : [];
  }
}

const NEXT: Record<PunchType, AttendanceState> = {
  start: 'working',
  break: 'onBreak',
  resume: 'working',
  end: 'ended',
};

/**
 * The next state after a punch, or 409 ATTENDANCE_INVALID_TRANSITION with the
 * state and what it allows (break before start, end twice, resume while working).
 */
export function nextState(state: AttendanceState, type: PunchType, multipleSessions: boolean): AttendanceState {
  const allowed = allowedPunches(state, multipleSessions);
  if (!allowed.includes(type)) {
    throw new DomainError(
      'ATTENDANCE_INVALID_TRANSITION',
      allowed.length === 0
        ? `The day has ended; it cannot be ${type === 'start' ? 'started again' : 'changed'}`
        : `You cannot ${type} now: the day is ${state}`,
      { state, allowed },
    );
  }
  return NEXT[type];
}

/** Where a list of punches leaves the day (the punches are valid: they were each allowed when made). */
export function stateOf(punches: readonly { type: PunchType }[]): AttendanceState {
  const last = punches.at(-1);
  return last ? NEXT[last.type] : 'notStarted';
}

// ---- A day's figures ----

/** The rules that turn punches into figures and flags. */
export type DayRules = Pick<AttendanceSettings, 'breakRules' | 'breakRuleMode' | 'maxDailyMinutes'>;

/** The break the rules ask for after `workedMinutes` (the longest rule that applies). */
export function requiredBreakMinutes(workedMinutes: number, rules: readonly BreakRule[]): number {
  let required = 0;
  for (const rule of rules) {
    if (workedMinutes > rule.afterMinutes) required = Math.max(required, rule.minBreakMinutes);
  }
  return required;
}

/** Worked and break time of punches, counting an open stretch up to `until` (when given). */
function replayTimes(punches: readonly { type: PunchType; at: Date }[], until: Date | null) {
  let workedMs = 0;
  let breakMs = 0;
  let since: number | null = null;
  let state: AttendanceState = 'notStarted';
  for (const punch of punches) {
    const at = punch.at.getTime();
    if (since !== null) {
      if (state === 'working') workedMs += Math.max(0, at - since);
      if (state === 'onBreak') breakMs += Math.max(0, at - since);
    }
    state = NEXT[punch.type];
    since = state === 'ended' ? null : at;
  }
  if (since !== null && until !== null) {
    const open = Math.max(0, until.getTime() - since);
    if (state === 'working') workedMs += open;
    if (state === 'onBreak') breakMs += open;
  }
  return { state, workedMinutes: Math.floor(workedMs / MINUTE), breakMinutes: Math.floor(breakMs / MINUTE) };
}

/**
 * What the rules make of a closed day: the missing break deducted (deduct) or
 * flagged (flag), and a day over the maximum flagged. Settled once, when the
 * day closes, and stored, so a later change of the rules leaves past days be.
 */
export function closeDay(
  punches: readonly { type: PunchType; at: Date }[],
  rules: DayRules,
): { deductedMinutes: number; flags: DayFlag[] } {
  const { workedMinutes, breakMinutes } = replayTimes(punches, null);
  const missing = Math.max(0, requiredBreakMinutes(workedMinutes, rules.breakRules) - breakMinutes);
  const flags: DayFlag[] = [];
  let deductedMinutes = 0;
  if (missing > 0 && rules.breakRuleMode === 'deduct') {
    deductedMinutes = Math.min(missing, workedMinutes);
    flags.push('breakDeducted');
  } else if (missing > 0) {
    flags.push('breakTooShort');
  }
  if (rules.maxDailyMinutes !== null && workedMinutes - deductedMinutes > rules.maxDailyMinutes) {
    flags.push('overMaxHours');
  }
  return { deductedMinutes, flags };
}

/**
 * The figures of a day: state, first start, last end, worked and break
 * minutes (an open day counted up to `now`), the deduction settled at close.
 */
export function dayFigures(
  punches: readonly { type: PunchType; at: Date }[],
  rules: DayRules,
  options: { now?: Date | null; deductedMinutes?: number } = {},
): DayFigures {
  const times = replayTimes(punches, options.now ?? null);
  const deducted = Math.min(options.deductedMinutes ?? 0, times.workedMinutes);
  const ends = punches.filter((p) => p.type === 'end');
  return {
    state: times.state,
    startedAt: punches[0]?.at.toISOString() ?? null,
    endedAt: times.state === 'ended' ? (ends.at(-1)?.at.toISOString() ?? null) : null,
    workedMinutes: times.workedMinutes - deducted,
    breakMinutes: times.breakMinutes,
    deductedMinutes: deducted,
    requiredBreakMinutes: requiredBreakMinutes(times.workedMinutes, rules.breakRules),
  };
}

/** Warnings for the person while the day runs: a break due, the maximum near or passed. */
export function dayWarnings(figures: DayFigures, rules: DayRules): string[] {
  const warnings: string[] = [];
  if (figures.requiredBreakMinutes > figures.breakMinutes && figures.state !== 'ended') {
    warnings.push(
      `Take a break: ${figures.requiredBreakMinutes} minutes are due after this much work (${figures.breakMinutes} taken)`,
    );
  }
  if (rules.maxDailyMinutes !== null && figures.workedMinutes > rules.maxDailyMinutes) {
    warnings.push(`You have worked more than ${rules.maxDailyMinutes / 60} hours today`);
  }
  return warnings;
}

// ---- Location ----

/**
 * What the location policy makes of a punch: on an office day it must come
 * from an office range or inside the geofence (flag, or refuse under
 * `enforce`); on a WFH day the office rules do not apply, but a punch from the
 * office is flagged as a mismatch. Without ranges or a geofence nothing is checked.
 */
export function checkPunchLocation(input: {
  location: AttendanceSettings['location'];
  workLocation: WorkLocationType | null;
  ip: string | null;
  point: GeoPoint | null;
}): { atOffice: boolean | null; flags: DayFlag[]; refuse: boolean } {
  const { location, workLocation, ip, point } = input;
  const checks = location.officeIpRanges.length > 0 || location.officeGeofence !== null;
  if (location.policy === 'off' || !checks) return { atOffice: null, flags: [], refuse: false };
  const fence = location.officeGeofence;
  // A reading vaguer than the fence proves nothing about being inside it.
  const atOffice =
    ipInRanges(ip, location.officeIpRanges) ||
    (fence !== null &&
      point !== null &&
      point.accuracyMeters <= fence.radiusMeters &&
      distanceMeters(point, fence) <= fence.radiusMeters);
  if (workLocation === 'wfo' && !atOffice) {
    return { atOffice, flags: ['outsideOffice'], refuse: location.policy === 'enforce' };
  }
  if (workLocation === 'wfh' && atOffice) return { atOffice, flags: ['officeOnWfhDay'], refuse: false };
  return { atOffice, flags: [], refuse: false };
}

/** 403 LOCATION_NOT_ALLOWED: an office day's punch from elsewhere under `enforce`. */
export function locationNotAllowed(ip: string | null, point: GeoPoint | null): DomainError {
  return new DomainError(
    'LOCATION_NOT_ALLOWED',
    'Today is an office day: punch from the office network or inside the office area',
    { workLocation: 'wfo', ip, locationSent: point !== null },
  );
}

// ---- The day's record ----

/** 409 ATTENDANCE_PERIOD_LOCKED: the month's days take no change. */
export function periodLocked(lock: AttendanceLockRecord): DomainError {
  return new DomainError('ATTENDANCE_PERIOD_LOCKED', `${lock.month} is locked; its days cannot change`, {
    month: lock.month,
    lockedAt: lock.lockedAt.toISOString(),
  });
}

/** The month of a day (YYYY-MM). */
export const monthOf = (day: string): string => day.slice(0, 7);

/** The lock of a day's month, if any. */
export function lockOf(day: string, locks: readonly AttendanceLockRecord[]): AttendanceLockRecord | null {
  return locks.find((l) => l.month === monthOf(day)) ?? null;
}

/**
 * The day as it counts: the punches of the latest approved correction, then
 * whatever was punched after the correction's last punch that the state
 * machine allows (a correction of this morning keeps this afternoon's
 * punches), or the punches as punched when nothing was corrected. In a locked
 * month, corrections approved after the lock do not count (until an Admin
 * unlocks it). The stored punches never change.
 */
export function effectiveDay(
  record: Pick<AttendanceRecord, 'punches' | 'overlays'>,
  lock: AttendanceLockRecord | null,
  multipleSessions: boolean,
): { punches: CorrectedPunchRecord[]; overlay: OverlayRecord | null } {
  const punched = record.punches.map((p) => ({ type: p.type, at: p.at }));
  // The latest approval wins, whatever order the approvals were applied in.
  const inEffect = record.overlays
    .filter((o) => !lock || o.approvedAt <= lock.lockedAt)
    .sort((a, b) => a.approvedAt.getTime() - b.approvedAt.getTime());
  const overlay = inEffect.at(-1) ?? null;
  if (!overlay) return { punches: punched, overlay: null };
  const punches = [...overlay.punches];
  const last = punches.at(-1)?.at ?? null;
  let state = stateOf(punches);
  for (const punch of punched) {
    if (last && punch.at <= last) continue;
    if (!allowedPunches(state, multipleSessions).includes(punch.type)) continue;
    punches.push(punch);
    state = NEXT[punch.type];
  }
  return { punches, overlay };
}

/** How long after its first start a day with no configured check-out time may run (a night shift runs past midnight). */
export const MAX_OPEN_SHIFT_HOURS = 12;

/**
 * When a day still open is ended by the automatic check-out: the configured
 * local time of its day when that comes after its last punch; otherwise the
 * day's end (midnight) or 12 hours after its first start, whichever is later
 * (so a shift started in the evening runs past midnight); a day punched even
 * later ends a minute after its last punch.
 */
export function autoCheckoutInstant(
  date: string,
  punches: { first: Date; last: Date },
  settings: Pick<AttendanceSettings, 'autoCheckoutAt'>,
  timeZone: string,
): Date {
  if (settings.autoCheckoutAt) {
    const [h = 0, m = 0] = settings.autoCheckoutAt.split(':').map(Number);
    const configured = localTime(date, h, m, timeZone);
    if (configured > punches.last) return configured;
  }
  const dayEnd = startOfDayIn(addDays(date, 1), timeZone).getTime();
  const fallback = new Date(Math.max(dayEnd, punches.first.getTime() + MAX_OPEN_SHIFT_HOURS * HOUR));
  return fallback > punches.last ? fallback : new Date(punches.last.getTime() + MINUTE);
}

/** The first and last punch of a day (for autoCheckoutInstant), or null without punches. */
export function punchSpan(punches: readonly { at: Date }[]): { first: Date; last: Date } | null {
  const first = punches[0];
  const last = punches.at(-1);
  return first && last ? { first: first.at, last: last.at } : null;
}

/** A local wall-clock time on a day in a timezone, as an instant (skipped times move forward). */
export function localTime(date: string, hours: number, minutes: number, timeZone: string): Date {
  const start = startOfDayIn(date, timeZone);
  // Walk from the day's start: the wall clock can jump an hour on a clock-change day.
  const guess = new Date(start.getTime() + hours * HOUR + minutes * MINUTE);
  const wall = wallMinutes(guess, timeZone);
  const wanted = hours * 60 + minutes;
  const drift = wall.day === date ? wall.minutes - wanted : wall.minutes + 24 * 60 - wanted;
  const corrected = new Date(guess.getTime() - drift * MINUTE);
  // A time the clock change skips does not exist: the instant as many hours after midnight stands in.
  return wallMinutes(corrected, timeZone).minutes === wanted ? corrected : guess;
}

/** The local day and minutes since midnight of an instant. */
export function wallMinutes(instant: Date, timeZone: string): { day: string; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(instant);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { day: dayInTimezone(instant, timeZone), minutes: part('hour') * 60 + part('minute') };
}

/** True when the day's first start lies after the late-start time. */
export function isLateStart(startedAt: Date | null, date: string, lateAfter: string | null, timeZone: string): boolean {
  if (!startedAt || !lateAfter) return false;
  const [h = 0, m = 0] = lateAfter.split(':').map(Number);
  return startedAt > localTime(date, h, m, timeZone);
}

// ---- Corrections ----

/**
 * The rules of a correction: a day from the window's start to today, not in a
 * locked month, no other correction of that day waiting, and punches that make
 * a day: in order, starting on that day, within 24 hours, not in the future,
 * each allowed by the state machine, and ended unless the day is today.
 */
export function decideCorrection(input: {
  date: string;
  punches: readonly CorrectedPunchRecord[];
  today: string;
  now: Date;
  timeZone: string;
  settings: Pick<AttendanceSettings, 'correctionWindowDays' | 'multipleSessionsPerDay'>;
  lock: AttendanceLockRecord | null;
  pending: readonly Pick<CorrectionRecord, 'id' | 'date' | 'status'>[];
}): void {
  const { date, punches, today, now, timeZone, settings, lock } = input;
  const earliest = addDays(today, -settings.correctionWindowDays);
  if (date > today || date < earliest) {
    throw new DomainError(
      'CORRECTION_OUTSIDE_WINDOW',
      date > today
        ? 'A correction is for today or a past day'
        : `Corrections go back ${settings.correctionWindowDays} days`,
      { date, earliest, latest: today, windowDays: settings.correctionWindowDays },
    );
  }
  if (lock) throw periodLocked(lock);
  const waiting = input.pending.find((c) => c.status === 'pending' && c.date === date);
  if (waiting) {
    throw new DomainError('CORRECTION_PENDING', 'A correction of this day is waiting for a decision', {
      correction: { id: waiting.id, date: waiting.date },
    });
  }
  const invalid = (index: number, problem: string, message: string, extra: Record<string, unknown> = {}) =>
    new DomainError('CORRECTION_INVALID_PUNCHES', `Punch ${index + 1}: ${message}`, { index, problem, ...extra });
  const first = punches[0];
  if (!first || dayInTimezone(first.at, timeZone) !== date) {
    throw invalid(0, 'otherDay', `the day starts on ${date} (in the organisation’s timezone)`);
  }
  let state: AttendanceState = 'notStarted';
  for (const [index, punch] of punches.entries()) {
    const previous = punches[index - 1];
    if (previous && punch.at <= previous.at) throw invalid(index, 'order', 'punches go in time order');
    if (punch.at > now) throw invalid(index, 'future', 'a punch cannot be in the future');
    if (punch.at.getTime() - first.at.getTime() > 24 * HOUR) {
      throw invalid(index, 'tooLong', 'a day’s punches lie within 24 hours of its start');
    }
    const allowed = allowedPunches(state, settings.multipleSessionsPerDay);
    if (!allowed.includes(punch.type)) {
      throw invalid(index, 'transition', `a ${punch.type} cannot follow ${state}`, { state, allowed });
    }
    state = NEXT[punch.type];
  }
  if (date < today && state !== 'ended') {
    throw invalid(punches.length - 1, 'open', 'a past day ends with an end punch');
  }
}

/** The line an inbox shows: "Time correction 2026-03-02 (08:58–17:31)". */
export function correctionSummary(date: string, punches: readonly CorrectedPunchRecord[], timeZone: string): string {
  const clock = (at: Date) => {
    const { minutes } = wallMinutes(at, timeZone);
    return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  };
  const first = punches[0];
  const last = punches.at(-1);
  const span = first && last ? ` (${clock(first.at)}–${last.type === 'end' ? clock(last.at) : 'open'})` : '';
  return `Time correction ${date}${span}`;
}

/** A day in a person's calendar: how it counts (after corrections), with its flags. */
export function calendarEntryOf(
  record: AttendanceRecord,
  lock: AttendanceLockRecord | null,
  rules: DayRules & Pick<AttendanceSettings, 'multipleSessionsPerDay'>,
  now: Date | null,
): {
  state: AttendanceState;
  workedMinutes: number;
  breakMinutes: number;
  flags: DayFlag[];
  corrected: boolean;
} {
  const { punches, overlay } = effectiveDay(record, lock, rules.multipleSessionsPerDay);
  const figures = dayFigures(punches, rules, { now, deductedMinutes: record.deductedMinutes });
  return {
    state: figures.state,
    workedMinutes: figures.workedMinutes,
    breakMinutes: figures.breakMinutes,
    flags: record.flags,
    corrected: overlay !== null,
  };
}
