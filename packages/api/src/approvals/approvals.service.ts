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
  approvalReport,
  assertValidPolicy,
  cancelWorkflow,
  type DecideInput,
  type DecisionView,
  DomainError,
  decideApproval,
  type FileDownloadView,
  type InboxItemView,
  type InboxQuery,
  isDomainError,
  notFound,
  overlaps,
  type Page,
  type PolicyStage,
  reopenWorkflow,
  SIMPLE_STAGES,
  startOfDayIn,
  startWorkflow,
  summaryOf,
  toCsv,
  type UpdateApprovalPolicyInput,
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
import type { SettingsService } from '../settings/settings.service.js';

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

export interface ApprovalsService {
  register(registration: ApprovalKindRegistration): void;
  /** A new workflow id, for a request that stores it before its workflow starts. */
  newWorkflowId(): string;
  /** Starts the workflow of a submitted request (the kind's service calls this once, after storing the request). */
  start(ctx: CallContext, kind: ApprovalKind, workflowId: string, subject: ApprovalSubject): Promise<WorkflowRecord>;
  /** An approval or rejection, from the kind's own endpoint or the inbox: exactly once per decision. */
  decide(ctx: ActorContext, input: DecideInput): Promise<WorkflowView>;
  /** The requester withdraws the request. */
  cancel(ctx: ActorContext, workflowId: string): Promise<WorkflowView>;
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
  summaries(ids: readonly string[], now: Date): Promise<Map<string, WorkflowSummaryView>>;
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

type PersonOf = (id: string) => { id: string; name: string };

/** The cards of these people, as a function naming each (an unknown id reads as "Unknown person"). */
async function namesOf(employees: ServiceDeps['repos']['employees'], ids: Iterable<string>): Promise<PersonOf> {
  const cards = await employees.cards([...new Set(ids)]);
  return (id) => ({ id, name: cards.get(id)?.name ?? 'Unknown person' });
}

/** A workflow's summary as lists show it. */
function summaryView(workflow: WorkflowRecord, now: Date, person: PersonOf): WorkflowSummaryView {
  const summary = summaryOf(workflow, now);
  return { ...summary, awaiting: summary.awaiting.map(person), dueAt: summary.dueAt?.toISOString() ?? null };
}

function decisionView(d: WorkflowRecord['decisions'][number], person: PersonOf): DecisionView {
  return {
    stage: d.stage,
    round: d.round,
    by: person(d.by),
    actingFor: d.actingFor ? person(d.actingFor) : null,
    decision: d.decision,
    comment: d.comment,
    reason: d.reason,
    at: d.at.toISOString(),
    via: d.via,
  };
}

export function createApprovalsService(
  deps: Pick<ServiceDeps, 'repos' | 'logger'>,
  services: { audit: AuditService; settings: SettingsService },
): ApprovalsService {
  const { approvals, approvalPolicies, employees, users, capacity } = deps.repos;
  const { audit, settings } = services;
  const kinds = new Map<ApprovalKind, ApprovalKindRegistration>();
  const listeners: ((event: ApprovalEvent, workflow: WorkflowRecord) => Promise<void>)[] = [];

  function registrationOf(kind: ApprovalKind): ApprovalKindRegistration {
    const found = kinds.get(kind);
    if (!found) throw new Error(`no approval kind "${kind}" is registered`);
    return found;
  }

  /** Everyone a stage of this request could ask, as of now. */
  async function directoryFor(subject: Pick<ApprovalSubject, 'requesterId' | 'days'>): Promise<ApproverDirectory> {
    const line = await employees.reportingLine(subject.requesterId);
    const chain = line?.managers ?? [];
    let projectLeads: string[] = [];
    if (subject.days) {
      const period = { start: subject.days.start, end: subject.days.end };
      const ledger = await capacity.get(subject.requesterId);
      const projectIds = [...new Set(ledger.segments.filter((s) => overlaps(s, period)).map((s) => s.projectId))];
      projectLeads = await capacity.leadsOn(projectIds, period);
    }
    const people = await users.candidates([subject.requesterId, ...chain, ...projectLeads], [...ORG_WIDE_ROLES]);
    return { requesterId: subject.requesterId, chain, projectLeads, people };
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
    decide: (workflow: StoredWorkflow, directory: ApproverDirectory) => WorkflowTransition,
    /** The request the next stage asks about, when it changes (a reopen): its days decide who is asked. */
    about?: Pick<ApprovalSubject, 'requesterId' | 'days'>,
  ): Promise<StoredWorkflow> {
    for (let attempt = 1; ; attempt++) {
      const workflow = attempt === 1 ? first : await approvals.get(first.id);
      if (!workflow) throw notFound('Approval workflow', first.id);
      const directory = await directoryFor(about ?? { requesterId: workflow.requesterId, days: workflow.subject.days });
      const result = decide(workflow, directory);
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
      return saved;
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
    for (const stage of workflow.stages) for (const id of stage.eligible) ids.add(id);
    for (const d of workflow.decisions) {
      ids.add(d.by);
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
        startedAt: stage.startedAt?.toISOString() ?? null,
        dueAt: stage.dueAt?.toISOString() ?? null,
        completedAt: stage.completedAt?.toISOString() ?? null,
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

  async function start(
    ctx: CallContext,
    kind: ApprovalKind,
    workflowId: string,
    subject: ApprovalSubject,
  ): Promise<WorkflowRecord> {
    registrationOf(kind);
    const [policy, facts, directory] = await Promise.all([
      approvalPolicies.get(kind),
      factsOf(subject, ctx.now),
      directoryFor(subject),
    ]);
    const started = startWorkflow({ id: workflowId, kind, subject, policy, facts, directory, now: ctx.now });
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
      const saved = await transition(ctx, existing, (workflow, directory) =>
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
          now: ctx.now,
        }),
      );
      return viewOf(saved, ctx.now);
    },

    async cancel(ctx, workflowId) {
      const existing = await approvals.get(workflowId);
      if (!existing) throw notFound('Approval workflow', workflowId);
      assertVisible(ctx, existing);
      const saved = await transition(ctx, existing, (workflow) =>
        cancelWorkflow({ workflow, actorId: ctx.actor.id, now: ctx.now }),
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
      const saved = await transition(
        ctx,
        existing,
        (workflow, directory) => reopenWorkflow({ workflow, subject, policy, facts, directory, now: ctx.now }),
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
      return new Map([...found].map(([id, workflow]) => [id, summaryView(workflow, now, person)]));
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
        for (const d of w.decisions) ids.add(d.by);
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
      const cards = await employees.cards([...new Set(decided.flatMap((w) => w.decisions.map((d) => d.by)))]);
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

    onEvent(handler) {
      listeners.push(handler);
    },
  };
}
