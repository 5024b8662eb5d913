import type { LeaveProfile } from '@seed-pms/db';
import {
  type AttendanceSettings,
  accrualSchedule,
  addDays,
  availableOf,
  type BalanceTotals,
  type CalendarEntry,
  calendarEntryOf,
  calendarFor,
  daysBetween,
  EMPTY_TOTALS,
  type EmployeeCalendarQuery,
  type EmployeeCalendarView,
  type FileDownloadView,
  fromHundredths,
  holdsRole,
  isoWeekday,
  type LeaveReportQuery,
  type LeaveReportView,
  type LeaveTypeRecord,
  locationOn,
  lockOf,
  MAX_LEAVE_RANGE_DAYS,
  toCsv,
  validationFailed,
} from '@seed-pms/domain';
import { assertCan } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import { tracked } from './leave-balances.js';
import { daysOff, fractionOf, typeRef } from './leave-capacity.js';

export interface LeaveViews {
  calendar(ctx: ActorContext, query: EmployeeCalendarQuery): Promise<EmployeeCalendarView>;
  report(ctx: ActorContext, query: LeaveReportQuery): Promise<LeaveReportView | FileDownloadView>;
}

/**
 * What leave shows beside requests and balances: the integrated calendar of a
 * person and the leave report.
 */
export function createLeaveViews(
  deps: Pick<ServiceDeps, 'repos'>,
  services: {
    typesById: (now: Date) => Promise<Map<string, LeaveTypeRecord>>;
    organization: (now: Date) => Promise<{ timezone: string; workingDays: number[] }>;
    attendanceRules: (now: Date) => Promise<AttendanceSettings>;
    today: (now: Date) => Promise<string>;
    profile: (userId: string) => Promise<LeaveProfile>;
  },
): LeaveViews {
  const {
    leaveRequests: requests,
    employees,
    holidayCalendars,
    capacity,
    projects,
    workLocation,
    attendance,
    attendanceLocks,
  } = deps.repos;
  const { typesById, organization, attendanceRules, today, profile } = services;

  const checkRange = (from: string, to: string) => {
    if (to < from) {
      throw validationFailed('to must not be before from (today by default)', [
        { path: 'to', message: 'must not be before from', code: 'invalid_range' },
      ]);
    }
    if (daysBetween(from, to) > MAX_LEAVE_RANGE_DAYS) {
      throw validationFailed(`The range may span at most ${MAX_LEAVE_RANGE_DAYS} days`, [
        { path: 'to', message: `at most ${MAX_LEAVE_RANGE_DAYS} days after from`, code: 'too_big' },
      ]);
    }
  };

  return {
    // ---- The integrated calendar ----

    async calendar(ctx, query) {
      const from = query.from ?? (await today(ctx.now));
      const to = query.to ?? addDays(from, 30);
      checkRange(from, to);
      const person = await profile(query.id);
      const line = await employees.reportingLine(query.id);
      const full =
        ctx.actor.id === query.id || holdsRole(ctx.actor.roles, 'hr') || (line?.managers ?? []).includes(ctx.actor.id);
      const [org, calendars, leave, ledger, types, located, employee] = await Promise.all([
        organization(ctx.now),
        holidayCalendars.list(),
        requests.activeIn([query.id], from, to),
        capacity.get(query.id),
        typesById(ctx.now),
        workLocation.activeOverlapping(query.id, from, to),
        employees.get(query.id),
      ]);
      const holidays = new Map((calendarFor(calendars, person.place)?.days ?? []).map((d) => [d.date, d]));
      const [punched, locks, rules, todayIs] = full
        ? await Promise.all([
            attendance.between(query.id, from, to),
            attendanceLocks.list(),
            attendanceRules(ctx.now),
            today(ctx.now),
          ])
        : [[], [], null, null];
      const attended = new Map(punched.map((r) => [r.date, r]));
      const names = full ? await projects.names([...new Set(ledger.segments.map((s) => s.projectId))]) : new Map();
      const days: EmployeeCalendarView['days'] = [];
      for (let day = from; day <= to; day = addDays(day, 1)) {
        const entries: CalendarEntry[] = [];
        const holiday = holidays.get(day);
        const working = org.workingDays.includes(isoWeekday(day));
        if (holiday) entries.push({ kind: 'holiday', name: holiday.name, halfDay: holiday.halfDay });
        let off = 0;
        for (const r of leave) {
          const share = daysOff(r).find(([d]) => d === day);
          if (!share) continue;
          const fraction = fractionOf(types.get(r.typeId), share[1], r.hoursPerDay);
          if (r.status === 'approved') off += fraction;
          const type = types.get(r.typeId);
          if (full && type) {
            entries.push({
              kind: 'leave',
              requestId: r.id,
              type: typeRef(type),
              status: r.status as 'pending' | 'approved',
              fraction,
            });
          } else if (r.status === 'approved') {
            entries.push({ kind: 'away', fraction });
          }
        }
        if (full) {
          for (const s of ledger.segments) {
            if (s.start <= day && (s.end === null || s.end >= day)) {
              entries.push({
                kind: 'allocation',
                project: { id: s.projectId, name: names.get(s.projectId) ?? '' },
                percent: s.percent,
              });
            }
          }
          if (working && !(holiday && !holiday.halfDay)) {
            const where = locationOn(day, located, employee?.workLocation ?? null);
            entries.push({ kind: 'workLocation', location: where.location, source: where.source });
          }
          const record = attended.get(day);
          if (record && rules) {
            const open = todayIs !== null && day >= addDays(todayIs, -1) ? ctx.now : null;
            entries.push({ kind: 'attendance', ...calendarEntryOf(record, lockOf(day, locks), rules, open) });
          }
        }
        const status =
          off >= 1
            ? 'away'
            : off > 0
              ? 'partlyAway'
              : holiday && !holiday.halfDay
                ? 'holiday'
                : working
                  ? 'working'
                  : 'nonWorking';
        days.push({ date: day, status, entries });
      }
      return { user: { id: person.id, name: person.name }, from, to, detail: full ? 'full' : 'limited', days };
    },

    // ---- The report ----

    async report(ctx, query) {
      assertCan(ctx.actor, 'read', 'Report', { kind: 'leave' });
      const to = query.to ?? (await today(ctx.now));
      const from = query.from ?? `${to.slice(0, 4)}-01-01`;
      checkRange(from, to);
      const year = Number(to.slice(0, 4));
      let people = await employees.leaveProfiles({ department: query.department });
      if (!holdsRole(ctx.actor.roles, 'hr')) {
        const team = new Set((await employees.reportsBelow(ctx.actor.id)).map((p) => p.id));
        people = people.filter((p) => team.has(p.id));
      }
      const ids = people.map((p) => p.id);
      const types = [...(await typesById(ctx.now)).values()].filter((t) => !query.typeId || t.id === query.typeId);
      // Beyond a few hundred people one read of everyone is cheaper than a long $in list.
      const who = ids.length > 200 ? null : ids;
      const [stored, inRange] = await Promise.all([
        ids.length ? deps.repos.leaveLedger.balancesOf(who, year) : Promise.resolve([]),
        ids.length ? requests.activeIn(who, from, to) : Promise.resolve([]),
      ]);
      const projections = new Map(stored.map((b) => [`${b.userId}:${b.typeId}`, b]));
      /**
       * The balance of the leave year of `to` as it stands on `to`: credited as the
       * schedule has it by then (posted or not), the rest as the projection holds it.
       */
      const balanceOf = (person: LeaveProfile, type: LeaveTypeRecord): BalanceTotals => {
        const projection = projections.get(`${person.id}:${type.id}`);
        const schedule = accrualSchedule(
          { accrual: type.accrual, entitlement: type.yearlyEntitlement },
          { joinDate: person.joinDate, leftOn: null },
          year,
        );
        const accrued = schedule.filter((c) => c.effectiveDate <= to).reduce((sum, c) => sum + c.amount, 0);
        // Carried days lapse after their last day: not yet on `to` before it.
        const lapsed = projection?.carryExpiresOn && to <= projection.carryExpiresOn ? 0 : (projection?.expired ?? 0);
        return { ...EMPTY_TOTALS, ...projection, accrued, expired: lapsed };
      };
      const offOf = new Map<string, number>();
      const reported = new Map(types.map((t) => [t.id, t]));
      for (const r of inRange) {
        if (r.status !== 'approved') continue;
        const type = reported.get(r.typeId);
        if (!type) continue;
        const days = daysOff(r)
          .filter(([d]) => d >= from && d <= to)
          .reduce((sum, [, a]) => sum + fractionOf(type, a, r.hoursPerDay), 0);
        const key = `${r.userId}:${r.typeId}`;
        offOf.set(key, (offOf.get(key) ?? 0) + days);
      }
      const round = (n: number) => Math.round(n * 100) / 100;
      const rows = people.map((p) => {
        const lines = types.map((t) => {
          const b = balanceOf(p, t);
          return {
            typeId: t.id,
            code: t.code,
            taken: fromHundredths(b.taken),
            pending: fromHundredths(b.pending),
            daysOff: round(offOf.get(`${p.id}:${t.id}`) ?? 0),
            balance: tracked(t) ? fromHundredths(availableOf(b)) : null,
          };
        });
        return {
          employee: { id: p.id, name: p.name },
          department: p.department,
          types: lines,
          daysOff: round(lines.reduce((sum, l) => sum + l.daysOff, 0)),
        };
      });
      const sum = (list: typeof rows, pick: (l: (typeof rows)[number]['types'][number]) => boolean) => {
        let taken = 0;
        let pending = 0;
        let off = 0;
        for (const row of list) {
          for (const l of row.types) {
            if (!pick(l)) continue;
            taken += l.taken;
            pending += l.pending;
            off += l.daysOff;
          }
        }
        return { taken: round(taken), pending: round(pending), daysOff: round(off) };
      };
      const departments = [...new Set(rows.map((r) => r.department))];
      const report: LeaveReportView = {
        from,
        to,
        generatedAt: ctx.now.toISOString(),
        people: rows,
        byType: types.map((t) => ({ type: typeRef(t), ...sum(rows, (l) => l.typeId === t.id) })),
        byDepartment: departments.map((d) => ({
          department: d,
          ...sum(
            rows.filter((r) => r.department === d),
            () => true,
          ),
        })),
      };
      if (query.format === 'json') return report;
      return {
        format: 'csv',
        fileName: `leave-${from}-to-${to}.csv`,
        contentType: 'text/csv; charset=utf-8',
        body: toCsv(
          ['employeeId', 'name', 'department', 'type', 'taken', 'pending', 'daysOff', 'balance'],
          rows.flatMap((r) =>
            r.types.map((l) => [
              r.employee.id,
              r.employee.name,
              r.department,
              l.code,
              l.taken,
              l.pending,
              l.daysOff,
              l.balance,
            ]),
          ),
        ),
      };
    },
  };
}
