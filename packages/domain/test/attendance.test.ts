import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTENDANCE_STATES,
  type AttendanceState,
  allowedPunches,
  autoCheckoutInstant,
  type CorrectedPunchRecord,
  checkPunchLocation,
  closeDay,
  DEFAULT_ATTENDANCE_SETTINGS,
  DomainError,
  dayFigures,
  dayInTimezone,
  decideCorrection,
  distanceMeters,
  effectiveDay,
  ipInRanges,
  isCidr,
  isLateStart,
  localTime,
  nextState,
  PUNCH_TYPES,
  type PunchType,
  requiredBreakMinutes,
  stateOf,
  wallMinutes,
} from '../src/index.js';

const MINUTE = 60_000;
const rules = DEFAULT_ATTENDANCE_SETTINGS;

/** The domain error a call throws (fails when it throws nothing or something else). */
function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

/** Punches from minute offsets after a start instant. */
const punchesAt = (start: Date, steps: [PunchType, number][]): CorrectedPunchRecord[] =>
  steps.map(([type, minutes]) => ({ type, at: new Date(start.getTime() + minutes * MINUTE) }));

const START = new Date('2030-06-12T08:00:00.000Z');

describe('the state machine', () => {
  const expected: Record<AttendanceState, Partial<Record<PunchType, AttendanceState>>> = {
    notStarted: { start: 'working' },
    working: { break: 'onBreak', end: 'ended' },
    onBreak: { resume: 'working', end: 'ended' },
    ended: {},
  };

  it('every transition: allowed ones lead where they should, the rest are refused with the state and what it allows', () => {
    for (const multiple of [false, true]) {
      for (const state of ATTENDANCE_STATES) {
        for (const type of PUNCH_TYPES) {
          const want = state === 'ended' && multiple && type === 'start' ? 'working' : expected[state][type];
          if (want) {
            expect(nextState(state, type, multiple)).toBe(want);
          } else {
            const error = errorOf(() => nextState(state, type, multiple));
            expect(error.code).toBe('ATTENDANCE_INVALID_TRANSITION');
            expect(error.details).toEqual({ state, allowed: allowedPunches(state, multiple) });
            expect(allowedPunches(state, multiple)).not.toContain(type);
          }
        }
      }
    }
    expect(allowedPunches('ended', false)).toEqual([]);
    expect(allowedPunches('ended', true)).toEqual(['start']);
  });

  it('replaying any allowed sequence step by step ends where stateOf says', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 30 }), fc.boolean(), (choices, multiple) => {
        const punches: { type: PunchType }[] = [];
        let state: AttendanceState = 'notStarted';
        for (const choice of choices) {
          const allowed = allowedPunches(state, multiple);
          if (allowed.length === 0) break;
          const type = allowed[choice % allowed.length] as PunchType;
          state = nextState(state, type, multiple);
          punches.push({ type });
        }
        expect(stateOf(punches)).toBe(state);
      }),
    );
  });
});

describe('figures and break rules', () => {
  it('counts worked and break time; an open day up to now', () => {
    const day = punchesAt(START, [
      ['start', 0],
      ['break', 180],
      ['resume', 210],
      ['end', 480],
    ]);
    expect(dayFigures(day, rules)).toMatchObject({ state: 'ended', workedMinutes: 450, breakMinutes: 30 });
    const open = day.slice(0, 2);
    const now = new Date(START.getTime() + 200 * MINUTE);
    expect(dayFigures(open, rules, { now })).toMatchObject({ state: 'onBreak', workedMinutes: 180, breakMinutes: 20 });
    expect(dayFigures([], rules)).toMatchObject({ state: 'notStarted', workedMinutes: 0, startedAt: null });
  });

  it('30 min after 6 h, 45 after 9 h: flagged, or deducted as a visible adjustment; the maximum flagged', () => {
    expect(requiredBreakMinutes(360, rules.breakRules)).toBe(0);
    expect(requiredBreakMinutes(361, rules.breakRules)).toBe(30);
    expect(requiredBreakMinutes(541, rules.breakRules)).toBe(45);
    const long = punchesAt(START, [
      ['start', 0],
      ['break', 300],
      ['resume', 310],
      ['end', 620],
    ]);
    expect(closeDay(long, rules)).toEqual({ deductedMinutes: 0, flags: ['breakTooShort', 'overMaxHours'] });
    const deduct = { ...rules, breakRuleMode: 'deduct' as const };
    // 610 min worked, 10 of break, 45 required: 35 deducted; 575 left is under the 600 maximum.
    expect(closeDay(long, deduct)).toEqual({ deductedMinutes: 35, flags: ['breakDeducted'] });
    expect(dayFigures(long, deduct, { deductedMinutes: 35 })).toMatchObject({
      workedMinutes: 575,
      deductedMinutes: 35,
      requiredBreakMinutes: 45,
    });
    const fine = punchesAt(START, [
      ['start', 0],
      ['break', 240],
      ['resume', 285],
      ['end', 560],
    ]);
    expect(closeDay(fine, deduct)).toEqual({ deductedMinutes: 0, flags: [] });
  });
});

describe('effective day', () => {
  /** A valid day of punches from random gaps (ending with end when `ended`). */
  const dayArb = (ended: boolean) =>
    fc
      .array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 1, max: 200 })), { maxLength: 8 })
      .map((steps) => {
        const out: CorrectedPunchRecord[] = [{ type: 'start', at: START }];
        let state: AttendanceState = 'working';
        let t = START.getTime();
        for (const [choice, gap] of steps) {
          const next: PunchType = state === 'working' ? (choice ? 'break' : 'end') : choice ? 'resume' : 'end';
          if (next === 'end') break;
          t += gap * MINUTE;
          out.push({ type: next, at: new Date(t) });
          state = nextState(state, next, false);
        }
        if (ended) out.push({ type: 'end', at: new Date(t + 30 * MINUTE) });
        return out;
      });

  it('property: an approved overlay derives the same day as replaying the corrected punches', () => {
    fc.assert(
      fc.property(dayArb(false), dayArb(true), fc.integer({ min: -120, max: 120 }), (original, corrected, shift) => {
        const moved = original.map((p) => ({
          type: p.type,
          at: new Date(p.at.getTime() + shift * MINUTE),
          source: 'punch' as const,
          ip: null,
          userAgent: null,
          location: null,
          note: null,
          flags: [],
        }));
        const record = {
          punches: moved,
          overlays: [{ correctionId: 'c1', punches: corrected, approvedAt: START, approvedBy: ['m'] }],
        };
        const { punches } = effectiveDay(record, null, false);
        expect(punches).toEqual(corrected);
        expect(dayFigures(punches, rules)).toEqual(dayFigures(corrected, rules));
        // The stored punches are untouched.
        expect(record.punches).toBe(moved);
      }),
    );
  });

  it('keeps punches made after a correction’s last punch; in a locked month a later approval does not count', () => {
    const punched = punchesAt(START, [
      ['start', 60],
      ['break', 240],
      ['resume', 270],
      ['end', 540],
    ]).map((p) => ({
      ...p,
      source: 'punch' as const,
      ip: null,
      userAgent: null,
      location: null,
      note: null,
      flags: [],
    }));
    const overlay = {
      correctionId: 'c1',
      punches: punchesAt(START, [['start', 0]]),
      approvedAt: new Date(START.getTime() + 120 * MINUTE),
      approvedBy: ['m'],
    };
    const record = { punches: punched, overlays: [overlay] };
    const { punches } = effectiveDay(record, null, false);
    expect(punches.map((p) => p.type)).toEqual(['start', 'break', 'resume', 'end']);
    expect(dayFigures(punches, rules).workedMinutes).toBe(510);
    const lock = { month: '2030-06', lockedAt: START, lockedBy: 'hr' };
    expect(effectiveDay(record, lock, false).overlay).toBeNull();
    expect(dayFigures(effectiveDay(record, lock, false).punches, rules).workedMinutes).toBe(450);
  });
});

describe('timezone edges', () => {
  it('a shift across midnight belongs to the day it started and counts its hours', () => {
    const tz = 'Europe/Berlin';
    const start = localTime('2030-06-12', 22, 0, tz);
    const day = punchesAt(start, [
      ['start', 0],
      ['end', 240],
    ]);
    expect(dayInTimezone(start, tz)).toBe('2030-06-12');
    expect(wallMinutes(day[1]?.at as Date, tz)).toEqual({ day: '2030-06-13', minutes: 120 });
    expect(dayFigures(day, rules).workedMinutes).toBe(240);
    // Still open at 00:30: a shift started in the evening runs to 12 hours after its start, not to midnight.
    const span = { first: start, last: start };
    expect(autoCheckoutInstant('2030-06-12', span, { autoCheckoutAt: null }, tz)).toEqual(
      localTime('2030-06-13', 10, 0, tz),
    );
    // A configured time before the last punch falls back the same way.
    expect(autoCheckoutInstant('2030-06-12', span, { autoCheckoutAt: '20:00' }, tz)).toEqual(
      localTime('2030-06-13', 10, 0, tz),
    );
    // A day begun in the morning ends at the configured time, else at midnight.
    const morning = localTime('2030-06-12', 8, 0, tz);
    expect(
      autoCheckoutInstant('2030-06-12', { first: morning, last: morning }, { autoCheckoutAt: '20:00' }, tz),
    ).toEqual(localTime('2030-06-12', 20, 0, tz));
    expect(autoCheckoutInstant('2030-06-12', { first: morning, last: morning }, { autoCheckoutAt: null }, tz)).toEqual(
      localTime('2030-06-13', 0, 0, tz),
    );
    // Punched past even that: a minute after the last punch.
    const last = localTime('2030-06-13', 11, 0, tz);
    expect(autoCheckoutInstant('2030-06-12', { first: start, last }, { autoCheckoutAt: null }, tz).getTime()).toBe(
      last.getTime() + MINUTE,
    );
  });

  it('on a clock-change day wall-clock times map to the right instants and hours are real hours', () => {
    const tz = 'Europe/Berlin';
    // The last Sunday of March of some year ahead: clocks go from 02:00 to 03:00.
    const year = new Date().getUTCFullYear() + 1;
    const lastDay = new Date(Date.UTC(year, 2, 31));
    const sunday = new Date(lastDay.getTime() - lastDay.getUTCDay() * 86_400_000).toISOString().slice(0, 10);
    const half = localTime(sunday, 0, 30, tz);
    const five = localTime(sunday, 5, 30, tz);
    expect(wallMinutes(half, tz)).toEqual({ day: sunday, minutes: 30 });
    expect(wallMinutes(five, tz)).toEqual({ day: sunday, minutes: 330 });
    const shift = [
      { type: 'start' as const, at: half },
      { type: 'end' as const, at: five },
    ];
    // 00:30 → 05:30 on the wall is four hours of work that night.
    expect(dayFigures(shift, rules).workedMinutes).toBe(240);
    // The day is 23 hours long: its end is the next midnight.
    const end = autoCheckoutInstant(sunday, { first: half, last: half }, { autoCheckoutAt: null }, tz);
    expect(end.getTime() - localTime(sunday, 0, 0, tz).getTime()).toBe(23 * 60 * MINUTE);
    // A late start compares wall-clock times.
    expect(isLateStart(localTime(sunday, 9, 31, tz), sunday, '09:30', tz)).toBe(true);
    expect(isLateStart(localTime(sunday, 9, 29, tz), sunday, '09:30', tz)).toBe(false);
    // A time the change skips stands in as that many hours after midnight.
    expect(wallMinutes(localTime(sunday, 2, 30, tz), tz).minutes).toBe(210);
  });
});

describe('location', () => {
  it('matches IPv4 and IPv6 ranges, IPv4 written as IPv6, and nothing malformed', () => {
    expect(ipInRanges('10.1.2.3', ['10.0.0.0/8'])).toBe(true);
    expect(ipInRanges('11.1.2.3', ['10.0.0.0/8'])).toBe(false);
    expect(ipInRanges('::ffff:192.168.1.20', ['192.168.1.0/24'])).toBe(true);
    expect(ipInRanges('2001:db8::42', ['2001:db8::/32'])).toBe(true);
    expect(ipInRanges('2001:db9::42', ['2001:db8::/32'])).toBe(false);
    expect(ipInRanges('203.0.113.7', ['203.0.113.7'])).toBe(true);
    expect(ipInRanges('not an ip', ['0.0.0.0/0'])).toBe(false);
    expect(ipInRanges(null, ['0.0.0.0/0'])).toBe(false);
    expect(['10.0.0.0/8', '::/0', 'fe80::1/64'].every(isCidr)).toBe(true);
    expect(['10.0.0.0/33', '300.1.1.1', '1:2:3', '10.0.0.0/8/1', '', '1.2.3.4::', '::1.2.3.4:5'].some(isCidr)).toBe(
      false,
    );
    // A mapped range written with its IPv6 prefix is the IPv4 range.
    expect(ipInRanges('10.1.2.3', ['::ffff:10.0.0.0/104'])).toBe(true);
    expect(ipInRanges('11.1.2.3', ['::ffff:10.0.0.0/104'])).toBe(false);
    expect(isCidr('::ffff:0:0/96')).toBe(true);
    expect(isCidr('::ffff:10.0.0.0/95')).toBe(false);
  });

  it('measures distances', () => {
    // Berlin to Paris is about 877.5 km along the great circle; a point to itself is 0.
    const berlin = { lat: 52.52, lng: 13.405 };
    const paris = { lat: 48.8566, lng: 2.3522 };
    expect(distanceMeters(berlin, paris) / 1000).toBeCloseTo(877.5, 0);
    expect(distanceMeters(berlin, paris)).toBeCloseTo(distanceMeters(paris, berlin), 6);
    expect(distanceMeters(berlin, berlin)).toBe(0);
  });

  it('office days must match, WFH days are not held to the office, a WFH punch from the office is a mismatch', () => {
    const location = {
      policy: 'enforce' as const,
      officeIpRanges: ['10.0.0.0/8'],
      officeGeofence: { lat: 52.52, lng: 13.405, radiusMeters: 150 },
    };
    const near = { lat: 52.5205, lng: 13.4052, accuracyMeters: 10 };
    expect(checkPunchLocation({ location, workLocation: 'wfo', ip: '10.0.0.9', point: null })).toEqual({
      atOffice: true,
      flags: [],
      refuse: false,
    });
    expect(checkPunchLocation({ location, workLocation: 'wfo', ip: '8.8.8.8', point: near }).refuse).toBe(false);
    // A reading vaguer than the fence proves nothing.
    const vague = { ...near, accuracyMeters: 5_000 };
    expect(checkPunchLocation({ location, workLocation: 'wfo', ip: '8.8.8.8', point: vague }).refuse).toBe(true);
    expect(checkPunchLocation({ location, workLocation: 'wfo', ip: '8.8.8.8', point: null })).toEqual({
      atOffice: false,
      flags: ['outsideOffice'],
      refuse: true,
    });
    expect(
      checkPunchLocation({ location: { ...location, policy: 'flag' }, workLocation: 'wfo', ip: '8.8.8.8', point: null })
        .refuse,
    ).toBe(false);
    expect(checkPunchLocation({ location, workLocation: 'wfh', ip: '8.8.8.8', point: null }).flags).toEqual([]);
    expect(checkPunchLocation({ location, workLocation: 'wfh', ip: '10.2.3.4', point: null }).flags).toEqual([
      'officeOnWfhDay',
    ]);
    expect(checkPunchLocation({ location, workLocation: 'other', ip: '8.8.8.8', point: null }).flags).toEqual([]);
    expect(
      checkPunchLocation({ location: { ...location, policy: 'off' }, workLocation: 'wfo', ip: '8.8.8.8', point: null }),
    ).toEqual({ atOffice: null, flags: [], refuse: false });
  });
});

describe('corrections', () => {
  const today = '2030-06-12';
  const now = new Date('2030-06-12T12:00:00.000Z');
  const base = {
    today,
    now,
    timeZone: 'UTC',
    settings: { correctionWindowDays: 30, multipleSessionsPerDay: false },
    lock: null,
    pending: [],
  };
  const day = (date: string, steps: [PunchType, number][]) => punchesAt(new Date(`${date}T08:00:00.000Z`), steps);
  const codeOf = (input: Partial<Parameters<typeof decideCorrection>[0]> & { date: string }) =>
    errorOf(() =>
      decideCorrection({
        ...base,
        punches: day(input.date, [
          ['start', 0],
          ['end', 60],
        ]),
        ...input,
      }),
    );

  it('takes today or a past day within the window, not the future, not a locked month, one waiting per day', () => {
    expect(() =>
      decideCorrection({
        ...base,
        date: '2030-06-11',
        punches: day('2030-06-11', [
          ['start', 0],
          ['end', 60],
        ]),
      }),
    ).not.toThrow();
    expect(codeOf({ date: '2030-06-13' }).code).toBe('CORRECTION_OUTSIDE_WINDOW');
    expect(codeOf({ date: '2030-05-12' }).details).toMatchObject({ earliest: '2030-05-13', latest: today });
    expect(codeOf({ date: '2030-06-01', lock: { month: '2030-06', lockedAt: now, lockedBy: 'hr' } }).code).toBe(
      'ATTENDANCE_PERIOD_LOCKED',
    );
    expect(
      codeOf({ date: '2030-06-10', pending: [{ id: 'c1', date: '2030-06-10', status: 'pending' }] }).details,
    ).toEqual({ correction: { id: 'c1', date: '2030-06-10' } });
    expect(() =>
      decideCorrection({
        ...base,
        date: '2030-06-10',
        punches: day('2030-06-10', [
          ['start', 0],
          ['end', 60],
        ]),
        pending: [{ id: 'c1', date: '2030-06-10', status: 'approved' }],
      }),
    ).not.toThrow();
  });

  it('punches must make a day', () => {
    const problem = (date: string, punches: CorrectedPunchRecord[]) =>
      (errorOf(() => decideCorrection({ ...base, date, punches })).details as { problem: string }).problem;
    expect(problem('2030-06-11', day('2030-06-11', [['break', 0]]))).toBe('transition');
    expect(
      problem(
        '2030-06-11',
        day('2030-06-11', [
          ['start', 60],
          ['end', 0],
        ]),
      ),
    ).toBe('order');
    expect(problem('2030-06-11', day('2030-06-11', [['start', 0]]))).toBe('open');
    expect(
      problem(
        '2030-06-11',
        day('2030-06-10', [
          ['start', 0],
          ['end', 60],
        ]),
      ),
    ).toBe('otherDay');
    expect(
      problem(
        '2030-06-11',
        day('2030-06-11', [
          ['start', 0],
          ['end', 25 * 60],
        ]),
      ),
    ).toBe('tooLong');
    expect(
      problem(
        today,
        day(today, [
          ['start', 0],
          ['end', 6 * 60],
        ]),
      ),
    ).toBe('future');
    // Today may stay open.
    expect(() => decideCorrection({ ...base, date: today, punches: day(today, [['start', 0]]) })).not.toThrow();
  });
});
