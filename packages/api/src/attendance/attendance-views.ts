import type { LeaveProfile } from '@seed-pms/db';
import {
  type AttendanceReportQuery,
  type AttendanceReportView,
  addDays,
  autoCheckoutInstant,
  calendarFor,
  DomainError,
  dayFigures,
  dayInTimezone,
  daysBetween,
  effectiveDay,
  type FileDownloadView,
  holdsRole,
  isLateStart,
  isoWeekday,
  LOCATION_FLAGS,
  locationOn,
  lockOf,
  MAX_RECORDS_RANGE_DAYS,
  punchSpan,
  TODAY_STATES,
  type TodayPersonView,
  type TodayQuery,
  type TodayState,
  type TodayView,
  toCsv,
  validationFailed,
} from '@seed-pms/domain';
import { assertCan } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import { daysOff } from '../leave/leave-capacity.js';
import type { SettingsService } from '../settings/settings.service.js';
import { dayRulesOf } from './attendance.service.js';

export interface AttendanceViews {
  /** Everyone's state today (Managers: their reports down the chain; HR, Directors and Admins: everyone). */
  today(ctx: ActorContext, query: TodayQuery): Promise<TodayView>;
  report(ctx: ActorContext, query: AttendanceReportQuery): Promise<AttendanceReportView | FileDownloadView>;
}

const READ_ALL_ABOVE = 200;

export function createAttendanceViews(
  deps: Pick<ServiceDeps, 'repos'>,
  services: { settings: SettingsService },
): AttendanceViews {
  const { attendance, corrections, attendanceLocks, employees, leaveRequests, holidayCalendars, workLocation } =
    deps.repos;
  const { settings } = services;

  /**
   * Whose workforce the caller sees: everyone (null: HR, Directors, Admins) or
   * their reports down the chain (Managers); 403 below Manager.
   */
  async function teamOf(ctx: ActorContext): Promise<Set<string> | null> {
    const { roles } = ctx.actor;
    if (!holdsRole(roles, 'manager')) {
      throw new DomainError('FORBIDDEN', 'Only Managers and above see the workforce', {});
    }
    if (holdsRole(roles, 'director') || holdsRole(roles, 'hr')) return null;
    return new Set((await employees.reportsBelow(ctx.actor.id)).map((p) => p.id));
  }

  /** Beyond a few hundred people one read of everyone is cheaper than a long $in list. */
  const idsToRead = (team: Set<string> | null) => (team === null || team.size > READ_ALL_ABOVE ? null : [...team]);

  return {
    async today(ctx, query) {
      const { organization, attendance: rules } = await settings.current(ctx.now);
      const timeZone = organization.timezone;
      const today = dayInTimezone(ctx.now, timeZone);
      const yesterday = addDays(today, -1);
      const team = await teamOf(ctx);
      const who = idsToRead(team);
      // One read each, side by side: the people, today's days, yesterday's still open, leave, holidays, locations.
      const [profiles, todays, running, leave, calendars, located] = await Promise.all([
        employees.leaveProfiles({ department: query.department }),
        attendance.onDay(who, today),
        attendance.onDay(who, yesterday, { openOnly: true }),
        leaveRequests.activeIn(who, today, today),
        holidayCalendars.list(),
        workLocation.approvedOn(who, today),
      ]);
      const people = team === null ? profiles : profiles.filter((p) => team.has(p.id));
      // Today's record, or yesterday's still running (a shift past midnight).
      const recordOf = new Map(todays.map((d) => [d.userId, d]));
      for (const d of running) {
        const span = punchSpan(effectiveDay(d, null, rules.multipleSessionsPerDay).punches);
        if (!recordOf.has(d.userId) && span && autoCheckoutInstant(d.date, span, rules, timeZone) > ctx.now) {
          recordOf.set(d.userId, d);
        }
      }
      const onLeave = new Set(
        leave
          .filter((r) => r.status === 'approved' && daysOff(r).some(([d, amount]) => d === today && amount > 0))
          .map((r) => r.userId),
      );
      const requestsOf = new Map<string, typeof located>();
      for (const r of located) requestsOf.set(r.userId, [...(requestsOf.get(r.userId) ?? []), r]);
      const holidayOf = new Map<string, boolean>();
      const isHoliday = (person: LeaveProfile) => {
        const key = `${person.place.office}|${person.place.city}|${person.place.country}`;
        let found = holidayOf.get(key);
        if (found === undefined) {
          const calendar = calendarFor(calendars, person.place);
          found = (calendar?.days ?? []).some((d) => d.date === today && !d.halfDay);
          holidayOf.set(key, found);
        }
        return found;
      };
      const working = organization.workingDays.includes(isoWeekday(today));
      const counts = Object.fromEntries(TODAY_STATES.map((s) => [s, 0])) as Record<TodayState, number>;
      const rows: TodayPersonView[] = [];
      for (const person of people) {
        const record = recordOf.get(person.id);
        let state: TodayState;
        if (record?.state === 'working') state = 'working';
        else if (record?.state === 'onBreak') state = 'onBreak';
        else if (record?.state === 'ended') state = 'done';
        else if (onLeave.has(person.id)) state = 'onLeave';
        else if (isHoliday(person)) state = 'holiday';
        else if (!working) state = 'dayOff';
        else state = 'notStarted';
        counts[state]++;
        if (query.state && query.state !== state) continue;
        rows.push({
          user: { id: person.id, name: person.name },
          department: person.department,
          state,
          workLocation:
            record?.workLocation ?? locationOn(today, requestsOf.get(person.id) ?? [], person.workLocation).location,
          startedAt: record?.punches[0]?.at.toISOString() ?? null,
          flags: record?.flags ?? [],
        });
      }
      const start = (query.page - 1) * query.limit;
      return {
        date: today,
        counts,
        people: {
          items: rows.slice(start, start + query.limit),
          total: rows.length,
          page: query.page,
          limit: query.limit,
        },
      };
    },

    async report(ctx, query) {
      assertCan(ctx.actor, 'read', 'Report', { kind: 'attendance' });
      const { organization, attendance: rules } = await settings.current(ctx.now);
      const timeZone = organization.timezone;
      const to = query.to ?? dayInTimezone(ctx.now, timeZone);
      const from = query.from ?? `${to.slice(0, 7)}-01`;
      if (daysBetween(from, to) > MAX_RECORDS_RANGE_DAYS) {
        throw validationFailed(`The range may span at most ${MAX_RECORDS_RANGE_DAYS} days`, [
          { path: 'to', message: `at most ${MAX_RECORDS_RANGE_DAYS} days after from`, code: 'too_big' },
        ]);
      }
      const team = await teamOf(ctx);
      const profiles = await employees.leaveProfiles({ department: query.department });
      const people = team === null ? profiles : profiles.filter((p) => team.has(p.id));
      const who = idsToRead(team);
      const [days, locks, asked] = await Promise.all([
        attendance.daysOf(who, from, to),
        attendanceLocks.list(),
        corrections.countsBetween(from, to),
      ]);
      const day = dayRulesOf(rules);
      const blank = () => ({
        daysWorked: 0,
        workedMinutes: 0,
        breakMinutes: 0,
        lateStarts: 0,
        missingCheckouts: 0,
        locationMismatches: 0,
      });
      const figuresOf = new Map<string, ReturnType<typeof blank>>();
      for (const record of days) {
        const sum = figuresOf.get(record.userId) ?? blank();
        figuresOf.set(record.userId, sum);
        const { punches } = effectiveDay(record, lockOf(record.date, locks), rules.multipleSessionsPerDay);
        const open = record.state === 'working' || record.state === 'onBreak';
        const f = dayFigures(punches, day, { now: open ? ctx.now : null, deductedMinutes: record.deductedMinutes });
        if (punches.length > 0) sum.daysWorked++;
        sum.workedMinutes += f.workedMinutes;
        sum.breakMinutes += f.breakMinutes;
        if (isLateStart(punches[0]?.at ?? null, record.date, rules.lateAfter, timeZone)) sum.lateStarts++;
        if (record.flags.includes('missingCheckout')) sum.missingCheckouts++;
        if (record.flags.some((flag) => LOCATION_FLAGS.includes(flag))) sum.locationMismatches++;
      }
      const average = (minutes: number, daysWorked: number) =>
        daysWorked === 0 ? 0 : Math.round((minutes / 60 / daysWorked) * 100) / 100;
      const rows = people.map((p) => {
        const sum = figuresOf.get(p.id) ?? blank();
        return {
          employee: { id: p.id, name: p.name },
          department: p.department,
          ...sum,
          averageWorkedHours: average(sum.workedMinutes, sum.daysWorked),
          corrections: asked.get(p.id) ?? 0,
        };
      });
      const totals = rows.reduce(
        (t, r) => ({
          daysWorked: t.daysWorked + r.daysWorked,
          workedMinutes: t.workedMinutes + r.workedMinutes,
          breakMinutes: t.breakMinutes + r.breakMinutes,
          lateStarts: t.lateStarts + r.lateStarts,
          missingCheckouts: t.missingCheckouts + r.missingCheckouts,
          locationMismatches: t.locationMismatches + r.locationMismatches,
          corrections: t.corrections + r.corrections,
        }),
        { ...blank(), corrections: 0 },
      );
      const report: AttendanceReportView = {
        from,
        to,
        generatedAt: ctx.now.toISOString(),
        people: rows,
        totals: {
          people: rows.length,
          ...totals,
          averageWorkedHours: average(totals.workedMinutes, totals.daysWorked),
        },
      };
      if (query.format === 'json') return report;
      return {
        format: 'csv',
        fileName: `attendance-${from}-to-${to}.csv`,
        contentType: 'text/csv; charset=utf-8',
        body: toCsv(
          [
            'employeeId',
            'name',
            'department',
            'daysWorked',
            'workedHours',
            'averageWorkedHours',
            'breakMinutes',
            'lateStarts',
            'missingCheckouts',
            'corrections',
            'locationMismatches',
          ],
          rows.map((r) => [
            r.employee.id,
            r.employee.name,
            r.department,
            r.daysWorked,
            Math.round((r.workedMinutes / 60) * 100) / 100,
            r.averageWorkedHours,
            r.breakMinutes,
            r.lateStarts,
            r.missingCheckouts,
            r.corrections,
            r.locationMismatches,
          ]),
        ),
      };
    },
  };
}
