import { DEFAULT_ATTENDANCE_SETTINGS } from '@seed-pms/domain';
import pino from 'pino';
import { beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { createBullMqJobRunner } from '../src/jobs/jobs.js';
import { ATTENDANCE_CHECKOUT_JOB } from '../src/jobs/schedule.js';
import { createServices } from '../src/services.js';
import { askCorrection } from './attendance-helpers.js';
import { callAs, type RestMethod, type SignedIn, signInAgain, signInAs } from './auth-helpers.js';
import { nextWednesdayMorning, testClock } from './clock.js';
import { useTestApp } from './support.js';
import { askWfh } from './work-location-helpers.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** 08:00 UTC on the Wednesday after next: yesterday and today are working days, in any year. */

const BASE = nextWednesdayMorning();
const clock = testClock(BASE);
const testApp = useTestApp(import.meta.url, { clock });
const call = (session: SignedIn | null, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);
const again = (who: SignedIn) => signInAgain(testApp().app, who);

let hr: SignedIn;
let admin: SignedIn;
let manager: SignedIn;

/** Someone reporting to the manager, signed in. */
const person = () => signInAs(testApp(), ['employee'], { managerId: manager.id });

/** Sets attendance settings (the rest as the defaults). */
async function setAttendance(changes: Record<string, unknown>) {
  admin = await again(admin);
  const current = (await call(admin, 'GET', '/settings')).json();
  const saved = await call(admin, 'PATCH', '/settings', {
    version: current.version,
    attendance: { ...DEFAULT_ATTENDANCE_SETTINGS, ...changes },
  });
  expect(saved.statusCode).toBe(200);
  return saved.json();
}

/** An instant `minutes` after 00:00 UTC of the day `offset` days from the clock's day. */
const at = (offset: number, minutes: number) =>
  new Date(
    Date.UTC(BASE.getUTCFullYear(), BASE.getUTCMonth(), BASE.getUTCDate() + offset) + minutes * MINUTE,
  ).toISOString();

// Every test starts at 08:00 of the same Wednesday.
beforeEach(() => clock.set(BASE));

beforeAll(async () => {
  hr = await signInAs(testApp(), ['hr']);
  admin = await signInAs(testApp(), ['admin']);
  manager = await signInAs(testApp(), ['manager']);
});

describe('the daily clock', () => {
  it('start → break → resume → end, with figures, server time and the punch facts', async () => {
    const me = await person();
    const before = (await call(me, 'GET', '/attendance/my-status')).json();
    expect(before).toMatchObject({ state: 'notStarted', allowed: ['start'], punches: [], workLocation: 'wfo' });

    const started = await call(me, 'POST', '/attendance/start');
    expect(started.statusCode).toBe(200);
    expect(started.json()).toMatchObject({ state: 'working', allowed: ['break', 'end'], date: clock.day(0) });
    expect(started.json().punches[0]).toMatchObject({
      type: 'start',
      at: clock().toISOString(),
      source: 'punch',
      ip: '127.0.0.1',
      location: null,
    });

    clock.advance(3 * HOUR);
    const onBreak = await call(await again(me), 'POST', '/attendance/break', {
      note: 'lunch',
      location: { lat: 52.52, lng: 13.405, accuracyMeters: 12 },
    });
    expect(onBreak.json()).toMatchObject({ state: 'onBreak', figures: { workedMinutes: 180, breakMinutes: 0 } });
    expect(onBreak.json().punches[1]).toMatchObject({ note: 'lunch', location: { lat: 52.52, accuracyMeters: 12 } });

    clock.advance(30 * MINUTE);
    expect((await call(await again(me), 'POST', '/attendance/resume')).statusCode).toBe(200);
    clock.advance(4 * HOUR);
    const status = (await call(await again(me), 'GET', '/attendance/my-status')).json();
    expect(status.figures).toMatchObject({ workedMinutes: 420, breakMinutes: 30, requiredBreakMinutes: 30 });
    const ended = await call(await again(me), 'POST', '/attendance/end');
    expect(ended.json()).toMatchObject({
      state: 'ended',
      allowed: [],
      figures: { workedMinutes: 420, breakMinutes: 30, deductedMinutes: 0 },
      flags: [],
    });
    // A client's idea of the time is never asked for: a body with `at` is refused.
    const sneaky = await call(await again(me), 'POST', '/attendance/start', { at: at(0, 60) });
    expect(sneaky.statusCode).toBe(400);
  });

  it('illegal moves answer 409 ATTENDANCE_INVALID_TRANSITION with the state and what it allows', async () => {
    const me = await person();
    const early = await call(me, 'POST', '/attendance/break');
    expect(early.statusCode).toBe(409);
    expect(early.json().error).toMatchObject({
      code: 'ATTENDANCE_INVALID_TRANSITION',
      details: { state: 'notStarted', allowed: ['start'] },
    });
    await call(me, 'POST', '/attendance/start');
    const resume = await call(me, 'POST', '/attendance/resume');
    expect(resume.json().error).toMatchObject({ details: { state: 'working', allowed: ['break', 'end'] } });
    await call(me, 'POST', '/attendance/end');
    const twice = await call(me, 'POST', '/attendance/end');
    expect(twice.json().error).toMatchObject({
      code: 'ATTENDANCE_INVALID_TRANSITION',
      details: { state: 'ended', allowed: [] },
    });
    expect((await call(me, 'POST', '/attendance/start')).statusCode).toBe(409);

    // With multiple sessions allowed, an ended day starts again (a split shift).
    await setAttendance({ multipleSessionsPerDay: true });
    try {
      const again1 = await call(me, 'POST', '/attendance/start');
      expect(again1.statusCode).toBe(200);
      expect(again1.json().punches.map((p: { type: string }) => p.type)).toEqual(['start', 'end', 'start']);
    } finally {
      await setAttendance({});
    }
  });

  it('a shift past midnight is ended on the day it started', async () => {
    clock.set(at(0, 22 * 60));
    const night = await person();
    expect((await call(night, 'POST', '/attendance/start')).statusCode).toBe(200);
    clock.advance(3 * HOUR); // 01:00 the next day
    const ended = await call(await again(night), 'POST', '/attendance/end');
    expect(ended.statusCode).toBe(200);
    expect(ended.json()).toMatchObject({ date: clock.day(-1), state: 'ended', figures: { workedMinutes: 180 } });
    // The next day starts a day of its own.
    const next = await call(await again(night), 'POST', '/attendance/start');
    expect(next.json()).toMatchObject({ date: clock.day(0), state: 'working' });
  });

  it('after a correction of this morning’s start, the day goes on from it', async () => {
    const me = await person();
    const asked = await call(me, 'POST', '/attendance/corrections', {
      date: clock.day(0),
      punches: [{ type: 'start', at: at(0, 7 * 60) }],
      reason: 'The terminal was down',
    });
    hr = await again(hr);
    expect(
      (await call(hr, 'PATCH', `/attendance/corrections/${asked.json().id}`, { action: 'approve' })).statusCode,
    ).toBe(200);
    const status = (await call(me, 'GET', '/attendance/my-status')).json();
    expect(status).toMatchObject({ state: 'working', allowed: ['break', 'end'], figures: { workedMinutes: 60 } });
    const ended = await call(me, 'POST', '/attendance/end');
    expect(ended.statusCode).toBe(200);
    expect(ended.json()).toMatchObject({ state: 'ended', figures: { workedMinutes: 60 } });
  });

  it('ten simultaneous starts make one record with one start', async () => {
    const me = await person();
    const taps = await Promise.all(Array.from({ length: 10 }, () => call(me, 'POST', '/attendance/start')));
    const codes = taps.map((t) => t.statusCode).sort();
    expect(codes.filter((c) => c === 200)).toHaveLength(1);
    expect(codes.filter((c) => c === 409)).toHaveLength(9);
    const days = (await call(me, 'GET', `/attendance/records?from=${clock.day(0)}&to=${clock.day(0)}`)).json();
    expect(days.items).toHaveLength(1);
    expect(days.items[0].original.punches.map((p: { type: string }) => p.type)).toEqual(['start']);
  });

  it('break rules flag or deduct (a visible adjustment; punches stay); the daily maximum is flagged', async () => {
    const flagged = await person();
    await call(flagged, 'POST', '/attendance/start');
    clock.advance(7 * HOUR);
    let ended = (await call(await again(flagged), 'POST', '/attendance/end')).json();
    expect(ended.flags).toEqual(['breakTooShort']);
    expect(ended.figures).toMatchObject({ workedMinutes: 420, deductedMinutes: 0 });

    clock.set(BASE);
    await setAttendance({ breakRuleMode: 'deduct', maxDailyMinutes: 360 });
    try {
      const deducted = await person();
      await call(deducted, 'POST', '/attendance/start');
      clock.advance(10 * HOUR);
      ended = (await call(await again(deducted), 'POST', '/attendance/end')).json();
      // 10 h worked, no break: 45 minutes deducted; still over the 6 h maximum.
      expect(ended.figures).toMatchObject({ workedMinutes: 555, deductedMinutes: 45, breakMinutes: 0 });
      expect(ended.flags).toEqual(expect.arrayContaining(['breakDeducted', 'overMaxHours']));
      const day = (await call(await again(deducted), 'GET', '/attendance/records')).json().items.at(-1);
      expect(day.original.punches.map((p: { type: string }) => p.type)).toEqual(['start', 'end']);
    } finally {
      await setAttendance({});
    }
  });
});

describe('location policy', () => {
  it('on an office day a punch away from the office is flagged, or refused under enforce; an approved WFH day is not', async () => {
    // The test server's requests come from 127.0.0.1: not in 10.0.0.0/8.
    await setAttendance({ location: { policy: 'flag', officeIpRanges: ['10.0.0.0/8'], officeGeofence: null } });
    try {
      const flagged = await person();
      const started = (await call(flagged, 'POST', '/attendance/start')).json();
      expect(started.punches[0].flags).toEqual(['outsideOffice']);
      expect(started.flags).toEqual(['outsideOffice']);

      await setAttendance({
        location: {
          policy: 'enforce',
          officeIpRanges: ['10.0.0.0/8'],
          officeGeofence: { lat: 52.52, lng: 13.405, radiusMeters: 200 },
        },
      });
      const refused = await person();
      const denied = await call(refused, 'POST', '/attendance/start');
      expect(denied.statusCode).toBe(403);
      expect(denied.json().error).toMatchObject({ code: 'LOCATION_NOT_ALLOWED', details: { workLocation: 'wfo' } });
      // Inside the geofence passes.
      const inside = await call(refused, 'POST', '/attendance/start', {
        location: { lat: 52.5205, lng: 13.4052, accuracyMeters: 15 },
      });
      expect(inside.statusCode).toBe(200);
      expect(inside.json().flags).toEqual([]);

      // An approved WFH day: office rules do not apply.
      const home = await person();
      const wfh = await askWfh(testApp().app, home, clock.day(0));
      manager = await again(manager);
      expect(
        (await call(manager, 'PATCH', `/work-location/requests/${wfh.id}`, { action: 'approve' })).statusCode,
      ).toBe(200);
      const fromHome = await call(home, 'POST', '/attendance/start');
      expect(fromHome.statusCode).toBe(200);
      expect(fromHome.json()).toMatchObject({ workLocation: 'wfh', flags: [] });

      // WFH, but punching from the office network: a mismatch, flagged.
      await setAttendance({ location: { policy: 'enforce', officeIpRanges: ['127.0.0.0/8'], officeGeofence: null } });
      const sneak = await person();
      const sneakWfh = await askWfh(testApp().app, sneak, clock.day(0));
      await call(manager, 'PATCH', `/work-location/requests/${sneakWfh.id}`, { action: 'approve' });
      const mismatch = (await call(sneak, 'POST', '/attendance/start')).json();
      expect(mismatch).toMatchObject({ workLocation: 'wfh', flags: ['officeOnWfhDay'] });

      const report = (
        await call(await again(hr), 'GET', `/reports/attendance?from=${clock.day(0)}&to=${clock.day(0)}`)
      ).json();
      const row = (id: string) => report.people.find((p: { employee: { id: string } }) => p.employee.id === id);
      expect(row(sneak.id).locationMismatches).toBe(1);
      expect(row(flagged.id).locationMismatches).toBe(1);
      expect(row(home.id).locationMismatches).toBe(0);
    } finally {
      await setAttendance({});
    }
  });
});

describe('the automatic check-out', () => {
  it('ends days still open after the day, flagged missingCheckout, the fact kept; in-process and on BullMQ with Redis', async () => {
    const forgetful = await person();
    await call(forgetful, 'POST', '/attendance/start');
    const { attendance } = await createServices(testApp().deps);
    // Not yet: the day is not over.
    expect((await attendance.autoCheckout(clock())).closed).toBe(0);

    clock.advance(17 * HOUR); // 01:00 the next day
    // The app's own in-process runner.
    await testApp().deps.jobs.enqueue(ATTENDANCE_CHECKOUT_JOB);
    const deadline = Date.now() + 10_000;
    let day: { original: { punches: { type: string; source: string; at: string }[] }; flags: string[] } | undefined;
    while (Date.now() < deadline) {
      day = (await call(await again(forgetful), 'GET', '/attendance/records')).json().items.at(-1);
      if (day?.flags.includes('missingCheckout')) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(day?.flags).toContain('missingCheckout');
    expect(day?.original.punches.at(-1)).toMatchObject({ type: 'end', source: 'auto', at: at(0, 24 * 60) });

    // On the real Redis through BullMQ: a second run finds nothing left.
    clock.set(at(0, 22 * 60)); // 22:00 of the first day again
    const late = await person();
    expect((await call(late, 'POST', '/attendance/start')).statusCode).toBe(200);
    await setAttendance({ autoCheckoutAt: '20:00' });
    try {
      // Past midnight the evening's shift still runs (12 hours from its start).
      clock.advance(3 * HOUR);
      expect((await attendance.autoCheckout(clock())).closed).toBe(0);
      clock.advance(10 * HOUR);
      const runner = createBullMqJobRunner(inject('redisUrl'), pino({ level: 'silent' }), `checkout-${Date.now()}`);
      const results: { closed: number }[] = [];
      runner.register(ATTENDANCE_CHECKOUT_JOB, async () => {
        results.push(await attendance.autoCheckout(clock()));
      });
      await runner.start();
      try {
        for (const count of [1, 2]) {
          await runner.enqueue(ATTENDANCE_CHECKOUT_JOB);
          const until = Date.now() + 20_000;
          while (results.length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
        }
      } finally {
        await runner.stop();
      }
      expect(results.map((r) => r.closed)).toEqual([1, 0]);
      const lateDay = (await call(await again(late), 'GET', '/attendance/records')).json().items.at(-1);
      // Started after 20:00: ended 12 hours after its start instead.
      expect(lateDay.original.punches.at(-1)).toMatchObject({ source: 'auto', at: at(1, 10 * 60) });
      expect(lateDay.effective.figures.workedMinutes).toBe(720);
    } finally {
      await setAttendance({});
      clock.set(BASE);
    }
  });
});

describe('corrections', () => {
  it('an approved correction overlays the day: the punches stay, the effective day changes, the approver is named', async () => {
    const me = await person();
    const asked = await call(me, 'POST', '/attendance/corrections', {
      date: clock.day(-1),
      punches: [
        { type: 'start', at: at(-1, 8 * 60) },
        { type: 'break', at: at(-1, 12 * 60) },
        { type: 'resume', at: at(-1, 12 * 60 + 30) },
        { type: 'end', at: at(-1, 17 * 60) },
      ],
      reason: 'Forgot to punch yesterday',
    });
    expect(asked.statusCode).toBe(201);
    const correction = asked.json();
    expect(correction).toMatchObject({ status: 'pending', date: clock.day(-1), approval: { state: 'pending' } });
    expect(correction.approval.awaiting.map((p: { id: string }) => p.id)).toEqual(
      expect.arrayContaining([manager.id, hr.id]),
    );

    // One waiting correction per day.
    const second = await call(me, 'POST', '/attendance/corrections', {
      date: clock.day(-1),
      punches: [
        { type: 'start', at: at(-1, 9 * 60) },
        { type: 'end', at: at(-1, 10 * 60) },
      ],
      reason: 'again',
    });
    expect(second.statusCode).toBe(409);
    expect(second.json().error).toMatchObject({
      code: 'CORRECTION_PENDING',
      details: { correction: { id: correction.id } },
    });

    // A colleague sees nothing of it.
    const colleague = await person();
    expect(
      (await call(colleague, 'PATCH', `/attendance/corrections/${correction.id}`, { action: 'approve' })).statusCode,
    ).toBe(404);
    expect((await call(colleague, 'GET', `/attendance/records?userId=${me.id}`)).statusCode).toBe(404);
    // The requester cannot approve their own.
    expect(
      (await call(me, 'PATCH', `/attendance/corrections/${correction.id}`, { action: 'approve' })).statusCode,
    ).toBe(403);

    manager = await again(manager);
    const listed = (await call(manager, 'GET', `/attendance/corrections?status=pending&userId=${me.id}`)).json();
    expect(listed.items.map((c: { id: string }) => c.id)).toEqual([correction.id]);
    const approved = await call(manager, 'PATCH', `/attendance/corrections/${correction.id}`, { action: 'approve' });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved' });

    const days = (
      await call(manager, 'GET', `/attendance/records?userId=${me.id}&from=${clock.day(-1)}&to=${clock.day(-1)}`)
    ).json();
    expect(days.items).toHaveLength(1);
    const day = days.items[0];
    expect(day.original.punches).toEqual([]);
    expect(day.effective.figures).toMatchObject({ state: 'ended', workedMinutes: 510, breakMinutes: 30 });
    expect(day.corrections).toMatchObject([
      { correctionId: correction.id, approvedBy: [{ id: manager.id }], inEffect: true },
    ]);

    // A correction of today's morning keeps what was punched since.
    await call(me, 'POST', '/attendance/start');
    const morning = await call(me, 'POST', '/attendance/corrections', {
      date: clock.day(0),
      punches: [{ type: 'start', at: at(0, 7 * 60) }],
      reason: 'Came in at seven',
    });
    expect(morning.statusCode).toBe(201);
    await call(hr, 'PATCH', `/attendance/corrections/${morning.json().id}`, { action: 'approve' });
    clock.advance(HOUR);
    await call(await again(me), 'POST', '/attendance/end');
    const today = (await call(await again(me), 'GET', `/attendance/records?from=${clock.day(0)}`)).json().items[0];
    expect(today.original.punches.map((p: { type: string }) => p.type)).toEqual(['start', 'end']);
    expect(today.effective.punches.map((p: { type: string }) => p.type)).toEqual(['start', 'end']);
    expect(today.effective.punches[0].at).toBe(at(0, 7 * 60));
    expect(today.effective.figures.workedMinutes).toBe(120);
    expect(today.original.figures.workedMinutes).toBe(60);
    clock.set(BASE);

    // The calendar shows the day as it counts.
    const calendar = (
      await call(await again(me), 'GET', `/employees/${me.id}/calendar?from=${clock.day(-1)}&to=${clock.day(-1)}`)
    ).json();
    expect(calendar.days[0].entries).toContainEqual(
      expect.objectContaining({ kind: 'attendance', state: 'ended', workedMinutes: 510, corrected: true }),
    );
  });

  it('six simultaneous corrections of one day: one waits for a decision, the others are refused', async () => {
    const me = await person();
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, n) =>
        call(me, 'POST', '/attendance/corrections', {
          date: clock.day(-4),
          punches: [
            { type: 'start', at: at(-4, 8 * 60 + n) },
            { type: 'end', at: at(-4, 16 * 60) },
          ],
          reason: `try ${n}`,
        }),
      ),
    );
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(1);
    const refused = answers.filter((a) => a.statusCode === 409);
    expect(refused).toHaveLength(5);
    expect(refused.every((a) => a.json().error.code === 'CORRECTION_PENDING')).toBe(true);
    const mine = (await call(me, 'GET', `/attendance/corrections?from=${clock.day(-4)}&to=${clock.day(-4)}`)).json();
    expect(mine.total).toBe(1);
  });

  it('refuses days outside the window, punches that do not make a day, and rejects with a reason', async () => {
    const me = await person();
    const ask = (date: string, punches: { type: string; at: string }[]) =>
      call(me, 'POST', '/attendance/corrections', { date, punches, reason: 'fix' });
    const future = await ask(clock.day(1), [{ type: 'start', at: at(1, 480) }]);
    expect(future.statusCode).toBe(422);
    expect(future.json().error).toMatchObject({ code: 'CORRECTION_OUTSIDE_WINDOW', details: { latest: clock.day(0) } });
    const old = await ask(clock.day(-31), [
      { type: 'start', at: at(-31, 480) },
      { type: 'end', at: at(-31, 600) },
    ]);
    expect(old.json().error).toMatchObject({
      code: 'CORRECTION_OUTSIDE_WINDOW',
      details: { earliest: clock.day(-30) },
    });
    const bad = async (punches: { type: string; at: string }[], problem: string) => {
      const answer = await ask(clock.day(-2), punches);
      expect(answer.statusCode).toBe(422);
      expect(answer.json().error).toMatchObject({ code: 'CORRECTION_INVALID_PUNCHES', details: { problem } });
    };
    await bad([{ type: 'break', at: at(-2, 480) }], 'transition');
    await bad(
      [
        { type: 'start', at: at(-2, 600) },
        { type: 'end', at: at(-2, 480) },
      ],
      'order',
    );
    await bad([{ type: 'start', at: at(-2, 480) }], 'open');
    await bad(
      [
        { type: 'start', at: at(-3, 480) },
        { type: 'end', at: at(-3, 600) },
      ],
      'otherDay',
    );

    const asked = (
      await ask(clock.day(-2), [
        { type: 'start', at: at(-2, 480) },
        { type: 'end', at: at(-2, 960) },
      ])
    ).json();
    manager = await again(manager);
    const noReason = await call(manager, 'PATCH', `/attendance/corrections/${asked.id}`, { action: 'reject' });
    expect(noReason.statusCode).toBe(400);
    const rejected = await call(manager, 'PATCH', `/attendance/corrections/${asked.id}`, {
      action: 'reject',
      reason: 'You were on leave',
    });
    expect(rejected.json()).toMatchObject({ status: 'rejected' });
    const days = (await call(me, 'GET', `/attendance/records?from=${clock.day(-2)}&to=${clock.day(-2)}`)).json();
    expect(days.items).toEqual([]);
    // Cancelled by the requester.
    const other = (
      await ask(clock.day(-3), [
        { type: 'start', at: at(-3, 480) },
        { type: 'end', at: at(-3, 960) },
      ])
    ).json();
    expect((await call(me, 'PATCH', `/attendance/corrections/${other.id}`, { action: 'cancel' })).json()).toMatchObject(
      {
        status: 'cancelled',
      },
    );
  });

  it('a locked month takes no correction; only an Admin unlocks it', async () => {
    await setAttendance({ correctionWindowDays: 60 });
    try {
      const firstOfMonth = `${clock.day(0).slice(0, 7)}-01`;
      const lastMonthDay = new Date(new Date(`${firstOfMonth}T00:00:00Z`).getTime() - 86_400_000)
        .toISOString()
        .slice(0, 10);
      const month = lastMonthDay.slice(0, 7);
      const me = await person();
      // A correction asked before the lock, still pending when the month is locked.
      const waiting = (
        await call(me, 'POST', '/attendance/corrections', {
          date: lastMonthDay,
          punches: [
            { type: 'start', at: `${lastMonthDay}T08:00:00.000Z` },
            { type: 'end', at: `${lastMonthDay}T16:00:00.000Z` },
          ],
          reason: 'before the lock',
        })
      ).json();

      hr = await again(hr);
      const open = await call(hr, 'POST', '/attendance/locks', { month: clock.day(0).slice(0, 7) });
      expect(open.statusCode).toBe(422);
      expect(open.json().error.code).toBe('ATTENDANCE_MONTH_OPEN');
      expect((await call(me, 'POST', '/attendance/locks', { month })).statusCode).toBe(403);
      const locked = await call(hr, 'POST', '/attendance/locks', { month });
      expect(locked.statusCode).toBe(201);
      expect(locked.json()).toMatchObject({ month, lockedBy: { id: hr.id } });
      expect((await call(hr, 'POST', '/attendance/locks', { month })).json().error.code).toBe(
        'ATTENDANCE_PERIOD_LOCKED',
      );

      const refused = await askCorrection(testApp().app, me, lastMonthDay, 'after the lock', ['09:00', '17:00']);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error).toMatchObject({ code: 'ATTENDANCE_PERIOD_LOCKED', details: { month } });
      // The waiting one cannot be approved into the locked month either.
      manager = await again(manager);
      const approve = await call(manager, 'PATCH', `/attendance/corrections/${waiting.id}`, { action: 'approve' });
      expect(approve.statusCode).toBe(409);
      expect(approve.json().error.code).toBe('ATTENDANCE_PERIOD_LOCKED');
      // Through the inbox the engine decides it; stored, it does not count while the month is locked.
      clock.advance(MINUTE);
      manager = await again(manager);
      const inbox = await call(manager, 'POST', `/approvals/${waiting.workflowId}/decide`, { decision: 'approve' });
      expect(inbox.statusCode).toBe(200);
      const dayOf = async () =>
        (await call(await again(me), 'GET', `/attendance/records?from=${lastMonthDay}&to=${lastMonthDay}`)).json()
          .items[0];
      const held = await dayOf();
      expect(held).toMatchObject({ locked: true, corrections: [{ correctionId: waiting.id, inEffect: false }] });
      expect(held.effective.figures.workedMinutes).toBe(0);
      expect(held.flags).toEqual([]);

      expect((await call(hr, 'DELETE', `/attendance/locks/${month}`)).statusCode).toBe(403);
      admin = await again(admin);
      const unlocked = await call(admin, 'DELETE', `/attendance/locks/${month}`);
      expect(unlocked.statusCode).toBe(200);
      expect((await call(admin, 'GET', '/attendance/locks')).json().items).toEqual([]);
      const audit = (await call(admin, 'GET', '/audits?resourceType=attendance_period')).json();
      expect(audit.items.map((e: { action: string }) => e.action)).toEqual(
        expect.arrayContaining(['attendance.lock', 'attendance.unlock']),
      );
      // Unlocked, it counts, and its day is settled (8 hours without a break).
      const counted = await dayOf();
      expect(counted).toMatchObject({ locked: false, corrections: [{ inEffect: true }] });
      expect(counted.effective.figures).toMatchObject({ state: 'ended', workedMinutes: 480 });
      expect(counted.flags).toEqual(['breakTooShort']);
    } finally {
      await setAttendance({});
    }
  });
});

describe('today and the report', () => {
  it('managers see their reports’ states with counts; HR everyone; employees are refused', async () => {
    const boss = await signInAs(testApp(), ['manager']);
    const team = await Promise.all([1, 2, 3].map(() => signInAs(testApp(), ['employee'], { managerId: boss.id })));
    const [working, done, idle] = team as [SignedIn, SignedIn, SignedIn];
    await call(working, 'POST', '/attendance/start');
    await call(done, 'POST', '/attendance/start');
    clock.advance(MINUTE);
    await call(done, 'POST', '/attendance/end');
    const view = (await call(boss, 'GET', '/attendance/today')).json();
    expect(view.date).toBe(clock.day(0));
    const stateOf = (id: string) => view.people.items.find((p: { user: { id: string } }) => p.user.id === id)?.state;
    expect([stateOf(working.id), stateOf(done.id), stateOf(idle.id)]).toEqual(['working', 'done', 'notStarted']);
    expect(view.people.total).toBe(3);
    expect(view.counts).toMatchObject({ working: 1, done: 1, notStarted: 1, onBreak: 0 });
    const onlyWorking = (await call(boss, 'GET', '/attendance/today?state=working')).json();
    expect(onlyWorking.people.items.map((p: { user: { id: string } }) => p.user.id)).toEqual([working.id]);
    expect(onlyWorking.counts.notStarted).toBe(1);
    expect(onlyWorking.people.items[0]).toMatchObject({ workLocation: 'wfo', startedAt: expect.any(String) });

    const all = (await call(await again(hr), 'GET', '/attendance/today?limit=100')).json();
    expect(all.people.total).toBeGreaterThan(3);
    expect((await call(idle, 'GET', '/attendance/today')).statusCode).toBe(403);
    clock.set(BASE);
  });

  it('someone on approved leave today is onLeave; a holiday of their calendar is holiday; a punch wins over both', async () => {
    const boss = await signInAs(testApp(), ['manager']);
    const [away, celebrating, keen] = (await Promise.all(
      [1, 2, 3].map(() => signInAs(testApp(), ['employee'], { managerId: boss.id })),
    )) as [SignedIn, SignedIn, SignedIn];
    const sick = (await call(away, 'GET', '/leave/types'))
      .json()
      .items.find((t: { code: string }) => t.code === 'SICK');
    const leave = await call(away, 'POST', '/leave/requests', {
      typeId: sick.id,
      startDate: clock.day(0),
      endDate: clock.day(0),
      reason: 'flu',
    });
    expect(leave.statusCode).toBe(201);
    expect((await call(boss, 'POST', `/leave/requests/${leave.json().id}/approve`, {})).statusCode).toBe(200);
    // A calendar of their own city with today as a holiday.
    const city = `Atlantis ${Math.random().toString(36).slice(2, 7)}`;
    admin = await again(admin);
    const calendar = await call(admin, 'POST', '/holidays/calendars', {
      name: `Holidays of ${city}`,
      isDefault: false,
      locations: [city],
      days: [{ date: clock.day(0), name: 'City day' }],
    });
    expect(calendar.statusCode).toBe(201);
    for (const who of [celebrating, keen]) {
      const profile = (await call(hr, 'GET', `/employees/${who.id}`)).json();
      const moved = await call(hr, 'PATCH', `/employees/${who.id}`, { version: profile.version, contact: { city } });
      expect(moved.statusCode).toBe(200);
    }
    await call(keen, 'POST', '/attendance/start');
    const view = (await call(boss, 'GET', '/attendance/today')).json();
    const stateOf = (id: string) => view.people.items.find((p: { user: { id: string } }) => p.user.id === id)?.state;
    expect([stateOf(away.id), stateOf(celebrating.id), stateOf(keen.id)]).toEqual(['onLeave', 'holiday', 'working']);
    expect(view.counts).toMatchObject({ onLeave: 1, holiday: 1, working: 1 });
  });

  it('the report: per person days, hours, breaks, late starts, missing check-outs, corrections; CSV; 403 for employees', async () => {
    const boss = await signInAs(testApp(), ['manager']);
    const me = await signInAs(testApp(), ['employee'], { managerId: boss.id });
    // Yesterday by correction (08:00–17:00, 30 min break), today a late start at 10:00 still running.
    const asked = (
      await call(me, 'POST', '/attendance/corrections', {
        date: clock.day(-1),
        punches: [
          { type: 'start', at: at(-1, 8 * 60) },
          { type: 'break', at: at(-1, 12 * 60) },
          { type: 'resume', at: at(-1, 12 * 60 + 30) },
          { type: 'end', at: at(-1, 17 * 60) },
        ],
        reason: 'missed',
      })
    ).json();
    await call(boss, 'PATCH', `/attendance/corrections/${asked.id}`, { action: 'approve' });
    clock.advance(2 * HOUR);
    await call(await again(me), 'POST', '/attendance/start');
    clock.advance(HOUR);
    const boss2 = await again(boss);
    const report = (await call(boss2, 'GET', `/reports/attendance?from=${clock.day(-1)}&to=${clock.day(0)}`)).json();
    expect(report.people.map((p: { employee: { id: string } }) => p.employee.id)).toEqual([me.id]);
    expect(report.people[0]).toMatchObject({
      daysWorked: 2,
      workedMinutes: 510 + 60,
      breakMinutes: 30,
      lateStarts: 1,
      missingCheckouts: 0,
      corrections: 1,
      averageWorkedHours: 4.75,
    });
    expect(report.totals).toMatchObject({ people: 1, daysWorked: 2, corrections: 1 });
    const csv = await call(boss2, 'GET', `/reports/attendance?from=${clock.day(-1)}&to=${clock.day(0)}&format=csv`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\n')[0]).toContain('daysWorked');
    expect(csv.body).toContain(me.id);
    expect((await call(await again(me), 'GET', '/reports/attendance')).statusCode).toBe(403);
    clock.set(BASE);
  });
});
