import type { NewAttendanceDay, Repositories } from '@seed-pms/db';
import {
  type Actor,
  type AttendanceState,
  addDays,
  type CorrectionStatus,
  closeDay,
  dayInTimezone,
  isoWeekday,
  localTime,
  type PunchRecord,
  type PunchType,
} from '@seed-pms/domain';
import { type ActorContext, systemCallContext } from '../app/call-context.js';
import { dayRulesOf } from '../attendance/attendance.service.js';
import type { Services } from '../services.js';
import { mulberry32 } from './seed-common.js';

export interface SeededAttendance {
  days: number;
  missingCheckouts: number;
  workingNow: number;
  corrections: Record<CorrectionStatus, number>;
}

const MINUTE = 60_000;
/** Days are written in batches of this many (one insertMany each). */
const BATCH = 1_000;
const OUTCOMES: CorrectionStatus[] = ['pending', 'approved', 'rejected', 'cancelled', 'approved', 'pending'];

async function actorOf(repos: Repositories, id: string): Promise<Actor> {
  const user = await repos.users.get(id);
  if (!user) throw new Error(`no account ${id}`);
  return { id: user.id, email: user.email, roles: user.roles, sessionId: null, pending: [] };
}

/**
 * Attendance for the demo: `days` days back from yesterday, every working day
 * of every person (a few skipped), each with a start between 07:30 and 10:00,
 * a lunch break, an end 7½–9 hours later, and a few days nobody punched out
 * (ended by the automatic check-out at midnight and flagged). Today, those
 * whose start time has passed are working. Written in bulk through the
 * repository; then corrections in every state through the service, exactly as
 * the API makes them (each with its workflow and decisions). Deterministic for a seed.
 */
export async function seedAttendance(
  services: Services,
  repos: Repositories,
  people: { employeeIds: readonly string[] },
  options: { seed: number; now: Date; days?: number; corrections?: number },
): Promise<SeededAttendance> {
  const random = mulberry32(options.seed ^ 0xa77e);
  const { organization, attendance: rules } = await services.settings.current(options.now);
  const timeZone = organization.timezone;
  const today = dayInTimezone(options.now, timeZone);
  const span = options.days ?? 60;
  const rulesOfDay = dayRulesOf(rules);
  const between = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));

  const punch = (type: PunchType, at: Date, source: 'punch' | 'auto' = 'punch'): PunchRecord => ({
    type,
    at,
    source,
    ip: source === 'auto' ? null : `10.0.${between(0, 9)}.${between(2, 250)}`,
    userAgent: source === 'auto' ? null : 'SeedPMS-Demo/1.0',
    location: null,
    note: null,
    flags: [],
  });

  const days: NewAttendanceDay[] = [];
  const missing: { userId: string; date: string }[] = [];
  let workingNow = 0;
  for (const userId of people.employeeIds) {
    for (let back = span; back >= 0; back--) {
      const date = addDays(today, -back);
      if (!organization.workingDays.includes(isoWeekday(date)) || random() < 0.04) continue;
      const start = localTime(date, 7, between(30, 150), timeZone);
      const breakAt = new Date(start.getTime() + between(210, 270) * MINUTE);
      const resumeAt = new Date(breakAt.getTime() + between(30, 60) * MINUTE);
      const endAt = new Date(resumeAt.getTime() + between(200, 300) * MINUTE);
      let punches: PunchRecord[] = [punch('start', start), punch('break', breakAt), punch('resume', resumeAt)];
      let state: AttendanceState = 'ended';
      let forgot = false;
      if (back === 0) {
        // Today: as far as the clock has come.
        if (start > options.now) continue;
        punches = punches.filter((p) => p.at <= options.now);
        state = punches.at(-1)?.type === 'break' ? 'onBreak' : 'working';
        workingNow++;
      } else if (random() < 0.03) {
        forgot = true;
        punches.push(punch('end', localTime(addDays(date, 1), 0, 0, timeZone), 'auto'));
        missing.push({ userId, date });
      } else {
        punches.push(punch('end', endAt));
      }
      const closing = state === 'ended' ? closeDay(punches, rulesOfDay) : { deductedMinutes: 0, flags: [] };
      days.push({
        userId,
        date,
        punches,
        state,
        overlays: [],
        workLocation: 'wfo',
        flags: [...(forgot ? (['missingCheckout'] as const) : []), ...closing.flags],
        deductedMinutes: closing.deductedMinutes,
      });
    }
  }
  for (let i = 0; i < days.length; i += BATCH) {
    await repos.attendance.insertMany(days.slice(i, i + BATCH), options.now);
  }

  // Corrections: first the days nobody punched out, then other recent days, one per person.
  const as = async (id: string): Promise<ActorContext> => ({
    ...systemCallContext('seed', options.now),
    actor: await actorOf(repos, id),
  });
  const counts: Record<CorrectionStatus, number> = { pending: 0, approved: 0, rejected: 0, cancelled: 0 };
  const window = addDays(today, -Math.min(rules.correctionWindowDays, 14));
  const recent = days.filter((d) => d.date >= window && d.date < today);
  const candidates = [...missing.filter((m) => m.date >= window && m.date < today), ...recent];
  const asked = new Set<string>();
  const wanted = options.corrections ?? 12;
  for (const day of candidates) {
    if (asked.size >= wanted) break;
    // The CEO has nobody to approve theirs in the simple policy.
    if (asked.has(day.userId) || day.userId === people.employeeIds[0]) continue;
    asked.add(day.userId);
    const i = asked.size - 1;
    const start = localTime(day.date, 8, between(0, 30), timeZone);
    const requester = await as(day.userId);
    const correction = await services.attendance.submitCorrection(requester, {
      date: day.date,
      punches: [
        { type: 'start', at: start.toISOString() },
        { type: 'break', at: new Date(start.getTime() + 240 * MINUTE).toISOString() },
        { type: 'resume', at: new Date(start.getTime() + 285 * MINUTE).toISOString() },
        { type: 'end', at: new Date(start.getTime() + 525 * MINUTE).toISOString() },
      ],
      reason: i % 2 === 0 ? 'Forgot to punch out' : 'The terminal was down in the morning',
    });
    const outcome = OUTCOMES[i % OUTCOMES.length] as CorrectionStatus;
    if (outcome === 'pending') {
      counts.pending++;
      continue;
    }
    if (outcome === 'cancelled') {
      await services.attendance.updateCorrection(requester, { id: correction.id, action: 'cancel' });
      counts.cancelled++;
      continue;
    }
    const approverId = correction.approval.awaiting[0]?.id;
    if (!approverId) {
      counts.pending++;
      continue;
    }
    const decided = await services.attendance.updateCorrection(
      await as(approverId),
      outcome === 'rejected'
        ? { id: correction.id, action: 'reject', reason: 'The door log shows otherwise' }
        : { id: correction.id, action: 'approve', comment: 'Checked with the team' },
    );
    counts[decided.status]++;
  }
  return { days: days.length, missingCheckouts: missing.length, workingNow, corrections: counts };
}
