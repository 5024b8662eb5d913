import {
  type AvailabilitySpan,
  addDays,
  type CapacityIntervalView,
  type CapacityReportQuery,
  type CapacityReportView,
  capacityFlagOf,
  capacityReport,
  capacityTimeline,
  dayInTimezone,
  daysBetween,
  type EmployeeCapacityView,
  type FileDownloadView,
  type LedgerSegment,
  MAX_CAPACITY_RANGE_DAYS,
  notFound,
  OPEN_END_DAY,
  overAllocatedIntervals,
  peakOf,
  toCsv,
  utilisation,
  validationFailed,
} from '@seed-pms/domain';
import { assertCan } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { SettingsService } from '../settings/settings.service.js';

const DEFAULT_RANGE_DAYS = 90;
/** The last day the API accepts or answers (see CalendarDay). */
const LAST_CALENDAR_DAY = '9998-12-31';
const minDay = (a: string, b: string) => (a < b ? a : b);
const round = (n: number) => Math.round(n * 100) / 100;

/** What procedures use: plain types only (this reaches the client's AppRouter type). */
export interface CapacityApi {
  employeeCapacity(
    ctx: ActorContext,
    id: string,
    range: { from?: string | undefined; to?: string | undefined },
  ): Promise<EmployeeCapacityView>;
  report(ctx: ActorContext, query: CapacityReportQuery): Promise<CapacityReportView | FileDownloadView>;
}

/** Availability below 100% (approved leave) of these people on days from `from` to `to`. */
export type AvailabilitySource = (
  userIds: readonly string[],
  from: string,
  to: string,
) => Promise<Map<string, AvailabilitySpan[]>>;

export const FULL_AVAILABILITY_EVERYWHERE: AvailabilitySource = async () => new Map();

export interface CapacityService extends CapacityApi {
  /** Where availability comes from (the leave area; connected in events/subscriptions.ts). */
  setAvailability(source: AvailabilitySource): void;
  /** Recomputes every person's halo (days pass; run hourly). Returns how many changed. */
  refreshFlags(now: Date): Promise<number>;
  /** Repairs the assignment history after an interrupted change (see the assignments repository's reconcile). */
  reconcile(now: Date): Promise<number>;
}

/**
 * Reading capacity: a person's timeline, the capacity report, and the hourly
 * upkeep (halos as days pass, history repairs). Roster changes are decided in
 * roster.service.ts.
 */
export function createCapacityService(
  deps: Pick<ServiceDeps, 'repos'>,
  services: { settings: SettingsService },
): CapacityService {
  const { capacity, assignments, employees, projects } = deps.repos;
  const { settings } = services;
  let availabilityOf: AvailabilitySource = FULL_AVAILABILITY_EVERYWHERE;

  const today = async (now: Date) => dayInTimezone(now, (await settings.current(now)).organization.timezone);

  function checkRange(from: string, to: string) {
    if (daysBetween(from, to) > MAX_CAPACITY_RANGE_DAYS) {
      throw validationFailed(`The range may span at most ${MAX_CAPACITY_RANGE_DAYS} days`, [
        { path: 'to', message: `at most ${MAX_CAPACITY_RANGE_DAYS} days after from`, code: 'too_big' },
      ]);
    }
  }

  async function rangeOf(query: { from?: string | undefined; to?: string | undefined }, now: Date) {
    const from = query.from ?? (await today(now));
    const to = query.to ?? minDay(addDays(from, DEFAULT_RANGE_DAYS - 1), LAST_CALENDAR_DAY);
    if (query.to && !query.from && to < from) {
      throw validationFailed('to must not be before from (today by default)', [
        { path: 'to', message: 'must not be before from', code: 'invalid_range' },
      ]);
    }
    checkRange(from, to);
    return { from, to };
  }

  function csvOf(report: CapacityReportView, query: CapacityReportQuery): string {
    if (query.view === 'projects') {
      return toCsv(
        ['projectId', 'project', 'averageFte', 'personDays', 'people'],
        report.projects.map((p) => [p.project.id, p.project.name, p.averageFte, p.personDays, p.people]),
      );
    }
    return toCsv(
      ['employeeId', 'name', 'department', 'averagePercent', 'peakPercent', 'overAllocatedDays', 'overAllocations'],
      report.people.map((p) => [
        p.employee.id,
        p.employee.name,
        p.department,
        p.averagePercent,
        p.peakPercent,
        p.overAllocatedDays,
        p.overAllocations.map((o) => `${o.start}..${o.end} ${o.peakPercent}%`).join('; '),
      ]),
    );
  }

  return {
    async employeeCapacity(ctx, id, query) {
      if (!(await employees.cards([id])).has(id)) throw notFound('Employee', id);
      const range = await rangeOf(query, ctx.now);
      const { segments } = await capacity.get(id);
      const names = await projects.names(segments.map((s) => s.projectId));
      const byId = new Map<string, LedgerSegment>(segments.map((s) => [s.id, s]));
      const view = (interval: ReturnType<typeof capacityTimeline>[number]): CapacityIntervalView => ({
        start: interval.start,
        end: interval.end,
        allocationPercent: interval.allocatedPercent,
        availablePercent: interval.availablePercent,
        overAllocated: interval.allocatedPercent > interval.availablePercent,
        allocations: interval.segmentIds.flatMap((segmentId) => {
          const s = byId.get(segmentId);
          if (!s) return [];
          const projectName = names.get(s.projectId) ?? '';
          return [{ segmentId, projectId: s.projectId, projectName, role: s.role, allocationPercent: s.percent }];
        }),
      });
      const day = await today(ctx.now);
      const spans = (await availabilityOf([id], range.from < day ? range.from : day, OPEN_END_DAY)).get(id) ?? [];
      const timeline = capacityTimeline(segments, range, spans);
      const peak = peakOf(timeline);
      return {
        employeeId: id,
        from: range.from,
        to: range.to,
        current: capacityFlagOf(segments, day, spans),
        peak: peak ? view(peak) : null,
        averagePercent: round(utilisation(segments, range, spans).averagePercent),
        overAllocations: overAllocatedIntervals(timeline).map(view),
        timeline: timeline.map(view),
      };
    },

    async report(ctx, query) {
      assertCan(ctx.actor, 'read', 'Report', { kind: 'capacity' });
      const range = await rangeOf(query, ctx.now);
      const [people, ledgers] = await Promise.all([
        employees.listActive({ department: query.department }),
        capacity.all(),
      ]);
      const segmentsOf = new Map(ledgers.map((l) => [l.userId, l.segments]));
      const spans = await availabilityOf(
        people.map((p) => p.id),
        range.from,
        range.to,
      );
      const computed = capacityReport(
        people.map((p) => ({
          personId: p.id,
          segments: segmentsOf.get(p.id) ?? [],
          availability: spans.get(p.id) ?? [],
        })),
        range,
      );
      const names = await projects.names(computed.projects.map((p) => p.projectId));
      const rows = computed.people.map((summary, i) => {
        const person = people[i] as (typeof people)[number];
        return {
          employee: { id: summary.personId, name: person.name },
          department: person.department,
          averagePercent: round(summary.averagePercent),
          peakPercent: summary.peakPercent,
          overAllocatedDays: summary.overAllocatedDays,
          overAllocations: summary.overAllocations,
        };
      });
      const report: CapacityReportView = {
        from: range.from,
        to: range.to,
        days: computed.days,
        generatedAt: ctx.now.toISOString(),
        people: query.overAllocatedOnly ? rows.filter((r) => r.overAllocatedDays > 0) : rows,
        overAllocated: rows.filter((r) => r.overAllocatedDays > 0).map((r) => r.employee),
        projects: computed.projects.map((p) => ({
          project: { id: p.projectId, name: names.get(p.projectId) ?? '' },
          averageFte: round(p.averageFte),
          personDays: round(p.personDays),
          people: p.people,
        })),
      };
      if (query.format === 'json') return report;
      return {
        format: 'csv',
        fileName: `capacity-${query.view}-${range.from}-to-${range.to}.csv`,
        contentType: 'text/csv; charset=utf-8',
        body: csvOf(report, query),
      };
    },

    async refreshFlags(now) {
      const day = await today(now);
      const shown = await employees.capacityFlags();
      const ledgers = await capacity.all();
      const spans = await availabilityOf(
        ledgers.map((l) => l.userId),
        day,
        OPEN_END_DAY,
      );
      let changed = 0;
      for (const ledger of ledgers) {
        const flag = capacityFlagOf(ledger.segments, day, spans.get(ledger.userId) ?? []);
        const current = shown.get(ledger.userId);
        if (!current) continue;
        if (current.allocationPercent === flag.allocationPercent && current.overAllocated === flag.overAllocated) {
          continue;
        }
        // A change that landed since this ledger was read wrote a newer flag, which stays.
        if (await employees.setCapacityFlag(ledger.userId, flag, ledger.version, now)) changed += 1;
      }
      return changed;
    },

    reconcile: (now) => assignments.reconcile(now),
    setAvailability(source) {
      availabilityOf = source;
    },
  };
}
