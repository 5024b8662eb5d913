import type { StoredWorkflow } from '@seed-pms/db';
import {
  APPROVAL_KINDS,
  type ApprovalEvent,
  type ApprovalKind,
  type ApprovalPolicyView,
  type ApprovalReportQuery,
  type ApprovalReportView,
  type ApprovalSubject,
  type ApproverDirectory,
  addDays,
  advanceTimers,
  approvalReport,
  assertValidPolicy,
  cancelWorkflow,
  type DecideInput,
  type DecisionView,
  DomainError,
  decideApproval,
  delegationApplies,
  type FileDownloadView,
  type InboxItemView,
  type InboxQuery,
  isDomainError,
  notFound,
  overlaps,
  type Page,
  type PolicyStage,
  refreshStage,
  reopenWorkflow,
  SIMPLE_STAGES,
  startOfDayIn,
  startWorkflow,
  summaryOf,
  toCsv,
  type UpdateApprovalPolicyInput,
  type WorkCalendar,
  type WorkflowFacts,
  type WorkflowOutcome,
  type WorkflowRecord,
  type WorkflowSummaryView,
  type WorkflowTransition,
  type WorkflowView,
  workingDaysBetween,
} from '@seed-pms/domain';
import { assertCan, assertCanSee } from '../access/ability.js';
import { type ActorContext, type CallContext, systemCallContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';
import type { EventBus } from '../events/event-bus.js';
import type { SettingsService } from '../settings/settings.service.js';
import { type ApprovalDelegations, createApprovalDelegations } from './approval-delegations.js';
import { type ApprovalLinks, createApprovalLinks } from './approval-links.js';
import { iso, namesOf, type PersonOf } from './approval-people.js';

/**
 * How a request kind joins the engine: one registration (made in
 * events/subscriptions.ts). The engine never imports an area; an area never
 * writes a workflow. Every handler must be idempotent: the reconciler may run
 * it again after a crash.
 */
export interface ApprovalKindRegistration {
  kind: ApprovalKind;
  /** The request as the engine needs it (requester, days, amount, attributes), or null when it is gone. */
  subject(subjectId: string): Promise<ApprovalSubject | null>;
  /**
   * The request follows its workflow: approved, rejected, cancelled, or
   * reopened after an edit; applied to the version the workflow decided
   * (`workflow.subject.version`) only. True when the request follows (now or
   * already); false when it cannot yet (the reconciler tries again).
   */
  onOutcome(subjectId: string, outcome: WorkflowOutcome, workflow: WorkflowRecord, now: Date): Promise<boolean>;
  /** These people were asked to decide: they may now read the request. */
  share(subjectId: string, userIds: readonly string[]): Promise<void>;
  /**
   * Pending requests stored before `before`, with the workflow id each was
   * stored with: the reconciler starts the workflow of any whose start a crash
   * prevented.
   */
  pendingSince(after: Date, before: Date): Promise<{ workflowId: string; subject: ApprovalSubject }[]>;
}

/**
 * A decision as the engine takes it, from a request kind's own endpoint: the
 * comment, reason and the round and stage the decider saw, those left out
 * staying out.
 */
export function decisionFor(
  workflowId: string,
  decision: DecideInput['decision'],
  input: {
    comment?: string | undefined;
    reason?: string | undefined;
    round?: number | undefined;
    stage?: number | undefined;
  },
): DecideInput {
  return {
    workflowId,
    decision,
    ...(input.comment === undefined ? {} : { comment: input.comment }),
    ...(input.reason === undefined ? {} : { reason: input.reason }),
    ...(input.round === undefined ? {} : { round: input.round }),
    ...(input.stage === undefined ? {} : { stage: input.stage }),
  };
}

export interface ApprovalsService extends Omit<ApprovalDelegations, 'applyBoundary'>, ApprovalLinks {
  register(registration: ApprovalKindRegistration): void;
  /** A new workflow id, for a request that stores it before its workflow starts. */
  newWorkflowId(): string;
  /** Starts the workflow of a submitted request (the kind's service calls this once, after storing the request). */
  start(ctx: CallContext, kind: ApprovalKind, workflowId: string, subject: ApprovalSubject): Promise<WorkflowRecord>;
  /** An approval or rejection, from the kind's own endpoint or the inbox: exactly once per decision. */
  decide(ctx: ActorContext, input: DecideInput): Promise<WorkflowView>;
  /**
   * The requester withdraws the request; with `onBehalf`, the kind's service
   * cancels someone else's (it has checked the caller may); with `undecided`,
   * only while nobody has decided (checked in the same write as the cancel).
   */
  cancel(
    ctx: ActorContext,
    workflowId: string,
    options?: { onBehalf?: boolean; undecided?: boolean },
  ): Promise<WorkflowView>;
  /**
   * The requester is changing the request: a new round from the policy in
   * force, about `subject` (the request as it will be, with the version it
   * will have). Call it before storing the change: a workflow closed
   * meanwhile refuses it (409 WORKFLOW_CLOSED) and the change is not made.
   */
  reopen(ctx: ActorContext, workflowId: string, subject: ApprovalSubject): Promise<WorkflowView>;
  /** After the change is stored: a workflow that closed in between is followed now. */
  resync(ctx: CallContext, workflowId: string): Promise<void>;
  /** Where each workflow stands, for list rows. */
  /**
   * Where each workflow's approval stands, for request lists: every id has one (a workflow
   * not started yet, whose start the reconciler finishes, is pending and asks nobody so far).
   */
  summaries(ids: readonly string[], now: Date): Promise<(workflowId: string) => WorkflowSummaryView>;
  get(ctx: ActorContext, workflowId: string): Promise<WorkflowView>;
  inbox(ctx: ActorContext, query: InboxQuery): Promise<Page<InboxItemView>>;
  policies(ctx: ActorContext): Promise<{ items: ApprovalPolicyView[] }>;
  policy(ctx: ActorContext, kind: ApprovalKind): Promise<ApprovalPolicyView>;
  updatePolicy(ctx: ActorContext, input: UpdateApprovalPolicyInput): Promise<ApprovalPolicyView>;
  /** Requests left behind by a crash between the workflow's write and theirs follow now; returns how many. */
  reconcile(now: Date): Promise<number>;
  /** Decisions, times to decision and what is pending, per kind, stage and approver (HR, Directors, Admin). */
  report(ctx: ActorContext, query: ApprovalReportQuery): Promise<ApprovalReportView | FileDownloadView>;
  /** Pending workflows per kind (the /metrics gauge). */
  pendingByKind(): Promise<Map<ApprovalKind, number>>;
  /** Subscribers to the engine's events (notifications, metrics). */
  onEvent(handler: (event: ApprovalEvent, workflow: WorkflowRecord) => Promise<void>): void;
  /**
   * The periodic job's work: reminders, escalations and timeouts that fell
   * due, and the pending stages of delegations that started or ended, each
   * step one conditional write (so any number of runs, anywhere, act once).
   */
  advance(now: Date): Promise<AdvanceCounts>;
}

export interface AdvanceCounts {
  reminded: number;
  escalated: number;
  timedOut: number;
  delegationsStarted: number;
  delegationsEnded: number;
  reresolved: number;
}

/** How often a decision is tried again after another decision of the same workflow won the race. */
const MAX_ATTEMPTS = 25;
/** The org-wide roles a stage may ask (their holders are loaded for every directory). */
const ORG_WIDE_ROLES = ['hr', 'admin', 'finance', 'ceo'] as const;
/** The reconciler leaves alone workflows closed less than this ago (their request is still following). */
export const RECONCILE_GRACE_MS = 30_000;
const APPROVALS_RECONCILER = 'approvals.reconcile';
/** How far back the reconciler looks for requests whose workflow never started. */
const ORPHAN_WINDOW_MS = 24 * 3_600_000;

/** How many due workflows one run of the timers takes on (the next run takes the rest). */
const ADVANCE_BATCH = 200;
/** Steps one workflow takes in one run at most (a reminder, an escalation and a timeout all overdue). */
const MAX_STEPS = 3;
const APPROVALS_TIMERS = 'approvals.advance';

/** A workflow's summary as lists show it. */
function summaryView(workflow: WorkflowRecord, now: Date, person: PersonOf): WorkflowSummaryView {
  const summary = summaryOf(workflow, now);
  return { ...summary, awaiting: summary.awaiting.map(person), dueAt: summary.dueAt?.toISOString() ?? null };
}

/** Whom `userId` would decide for at the current stage: null when asked in their own right. */
function standsInFor(workflow: WorkflowRecord, userId: string, person: PersonOf) {
  const stage = workflow.stages[workflow.currentStage ?? -1];
  if (!stage || [...stage.eligible, ...stage.escalated].includes(userId)) return null;
  const decided = new Set(workflow.decisions.filter((d) => d.round === workflow.round).map((d) => d.actingFor ?? d.by));
  const deputy = stage.deputies.find((d) => d.delegateId === userId && !decided.has(d.forId));
  return deputy ? person(deputy.forId) : null;
}

function decisionView(d: WorkflowRecord['decisions'][number], person: PersonOf): DecisionView {
  return {
    stage: d.stage,
    round: d.round,
    by: d.by ? person(d.by) : null,
    actingFor: d.actingFor ? person(d.actingFor) : null,
    decision: d.decision,
    comment: d.comment,
    reason: d.reason,
    at: d.at.toISOString(),
    via: d.via,
  };
}

export function createApprovalsService(
  deps: Pick<ServiceDeps, 'repos' | 'logger' | 'config'>,
  services: { audit: AuditService; settings: SettingsService; events: EventBus },
): ApprovalsService {
  const { approvals, approvalPolicies, employees, users, capacity, delegations } = deps.repos;
  const { audit, settings, events } = services;
  const kinds = new Map<ApprovalKind, ApprovalKindRegistration>();
  const listeners: ((event: ApprovalEvent, workflow: WorkflowRecord) => Promise<void>)[] = [];

  function registrationOf(kind: ApprovalKind): ApprovalKindRegistration {
    const found = kinds.get(kind);
    if (!found) throw new Error(`no approval kind "${kind}" is registered`);
    return found;
  }

  async function calendarAt(now: Date): Promise<WorkCalendar> {
    const { organization } = await settings.current(now);
    return { workingDays: organization.workingDays, timeZone: organization.timezone };
  }

  /** Everyone a stage of this request could ask, and the delegations in force for its kind, as of now. */
  async function directoryFor(
    subject: Pick<ApprovalSubject, 'requesterId' | 'days'>,
    kind: ApprovalKind,
    now: Date,
  ): Promise<ApproverDirectory> {
    const [line, active] = await Promise.all([employees.reportingLine(subject.requesterId), delegations.activeAt(now)]);
    const chain = line?.managers ?? [];
    let projectLeads: string[] = [];
    if (subject.days) {
      const period = { start: subject.days.start, end: subject.days.end };
      const ledger = await capacity.get(subject.requesterId);
      const projectIds = [...new Set(ledger.segments.filter((s) => overlaps(s, period)).map((s) => s.projectId))];
      projectLeads = await capacity.leadsOn(projectIds, period);
    }
    const inForce = active
      .filter((d) => delegationApplies(d, kind, now))
      .map((d) => ({ delegatorId: d.delegatorId, delegateId: d.delegateId }));
    const people = await users.candidates(
      [subject.requesterId, ...chain, ...projectLeads, ...inForce.map((d) => d.delegateId)],
      [...ORG_WIDE_ROLES],
    );
    return { requesterId: subject.requesterId, chain, projectLeads, people, delegations: inForce };
  }

  async function factsOf(subject: ApprovalSubject, now: Date): Promise<WorkflowFacts> {
    const { organization } = await settings.current(now);
    const profile = await employees.get(subject.requesterId);
    return {
      workingDays: subject.days
        ? workingDaysBetween(subject.days.start, subject.days.end, organization.workingDays)
        : null,
      amountMinor: subject.amountMinor,
      leaveType: subject.attributes.leaveType ?? null,
      workLocationType: subject.attributes.workLocationType ?? null,
      overLimit: subject.attributes.overLimit ?? null,
      department: profile?.department ?? null,
    };
  }

  /**
   * After a workflow write: the asked may read the request, the request follows
   * the outcome, audit entries and listeners. The workflow is already stored,
   * so nothing here undoes the decision: a failure is logged, and a request
   * that did not follow its outcome is brought in line by the reconciler.
   */
  async function follow(ctx: CallContext, transition: WorkflowTransition, saved: StoredWorkflow): Promise<void> {
    const registration = registrationOf(saved.kind);
    const attempt = async (what: string, step: () => Promise<void>) => {
      try {
        await step();
      } catch (error) {
        deps.logger.error({ err: error, workflowId: saved.id, step: what }, 'an approval follow-up failed');
      }
    };
    if (saved.state === 'pending' || transition.outcome === 'reopened') {
      await attempt('share', () => registration.share(saved.subject.id, saved.approverIds));
    }
    const outcome = transition.outcome;
    if (outcome) {
      await attempt('outcome', async () => {
        const followed = await registration.onOutcome(saved.subject.id, outcome, saved, ctx.now);
        if (followed && saved.state !== 'pending') await approvals.markOutcomeApplied(saved.id);
      });
    }
    for (const entry of transition.audit) await attempt(entry.action, () => audit.record(ctx, entry));
    for (const event of transition.events) {
      for (const listener of listeners) await attempt(event.type, () => listener(event, saved));
    }
  }

  /**
   * Load → decide → write, once: the write is conditional on the version the
   * decision was made from, so of two racing decisions one is written and the
   * other decided again on what now stands (and refused, if it no longer fits).
   */
  async function transition(
    ctx: CallContext,
    /** The workflow as the caller read it: the first attempt decides on it, later ones read it again. */
    first: StoredWorkflow,
    decide: (
      workflow: StoredWorkflow,
      directory: ApproverDirectory,
      calendar: WorkCalendar,
    ) => WorkflowTransition | null,
    /** The request the next stage asks about, when it changes (a reopen): its days decide who is asked. */
    about?: Pick<ApprovalSubject, 'requesterId' | 'days'>,
  ): Promise<{ saved: StoredWorkflow; changed: boolean; applied: WorkflowTransition | null }> {
    const calendar = await calendarAt(ctx.now);
    for (let attempt = 1; ; attempt++) {
      const workflow = attempt === 1 ? first : await approvals.get(first.id);
      if (!workflow) throw notFound('Approval workflow', first.id);
      const directory = await directoryFor(
        about ?? { requesterId: workflow.requesterId, days: workflow.subject.days },
        workflow.kind,
        ctx.now,
      );
      const result = decide(workflow, directory, calendar);
      // Nothing to do (a timer another run already handled): no write.
      if (!result) return { saved: workflow, changed: false, applied: null };
      let saved: StoredWorkflow;
      try {
        saved = await approvals.save(
          { ...result.workflow, approverIds: workflow.approverIds },
          workflow.version,
          ctx.now,
        );
      } catch (error) {
        if (!(isDomainError(error) && error.code === 'VERSION_CONFLICT') || attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2 ** attempt, 50)));
        continue;
      }
      await follow(ctx, result, saved);
      return { saved, changed: true, applied: result };
    }
  }

  /** Who may see a workflow: its requester, everyone it asked, and HR (404 for anyone else). */
  function assertVisible(ctx: ActorContext, workflow: StoredWorkflow): void {
    assertCanSee(
      ctx.actor,
      'ApprovalWorkflow',
      { requesterId: workflow.requesterId, approverIds: workflow.approverIds },
      'Approval workflow',
      workflow.id,
    );
  }

  async function viewOf(workflow: StoredWorkflow, now: Date): Promise<WorkflowView> {
    const ids = new Set<string>([workflow.requesterId, ...workflow.awaiting]);
    for (const stage of workflow.stages) {
      for (const id of [...stage.eligible, ...stage.escalated]) ids.add(id);
      for (const d of stage.deputies) ids.add(d.delegateId);
    }
    for (const d of workflow.decisions) {
      if (d.by) ids.add(d.by);
      if (d.actingFor) ids.add(d.actingFor);
    }
    const person = await namesOf(employees, ids);
    return {
      id: workflow.id,
      kind: workflow.kind,
      subject: workflow.subject,
      requester: person(workflow.requesterId),
      mode: workflow.mode,
      policyVersion: workflow.policyVersion,
      state: workflow.state,
      round: workflow.round,
      currentStage: workflow.currentStage,
      stages: workflow.stages.map((stage) => ({
        index: stage.index,
        name: stage.name,
        approvers: stage.approvers,
        rule: stage.rule,
        required: stage.required,
        approvals: workflow.decisions.filter(
          (d) => d.round === workflow.round && d.stage === stage.index && d.decision === 'approve',
        ).length,
        state: stage.state,
        eligible: stage.eligible.map(person),
        fallback: stage.fallback,
        deputies: stage.deputies.map((d) => ({ delegate: person(d.delegateId), for: person(d.forId) })),
        escalatedTo: stage.escalated.map(person),
        startedAt: iso(stage.startedAt),
        remindAt: iso(stage.remindAt),
        remindedAt: iso(stage.remindedAt),
        escalateAt: iso(stage.escalateAt),
        escalatedAt: iso(stage.escalatedAt),
        dueAt: iso(stage.dueAt),
        onTimeout: stage.onTimeout,
        completedAt: iso(stage.completedAt),
      })),
      decisions: workflow.decisions.map((d) => decisionView(d, person)),
      summary: summaryView(workflow, now, person),
      version: workflow.version,
      createdAt: workflow.createdAt.toISOString(),
      updatedAt: workflow.updatedAt.toISOString(),
      closedAt: workflow.closedAt?.toISOString() ?? null,
    };
  }

  function policyView(record: Awaited<ReturnType<typeof approvalPolicies.get>>): ApprovalPolicyView {
    const simpleStages: PolicyStage[] = SIMPLE_STAGES[record.kind].map((s) => ({ ...s, approvers: [...s.approvers] }));
    return {
      kind: record.kind,
      mode: record.mode,
      stages: record.mode === 'simple' ? simpleStages : record.stages,
      simpleStages,
      version: record.version,
      updatedAt: record.updatedAt?.toISOString() ?? null,
      updatedBy: record.updatedBy,
    };
  }

  /**
   * Re-resolves the pending stages that ask any of these people (delegators
   * whose delegation started, delegates whose delegation ended): each one
   * conditional write, none when nothing changes.
   */
  async function reresolve(ctx: CallContext, userIds: readonly string[]): Promise<number> {
    let changed = 0;
    for (const workflow of await approvals.awaitingAny(userIds, 1_000)) {
      try {
        const result = await transition(ctx, workflow, (current, directory) =>
          refreshStage({ workflow: current, directory, now: ctx.now }),
        );
        if (result.changed) changed += 1;
      } catch (error) {
        deps.logger.error({ err: error, workflowId: workflow.id }, 'a pending stage could not be re-resolved');
      }
    }
    return changed;
  }

  const delegationUses = createApprovalDelegations(deps, { audit, settings, events, reresolve });
  const { applyBoundary, ...delegationProcedures } = delegationUses;
  const links = createApprovalLinks(deps, { transition });

  async function start(
    ctx: CallContext,
    kind: ApprovalKind,
    workflowId: string,
    subject: ApprovalSubject,
  ): Promise<WorkflowRecord> {
    registrationOf(kind);
    const [policy, facts, directory, calendar] = await Promise.all([
      approvalPolicies.get(kind),
      factsOf(subject, ctx.now),
      directoryFor(subject, kind, ctx.now),
      calendarAt(ctx.now),
    ]);
    const started = startWorkflow({ id: workflowId, kind, subject, policy, facts, directory, calendar, now: ctx.now });
    const saved = await approvals.insert(started.workflow, ctx.now);
    await follow(ctx, { ...started, workflow: saved }, saved);
    return saved;
  }

  return {
    register(registration) {
      if (kinds.has(registration.kind)) throw new Error(`approval kind "${registration.kind}" registered twice`);
      kinds.set(registration.kind, registration);
    },

    newWorkflowId: () => approvals.newId(),

    start,

    async decide(ctx, input) {
      const existing = await approvals.get(input.workflowId);
      if (!existing) throw notFound('Approval workflow', input.workflowId);
      assertVisible(ctx, existing);
      // What the decider saw: sent with the decision, else the workflow as this call first read it,
      // so a lost race is never counted for a stage or round that came after.
      const expected = { round: input.round ?? existing.round, stage: input.stage ?? existing.currentStage };
      const { saved } = await transition(ctx, existing, (workflow, directory, calendar) =>
        decideApproval({
          workflow,
          decision: {
            actorId: ctx.actor.id,
            decision: input.decision,
            comment: input.comment,
            reason: input.reason,
            via: 'app',
            expected,
          },
          directory,
          calendar,
          now: ctx.now,
        }),
      );
      return viewOf(saved, ctx.now);
    },

    async cancel(ctx, workflowId, options) {
      const existing = await approvals.get(workflowId);
      if (!existing) throw notFound('Approval workflow', workflowId);
      if (!options?.onBehalf) assertVisible(ctx, existing);
      const { saved } = await transition(ctx, existing, (workflow) =>
        cancelWorkflow({
          workflow,
          actorId: ctx.actor.id,
          now: ctx.now,
          onBehalf: options?.onBehalf === true,
          undecided: options?.undecided === true,
        }),
      );
      return viewOf(saved, ctx.now);
    },

    async reopen(ctx, workflowId, subject) {
      const existing = await approvals.get(workflowId);
      if (!existing) throw notFound('Approval workflow', workflowId);
      if (existing.requesterId !== ctx.actor.id || subject.requesterId !== existing.requesterId) {
        throw new DomainError('FORBIDDEN', 'Only the requester can change a request', { workflowId });
      }
      const [policy, facts] = await Promise.all([approvalPolicies.get(existing.kind), factsOf(subject, ctx.now)]);
      const { saved } = await transition(
        ctx,
        existing,
        (workflow, directory, calendar) =>
          reopenWorkflow({ workflow, subject, policy, facts, directory, calendar, now: ctx.now }),
        subject,
      );
      return viewOf(saved, ctx.now);
    },

    async resync(ctx, workflowId) {
      const workflow = await approvals.get(workflowId);
      if (!workflow || workflow.state === 'pending' || workflow.outcomeApplied) return;
      const followed = await registrationOf(workflow.kind).onOutcome(
        workflow.subject.id,
        workflow.state,
        workflow,
        ctx.now,
      );
      if (followed) await approvals.markOutcomeApplied(workflow.id);
    },

    async summaries(ids, now) {
      const found = await approvals.byIds(ids);
      const person = await namesOf(
        employees,
        [...found.values()].flatMap((w) => w.awaiting),
      );
      const views = new Map([...found].map(([id, workflow]) => [id, summaryView(workflow, now, person)]));
      return (id) =>
        views.get(id) ?? {
          id,
          state: 'pending',
          round: 1,
          currentStage: null,
          awaiting: [],
          dueAt: null,
          overdue: false,
        };
    },

    async get(ctx, workflowId) {
      const workflow = await approvals.get(workflowId);
      if (!workflow) throw notFound('Approval workflow', workflowId);
      assertVisible(ctx, workflow);
      return viewOf(workflow, ctx.now);
    },

    async inbox(ctx, query) {
      const page = await approvals.inbox(ctx.actor.id, query, ctx.now);
      const ids = new Set<string>();
      for (const w of page.items) {
        ids.add(w.requesterId);
        for (const d of w.decisions) if (d.by) ids.add(d.by);
        for (const d of w.stages[w.currentStage ?? -1]?.deputies ?? []) ids.add(d.forId);
      }
      const person = await namesOf(employees, ids);
      return {
        ...page,
        items: page.items.map((w) => {
          const summary = summaryOf(w, ctx.now);
          const stage = summary.currentStage ?? { index: 0, name: '', required: 1, approvals: 0 };
          return {
            workflowId: w.id,
            kind: w.kind,
            subject: w.subject,
            requester: person(w.requesterId),
            stage,
            decisions: w.decisions.filter((d) => d.round === w.round).map((d) => decisionView(d, person)),
            actingFor: standsInFor(w, ctx.actor.id, person),
            submittedAt: w.createdAt.toISOString(),
            dueAt: summary.dueAt?.toISOString() ?? null,
            overdue: summary.overdue,
          };
        }),
      };
    },

    async policies() {
      const items = await Promise.all(APPROVAL_KINDS.map((kind) => approvalPolicies.get(kind)));
      return { items: items.map(policyView) };
    },

    async policy(_ctx, kind) {
      return policyView(await approvalPolicies.get(kind));
    },

    async updatePolicy(ctx, input) {
      const stages = input.mode === 'strict' ? (input.stages ?? []) : [];
      assertValidPolicy(input.kind, stages);
      const before = await approvalPolicies.get(input.kind);
      const after = await approvalPolicies.put(
        input.kind,
        input.version,
        { mode: input.mode, stages },
        ctx.actor.id,
        ctx.now,
      );
      await audit.record(ctx, {
        action: 'approval-policy.update',
        resourceType: 'approval_policy',
        resourceId: input.kind,
        before: policyView(before),
        after: policyView(after),
      });
      return policyView(after);
    },

    async reconcile(now) {
      let repaired = 0;
      const settled = new Date(now.getTime() - RECONCILE_GRACE_MS);
      // Requests whose workflow never started (a crash between the two inserts) start now.
      for (const registration of kinds.values()) {
        // An interrupted start is recent: the last day is looked at, every 5 minutes.
        const waiting = await registration.pendingSince(new Date(now.getTime() - ORPHAN_WINDOW_MS), settled);
        const existing = await approvals.byIds(waiting.map((w) => w.workflowId));
        for (const { workflowId, subject } of waiting) {
          if (existing.has(workflowId)) continue;
          try {
            await start(systemCallContext(APPROVALS_RECONCILER, now), registration.kind, workflowId, subject);
            repaired += 1;
          } catch (error) {
            deps.logger.error({ err: error, workflowId }, 'an approval workflow could not be started');
          }
        }
      }
      // Requests that did not follow their closed workflow follow now.
      for (const workflow of await approvals.unapplied(500)) {
        // A workflow that closed moments ago is still being followed by its own request.
        if (!workflow.closedAt || workflow.closedAt > settled) continue;
        if (workflow.state === 'pending') continue;
        try {
          if (!(await registrationOf(workflow.kind).onOutcome(workflow.subject.id, workflow.state, workflow, now))) {
            continue;
          }
          await approvals.markOutcomeApplied(workflow.id);
          repaired += 1;
        } catch (error) {
          deps.logger.error({ err: error, workflowId: workflow.id }, 'approval outcome could not be applied');
        }
      }
      return repaired;
    },

    async report(ctx, query) {
      assertCan(ctx.actor, 'read', 'Report', { kind: 'approvals' });
      const { organization } = await settings.current(ctx.now);
      const from = startOfDayIn(query.from, organization.timezone);
      const to = startOfDayIn(addDays(query.to, 1), organization.timezone);
      const [decided, pending] = await Promise.all([
        approvals.createdBetween(from, to, query.kind),
        approvals.pending(query.kind),
      ]);
      const cards = await employees.cards([
        ...new Set(decided.flatMap((w) => w.decisions.flatMap((d) => (d.by ? [d.by] : [])))),
      ]);
      const names = new Map([...cards].map(([id, card]) => [id, card.name]));
      const report = approvalReport({
        query,
        decided,
        pending,
        names,
        workingDays: organization.workingDays,
        timeZone: organization.timezone,
        now: ctx.now,
      });
      if (query.format === 'json') return report;
      const header = [
        'kind',
        'stage',
        'approverId',
        'approverName',
        'decisions',
        'approvals',
        'rejections',
        'rejectionRate',
        'medianHours',
        'p90Hours',
        'automatic',
      ] as const;
      return {
        format: 'csv',
        fileName: `approvals-${query.from}-to-${query.to}.csv`,
        contentType: 'text/csv; charset=utf-8',
        body: toCsv(
          header,
          report.rows.map((row) => header.map((key) => row[key])),
        ),
      };
    },

    pendingByKind: () => approvals.pendingByKind(),

    async advance(now) {
      const ctx = systemCallContext(APPROVALS_TIMERS, now);
      const counts: AdvanceCounts = {
        reminded: 0,
        escalated: 0,
        timedOut: 0,
        delegationsStarted: 0,
        delegationsEnded: 0,
        reresolved: 0,
      };
      // Delegations first: a stage escalated or timed out below already asks the right delegates.
      for (const delegation of await delegations.startsToApply(now, ADVANCE_BATCH)) {
        counts.reresolved += await applyBoundary(ctx, delegation, 'start');
        counts.delegationsStarted += 1;
      }
      for (const delegation of await delegations.endsToApply(now, ADVANCE_BATCH)) {
        counts.reresolved += await applyBoundary(ctx, delegation, 'end');
        counts.delegationsEnded += 1;
      }
      for (const due of await approvals.due(now, ADVANCE_BATCH)) {
        let workflow = due;
        for (let step = 0; step < MAX_STEPS; step++) {
          let result: Awaited<ReturnType<typeof transition>>;
          try {
            result = await transition(ctx, workflow, (current, directory, calendar) =>
              advanceTimers({ workflow: current, directory, calendar, now }),
            );
          } catch (error) {
            deps.logger.error({ err: error, workflowId: workflow.id }, 'an approval timer could not be applied');
            break;
          }
          if (!result.applied) break;
          workflow = result.saved;
          // Each step has one audit entry naming it.
          const action = result.applied.audit[0]?.action;
          if (action === 'approval.remind') counts.reminded += 1;
          else if (action === 'approval.escalate') counts.escalated += 1;
          else counts.timedOut += 1;
        }
      }
      return counts;
    },

    ...delegationProcedures,
    ...links,

    onEvent(handler) {
      listeners.push(handler);
    },
  };
}
