import { oid } from '@seed-pms/db';
import { isoWeekday } from '@seed-pms/domain';
import { beforeAll, describe, expect, it } from 'vitest';
import { serviceInternals } from '../src/services.js';
import { callAs, type RestMethod, type SignedIn, signInAs } from './auth-helpers.js';
import { testClock } from './clock.js';
import { useTestApp } from './support.js';

const clock = testClock();
const testApp = useTestApp(import.meta.url, { clock });
const call = (session: SignedIn | null, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);

let hr: SignedIn;
let admin: SignedIn;
let manager: SignedIn;

/** Working days (Monday–Friday) from `offset` days ahead on, all in the same leave year as the first. */
function workingDays(count: number, offset = 7): string[] {
  const out: string[] = [];
  for (let n = offset; out.length < count; n++) {
    const day = clock.day(n);
    if (isoWeekday(day) <= 5) out.push(day);
  }
  return out;
}

/** `count` working days of the next leave year (a balance of one year holds them all). */
function nextYearDays(count: number): string[] {
  const year = Number(clock.day(0).slice(0, 4)) + 1;
  let offset = 1;
  while (clock.day(offset) < `${year}-01-01`) offset++;
  return workingDays(count, offset);
}

/** A year-accruing type of `days` per year, its own name. */
async function yearlyType(days: number, extra: Record<string, unknown> = {}) {
  const response = await call(admin, 'POST', '/leave/types', {
    name: `Yearly ${Math.random().toString(36).slice(2, 8)}`,
    code: `Y${Math.random().toString(36).slice(2, 8)}`,
    accrual: 'yearly',
    yearlyEntitlement: days,
    ...extra,
  });
  expect(response.statusCode).toBe(201);
  return response.json() as { id: string; name: string };
}

/** Someone who joined two years ago, reporting to the manager. */
async function person() {
  const who = await signInAs(testApp(), ['employee'], { managerId: manager.id });
  const profile = (await call(hr, 'GET', `/employees/${who.id}`)).json();
  const joined = await call(hr, 'PATCH', `/employees/${who.id}`, {
    version: profile.version,
    joinDate: clock.day(-800),
  });
  expect(joined.statusCode).toBe(200);
  return who;
}

const lineOf = async (who: SignedIn, typeId: string, asOf?: string) => {
  const view = (await call(who, 'GET', `/leave/balances/me${asOf ? `?asOf=${asOf}` : ''}`)).json();
  return view.balances.find((b: { type: { id: string } }) => b.type.id === typeId);
};

beforeAll(async () => {
  hr = await signInAs(testApp(), ['hr']);
  admin = await signInAs(testApp(), ['admin']);
  manager = await signInAs(testApp(), ['manager']);
});

describe('leave types', () => {
  it('the defaults are there; names are unique in any case; only admins add types', async () => {
    const list = (await call(manager, 'GET', '/leave/types')).json();
    expect(list.items.map((t: { code: string }) => t.code)).toEqual(
      expect.arrayContaining(['ANNUAL', 'SICK', 'UNPAID']),
    );
    const annual = list.items.find((t: { code: string }) => t.code === 'ANNUAL');
    expect(annual).toMatchObject({
      accrual: 'monthly',
      yearlyEntitlement: 25,
      carryForwardCap: 5,
      carryForwardExpiryMonths: 3,
    });
    const again = await call(admin, 'POST', '/leave/types', { name: 'annual LEAVE', code: 'OTHER' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('ALREADY_EXISTS');
    expect((await call(manager, 'POST', '/leave/types', { name: 'Mine', code: 'MINE' })).statusCode).toBe(403);
    const invalid = await call(admin, 'POST', '/leave/types', {
      name: 'No entitlement',
      code: 'NOENT',
      accrual: 'monthly',
    });
    expect(invalid.statusCode).toBe(400);
  });

  it('a change is checked against the whole type: an accruing type keeps an entitlement; a used type keeps its unit', async () => {
    const created = await call(admin, 'POST', '/leave/types', {
      name: `Plain ${Math.random().toString(36).slice(2, 8)}`,
      code: `P${Math.random().toString(36).slice(2, 8)}`,
    });
    const plain = created.json();
    const accruing = await call(admin, 'PATCH', `/leave/types/${plain.id}`, {
      version: plain.version,
      accrual: 'monthly',
    });
    expect(accruing.statusCode).toBe(400);
    expect(accruing.json().error.details).toEqual([expect.objectContaining({ path: 'yearlyEntitlement' })]);
    const type = await yearlyType(5);
    const me = await person();
    const [day] = workingDays(1);
    expect(
      (await call(me, 'POST', '/leave/requests', { typeId: type.id, startDate: day, endDate: day })).statusCode,
    ).toBe(201);
    const current = (await call(admin, 'GET', '/leave/types'))
      .json()
      .items.find((t: { id: string }) => t.id === type.id);
    const unit = await call(admin, 'PATCH', `/leave/types/${type.id}`, { version: current.version, unit: 'hour' });
    expect(unit.statusCode).toBe(409);
    expect(unit.json().error).toMatchObject({ code: 'IN_USE', details: { field: 'unit' } });
  });

  it('archiving a type stops new requests', async () => {
    const type = await yearlyType(5);
    const current = (await call(admin, 'GET', '/leave/types?includeArchived=true'))
      .json()
      .items.find((t: { id: string }) => t.id === type.id);
    const archived = await call(admin, 'PATCH', `/leave/types/${type.id}`, {
      version: current.version,
      archived: true,
    });
    expect(archived.json()).toMatchObject({ archived: true });
    const me = await person();
    const [day] = workingDays(1);
    const refused = await call(me, 'POST', '/leave/requests', { typeId: type.id, startDate: day, endDate: day });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({ code: 'LEAVE_TYPE_ARCHIVED', details: { typeId: type.id } });
  });
});

describe('holiday calendars', () => {
  it('the first calendar is the default; holidays do not count inside a request; the default cannot be deleted', async () => {
    const days = workingDays(5);
    const created = await call(admin, 'POST', '/holidays/calendars', {
      name: `Org ${Math.random().toString(36).slice(2, 6)}`,
      isDefault: true,
      days: [{ date: days[1], name: 'Founders day' }],
    });
    expect(created.statusCode).toBe(201);
    const calendar = created.json();
    expect(calendar.isDefault).toBe(true);
    const type = await yearlyType(20);
    const me = await person();
    const request = await call(me, 'POST', '/leave/requests', {
      typeId: type.id,
      startDate: days[0],
      endDate: days[2],
    });
    expect(request.statusCode).toBe(201);
    expect(request.json().amount).toBe(2);
    const gone = await call(admin, 'DELETE', `/holidays/calendars/${calendar.id}`);
    expect(gone.statusCode).toBe(409);
    expect(gone.json().error.code).toBe('HOLIDAY_CALENDAR_DEFAULT');
    // Cleared again, so other tests count every weekday.
    const emptied = await call(admin, 'PATCH', `/holidays/calendars/${calendar.id}`, {
      version: calendar.version,
      days: [],
    });
    expect(emptied.json().days).toEqual([]);
  });
});

describe('leave requests and balances', () => {
  it('a request holds its days, the approval takes them, the balance shows both; a rejection gives them back', async () => {
    const type = await yearlyType(10);
    const me = await person();
    expect(await lineOf(me, type.id)).toMatchObject({ entitled: 10, accrued: 10, available: 10, pending: 0, taken: 0 });
    const days = workingDays(4);
    const created = await call(me, 'POST', '/leave/requests', {
      typeId: type.id,
      startDate: days[0],
      endDate: days[1],
      endHalf: 'am',
      reason: 'family',
    });
    expect(created.statusCode).toBe(201);
    const request = created.json();
    expect(request).toMatchObject({
      status: 'pending',
      amount: 1.5,
      type: { id: type.id },
      approval: { state: 'pending' },
    });
    expect(await lineOf(me, type.id)).toMatchObject({ pending: 1.5, available: 8.5 });

    const clash = await call(me, 'POST', '/leave/requests', { typeId: type.id, startDate: days[1], endDate: days[2] });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error).toMatchObject({ code: 'LEAVE_OVERLAP', details: { request: { id: request.id } } });
    // The afternoon of the half day is free.
    const afternoon = await call(me, 'POST', '/leave/requests', {
      typeId: type.id,
      startDate: days[1],
      endDate: days[1],
      startHalf: 'pm',
    });
    expect(afternoon.statusCode).toBe(201);

    const queue = (await call(manager, 'GET', '/leave/approvals?limit=100')).json();
    expect(queue.items.map((i: { id: string }) => i.id)).toContain(request.id);
    const approved = await call(manager, 'POST', `/leave/requests/${request.id}/approve`, { comment: 'ok' });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved' });
    const rejected = await call(manager, 'POST', `/leave/requests/${afternoon.json().id}/reject`, { reason: 'busy' });
    expect(rejected.json()).toMatchObject({ status: 'rejected' });
    expect(await lineOf(me, type.id)).toMatchObject({ pending: 0, taken: 1.5, available: 8.5 });

    const detail = (await call(me, 'GET', `/leave/requests/${request.id}`)).json();
    expect(detail.days).toEqual([
      { date: days[0], amount: 1 },
      { date: days[1], amount: 0.5 },
    ]);
    expect(detail.workflow.decisions).toMatchObject([{ by: { id: manager.id }, decision: 'approve' }]);

    const colleague = await signInAs(testApp());
    expect((await call(colleague, 'GET', `/leave/requests/${request.id}`)).statusCode).toBe(404);
    expect((await call(colleague, 'GET', `/leave/balances/${me.id}`)).statusCode).toBe(404);
    expect((await call(manager, 'GET', `/leave/balances/${me.id}`)).statusCode).toBe(200);

    // Cancelling approved leave that has not begun gives every day back.
    const cancelled = await call(me, 'DELETE', `/leave/requests/${request.id}`);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
    expect(await lineOf(me, type.id)).toMatchObject({ taken: 0, available: 10 });
  });

  it('an edit holds the new days, gives back the old ones and starts approval again; a stale version is refused', async () => {
    const type = await yearlyType(5);
    const me = await person();
    const days = workingDays(6);
    const request = (
      await call(me, 'POST', '/leave/requests', { typeId: type.id, startDate: days[0], endDate: days[1] })
    ).json();
    expect(await lineOf(me, type.id)).toMatchObject({ pending: 2, available: 3 });
    const edited = await call(me, 'PATCH', `/leave/requests/${request.id}`, {
      version: request.version,
      startDate: days[2],
      endDate: days[5],
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ amount: 4, startDate: days[2], status: 'pending', approval: { round: 2 } });
    expect(await lineOf(me, type.id)).toMatchObject({ pending: 4, available: 1 });
    const stale = await call(me, 'PATCH', `/leave/requests/${request.id}`, {
      version: request.version,
      endDate: days[2],
    });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('VERSION_CONFLICT');
    // Too much for what is left (the old hold counted back): refused, the request unchanged.
    const tooMuch = await call(me, 'PATCH', `/leave/requests/${request.id}`, {
      version: edited.json().version,
      startDate: days[0],
      endDate: days[5],
    });
    expect(tooMuch.statusCode).toBe(422);
    expect(tooMuch.json().error).toMatchObject({
      code: 'INSUFFICIENT_BALANCE',
      details: { available: 5, requested: 6 },
    });
    expect(await lineOf(me, type.id)).toMatchObject({ pending: 4, available: 1 });
    // Withdrawn: every held day back.
    expect((await call(me, 'DELETE', `/leave/requests/${request.id}`)).json()).toMatchObject({ status: 'cancelled' });
    expect(await lineOf(me, type.id)).toMatchObject({ pending: 0, available: 5 });
  });

  it('refuses what the balance cannot hold, with what is left', async () => {
    const type = await yearlyType(2, { allowNegative: 1 });
    const me = await person();
    const days = workingDays(5);
    const refused = await call(me, 'POST', '/leave/requests', {
      typeId: type.id,
      startDate: days[0],
      endDate: days[3],
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({
      code: 'INSUFFICIENT_BALANCE',
      details: { available: 2, requested: 4, allowedNegative: 1 },
    });
    const within = await call(me, 'POST', '/leave/requests', { typeId: type.id, startDate: days[0], endDate: days[2] });
    expect(within.statusCode).toBe(201);
    expect(await lineOf(me, type.id)).toMatchObject({ available: -1 });
  });

  it('HR adjusts a balance with a reason; it is an entry of its own, audited', async () => {
    const type = await yearlyType(3);
    const me = await person();
    const year = Number(clock.day(0).slice(0, 4));
    const adjusted = await call(hr, 'PATCH', `/leave/balances/${me.id}`, {
      typeId: type.id,
      year,
      days: 2.5,
      reason: 'overtime',
    });
    expect(adjusted.statusCode).toBe(200);
    expect(await lineOf(me, type.id)).toMatchObject({ adjusted: 2.5, available: 5.5 });
    expect(
      (await call(manager, 'PATCH', `/leave/balances/${me.id}`, { typeId: type.id, year, days: 1, reason: 'x' }))
        .statusCode,
    ).toBe(403);
    const trail = (await call(hr, 'GET', `/audit-logs?resourceType=leave_balance&resourceId=${me.id}`)).json();
    if (trail.items) expect(trail.items[0]).toMatchObject({ action: 'leave.balance.adjust' });
  });

  it('50 simultaneous one-day requests against a balance of 10: exactly 10 accepted, the ledger equal to the projection', async () => {
    const type = await yearlyType(10);
    const me = await person();
    const days = nextYearDays(50);
    const answers = await Promise.all(
      days.map((day) => call(me, 'POST', '/leave/requests', { typeId: type.id, startDate: day, endDate: day })),
    );
    const codes = answers.map((a) => a.statusCode);
    expect(codes.filter((c) => c === 201)).toHaveLength(10);
    expect(codes.filter((c) => c === 422)).toHaveLength(40);
    for (const refused of answers.filter((a) => a.statusCode === 422)) {
      expect(refused.json().error.code).toBe('INSUFFICIENT_BALANCE');
    }
    expect(await lineOf(me, type.id, days[0])).toMatchObject({ pending: 10, available: 0 });
    const { leave } = await serviceInternals(testApp().deps);
    clock.advance(2 * 60_000);
    const rebuilt = await leave.rebuildBalances(clock());
    expect(rebuilt.repaired).toBe(0);
  });

  it('the rebuild finds a corrupted projection and repairs it from the ledger', async () => {
    const type = await yearlyType(10);
    const me = await person();
    const [day] = workingDays(1);
    expect(
      (await call(me, 'POST', '/leave/requests', { typeId: type.id, startDate: day, endDate: day })).statusCode,
    ).toBe(201);
    const { leave } = await serviceInternals(testApp().deps);
    await leave.accrue(clock());
    expect((await leave.rebuildBalances(clock())).repaired).toBe(0);
    const balances = testApp().database.db.collection('leave_balances');
    await balances.updateOne({ userId: oid(me.id), typeId: oid(type.id) }, { $set: { pending: 0, available: 1000 } });
    // What was written in the last minute may be halfway through a post: the rebuild leaves it for its next run.
    expect((await leave.rebuildBalances(clock())).repaired).toBe(0);
    clock.advance(2 * 60_000);
    const stored = await balances.findOne({ userId: oid(me.id), typeId: oid(type.id) });
    expect(stored?.pending).toBe(0);
    const rebuilt = await leave.rebuildBalances(clock());
    expect(rebuilt.repaired).toBe(1);
    const repaired = await balances.findOne({ userId: oid(me.id), typeId: oid(type.id) });
    expect(repaired).toMatchObject({ pending: 100, accrued: 1000, available: 900 });
  });

  it('a take lost between the approval’s write and its entry is posted by the daily check', async () => {
    const type = await yearlyType(10);
    const me = await person();
    const [day] = workingDays(1);
    const request = (
      await call(me, 'POST', '/leave/requests', { typeId: type.id, startDate: day, endDate: day })
    ).json();
    expect((await call(manager, 'POST', `/leave/requests/${request.id}/approve`, {})).statusCode).toBe(200);
    // As if the process stopped after the request was approved, before its entry was written.
    const ledger = testApp().database.db.collection('leave_ledger');
    expect((await ledger.deleteOne({ userId: oid(me.id), key: `take:${request.id}` })).deletedCount).toBe(1);
    const { leave } = await serviceInternals(testApp().deps);
    clock.advance(2 * 60_000);
    const checked = await leave.rebuildBalances(clock());
    expect(checked.followed).toBe(1);
    clock.advance(2 * 60_000);
    await leave.rebuildBalances(clock());
    expect(await lineOf(me, type.id)).toMatchObject({ pending: 0, taken: 1, available: 9 });
    expect((await leave.rebuildBalances(clock())).followed).toBe(0);
  });

  it('last year’s balance carries over up to the cap, once, and what is not used by the expiry day lapses', async () => {
    const type = await yearlyType(10, { carryForwardCap: 5, carryForwardExpiryMonths: 3 });
    const me = await person();
    const year = Number(clock.day(0).slice(0, 4));
    expect(
      (
        await call(hr, 'PATCH', `/leave/balances/${me.id}`, {
          typeId: type.id,
          year: year - 1,
          days: 3,
          reason: 'moved',
        })
      ).statusCode,
    ).toBe(200);
    const { leave } = await serviceInternals(testApp().deps);
    expect((await leave.carryForward(clock())).carried).toBeGreaterThanOrEqual(1);
    // Last year: 10 accrued + 3 adjusted, nothing taken; at most 5 carry, usable to 31 March.
    const carried = await lineOf(me, type.id, `${year}-01-15`);
    expect(carried).toMatchObject({ carried: 5, carryExpiresOn: `${year}-03-31`, expired: 0, available: 15 });
    // After the expiry day (the job's day, not the app's clock): the unused 5 lapse, once.
    const may = new Date(`${year}-05-01T12:00:00Z`);
    const lapse = await leave.carryForward(may);
    expect(lapse.carried).toBe(0);
    expect(lapse.expired).toBeGreaterThanOrEqual(1);
    expect(await lineOf(me, type.id, `${year}-05-01`)).toMatchObject({ carried: 5, expired: 5, available: 10 });
    expect(await leave.carryForward(may)).toEqual({ carried: 0, expired: 0 });
  });

  it('accrual posts once per person, type and period: a second run adds nothing', async () => {
    const type = await yearlyType(12);
    const me = await person();
    const { leave } = await serviceInternals(testApp().deps);
    const first = await leave.accrue(clock());
    expect(first.credited).toBeGreaterThanOrEqual(1);
    const second = await leave.accrue(clock());
    expect(second).toEqual({ credited: 0, entitlements: 0 });
    expect(await lineOf(me, type.id)).toMatchObject({ accrued: 12, entitled: 12 });
    const runs = (await call(admin, 'GET', '/admin/jobs/registered')).json();
    expect(JSON.stringify(runs)).toContain('leave.accrue');
  });
});

describe('past days and part-time hours', () => {
  it('sick leave may start up to 30 days back; earlier only HR records', async () => {
    const me = await person();
    const sick = (await call(me, 'GET', '/leave/types')).json().items.find((t: { code: string }) => t.code === 'SICK');
    expect(sick.maxPastDays).toBe(30);
    const [recent] = workingDays(1, -6);
    const told = await call(me, 'POST', '/leave/requests', { typeId: sick.id, startDate: recent, endDate: recent });
    expect(told.statusCode).toBe(201);
    const [old] = workingDays(1, -45);
    const late = await call(me, 'POST', '/leave/requests', { typeId: sick.id, startDate: old, endDate: old });
    expect(late.statusCode).toBe(422);
    expect(late.json().error).toMatchObject({ code: 'DAYS_IN_PAST', details: { maxPastDays: 30, startDate: old } });
  });

  it('approved leave that has begun: the requester cannot cancel it; HR gives back the days from today on', async () => {
    const me = await person();
    const sick = (await call(me, 'GET', '/leave/types')).json().items.find((t: { code: string }) => t.code === 'SICK');
    // The last working day before today to the first from today on: two days, begun.
    let back = -1;
    while (isoWeekday(clock.day(back)) > 5) back--;
    const first = clock.day(back);
    const last = workingDays(1, 0)[0] as string;
    const request = (
      await call(me, 'POST', '/leave/requests', { typeId: sick.id, startDate: first, endDate: last })
    ).json();
    expect((await call(manager, 'POST', `/leave/requests/${request.id}/approve`, {})).statusCode).toBe(200);
    const taken = (await lineOf(me, sick.id)).taken;
    const mine = await call(me, 'DELETE', `/leave/requests/${request.id}`);
    expect(mine.statusCode).toBe(422);
    expect(mine.json().error).toMatchObject({ code: 'LEAVE_ALREADY_STARTED', details: { startDate: first } });
    const cut = await call(hr, 'DELETE', `/leave/requests/${request.id}`);
    expect(cut.statusCode).toBe(200);
    expect(cut.json()).toMatchObject({ status: 'approved', curtailedFrom: clock.day(0) });
    const detail = (await call(me, 'GET', `/leave/requests/${request.id}`)).json();
    const remaining = detail.days.filter((d: { date: string }) => d.date >= clock.day(0));
    const given = remaining.reduce((sum: number, d: { amount: number }) => sum + d.amount, 0);
    expect(given).toBeGreaterThan(0);
    expect((await lineOf(me, sick.id)).taken).toBe(taken - given);
    // Cut short once: nothing more to cancel.
    expect((await call(hr, 'DELETE', `/leave/requests/${request.id}`)).json().error.code).toBe('REQUEST_NOT_PENDING');
  });

  it('hour types count a day as the profile’s working hours', async () => {
    const type = await yearlyType(40, { unit: 'hour' });
    const me = await person();
    const profile = (await call(hr, 'GET', `/employees/${me.id}`)).json();
    const parted = await call(hr, 'PATCH', `/employees/${me.id}`, { version: profile.version, workingHoursPerDay: 4 });
    expect(parted.json().workingHoursPerDay).toBe(4);
    const days = workingDays(2);
    const created = await call(me, 'POST', '/leave/requests', {
      typeId: type.id,
      startDate: days[0],
      endDate: days[1],
      endHalf: 'am',
    });
    expect(created.json()).toMatchObject({ amount: 6 });
    expect(await lineOf(me, type.id)).toMatchObject({ pending: 6, available: 34 });
  });
});

describe('leave and capacity', () => {
  it('approved leave lowers availability in the timeline and the report, and the lead hears of the over-allocation', async () => {
    const type = await yearlyType(10);
    const me = await person();
    const lead = await signInAs(testApp(), ['employee']);
    const days = workingDays(2);
    const project = (
      await call(manager, 'POST', '/projects', {
        name: `Leave impact ${Math.random().toString(36).slice(2, 8)}`,
        startDate: clock.day(0),
        endDate: clock.day(60),
      })
    ).json();
    expect(
      (
        await call(manager, 'POST', `/projects/${project.id}/roster`, {
          userId: lead.id,
          role: 'lead',
          allocationPercent: 10,
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (await call(manager, 'POST', `/projects/${project.id}/roster`, { userId: me.id, allocationPercent: 60 }))
        .statusCode,
    ).toBe(201);

    const request = (
      await call(me, 'POST', '/leave/requests', { typeId: type.id, startDate: days[0], endDate: days[0] })
    ).json();
    const detail = (await call(manager, 'GET', `/leave/requests/${request.id}`)).json();
    expect(detail.impact.projects).toMatchObject([
      { project: { id: project.id }, allocationPercent: 60, leads: [{ id: lead.id }] },
    ]);
    // A teammate's pending leave is theirs and their approvers'; once approved, the impact shows them off.
    const theirs = (
      await call(lead, 'POST', '/leave/requests', { typeId: type.id, startDate: days[0], endDate: days[0] })
    ).json();
    const impactOf = async () => (await call(me, 'GET', `/leave/requests/${request.id}`)).json().impact.projects[0];
    expect((await impactOf()).teammatesOff).toEqual([]);
    expect((await call(hr, 'POST', `/leave/requests/${theirs.id}/approve`, {})).statusCode).toBe(200);
    expect((await impactOf()).teammatesOff).toMatchObject([{ user: { id: lead.id }, status: 'approved' }]);
    expect((await call(manager, 'POST', `/leave/requests/${request.id}/approve`, {})).statusCode).toBe(200);

    const timeline = (await call(manager, 'GET', `/employees/${me.id}/capacity?from=${days[0]}&to=${days[0]}`)).json();
    expect(timeline.timeline[0]).toMatchObject({ allocationPercent: 60, availablePercent: 0, overAllocated: true });
    const report = (await call(manager, 'GET', `/reports/capacity?from=${days[0]}&to=${days[0]}`)).json();
    expect(report.overAllocated.map((p: { id: string }) => p.id)).toContain(me.id);

    const told = (await call(lead, 'GET', '/notifications?limit=50')).json();
    const overbooked = told.items.filter((n: { type: string }) => n.type === 'project.overallocated');
    expect(overbooked).toHaveLength(1);
    expect(overbooked[0].body).toContain('Approved leave');

    // A morning and an afternoon off the same day add up to the whole day.
    const morning = (
      await call(me, 'POST', '/leave/requests', {
        typeId: type.id,
        startDate: days[1],
        endDate: days[1],
        endHalf: 'am',
      })
    ).json();
    const afternoon = (
      await call(me, 'POST', '/leave/requests', {
        typeId: type.id,
        startDate: days[1],
        endDate: days[1],
        startHalf: 'pm',
      })
    ).json();
    await call(manager, 'POST', `/leave/requests/${morning.id}/approve`, {});
    const half = (await call(manager, 'GET', `/employees/${me.id}/capacity?from=${days[1]}&to=${days[1]}`)).json();
    expect(half.timeline[0]).toMatchObject({ availablePercent: 50 });
    await call(manager, 'POST', `/leave/requests/${afternoon.id}/approve`, {});
    const whole = (await call(manager, 'GET', `/employees/${me.id}/capacity?from=${days[1]}&to=${days[1]}`)).json();
    expect(whole.timeline[0]).toMatchObject({ availablePercent: 0 });
  });
});

describe('the integrated calendar and the leave report', () => {
  it('the person sees their leave with its type; a colleague sees only that they are away', async () => {
    const type = await yearlyType(10);
    const me = await person();
    const days = workingDays(2);
    const request = (
      await call(me, 'POST', '/leave/requests', { typeId: type.id, startDate: days[0], endDate: days[0] })
    ).json();
    await call(manager, 'POST', `/leave/requests/${request.id}/approve`, {});
    const own = (await call(me, 'GET', `/employees/${me.id}/calendar?from=${days[0]}&to=${days[1]}`)).json();
    expect(own.detail).toBe('full');
    expect(own.days[0]).toMatchObject({ date: days[0], status: 'away' });
    expect(own.days[0].entries).toContainEqual(
      expect.objectContaining({ kind: 'leave', requestId: request.id, status: 'approved', fraction: 1 }),
    );
    const colleague = await signInAs(testApp());
    const theirs = (await call(colleague, 'GET', `/employees/${me.id}/calendar?from=${days[0]}&to=${days[1]}`)).json();
    expect(theirs.detail).toBe('limited');
    expect(theirs.days[0].entries).toEqual([{ kind: 'away', fraction: 1 }]);
    expect(JSON.stringify(theirs)).not.toContain(type.name);
    const tooLong = await call(me, 'GET', `/employees/${me.id}/calendar?from=${clock.day(0)}&to=${clock.day(400)}`);
    expect(tooLong.statusCode).toBe(400);
    const backwards = await call(me, 'GET', `/employees/${me.id}/calendar?to=${clock.day(-5)}`);
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.details).toEqual([expect.objectContaining({ path: 'to', code: 'invalid_range' })]);

    const report = await call(hr, 'GET', `/reports/leave?from=${days[0]}&to=${days[1]}&typeId=${type.id}`);
    expect(report.statusCode).toBe(200);
    const row = report.json().people.find((p: { employee: { id: string } }) => p.employee.id === me.id);
    expect(row.types[0]).toMatchObject({ typeId: type.id, taken: 1, daysOff: 1, balance: 9 });
    const csv = await call(hr, 'GET', `/reports/leave?from=${days[0]}&to=${days[1]}&typeId=${type.id}&format=csv`);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain(me.id);
    expect((await call(await signInAs(testApp()), 'GET', '/reports/leave')).statusCode).toBe(403);
  });
});
