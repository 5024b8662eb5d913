import type { DaySettlement } from '@seed-pms/db';
import {
  type ApprovalSubject,
  type AttendanceDayView,
  type AttendanceLockRecord,
  type AttendanceLockView,
  type AttendanceRecord,
  type AttendanceRecordsQuery,
  type AttendanceSettings,
  accessQuery,
  addDays,
  allowedPunches,
  autoCheckoutInstant,
  type CorrectionRecord,
  type CorrectionView,
  type CreateCorrectionInput,
  checkPunchLocation,
  closeDay,
  correctionSummary,
  type DayFlag,
  type DayRules,
  DomainError,
  dayFigures,
  dayInTimezone,
  daysBetween,
  dayWarnings,
  decideCorrection,
  effectiveDay,
  isDomainError,
  type List,
  type ListCorrectionsQuery,
  locationNotAllowed,
  locationOn,
  lockOf,
  MAX_RECORDS_RANGE_DAYS,
  type MyStatusView,
  monthOf,
  nextState,
  notFound,
  type OverlayRecord,
  type Page,
  type PunchInput,
  type PunchRecord,
  type PunchType,
  type PunchView,
  periodLocked,
  punchSpan,
  stateOf,
  type UpdateCorrectionInput,
  validationFailed,
  type WorkLocationType,
} from '@seed-pms/domain';
import { abilityFor, assertCan, assertCanSee, loadSeen, requestShape } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import { type ApprovalKindRegistration, type ApprovalsService, decisionFor } from '../approvals/approvals.service.js';
import type { AuditService } from '../audit/audit.service.js';
import type { SettingsService } from '../settings/settings.service.js';

export interface AttendanceService {
  /** A punch at the server's clock: start, break, resume or end. */
  punch(ctx: ActorContext, type: PunchType, input: PunchInput): Promise<MyStatusView>;
  myStatus(ctx: ActorContext): Promise<MyStatusView>;
  /** A person's days with the punches as punched and the day as it counts. */
  records(ctx: ActorContext, query: AttendanceRecordsQuery): Promise<List<AttendanceDayView>>;
  submitCorrection(ctx: ActorContext, input: CreateCorrectionInput): Promise<CorrectionView>;
  corrections(ctx: ActorContext, query: ListCorrectionsQuery): Promise<Page<CorrectionView>>;
  /** Approve, reject or cancel through the engine. */
  updateCorrection(ctx: ActorContext, input: UpdateCorrectionInput): Promise<CorrectionView>;
  locks(): Promise<List<AttendanceLockView>>;
  lock(ctx: ActorContext, month: string): Promise<AttendanceLockView>;
  /** Removes a lock (Admin); answers the lock as it was. */
  unlock(ctx: ActorContext, month: string): Promise<AttendanceLockView>;
  /** The job: days still open after their check-out time end, flagged missingCheckout. */
  autoCheckout(now: Date): Promise<{ closed: number }>;
  /** How corrections join the approvals engine (registered in events/subscriptions.ts). */
  readonly approvalKind: ApprovalKindRegistration;
}

/** The rule part of the settings as `closeDay` and `dayFigures` take it. */
export const dayRulesOf = (rules: AttendanceSettings): DayRules => ({
  breakRules: rules.breakRules,
  breakRuleMode: rules.breakRuleMode,
  maxDailyMinutes: rules.maxDailyMinutes,
});

/** What a closed day settles under the rules: the deduction and the rule flags. */
function settlementFrom(punches: readonly { type: PunchType; at: Date }[], rules: AttendanceSettings): DaySettlement {
  const { deductedMinutes, flags } = closeDay(punches, dayRulesOf(rules));
  return { deductedMinutes, ruleFlags: flags };
}

/** The punches of a day still running as they count (its month cannot be locked yet). */
const livePunches = (record: AttendanceRecord, rules: AttendanceSettings) =>
  effectiveDay(record, null, rules.multipleSessionsPerDay).punches;
const liveState = (record: AttendanceRecord, rules: AttendanceSettings) => stateOf(livePunches(record, rules));

/** How many times a punch reads again after another punch got in first. */
const PUNCH_ATTEMPTS = 6;

export function createAttendanceService(
  deps: Pick<ServiceDeps, 'repos'>,
  services: { audit: AuditService; settings: SettingsService; approvals: ApprovalsService },
): AttendanceService {
  const { attendance, corrections, attendanceLocks: locks, employees, workLocation, leases } = deps.repos;
  const { audit, settings, approvals } = services;

  const context = async (now: Date) => {
    const { organization, attendance: rules } = await settings.current(now);
    return { timeZone: organization.timezone, rules, today: dayInTimezone(now, organization.timezone) };
  };

  /** Where the person is to work on a day: an approved request, else the profile's default, else the office. */
  async function whereOn(userId: string, date: string): Promise<WorkLocationType> {
    const [approved, profile] = await Promise.all([workLocation.approvedOn([userId], date), employees.get(userId)]);
    return locationOn(date, approved, profile?.workLocation ?? null).location;
  }

  /**
   * The day a punch goes to: one still open whose automatic check-out has not
   * come (a shift past midnight stays on the day it started), else today's.
   */
  async function currentRecord(
    userId: string,
    today: string,
    now: Date,
    rules: AttendanceSettings,
    timeZone: string,
  ): Promise<AttendanceRecord | null> {
    const recent = await attendance.between(userId, addDays(today, -1), today);
    const isOpen = (r: AttendanceRecord) => ['working', 'onBreak'].includes(liveState(r, rules));
    const todays = recent.find((r) => r.date === today) ?? null;
    if (todays && isOpen(todays)) return todays;
    const running = recent.find((r) => {
      const span = punchSpan(livePunches(r, rules));
      return r.date !== today && isOpen(r) && span !== null && autoCheckoutInstant(r.date, span, rules, timeZone) > now;
    });
    return running ?? todays;
  }

  /**
   * The lock of a day's month. Only a month that has ended can be locked, so
   * the days of this month need no read (every punch is on one of them, or on
   * yesterday's).
   */
  const lockOn = async (date: string, today: string) =>
    monthOf(date) >= monthOf(today) ? null : locks.get(monthOf(date));

  /** What a day settles as it closes; nothing in a locked month. */
  async function settlementOf(
    date: string,
    today: string,
    punches: readonly { type: PunchType; at: Date }[],
    rules: AttendanceSettings,
  ): Promise<DaySettlement | null> {
    if (await lockOn(date, today)) return null;
    return settlementFrom(punches, rules);
  }

  const punchView = (p: PunchRecord): PunchView => ({
    type: p.type,
    at: p.at.toISOString(),
    source: p.source,
    ip: p.ip,
    userAgent: p.userAgent,
    location: p.location,
    note: p.note,
    flags: p.flags,
  });

  async function statusOf(
    record: AttendanceRecord | null,
    userId: string,
    today: string,
    now: Date,
    rules: AttendanceSettings,
  ): Promise<MyStatusView> {
    const lock = record ? await lockOn(record.date, today) : null;
    const state = record ? stateOf(effectiveDay(record, lock, rules.multipleSessionsPerDay).punches) : 'notStarted';
    const effective = record ? effectiveDay(record, lock, rules.multipleSessionsPerDay).punches : [];
    const figures = dayFigures(effective, dayRulesOf(rules), { now, deductedMinutes: record?.deductedMinutes ?? 0 });
    return {
      date: record?.date ?? today,
      state,
      allowed: allowedPunches(state, rules.multipleSessionsPerDay),
      punches: (record?.punches ?? []).map(punchView),
      figures,
      workLocation: record?.workLocation ?? (await whereOn(userId, today)),
      warnings: dayWarnings(figures, dayRulesOf(rules)),
      flags: record?.flags ?? [],
    };
  }

  // ---- Corrections as the engine sees them ----

  const subjectOf = (c: CorrectionRecord, timeZone: string): ApprovalSubject => ({
    id: c.id,
    requesterId: c.userId,
    summary: correctionSummary(c.date, c.punches, timeZone),
    days: { start: c.date, end: c.date },
    amountMinor: null,
    attributes: {},
    version: c.version,
  });

  async function correctionViews(records: readonly CorrectionRecord[], now: Date): Promise<CorrectionView[]> {
    const [summaryOf, cards] = await Promise.all([
      approvals.summaries(
        records.map((r) => r.workflowId),
        now,
      ),
      employees.cards([...new Set(records.map((r) => r.userId))]),
    ]);
    return records.map((c) => ({
      id: c.id,
      user: { id: c.userId, name: cards.get(c.userId)?.name ?? 'Unknown person' },
      date: c.date,
      punches: c.punches.map((p) => ({ type: p.type, at: p.at.toISOString() })),
      reason: c.reason,
      status: c.status,
      workflowId: c.workflowId,
      approval: summaryOf(c.workflowId),
      decidedAt: c.decidedAt?.toISOString() ?? null,
      version: c.version,
      createdAt: c.createdAt.toISOString(),
      updatedAt: c.updatedAt.toISOString(),
    }));
  }

  async function correctionView(id: string, now: Date): Promise<CorrectionView> {
    const record = await corrections.get(id);
    if (!record) throw notFound('Attendance correction', id);
    return (await correctionViews([record], now))[0] as CorrectionView;
  }

  /** An approved correction laid over its day (once: a repeat finds it there). */
  async function applyCorrection(correction: CorrectionRecord, approvedBy: string[], approvedAt: Date, now: Date) {
    const { rules } = await context(now);
    const overlay: OverlayRecord = {
      correctionId: correction.id,
      punches: correction.punches,
      approvedAt,
      approvedBy,
    };
    const lock = await locks.get(monthOf(correction.date));
    // A correction that does not count (approved after the lock) leaves the settled figures alone.
    const counts = !lock || approvedAt <= lock.lockedAt;
    await attendance.applyOverlay(correction.userId, correction.date, overlay, now, (current) => {
      const effective = effectiveDay(
        { punches: current.punches, overlays: [...current.overlays, overlay] },
        lock,
        rules.multipleSessionsPerDay,
      ).punches;
      const state = stateOf(effective);
      return { state, settle: counts && state === 'ended' ? settlementFrom(effective, rules) : null };
    });
  }

  const approvalKind: ApprovalKindRegistration = {
    kind: 'timeChange',
    async subject(id) {
      const c = await corrections.get(id);
      if (!c) return null;
      return subjectOf(c, (await settings.current(new Date())).organization.timezone);
    },
    async onOutcome(id, outcome, workflow, now) {
      if (outcome === 'reopened') return true;
      if (!(await corrections.settle(id, outcome, workflow.subject.version, now))) return false;
      if (outcome === 'approved') {
        const correction = await corrections.get(id);
        if (!correction) return true;
        const approvedBy = [
          ...new Set(
            workflow.decisions
              .filter((d) => d.round === workflow.round && d.decision === 'approve' && d.by !== null)
              .map((d) => d.by as string),
          ),
        ];
        await applyCorrection(correction, approvedBy, workflow.closedAt ?? now, now);
      }
      return true;
    },
    share: (id, userIds) => corrections.addApprovers(id, userIds),
    async pendingSince(after, before) {
      const pending = await corrections.pendingBefore(after, before, 500);
      const { timeZone } = await context(before);
      return pending.map((c) => ({ workflowId: c.workflowId, subject: subjectOf(c, timeZone) }));
    },
  };

  // ---- Records ----

  async function dayView(
    record: AttendanceRecord,
    lock: AttendanceLockRecord | null,
    rules: AttendanceSettings,
    names: Map<string, string>,
    open: { now: Date } | null,
  ): Promise<AttendanceDayView> {
    const day = dayRulesOf(rules);
    const effective = effectiveDay(record, lock, rules.multipleSessionsPerDay);
    const corrected = effective.overlay !== null;
    const originalDeduction = corrected
      ? closeDay(record.punches, day).deductedMinutes * Number(stateOf(record.punches) === 'ended')
      : record.deductedMinutes;
    const now = open?.now ?? null;
    return {
      date: record.date,
      user: { id: record.userId, name: names.get(record.userId) ?? 'Unknown person' },
      original: {
        punches: record.punches.map(punchView),
        figures: dayFigures(record.punches, day, { now, deductedMinutes: originalDeduction }),
      },
      effective: {
        punches: effective.punches.map((p) => ({ type: p.type, at: p.at.toISOString() })),
        figures: dayFigures(effective.punches, day, { now, deductedMinutes: record.deductedMinutes }),
      },
      corrections: record.overlays.map((o) => ({
        correctionId: o.correctionId,
        punches: o.punches.map((p) => ({ type: p.type, at: p.at.toISOString() })),
        approvedAt: o.approvedAt.toISOString(),
        approvedBy: o.approvedBy.map((id) => ({ id, name: names.get(id) ?? 'Unknown person' })),
        inEffect: !lock || o.approvedAt <= lock.lockedAt,
      })),
      workLocation: record.workLocation,
      flags: record.flags,
      locked: lock !== null,
    };
  }

  return {
    approvalKind,

    async punch(ctx, type, input) {
      const userId = ctx.actor.id;
      const { rules, timeZone, today } = await context(ctx.now);
      for (let attempt = 1; ; attempt++) {
        const record = await currentRecord(userId, today, ctx.now, rules, timeZone);
        // The machine runs on the day as it counts (a correction of this morning's start lets you end it).
        const state = record ? liveState(record, rules) : 'notStarted';
        const next = nextState(state, type, rules.multipleSessionsPerDay);
        const date = record?.date ?? today;
        const workLocation = record?.workLocation ?? (await whereOn(userId, date));
        const point = input.location ?? null;
        const check = checkPunchLocation({ location: rules.location, workLocation, ip: ctx.req.ip, point });
        if (check.refuse && (type === 'start' || type === 'resume')) throw locationNotAllowed(ctx.req.ip, point);
        const punch: PunchRecord = {
          type,
          at: ctx.now,
          source: 'punch',
          ip: ctx.req.ip,
          userAgent: ctx.req.userAgent,
          location: point,
          note: input.note ?? null,
          flags: check.flags,
        };
        try {
          let saved: AttendanceRecord | null;
          if (!record) {
            saved = await attendance.insertFirst({ userId, date, punch, workLocation }, ctx.now);
            // Another tap made the day first: read it and try again.
            if (!saved) continue;
          } else {
            // The day closes as it counts: after any correction laid over it.
            const closing = effectiveDay(
              { punches: [...record.punches, punch], overlays: record.overlays },
              null,
              rules.multipleSessionsPerDay,
            ).punches;
            const settle = next === 'ended' ? await settlementOf(date, today, closing, rules) : null;
            saved = await attendance.append(record, { punch, state: next, settle }, ctx.now);
          }
          return statusOf(saved, userId, today, ctx.now, rules);
        } catch (error) {
          if (isDomainError(error) && error.code === 'VERSION_CONFLICT' && attempt < PUNCH_ATTEMPTS) continue;
          throw error;
        }
      }
    },

    async myStatus(ctx) {
      const { rules, timeZone, today } = await context(ctx.now);
      const record = await currentRecord(ctx.actor.id, today, ctx.now, rules, timeZone);
      return statusOf(record, ctx.actor.id, today, ctx.now, rules);
    },

    async records(ctx, query) {
      const userId = query.userId ?? ctx.actor.id;
      const { rules, today } = await context(ctx.now);
      const to = query.to ?? today;
      const from = query.from ?? addDays(to, -29);
      if (from > to) {
        throw validationFailed('to must not be before from', [
          { path: 'to', message: 'must not be before from', code: 'invalid_range' },
        ]);
      }
      if (daysBetween(from, to) > MAX_RECORDS_RANGE_DAYS) {
        throw validationFailed(`The range may span at most ${MAX_RECORDS_RANGE_DAYS} days`, [
          { path: 'to', message: `at most ${MAX_RECORDS_RANGE_DAYS} days after from`, code: 'too_big' },
        ]);
      }
      const line = await employees.reportingLine(userId);
      if (!line) throw notFound('Employee', userId);
      assertCanSee(ctx.actor, 'AttendanceRecord', { userId, managerChain: line.managers }, 'Employee', userId);
      const [days, allLocks] = await Promise.all([attendance.between(userId, from, to), locks.list()]);
      const cards = await employees.cards([
        userId,
        ...new Set(days.flatMap((d) => d.overlays.flatMap((o) => o.approvedBy))),
      ]);
      const names = new Map([...cards].map(([id, card]) => [id, card.name]));
      const items = await Promise.all(
        days.map((d) =>
          dayView(d, lockOf(d.date, allLocks), rules, names, d.date >= addDays(today, -1) ? { now: ctx.now } : null),
        ),
      );
      return { items };
    },

    async submitCorrection(ctx, input) {
      const userId = ctx.actor.id;
      const { rules, timeZone, today } = await context(ctx.now);
      const punches = input.punches.map((p) => ({ type: p.type, at: new Date(p.at) }));
      const record = await leases.withLease(`attendance-correction:${userId}`, async () => {
        const [lock, own] = await Promise.all([
          locks.get(monthOf(input.date)),
          corrections.activeOverlapping(userId, input.date, input.date),
        ]);
        decideCorrection({
          date: input.date,
          punches,
          today,
          now: ctx.now,
          timeZone,
          settings: rules,
          lock,
          pending: own,
        });
        return corrections.insert(
          {
            id: corrections.newId(),
            userId,
            date: input.date,
            punches,
            reason: input.reason,
            workflowId: approvals.newWorkflowId(),
          },
          ctx.now,
        );
      });
      try {
        await approvals.start(ctx, 'timeChange', record.workflowId, subjectOf(record, timeZone));
      } catch (error) {
        // No correction without its workflow: the submission fails as a whole.
        await corrections.remove(record.id);
        throw error;
      }
      await audit.record(ctx, {
        action: 'attendance.correction.submit',
        resourceType: 'time_change_request',
        resourceId: record.id,
        after: { date: input.date, punches: input.punches, reason: input.reason, workflowId: record.workflowId },
      });
      return correctionView(record.id, ctx.now);
    },

    async corrections(ctx, query) {
      const access = accessQuery(abilityFor(ctx.actor), 'read', 'AttendanceCorrection');
      const page = await corrections.list(query, access);
      return { ...page, items: await correctionViews(page.items, ctx.now) };
    },

    async updateCorrection(ctx, input) {
      const record = await loadSeen(
        ctx.actor,
        'AttendanceCorrection',
        'Attendance correction',
        input.id,
        corrections.get,
        requestShape,
      );
      if (input.action === 'cancel') {
        await approvals.cancel(ctx, record.workflowId);
      } else {
        if (input.action === 'approve') {
          const lock = await locks.get(monthOf(record.date));
          if (lock) throw periodLocked(lock);
        }
        await approvals.decide(ctx, decisionFor(record.workflowId, input.action, input));
      }
      return correctionView(record.id, ctx.now);
    },

    async locks() {
      const all = await locks.list();
      const cards = await employees.cards([...new Set(all.map((l) => l.lockedBy))]);
      return {
        items: all.map((l) => ({
          month: l.month,
          lockedAt: l.lockedAt.toISOString(),
          lockedBy: { id: l.lockedBy, name: cards.get(l.lockedBy)?.name ?? 'Unknown person' },
        })),
      };
    },

    async lock(ctx, month) {
      assertCan(ctx.actor, 'create', 'AttendancePeriod', {});
      const { today } = await context(ctx.now);
      if (month >= monthOf(today)) {
        throw new DomainError('ATTENDANCE_MONTH_OPEN', `${month} has not ended; lock it from its last day on`, {
          month,
          today,
        });
      }
      const saved = await locks.insert(month, ctx.actor.id, ctx.now);
      if (!saved) {
        const existing = await locks.get(month);
        if (existing) throw periodLocked(existing);
        throw new DomainError('ATTENDANCE_PERIOD_LOCKED', `${month} is locked`, { month });
      }
      await audit.record(ctx, {
        action: 'attendance.lock',
        resourceType: 'attendance_period',
        resourceId: month,
        after: { month, lockedAt: saved.lockedAt.toISOString() },
      });
      const cards = await employees.cards([ctx.actor.id]);
      return {
        month,
        lockedAt: saved.lockedAt.toISOString(),
        lockedBy: { id: ctx.actor.id, name: cards.get(ctx.actor.id)?.name ?? 'Unknown person' },
      };
    },

    async unlock(ctx, month) {
      assertCan(ctx.actor, 'delete', 'AttendancePeriod', {});
      const existing = await locks.get(month);
      if (!existing || !(await locks.remove(month))) throw notFound('Attendance lock', month);
      // Corrections approved while it was locked count from now on: their days are settled again.
      const { rules } = await context(ctx.now);
      let resettled = 0;
      for (const record of await attendance.correctedBetween(`${month}-01`, `${month}-31`)) {
        if (!record.overlays.some((o) => o.approvedAt > existing.lockedAt)) continue;
        const effective = effectiveDay(record, null, rules.multipleSessionsPerDay).punches;
        const state = stateOf(effective);
        try {
          await attendance.resettle(
            record,
            { state, settle: state === 'ended' ? settlementFrom(effective, rules) : null },
            ctx.now,
          );
          resettled++;
        } catch (error) {
          // Changed meanwhile (a correction applied): that write settled it already.
          if (!(isDomainError(error) && error.code === 'VERSION_CONFLICT')) throw error;
        }
      }
      await audit.record(ctx, {
        action: 'attendance.unlock',
        resourceType: 'attendance_period',
        resourceId: month,
        before: { month, lockedAt: existing.lockedAt.toISOString(), lockedBy: existing.lockedBy },
        after: { resettled },
      });
      const cards = await employees.cards([existing.lockedBy]);
      return {
        month,
        lockedAt: existing.lockedAt.toISOString(),
        lockedBy: { id: existing.lockedBy, name: cards.get(existing.lockedBy)?.name ?? 'Unknown person' },
      };
    },

    async autoCheckout(now) {
      const { organization, attendance: rules } = await settings.get(now);
      const timeZone = organization.timezone;
      const today = dayInTimezone(now, timeZone);
      const allLocks = await locks.list();
      let closed = 0;
      for (const record of await attendance.openUpTo(today, 10_000)) {
        const lock = lockOf(record.date, allLocks);
        const span = punchSpan(effectiveDay(record, lock, rules.multipleSessionsPerDay).punches);
        if (!span) continue;
        const at = autoCheckoutInstant(record.date, span, rules, timeZone);
        if (at > now) continue;
        const punch: PunchRecord = {
          type: 'end',
          at,
          source: 'auto',
          ip: null,
          userAgent: null,
          location: null,
          note: null,
          flags: [],
        };
        // Settled as the day counts, corrections included.
        const punches = effectiveDay(
          { punches: [...record.punches, punch], overlays: record.overlays },
          lock,
          rules.multipleSessionsPerDay,
        ).punches;
        const settle = lock ? null : settlementFrom(punches, rules);
        const flags: DayFlag[] = ['missingCheckout'];
        try {
          await attendance.append(record, { punch, state: 'ended', flags, settle }, now);
          closed++;
        } catch (error) {
          // A punch (or another run) got in first: the next run looks again.
          if (!(isDomainError(error) && error.code === 'VERSION_CONFLICT')) throw error;
        }
      }
      return { closed };
    },
  };
}
