import {
  assignmentFromLedger,
  type CapacityLedgerDoc,
  departmentKeyOf,
  findByIds,
  type LedgerSegment,
  loadLedger,
  ObjectId,
  type ProjectDoc,
  parseId,
  reconcileAssignments,
  recordAssignmentChange,
  type WithId,
  writeLedger,
} from '@seed-pms/db';
import {
  type Actor,
  type AllocationSegment,
  addDays,
  type CapacityBreach,
  type CapacityBreachView,
  type CapacityFlag,
  type CapacityIntervalView,
  type CapacityReportQuery,
  type CapacityReportView,
  capacityReport,
  capacityTimeline,
  DomainError,
  dayInTimezone,
  daysBetween,
  type EmployeeCapacityView,
  type FileDownloadView,
  findCapacityBreach,
  capacityFlagOf as flagOf,
  MAX_CAPACITY_RANGE_DAYS,
  type MemberSegment,
  notFound,
  OPEN_END_DAY,
  overAllocatedIntervals,
  peakOf,
  planRosterChange,
  type RosterChange,
  type RosterPlan,
  toCsv,
  utilisation,
} from '@seed-pms/domain';
import { assertCan, canOn } from '../access/ability.js';
import type { ActorContext, CallContext } from '../app/call-context.js';
import type { AppDeps } from '../app/deps.js';
import type { SettingsService } from '../settings/settings.service.js';

/** Attempts at a person's ledger before giving up (each lost race means another change of theirs landed). */
const LEDGER_ATTEMPTS = 60;
const DEFAULT_RANGE_DAYS = 90;
/** The last day the API accepts or answers (see CalendarDay). */
const LAST_CALENDAR_DAY = '9998-12-31';
const minDay = (a: string, b: string) => (a < b ? a : b);

export interface RosterChangeRequest {
  project: WithId<ProjectDoc>;
  userId: ObjectId;
  change: RosterChange;
  allowOverAllocation: boolean;
  /** Checks the planned segments (dates inside the project's period, …); throws to refuse. */
  validate(plan: RosterPlan, current: readonly MemberSegment[]): void;
}

export interface RosterChangeOutcome {
  plan: RosterPlan;
  /** The breach the change leaves in place (warn policy or an override), or null. */
  warning: CapacityBreachView | null;
  overridden: boolean;
}

/** What procedures use: plain types only (this reaches the client's AppRouter type). */
export interface CapacityApi {
  employeeCapacity(
    ctx: ActorContext,
    id: string,
    range: { from?: string | undefined; to?: string | undefined },
  ): Promise<EmployeeCapacityView>;
  report(ctx: ActorContext, query: CapacityReportQuery): Promise<CapacityReportView | FileDownloadView>;
}

export interface CapacityService extends CapacityApi {
  /** Today in the organisation's timezone. */
  today(now: Date): Promise<string>;
  /**
   * Applies a roster change for one person on one project: plans it, checks
   * the person's whole allocation against the policy, and writes it with one
   * conditional update of their ledger (retrying on a lost race), then the
   * history and the halo.
   */
  changeRoster(ctx: CallContext, request: RosterChangeRequest): Promise<RosterChangeOutcome>;
  /** The person's segments in force on one project. */
  memberSegments(userId: ObjectId, projectId: ObjectId): Promise<MemberSegment[]>;
  /** The projects a person has segments in force on (ending on `fromDay` or later, when given). */
  projectsOf(userId: ObjectId, fromDay?: string): Promise<ObjectId[]>;
  /** Recomputes every person's halo (days pass; run hourly). Returns how many changed. */
  refreshFlags(now: Date): Promise<number>;
  /** Repairs the assignment history after an interrupted change (see reconcileAssignments). */
  reconcile(now: Date): Promise<number>;
}

function toAllocation(segment: LedgerSegment): AllocationSegment {
  return {
    id: segment.id.toHexString(),
    projectId: segment.projectId.toHexString(),
    start: segment.start,
    end: segment.end,
    percent: segment.percent,
  };
}

function toMember(segment: LedgerSegment): MemberSegment {
  return {
    id: segment.id.toHexString(),
    role: segment.role,
    percent: segment.percent,
    start: segment.start,
    end: segment.end,
  };
}

/** The halo: today's allocation, and whether any day from today on is above 100%. */
export function capacityFlagOf(segments: readonly LedgerSegment[], today: string): CapacityFlag {
  return flagOf(segments.map(toAllocation), today);
}

export function createCapacityService(deps: AppDeps, services: { settings: SettingsService }): CapacityService {
  const { capacityLedgers, assignments, employees, projects } = deps.database.collections;
  const { settings } = services;

  const today = async (now: Date) => dayInTimezone(now, (await settings.current(now)).organization.timezone);

  async function projectNames(ids: readonly ObjectId[]): Promise<Map<string, string>> {
    const found = await findByIds(projects, ids, { name: 1 });
    return new Map([...found].map(([id, doc]) => [id, doc.name]));
  }

  async function breachView(userId: ObjectId, breach: CapacityBreach, segments: readonly LedgerSegment[]) {
    const byId = new Map(segments.map((s) => [s.id.toHexString(), s]));
    const contributing = breach.segmentIds.map((id) => byId.get(id)).filter((s): s is LedgerSegment => !!s);
    const names = await projectNames(contributing.map((s) => s.projectId));
    return {
      userId: userId.toHexString(),
      start: breach.start,
      end: breach.end === OPEN_END_DAY ? null : breach.end,
      totalPercent: breach.totalPercent,
      availablePercent: breach.availablePercent,
      allocations: contributing.map((s) => ({
        projectId: s.projectId.toHexString(),
        projectName: names.get(s.projectId.toHexString()) ?? '(unknown project)',
        allocationPercent: s.percent,
        segmentId: s.id.toHexString(),
      })),
    } satisfies CapacityBreachView;
  }

  async function updateFlag(userId: ObjectId, segments: readonly LedgerSegment[], ledgerVersion: number, now: Date) {
    const flag = capacityFlagOf(segments, await today(now));
    // A newer ledger's flag is never overwritten by an older one.
    await employees.updateOne(
      {
        _id: userId,
        $or: [{ 'capacity.ledgerVersion': { $lt: ledgerVersion } }, { 'capacity.ledgerVersion': { $exists: false } }],
      },
      { $set: { capacity: { ...flag, updatedAt: now, ledgerVersion } } },
    );
  }

  function checkRange(from: string, to: string) {
    if (daysBetween(from, to) > MAX_CAPACITY_RANGE_DAYS) {
      throw new DomainError('VALIDATION_FAILED', `The range may span at most ${MAX_CAPACITY_RANGE_DAYS} days`, [
        { path: 'to', message: `at most ${MAX_CAPACITY_RANGE_DAYS} days after from` },
      ]);
    }
  }

  async function rangeOf(query: { from?: string | undefined; to?: string | undefined }, now: Date) {
    const from = query.from ?? (await today(now));
    const to = query.to ?? minDay(addDays(from, DEFAULT_RANGE_DAYS - 1), LAST_CALENDAR_DAY);
    if (query.to && !query.from && to < from) {
      throw new DomainError('VALIDATION_FAILED', 'to must not be before from (today by default)', [
        { path: 'to', message: 'must not be before from' },
      ]);
    }
    checkRange(from, to);
    return { from, to };
  }

  return {
    today,

    async changeRoster(ctx, request) {
      const { project, userId, change } = request;
      const policy = (await settings.current(ctx.now)).capacity.policy;
      for (let attempt = 1; ; attempt += 1) {
        const ledger = await loadLedger(capacityLedgers, userId, ctx.now);
        const onProject = ledger.segments.filter((s) => s.projectId.equals(project._id));
        const current = onProject.map(toMember);
        const plan = planRosterChange(current, change, () => new ObjectId().toHexString());
        request.validate(plan, current);
        // Nothing to change (an idempotent repeat): no write, no new ledger version.
        if (plan.create.length === 0 && plan.retire.length === 0) return { plan, warning: null, overridden: false };
        const retired = new Set(plan.retire.map((s) => s.id));
        const created: LedgerSegment[] = plan.create.map((s) => ({
          id: ObjectId.createFromHexString(s.id),
          projectId: project._id,
          role: s.role,
          percent: s.percent,
          start: s.start,
          end: s.end,
        }));
        const after = [...ledger.segments.filter((s) => !retired.has(s.id.toHexString())), ...created];
        let warning: CapacityBreachView | null = null;
        if (created.length > 0) {
          const from = created.reduce((min, s) => (s.start < min ? s.start : min), created[0]?.start ?? OPEN_END_DAY);
          const breach = findCapacityBreach(ledger.segments.map(toAllocation), after.map(toAllocation), {
            from,
            to: OPEN_END_DAY,
          });
          if (breach) {
            warning = await breachView(userId, breach, after);
            if (policy === 'block' && !request.allowOverAllocation) {
              throw new DomainError(
                'CAPACITY_EXCEEDED',
                `This would allocate ${breach.totalPercent}% of the person's time from ${breach.start}${breach.end === OPEN_END_DAY ? ' on' : ` to ${breach.end}`} (at most ${breach.availablePercent}%)`,
                {
                  ...warning,
                  policy,
                  hint: 'Lower the allocation or the other allocations on those days, or (Manager and above) send allowOverAllocation: true',
                },
              );
            }
          }
        }
        const version = await writeLedger(capacityLedgers, userId, ledger.version, after, ctx.now);
        if (version === null) {
          if (attempt >= LEDGER_ATTEMPTS) {
            throw new DomainError('CONFLICT', 'Too many simultaneous changes to this person’s allocations; try again');
          }
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(attempt * 2, 20)));
          continue;
        }
        const by = ctx.actor ? ObjectId.createFromHexString(ctx.actor.id) : null;
        await recordAssignmentChange(assignments, {
          create: created.map((s) => assignmentFromLedger(userId, s, ctx.now, by)),
          retire: plan.retire.map((s) => ObjectId.createFromHexString(s.id)),
          now: ctx.now,
          by,
        });
        await updateFlag(userId, after, version, ctx.now);
        return { plan, warning, overridden: warning !== null && policy === 'block' };
      }
    },

    async memberSegments(userId, projectId) {
      const ledger = await capacityLedgers.findOne({ _id: userId });
      return (ledger?.segments ?? []).filter((s) => s.projectId.equals(projectId)).map(toMember);
    },

    async projectsOf(userId, fromDay) {
      const ledger = await capacityLedgers.findOne({ _id: userId });
      const segments = (ledger?.segments ?? []).filter((s) => !fromDay || s.end === null || s.end >= fromDay);
      return [...new Map(segments.map((s) => [s.projectId.toHexString(), s.projectId])).values()];
    },

    async employeeCapacity(ctx, id, query) {
      const userId = parseId(id, { resource: 'Employee' });
      const employee = await employees.findOne({ _id: userId }, { projection: { _id: 1 } });
      if (!employee) throw notFound('Employee', id);
      const range = await rangeOf(query, ctx.now);
      const ledger = await capacityLedgers.findOne({ _id: userId });
      const segments = ledger?.segments ?? [];
      const allocations = segments.map(toAllocation);
      const names = await projectNames(segments.map((s) => s.projectId));
      const byId = new Map(segments.map((s) => [s.id.toHexString(), s]));
      const view = (interval: ReturnType<typeof capacityTimeline>[number]): CapacityIntervalView => ({
        start: interval.start,
        end: interval.end,
        allocationPercent: interval.allocatedPercent,
        availablePercent: interval.availablePercent,
        overAllocated: interval.allocatedPercent > interval.availablePercent,
        allocations: interval.segmentIds.flatMap((segmentId) => {
          const s = byId.get(segmentId);
          if (!s) return [];
          const projectId = s.projectId.toHexString();
          return [
            {
              segmentId,
              projectId,
              projectName: names.get(projectId) ?? '',
              role: s.role,
              allocationPercent: s.percent,
            },
          ];
        }),
      });
      const timeline = capacityTimeline(allocations, range);
      const peak = peakOf(timeline);
      return {
        employeeId: id,
        from: range.from,
        to: range.to,
        current: capacityFlagOf(segments, await today(ctx.now)),
        peak: peak ? view(peak) : null,
        averagePercent: Math.round(utilisation(allocations, range).averagePercent * 100) / 100,
        overAllocations: overAllocatedIntervals(timeline).map(view),
        timeline: timeline.map(view),
      };
    },

    async report(ctx, query) {
      assertCan(ctx.actor, 'read', 'Report', { kind: 'capacity' });
      const range = await rangeOf(query, ctx.now);
      const departmentKey = query.department ? departmentKeyOf(query.department) : undefined;
      const people = await employees
        .find(
          { status: 'active', ...(departmentKey ? { departmentKey } : {}) },
          { projection: { name: 1, department: 1 } },
        )
        .sort({ nameKey: 1, _id: 1 })
        .toArray();
      const ledgers = new Map<string, CapacityLedgerDoc>();
      for await (const ledger of capacityLedgers.find({}, { projection: { segments: 1 } })) {
        ledgers.set(ledger._id.toHexString(), ledger);
      }
      const computed = capacityReport(
        people.map((p) => ({
          personId: p._id.toHexString(),
          segments: (ledgers.get(p._id.toHexString())?.segments ?? []).map(toAllocation),
        })),
        range,
      );
      const names = await projectNames(computed.projects.map((p) => ObjectId.createFromHexString(p.projectId)));
      const round = (n: number) => Math.round(n * 100) / 100;
      const rows = computed.people.map((summary, i) => {
        const person = people[i] as (typeof people)[number];
        return {
          employee: { id: summary.personId, name: person.name },
          department: person.department ?? null,
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
      const body =
        query.view === 'projects'
          ? toCsv(
              ['projectId', 'project', 'averageFte', 'personDays', 'people'],
              report.projects.map((p) => [p.project.id, p.project.name, p.averageFte, p.personDays, p.people]),
            )
          : toCsv(
              [
                'employeeId',
                'name',
                'department',
                'averagePercent',
                'peakPercent',
                'overAllocatedDays',
                'overAllocations',
              ],
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
      return {
        format: 'csv',
        fileName: `capacity-${query.view}-${range.from}-to-${range.to}.csv`,
        contentType: 'text/csv; charset=utf-8',
        body,
      };
    },

    async refreshFlags(now) {
      const day = await today(now);
      const shown = new Map<string, CapacityFlag>();
      for await (const doc of employees.find({}, { projection: { capacity: 1 } })) {
        shown.set(doc._id.toHexString(), doc.capacity);
      }
      let changed = 0;
      for await (const ledger of capacityLedgers.find({})) {
        const flag = capacityFlagOf(ledger.segments, day);
        const current = shown.get(ledger._id.toHexString());
        if (!current) continue;
        if (current.allocationPercent === flag.allocationPercent && current.overAllocated === flag.overAllocated)
          continue;
        const result = await employees.updateOne(
          {
            _id: ledger._id,
            // A change that landed since this ledger was read wrote a newer flag.
            $or: [
              { 'capacity.ledgerVersion': { $lte: ledger.version } },
              { 'capacity.ledgerVersion': { $exists: false } },
            ],
          },
          { $set: { capacity: { ...flag, updatedAt: now, ledgerVersion: ledger.version } } },
        );
        changed += result.modifiedCount;
      }
      return changed;
    },

    reconcile: (now) => reconcileAssignments(capacityLedgers, assignments, now),
  };
}

/** May the actor accept an over-allocation under the block policy? */
export function mayOverAllocate(actor: Actor): boolean {
  return canOn(actor, 'create', 'OverAllocation', {});
}
