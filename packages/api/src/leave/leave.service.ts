import { randomUUID } from 'node:crypto';
import type { LeaveProfile } from '@seed-pms/db';
import {
  type AdjustBalanceInput,
  type ApprovalSubject,
  accessQuery,
  assertLeaveEditable,
  type CreateLeaveRequestInput,
  calendarFor,
  DEFAULT_HOURS_PER_DAY,
  DomainError,
  dayInTimezone,
  dayRulesOf,
  decideLeaveAsk,
  decideLeaveCancel,
  fromHundredths,
  type HolidayCalendarRecord,
  holdsRole,
  type LeaveApprovalItem,
  type LeaveApprovalsQuery,
  type LeaveAsk,
  type LeaveBalancesView,
  type LeaveDecisionInput,
  type LeaveRejectInput,
  type LeaveRequestDetailView,
  type LeaveRequestRecord,
  type LeaveRequestView,
  type LeaveTypeRecord,
  type ListLeaveRequestsQuery,
  leaveSummary,
  notFound,
  type Page,
  toHundredths,
  type UpdateLeaveRequestInput,
  versionConflict,
} from '@seed-pms/domain';
import { abilityFor, assertCan, assertCanSee, loadSeen, requestShape } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import { type ApprovalKindRegistration, type ApprovalsService, decisionFor } from '../approvals/approvals.service.js';
import type { AuditService } from '../audit/audit.service.js';
import type { EventBus } from '../events/event-bus.js';
import type { AvailabilitySource } from '../projects/capacity.service.js';
import type { SettingsService } from '../settings/settings.service.js';
import { balanceLine, createLeaveBalances } from './leave-balances.js';
import { createLeaveCapacity, typeRef } from './leave-capacity.js';
import type { LeaveSetupInternals } from './leave-setup.service.js';
import { createLeaveViews, type LeaveViews } from './leave-views.js';

export interface LeaveService extends LeaveViews {
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

/** How far back the daily check looks for settled requests whose entry is missing. */
const FOLLOW_UP_DAYS = 7;
/** A hold younger than this may still be on its way to its request. */
const ORPHAN_AFTER_MS = 10 * 60_000;

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
  const { leaveRequests: requests, leases, employees, holidayCalendars, files } = deps.repos;
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
    const [summaryOf, cards, types] = await Promise.all([
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
        approval: summaryOf(r.workflowId),
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

  const loadVisible = (ctx: ActorContext, id: string) =>
    loadSeen(ctx.actor, 'LeaveRequest', 'Leave request', id, requests.get, requestShape);

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

  const { availability, impactOf, afterApproval } = createLeaveCapacity(deps, { events, typesById, today });
  const shown = createLeaveViews(deps, {
    typesById,
    organization,
    attendanceRules: async (now) => (await settings.current(now)).attendance,
    today,
    profile,
  });

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

  return {
    calendar: shown.calendar,
    report: shown.report,
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
      await approvals.decide(ctx, decisionFor(record.workflowId, 'approve', input));
      return viewOf(record.id, ctx.now);
    },

    async reject(ctx, input) {
      const record = await loadVisible(ctx, input.id);
      await approvals.decide(ctx, decisionFor(record.workflowId, 'reject', input));
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
  };
}
