import { randomUUID } from 'node:crypto';
import type { LeaveProfile } from '@seed-pms/db';
import {
  type AdjustBalanceInput,
  type ApprovalSubject,
  type AvailabilitySpan,
  accessQuery,
  accrualSchedule,
  addDays,
  assertLeaveEditable,
  availableOf,
  type BalanceTotals,
  type CalendarEntry,
  type CapacityImpactView,
  type CreateLeaveRequestInput,
  calendarFor,
  capacityFlagOf,
  capacityTimeline,
  DEFAULT_HOURS_PER_DAY,
  DomainError,
  dayInTimezone,
  dayRulesOf,
  daysBetween,
  decideLeaveAsk,
  decideLeaveCancel,
  EMPTY_TOTALS,
  type EmployeeCalendarQuery,
  type EmployeeCalendarView,
  type FileDownloadView,
  fromHundredths,
  type HolidayCalendarRecord,
  holdsRole,
  isoWeekday,
  type LeaveApprovalItem,
  type LeaveApprovalsQuery,
  type LeaveAsk,
  type LeaveBalancesView,
  type LeaveDecisionInput,
  type LeaveRejectInput,
  type LeaveReportQuery,
  type LeaveReportView,
  type LeaveRequestDetailView,
  type LeaveRequestRecord,
  type LeaveRequestView,
  type LeaveTypeRecord,
  type LeaveTypeRef,
  type ListLeaveRequestsQuery,
  leaveSummary,
  locationOn,
  MAX_LEAVE_RANGE_DAYS,
  notFound,
  OPEN_END_DAY,
  type Page,
  toCsv,
  toHundredths,
  type UpdateLeaveRequestInput,
  validationFailed,
  versionConflict,
} from '@seed-pms/domain';
import { abilityFor, assertCan, assertCanSee } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { ApprovalKindRegistration, ApprovalsService } from '../approvals/approvals.service.js';
import type { AuditService } from '../audit/audit.service.js';
import type { EventBus } from '../events/event-bus.js';
import type { AvailabilitySource } from '../projects/capacity.service.js';
import type { SettingsService } from '../settings/settings.service.js';
import { balanceLine, createLeaveBalances, tracked } from './leave-balances.js';
import type { LeaveSetupInternals } from './leave-setup.service.js';

export interface LeaveService {
  myBalances(ctx: ActorContext, query: { asOf?: string | undefined }): Promise<LeaveBalancesView>;
  balances(ctx: ActorContext, query: { userId: string; asOf?: string | undefined }): Promise<LeaveBalancesView>;
  adjustBalance(ctx: ActorContext, input: AdjustBalanceInput): Promise<LeaveBalancesView>;
  requests(ctx: ActorContext, query: ListLeaveRequestsQuery): Promise<Page<LeaveRequestView>>;
  submit(ctx: ActorContext, input: CreateLeaveRequestInput): Promise<LeaveRequestView>;
  request(ctx: ActorContext, id: string): Promise<LeaveRequestDetailView>;
  update(ctx: ActorContext, input: UpdateLeaveRequestInput): Promise<LeaveRequestView>;
  cancel(ctx: ActorContext, id: string): Promise<LeaveRequestView>;
  approve(ctx: ActorContext, input: LeaveDecisionInput): Promise<LeaveRequestView>;
  reject(ctx: ActorContext, input: LeaveRejectInput): Promise<LeaveRequestView>;
  approvals(ctx: ActorContext, query: LeaveApprovalsQuery): Promise<Page<LeaveApprovalItem>>;
  calendar(ctx: ActorContext, query: EmployeeCalendarQuery): Promise<EmployeeCalendarView>;
  report(ctx: ActorContext, query: LeaveReportQuery): Promise<LeaveReportView | FileDownloadView>;
}

export interface LeaveInternals extends LeaveService {
  /** How leave joins the approvals engine (registered in events/subscriptions.ts). */
  readonly approvalKind: ApprovalKindRegistration;
  /** Approved leave as availability for the capacity engine. */
  readonly availability: AvailabilitySource;
  accrue(now: Date): Promise<{ credited: number; entitlements: number }>;
  carryForward(now: Date): Promise<{ carried: number; expired: number }>;
  /**
   * The ledger follows every request settled in the last week (an outcome
   * interrupted between the request's write and its entry), then every
   * projection is checked against the ledger.
   */
  rebuildBalances(now: Date): Promise<{ followed: number; checked: number; repaired: number }>;
}

const typeRef = (t: LeaveTypeRecord): LeaveTypeRef => ({
  id: t.id,
  name: t.name,
  code: t.code,
  colour: t.colour,
  unit: t.unit,
  paid: t.paid,
});

/** How far back the daily check looks for settled requests whose entry is missing. */
const FOLLOW_UP_DAYS = 7;
/** A hold younger than this may still be on its way to its request. */
const ORPHAN_AFTER_MS = 10 * 60_000;

/** The share of a day a counted day takes (hour types count hours of a default day). */
const fractionOf = (type: LeaveTypeRecord | undefined, amount: number, hoursPerDay: number) =>
  Math.min(1, fromHundredths(amount) / (type?.unit === 'hour' ? hoursPerDay : 1));

/** The days of a request still off: a leave cut short ends the day before. */
const daysOff = (r: LeaveRequestRecord) =>
  r.curtailedFrom ? r.days.filter(([d]) => d < (r.curtailedFrom as string)) : r.days;

export function createLeaveService(
  deps: Pick<ServiceDeps, 'repos' | 'logger'>,
  services: {
    audit: AuditService;
    settings: SettingsService;
    approvals: ApprovalsService;
    setup: LeaveSetupInternals;
    events: EventBus;
  },
): LeaveInternals {
  const {
    leaveRequests: requests,
    leases,
    employees,
    holidayCalendars,
    capacity,
    projects,
    workLocation,
    files,
  } = deps.repos;
  const { audit, settings, approvals, setup, events } = services;
  const balances = createLeaveBalances(deps, { settings, setup });

  const organization = async (now: Date) => (await settings.current(now)).organization;
  const today = async (now: Date) => dayInTimezone(now, (await organization(now)).timezone);

  /** Checks and writes of one person's requests take turns (overlap and balance). */
  const asPerson = <T>(userId: string, fn: () => Promise<T>) =>
    leases.withLease(`leave:${userId}`, fn, { waitMs: 30_000 });

  async function profile(userId: string): Promise<LeaveProfile> {
    const [person] = await employees.leaveProfiles({ ids: [userId] });
    if (!person) throw notFound('Employee', userId);
    return person;
  }

  const hoursOf = (person: LeaveProfile) => person.hoursPerDay ?? DEFAULT_HOURS_PER_DAY;

  async function typeOf(id: string, now: Date): Promise<LeaveTypeRecord> {
    const type = await setup.type(id, now);
    if (!type) throw new DomainError('REFERENCE_NOT_FOUND', 'No leave type has this id', { field: 'typeId', id });
    return type;
  }

  async function typesById(now: Date) {
    return new Map((await setup.allTypes(now)).map((t) => [t.id, t]));
  }

  async function rulesFor(person: LeaveProfile, type: LeaveTypeRecord, now: Date, calendars?: HolidayCalendarRecord[]) {
    const [org, all] = await Promise.all([organization(now), calendars ?? holidayCalendars.list()]);
    return dayRulesOf(type, calendarFor(all, person.place), org.workingDays);
  }

  async function views(records: readonly LeaveRequestRecord[], now: Date): Promise<LeaveRequestView[]> {
    const [summaries, cards, types] = await Promise.all([
      approvals.summaries(
        records.map((r) => r.workflowId),
        now,
      ),
      employees.cards([...new Set(records.map((r) => r.userId))]),
      typesById(now),
    ]);
    return records.map((r) => {
      const type = types.get(r.typeId);
      return {
        id: r.id,
        user: { id: r.userId, name: cards.get(r.userId)?.name ?? 'Unknown person' },
        type: type
          ? typeRef(type)
          : { id: r.typeId, name: 'Unknown type', code: '?', colour: '#000000', unit: 'day', paid: false },
        startDate: r.startDate,
        endDate: r.endDate,
        startHalf: r.startHalf,
        endHalf: r.endHalf,
        amount: fromHundredths(r.amount),
        year: r.year,
        reason: r.reason,
        attachmentFileId: r.attachmentFileId,
        status: r.status,
        workflowId: r.workflowId,
        approval: summaries.get(r.workflowId) ?? {
          id: r.workflowId,
          state: 'pending' as const,
          round: 1,
          currentStage: null,
          awaiting: [],
          dueAt: null,
          overdue: false,
        },
        decidedAt: r.decidedAt?.toISOString() ?? null,
        cancelledAt: r.cancelledAt?.toISOString() ?? null,
        curtailedFrom: r.curtailedFrom,
        version: r.version,
        createdAt: r.createdAt.toISOString(),
        updatedAt: r.updatedAt.toISOString(),
      };
    });
  }

  async function viewOf(id: string, now: Date): Promise<LeaveRequestView> {
    const record = await requests.get(id);
    if (!record) throw notFound('Leave request', id);
    return (await views([record], now))[0] as LeaveRequestView;
  }

  async function loadVisible(ctx: ActorContext, id: string) {
    const record = await requests.get(id);
    if (!record) throw notFound('Leave request', id);
    assertCanSee(
      ctx.actor,
      'LeaveRequest',
      { userId: record.userId, approverIds: record.approverIds },
      'Leave request',
      id,
    );
    return record;
  }

  const subjectOf = (r: LeaveRequestRecord, type: LeaveTypeRecord): ApprovalSubject => ({
    id: r.id,
    requesterId: r.userId,
    summary: leaveSummary(type, r),
    days: { start: r.startDate, end: r.endDate },
    amountMinor: null,
    attributes: { leaveType: type.code },
    version: r.version,
  });

  async function checkAttachment(ctx: ActorContext, fileId: string | null) {
    if (!fileId) return;
    const file = await files.get(fileId);
    if (!file || (file.uploadedBy !== ctx.actor.id && !holdsRole(ctx.actor.roles, 'hr'))) {
      throw new DomainError('REFERENCE_NOT_FOUND', 'No file you uploaded has this id', {
        field: 'attachmentFileId',
        id: fileId,
      });
    }
  }

  /** The decided ask: the rules, with the requester's own leave read under their turn. */
  async function decide(ctx: ActorContext, person: LeaveProfile, ask: LeaveAsk, editing?: string) {
    const type = await typeOf(ask.typeId, ctx.now);
    const [rules, day, own] = await Promise.all([
      rulesFor(person, type, ctx.now),
      today(ctx.now),
      requests.activeOverlapping(person.id, ask.startDate, ask.endDate),
    ]);
    const take = decideLeaveAsk({
      ask,
      type,
      rules,
      hoursPerDay: hoursOf(person),
      joinDate: person.joinDate,
      own,
      editing,
      today: day,
      mayRecordPast: holdsRole(ctx.actor.roles, 'hr'),
    });
    return { type, take };
  }

  // ---- Capacity ----

  /** Approved leave of these people on days from..to as availability spans (a day each). */
  const availability: AvailabilitySource = async (userIds, from, to) => {
    const out = new Map<string, AvailabilitySpan[]>();
    if (userIds.length === 0) return out;
    const last = to === OPEN_END_DAY ? addDays(from, 3 * 366) : to;
    const [approved, types] = await Promise.all([requests.activeIn(userIds, from, last), typesById(new Date())]);
    // A morning off and an afternoon off of the same day add up to the whole day.
    const off = new Map<string, Map<string, number>>();
    for (const r of approved) {
      if (r.status !== 'approved') continue;
      const type = types.get(r.typeId);
      const days = off.get(r.userId) ?? new Map<string, number>();
      for (const [date, amount] of daysOff(r)) {
        if (date < from || date > last) continue;
        days.set(date, Math.min(1, (days.get(date) ?? 0) + fractionOf(type, amount, r.hoursPerDay)));
      }
      off.set(r.userId, days);
    }
    for (const [userId, days] of off) {
      out.set(
        userId,
        [...days].map(([date, fraction]) => ({ start: date, end: date, percent: Math.round(100 * (1 - fraction)) })),
      );
    }
    return out;
  };

  async function impactOf(r: LeaveRequestRecord): Promise<CapacityImpactView> {
    const period = { start: r.startDate, end: r.endDate };
    const ledger = await capacity.get(r.userId);
    const inRange = ledger.segments.filter((s) => s.start <= period.end && (s.end === null || s.end >= period.start));
    const projectIds = [...new Set(inRange.map((s) => s.projectId))];
    if (projectIds.length === 0) return { projects: [] };
    const names = await projects.names(projectIds);
    const out: CapacityImpactView['projects'] = [];
    for (const projectId of projectIds) {
      const mine = inRange.filter((s) => s.projectId === projectId);
      const members = (await capacity.membersOf(projectId)).filter((m) =>
        m.segments.some((s) => s.start <= period.end && (s.end === null || s.end >= period.start)),
      );
      const leadIds = members
        .filter((m) =>
          m.segments.some(
            (s) => s.role === 'lead' && s.start <= period.end && (s.end === null || s.end >= period.start),
          ),
        )
        .map((m) => m.userId)
        .filter((id) => id !== r.userId);
      const teammateIds = members.map((m) => m.userId).filter((id) => id !== r.userId);
      const [off, cards] = await Promise.all([
        requests.activeIn(teammateIds, period.start, period.end),
        employees.cards([...new Set([...leadIds, ...teammateIds])]),
      ]);
      const start = mine.reduce((d, s) => (s.start > d ? s.start : d), period.start);
      const end = mine.reduce((d, s) => (s.end !== null && s.end < d ? s.end : d), period.end);
      out.push({
        project: { id: projectId, name: names.get(projectId) ?? '' },
        allocationPercent: Math.max(
          0,
          ...capacityTimeline(mine, { from: period.start, to: period.end }).map((i) => i.allocatedPercent),
        ),
        start: start < period.start ? period.start : start,
        end,
        leads: leadIds.map((id) => ({ id, name: cards.get(id)?.name ?? 'Unknown person' })),
        teammatesOff: off.map((o) => ({
          user: { id: o.userId, name: cards.get(o.userId)?.name ?? 'Unknown person' },
          startDate: o.startDate,
          endDate: o.endDate,
          status: o.status as 'pending' | 'approved',
        })),
      });
    }
    return { projects: out };
  }

  /** After approval: the person's halo, and their projects' leads told when the leave takes them above availability. */
  async function afterApproval(r: LeaveRequestRecord, by: string | null, now: Date) {
    const day = await today(now);
    const ledger = await capacity.get(r.userId);
    if (ledger.segments.length === 0) return;
    const spans =
      (await availability([r.userId], day < r.startDate ? day : r.startDate, OPEN_END_DAY)).get(r.userId) ?? [];
    await employees.setCapacityFlag(r.userId, capacityFlagOf(ledger.segments, day, spans), ledger.version, now);
    const over = capacityTimeline(ledger.segments, { from: r.startDate, to: r.endDate }, spans).filter(
      (i) => i.allocatedPercent > i.availablePercent,
    );
    const projectIds = new Set(
      ledger.segments.filter((s) => over.some((i) => i.segmentIds.includes(s.id))).map((s) => s.projectId),
    );
    for (const projectId of projectIds) {
      await events.publish('capacity.overallocated', { userIds: [r.userId], projectId, by, at: now });
    }
  }

  // ---- The engine ----

  const approvalKind: ApprovalKindRegistration = {
    kind: 'leave',
    async subject(id) {
      const r = await requests.get(id);
      if (!r) return null;
      return subjectOf(r, await typeOf(r.typeId, new Date()));
    },
    async onOutcome(id, outcome, workflow, now) {
      if (outcome === 'reopened') return true;
      const before = await requests.get(id);
      if (!before) return true;
      const settled = await requests.settle(id, outcome, workflow.subject.version, now);
      const r = await requests.get(id);
      if (!r) return true;
      if (!settled) {
        // Settled before and changed since (cancelled or cut short after an approval): it has
        // followed this outcome; the daily check posts any entry a stop left out.
        return r.status !== 'pending' && r.version > workflow.subject.version + 1;
      }
      // The ledger follows once per request (entries are keyed), whoever repeats it.
      if (outcome === 'approved') {
        const first = (await balances.take(r, now)) === 'posted';
        if (first || before.status === 'pending') await afterApproval(r, workflow.decisions.at(-1)?.by ?? null, now);
      } else {
        await balances.release(r, now);
      }
      return true;
    },
    share: (id, userIds) => requests.addApprovers(id, userIds),
    async pendingSince(after, before) {
      const pending = await requests.pendingBefore(after, before, 500);
      const types = await typesById(new Date());
      return pending.flatMap((r) => {
        const type = types.get(r.typeId);
        return type ? [{ workflowId: r.workflowId, subject: subjectOf(r, type) }] : [];
      });
    },
  };

  // ---- Balances ----

  async function balancesView(userId: string, asOf: string | undefined, now: Date): Promise<LeaveBalancesView> {
    const person = await profile(userId);
    const day = asOf ?? (await today(now));
    const year = Number(day.slice(0, 4));
    const types = (await setup.allTypes(now)).filter((t) => !t.archived);
    const lines = await Promise.all(
      types.map(async (type) => {
        const { totals, expiresOn } = await balances.totalsAsOf(type, person, year, day, now);
        return { type: typeRef(type), ...balanceLine(type, totals, expiresOn) };
      }),
    );
    return { user: { id: person.id, name: person.name }, year, asOf: day, balances: lines };
  }

  async function assertMaySeeBalances(ctx: ActorContext, userId: string) {
    const line = await employees.reportingLine(userId);
    if (!line) throw notFound('Employee', userId);
    assertCanSee(ctx.actor, 'LeaveBalance', { userId, managerChain: line.managers }, 'Employee', userId);
  }

  // ---- Calendar and report helpers ----

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
    approvalKind,
    availability,
    accrue: (now) => balances.accrue(now),
    carryForward: (now) => balances.carryForward(now),
    async rebuildBalances(now) {
      let followed = 0;
      const since = new Date(now.getTime() - FOLLOW_UP_DAYS * 86_400_000);
      const count = (outcome: string) => {
        if (outcome === 'posted') followed += 1;
      };
      for (const r of await requests.settledSince(since)) {
        if (r.status === 'rejected' || (r.status === 'cancelled' && r.decidedAt === null)) {
          count(await balances.release(r, now));
          continue;
        }
        // Approved (and perhaps cancelled or cut short afterwards): taken once, given back once.
        count(await balances.take(r, now));
        const from = r.status === 'cancelled' ? r.startDate : r.curtailedFrom;
        if (from !== null && r.cancelledAt !== null) {
          const days = r.days.filter(([d]) => d >= from);
          count(
            await balances.restore(
              r,
              days.reduce((sum, [, a]) => sum + a, 0),
              days,
              r.userId,
              now,
            ),
          );
        }
      }
      // Holds no request owns (a stop between the hold and the request's write, or inside an edit).
      const holds = await deps.repos.leaveLedger.holdsBetween(since, new Date(now.getTime() - ORPHAN_AFTER_MS));
      const owners = new Map(
        (await requests.byIds([...new Set(holds.flatMap((h) => (h.requestId ? [h.requestId] : [])))])).map((r) => [
          r.id,
          r,
        ]),
      );
      for (const hold of holds) {
        const owner = hold.requestId ? owners.get(hold.requestId) : undefined;
        if (!owner || owner.holdKey !== hold.key) count(await balances.releaseHold(hold, now));
      }
      if (followed > 0)
        deps.logger.warn({ followed }, 'leave entries of settled requests and unowned holds posted by the daily check');
      return { followed, ...(await balances.rebuild(now)) };
    },

    myBalances: (ctx, query) => balancesView(ctx.actor.id, query.asOf, ctx.now),

    async balances(ctx, query) {
      await assertMaySeeBalances(ctx, query.userId);
      return balancesView(query.userId, query.asOf, ctx.now);
    },

    async adjustBalance(ctx, input) {
      await assertMaySeeBalances(ctx, input.userId);
      assertCan(ctx.actor, 'update', 'LeaveBalance', { userId: input.userId, managerChain: [] });
      const type = await typeOf(input.typeId, ctx.now);
      const asOf = `${input.year}-12-31`;
      const before = await balancesView(input.userId, asOf, ctx.now);
      await balances.adjust(
        {
          userId: input.userId,
          typeId: type.id,
          year: input.year,
          amount: toHundredths(input.days),
          reason: input.reason,
          by: ctx.actor.id,
          key: `adjustment:${ctx.now.getTime()}:${Math.random().toString(36).slice(2)}`,
        },
        ctx.now,
      );
      const after = await balancesView(input.userId, asOf, ctx.now);
      const line = (v: LeaveBalancesView) => v.balances.find((b) => b.type.id === type.id);
      await audit.record(ctx, {
        action: 'leave.balance.adjust',
        resourceType: 'leave_balance',
        resourceId: input.userId,
        before: {
          typeId: type.id,
          year: input.year,
          available: line(before)?.available ?? 0,
          adjusted: line(before)?.adjusted ?? 0,
        },
        after: {
          typeId: type.id,
          year: input.year,
          available: line(after)?.available ?? 0,
          adjusted: line(after)?.adjusted ?? 0,
          days: input.days,
          reason: input.reason,
        },
      });
      const day = await today(ctx.now);
      return balancesView(input.userId, day.startsWith(`${input.year}-`) ? day : asOf, ctx.now);
    },

    // ---- Requests ----

    async requests(ctx, query) {
      const access = accessQuery(abilityFor(ctx.actor), 'read', 'LeaveRequest');
      const page = await requests.list(query, access);
      return { ...page, items: await views(page.items, ctx.now) };
    },

    async submit(ctx, input) {
      const person = await profile(ctx.actor.id);
      const ask: LeaveAsk = {
        typeId: input.typeId,
        startDate: input.startDate,
        endDate: input.endDate,
        startHalf: input.startHalf ?? null,
        endHalf: input.endHalf ?? null,
        reason: input.reason ?? null,
        attachmentFileId: input.attachmentFileId ?? null,
      };
      await checkAttachment(ctx, ask.attachmentFileId);
      const { record, type } = await asPerson(person.id, async () => {
        const { type, take } = await decide(ctx, person, ask);
        const id = requests.newId();
        const fields = {
          id,
          userId: person.id,
          ...ask,
          amount: take.amount,
          days: take.days.map((d): [string, number] => [d.date, d.amount]),
          hoursPerDay: hoursOf(person),
          holdKey: `hold:${id}:1`,
          year: take.year,
          workflowId: approvals.newWorkflowId(),
        };
        // The days held first, then the request stored: a stop in between leaves a hold
        // without its request (fewer days available, never more), which the daily check gives back.
        const shaped: LeaveRequestRecord = {
          ...fields,
          status: 'pending',
          decidedAt: null,
          cancelledAt: null,
          curtailedFrom: null,
          version: 1,
          createdAt: ctx.now,
          updatedAt: ctx.now,
        };
        await balances.hold(shaped, type, person, ctx.now);
        const record = await requests.insert(fields, ctx.now);
        return { record, type };
      });
      try {
        await approvals.start(ctx, 'leave', record.workflowId, subjectOf(record, type));
      } catch (error) {
        // No request without its workflow: the submission fails as a whole, the days given back.
        await requests.remove(record.id);
        await balances.release(record, ctx.now);
        throw error;
      }
      await audit.record(ctx, {
        action: 'leave.submit',
        resourceType: 'leave_request',
        resourceId: record.id,
        after: { ...ask, amount: fromHundredths(record.amount), workflowId: record.workflowId },
      });
      return viewOf(record.id, ctx.now);
    },

    async request(ctx, id) {
      const record = await loadVisible(ctx, id);
      const [view] = await views([record], ctx.now);
      const workflow = await approvals.get(ctx, record.workflowId).catch(() => null);
      return {
        ...(view as LeaveRequestView),
        days: record.days.map(([date, amount]) => ({ date, amount: fromHundredths(amount) })),
        workflow,
        impact: await impactOf(record),
      };
    },

    async update(ctx, input) {
      const record = await loadVisible(ctx, input.id);
      assertLeaveEditable(record, ctx.actor.id);
      const person = await profile(record.userId);
      const ask: LeaveAsk = {
        typeId: input.typeId ?? record.typeId,
        startDate: input.startDate ?? record.startDate,
        endDate: input.endDate ?? record.endDate,
        startHalf: input.startHalf === undefined ? record.startHalf : input.startHalf,
        endHalf: input.endHalf === undefined ? record.endHalf : input.endHalf,
        reason: input.reason === undefined ? record.reason : input.reason,
        attachmentFileId: input.attachmentFileId === undefined ? record.attachmentFileId : input.attachmentFileId,
      };
      if (ask.attachmentFileId !== record.attachmentFileId) await checkAttachment(ctx, ask.attachmentFileId);
      await asPerson(record.userId, async () => {
        const current = await requests.get(record.id);
        if (!current) throw notFound('Leave request', record.id);
        assertLeaveEditable(current, ctx.actor.id);
        if (current.version !== input.version)
          throw versionConflict('LeaveRequest', record.id, input.version, current.version);
        const { type, take } = await decide(ctx, person, ask, record.id);
        const next: LeaveRequestRecord = {
          ...current,
          ...ask,
          amount: take.amount,
          days: take.days.map((d) => [d.date, d.amount]),
          hoursPerDay: hoursOf(person),
          // Each attempt its own hold: one given back after a failed attempt is never reused.
          holdKey: `hold:${current.id}:${current.version + 1}:${randomUUID()}`,
          year: take.year,
          version: current.version + 1,
        };
        const sameBalance = current.typeId === next.typeId && current.year === next.year;
        // The new days held first (counting what the old hold gives back), then the workflow reopened
        // about the new version, the request written, and the old hold released.
        await balances.hold(next, type, person, ctx.now, sameBalance ? current.amount : 0);
        try {
          await approvals.reopen(ctx, record.workflowId, subjectOf(next, type));
        } catch (error) {
          await balances.release(next, ctx.now);
          throw error;
        }
        await requests.update(
          record.id,
          current.version,
          {
            typeId: next.typeId,
            startDate: next.startDate,
            endDate: next.endDate,
            startHalf: next.startHalf,
            endHalf: next.endHalf,
            amount: next.amount,
            days: next.days,
            hoursPerDay: next.hoursPerDay,
            holdKey: next.holdKey,
            year: next.year,
            reason: next.reason,
            attachmentFileId: next.attachmentFileId,
          },
          ctx.now,
        );
        await balances.release(current, ctx.now);
        await approvals.resync(ctx, record.workflowId);
      });
      await audit.record(ctx, {
        action: 'leave.update',
        resourceType: 'leave_request',
        resourceId: record.id,
        before: {
          typeId: record.typeId,
          startDate: record.startDate,
          endDate: record.endDate,
          amount: fromHundredths(record.amount),
        },
        after: ask,
      });
      return viewOf(record.id, ctx.now);
    },

    async cancel(ctx, id) {
      const record = await loadVisible(ctx, id);
      const decision = decideLeaveCancel({
        request: record,
        actorId: ctx.actor.id,
        isHr: holdsRole(ctx.actor.roles, 'hr'),
        today: await today(ctx.now),
      });
      if (decision.kind === 'withdraw') {
        await approvals.cancel(ctx, record.workflowId);
        return viewOf(record.id, ctx.now);
      }
      const after = await requests.cancelApproved(
        record.id,
        record.version,
        decision.whole ? null : decision.from,
        ctx.now,
      );
      await balances.restore(after, decision.amount, decision.days, ctx.actor.id, ctx.now);
      await afterApproval(after, ctx.actor.id, ctx.now).catch(() => undefined);
      await audit.record(ctx, {
        action: decision.whole ? 'leave.cancel' : 'leave.curtail',
        resourceType: 'leave_request',
        resourceId: record.id,
        before: { status: record.status, endDate: record.endDate },
        after: { status: after.status, curtailedFrom: after.curtailedFrom, restored: fromHundredths(decision.amount) },
      });
      return viewOf(record.id, ctx.now);
    },

    async approve(ctx, input) {
      const record = await loadVisible(ctx, input.id);
      await approvals.decide(ctx, {
        workflowId: record.workflowId,
        decision: 'approve',
        ...(input.comment === undefined ? {} : { comment: input.comment }),
        ...(input.round === undefined ? {} : { round: input.round }),
        ...(input.stage === undefined ? {} : { stage: input.stage }),
      });
      return viewOf(record.id, ctx.now);
    },

    async reject(ctx, input) {
      const record = await loadVisible(ctx, input.id);
      await approvals.decide(ctx, {
        workflowId: record.workflowId,
        decision: 'reject',
        reason: input.reason,
        ...(input.comment === undefined ? {} : { comment: input.comment }),
        ...(input.round === undefined ? {} : { round: input.round }),
        ...(input.stage === undefined ? {} : { stage: input.stage }),
      });
      return viewOf(record.id, ctx.now);
    },

    async approvals(ctx, query) {
      const inbox = await approvals.inbox(ctx, { kind: 'leave', page: query.page, limit: query.limit, sort: 'dueAt' });
      const records = await requests.byIds(inbox.items.map((i) => i.subject.id));
      const byId = new Map(records.map((r) => [r.id, r]));
      const ordered = inbox.items.flatMap((i) => {
        const r = byId.get(i.subject.id);
        return r ? [r] : [];
      });
      const shown = await views(ordered, ctx.now);
      const items = await Promise.all(
        shown.map(async (view, i) => ({ ...view, impact: await impactOf(ordered[i] as LeaveRequestRecord) })),
      );
      return { ...inbox, items };
    },

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
