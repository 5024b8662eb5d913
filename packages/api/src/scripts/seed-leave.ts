import type { Repositories } from '@seed-pms/db';
import { type Actor, addDays, dayInTimezone, isoWeekday, type LeaveStatus } from '@seed-pms/domain';
import { type ActorContext, systemCallContext } from '../app/call-context.js';
import type { LeaveInternals } from '../leave/leave.service.js';
import type { Services } from '../services.js';
import { mulberry32 } from './seed-common.js';

export interface SeededLeave {
  /** The default holiday calendar was made now (false: one was there already). */
  calendarCreated: boolean;
  holidays: number;
  adjustments: number;
  accrual: { credited: number; entitlements: number };
  requests: Record<LeaveStatus, number>;
}

async function actorOf(repos: Repositories, id: string): Promise<Actor> {
  const user = await repos.users.get(id);
  if (!user) throw new Error(`no account ${id}`);
  return { id: user.id, email: user.email, roles: user.roles, sessionId: null, pending: [] };
}

/** The demo holidays of `year` (fixed dates; whatever weekday they fall on). */
function demoHolidays(year: number) {
  return [
    { date: `${year}-01-01`, name: 'New Year’s Day', halfDay: false },
    { date: `${year}-05-01`, name: 'Labour Day', halfDay: false },
    { date: `${year}-10-05`, name: 'Founders’ Day', halfDay: false },
    { date: `${year}-12-24`, name: 'Christmas Eve', halfDay: true },
    { date: `${year}-12-25`, name: 'Christmas Day', halfDay: false },
    { date: `${year}-12-31`, name: 'New Year’s Eve', halfDay: true },
  ];
}

/** What the requests cycle through: every state, more of them pending and approved. */
const OUTCOMES: LeaveStatus[] = ['pending', 'approved', 'rejected', 'cancelled', 'approved', 'pending'];

/**
 * Leave for the demo: the default types (listing them inserts them), a
 * default holiday calendar for the seed clock's year (unless there is one),
 * HR adjustments with a reason, the accrual job's credits, and leave requests
 * in every state made through the service exactly as the API makes them (so
 * each has its workflow, ledger entries, audit entries and decisions).
 * Requests are on working days from a week ahead, one per person, so the
 * notice, overlap and balance rules all pass. Deterministic for a seed.
 */
export async function seedLeave(
  services: Services,
  internals: LeaveInternals,
  repos: Repositories,
  people: { employeeIds: readonly string[]; adminId: string; hrId: string },
  options: { seed: number; now: Date; requests?: number },
): Promise<SeededLeave> {
  const random = mulberry32(options.seed ^ 0x1ea7e);
  const as = async (id: string): Promise<ActorContext> => ({
    ...systemCallContext('seed', options.now),
    actor: await actorOf(repos, id),
  });
  const admin = await as(people.adminId);
  const hr = await as(people.hrId);
  const { timezone } = (await services.settings.current(options.now)).organization;
  const today = dayInTimezone(options.now, timezone);
  const year = Number(today.slice(0, 4));

  const types = (await services.leave.types(admin, { includeArchived: false })).items;
  const annual = types.find((t) => t.code === 'ANNUAL');
  const sick = types.find((t) => t.code === 'SICK');
  if (!annual || !sick) throw new Error('the default leave types (ANNUAL, SICK) are missing');

  const calendars = (await services.leave.calendars(admin, {})).items;
  let calendarCreated = false;
  let holidayDays = calendars.find((c) => c.isDefault)?.days ?? calendars[0]?.days ?? [];
  if (calendars.length === 0) {
    const created = await services.leave.createCalendar(admin, {
      name: 'Head office',
      isDefault: true,
      locations: [],
      days: demoHolidays(year),
    });
    holidayDays = created.days;
    calendarCreated = true;
  }
  const holidays = new Set(holidayDays.map((d) => d.date));

  // Everyone but the CEO may ask; each person once, so requests never overlap.
  const candidates = people.employeeIds.slice(1).filter((id) => id !== people.hrId);
  const wanted = Math.min(options.requests ?? 20, candidates.length);
  const chosen = new Set<number>();
  while (chosen.size < wanted) chosen.add(Math.floor(random() * candidates.length));
  const requesters = [...chosen].map((index) => candidates[index] as string);

  const accrual = await internals.accrue(options.now);

  // HR tops up some of them (and a few others) for the year, with the reason kept in the ledger.
  const adjusted = [...requesters.slice(0, 4), ...candidates.filter((id) => !requesters.includes(id)).slice(0, 2)];
  const reasons = ['Overtime during the launch', 'Weekend on call', 'Long-service bonus'];
  for (const [i, userId] of adjusted.entries()) {
    await services.leave.adjustBalance(hr, {
      userId,
      typeId: annual.id,
      year,
      days: 1 + (i % 3),
      reason: reasons[i % reasons.length] as string,
    });
  }

  // Working days (no weekends, no holidays) from a week ahead.
  const workingDays: string[] = [];
  for (let n = 7; workingDays.length < 20; n++) {
    const day = addDays(today, n);
    if (isoWeekday(day) <= 5 && !holidays.has(day)) workingDays.push(day);
  }

  const counts: Record<LeaveStatus, number> = { pending: 0, approved: 0, rejected: 0, cancelled: 0 };
  for (const [i, requesterId] of requesters.entries()) {
    const isSick = i % 4 === 3;
    const start = workingDays[Math.floor(random() * 12)] as string;
    // One to three days, within the week (so a sick leave never needs a document).
    let end = start;
    for (let extra = Math.floor(random() * 3); extra > 0; extra--) {
      const next = addDays(end, 1);
      if (isoWeekday(next) > 5 || holidays.has(next)) break;
      end = next;
    }
    const requester = await as(requesterId);
    const request = await services.leave.submit(requester, {
      typeId: isSick ? sick.id : annual.id,
      startDate: start,
      endDate: end,
      ...(isSick ? { reason: 'Medical appointment' } : random() < 0.5 ? { reason: 'Family visit' } : {}),
    });
    const outcome = OUTCOMES[i % OUTCOMES.length] as LeaveStatus;
    if (outcome === 'pending') {
      counts.pending++;
      continue;
    }
    if (outcome === 'cancelled') {
      // Withdrawn by the requester while pending.
      await services.leave.cancel(requester, request.id);
      counts.cancelled++;
      continue;
    }
    const reject = outcome === 'rejected';
    // Each stage's first approver decides until the workflow closes.
    for (let stage = 0; stage < 5; stage++) {
      const workflow = await services.approvals.get(requester, request.workflowId);
      const approverId = workflow.summary.awaiting[0]?.id;
      if (workflow.state !== 'pending' || !approverId) break;
      const approver = await as(approverId);
      if (reject) await services.leave.reject(approver, { id: request.id, reason: 'The release is that week' });
      else await services.leave.approve(approver, { id: request.id, comment: 'Enjoy' });
    }
    const final = await services.leave.request(requester, request.id);
    counts[final.status]++;
  }
  return { calendarCreated, holidays: holidays.size, adjustments: adjusted.length, accrual, requests: counts };
}
