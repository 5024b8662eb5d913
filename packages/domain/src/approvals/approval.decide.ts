import type { AuditEvent } from '../audit/audit.schemas.js';
import { addWorkingHours, type WorkCalendar } from '../common/calendar-days.js';
import { DomainError, validationFailed } from '../errors/domain-error.js';
import type {
  ApprovalPolicyRecord,
  ApprovalSubject,
  NewWorkflow,
  WorkflowDecisionRecord,
  WorkflowFacts,
  WorkflowRecord,
  WorkflowStageRecord,
} from './approval.records.js';
import { type ApproverDirectory, deputiesOf, escalationTargets, resolveApprovers } from './approval.relations.js';
import { dueAfterHoursOf, stagesFor } from './approval.rules.js';
import type { ApprovalKind, Decision, DecisionChannel, PolicyStage, WorkflowState } from './approval.schemas.js';

/**
 * The approvals engine's decisions, as pure functions: a workflow, who acts,
 * the people stages may ask (an ApproverDirectory the engine loaded) and
 * `now` in; the next workflow, its outcome, events and audit entries out, or a
 * coded DomainError. The engine writes the result with one write conditional
 * on the workflow's version, so two decisions never both count.
 */

export type WorkflowOutcome = 'approved' | 'rejected' | 'cancelled' | 'reopened';

export type ApprovalEvent =
  | {
      type: 'approval.requested';
      workflowId: string;
      stage: number;
      /** Who is newly asked (everyone when the stage starts; the additions when it is re-resolved). */
      awaiting: string[];
      /** Of those, the delegates and whom each decides for. */
      deputies: { delegateId: string; forId: string }[];
    }
  | { type: 'approval.reminded'; workflowId: string; stage: number; awaiting: string[] }
  | { type: 'approval.escalated'; workflowId: string; stage: number; to: string[]; awaiting: string[] }
  | {
      type: 'approval.decided';
      workflowId: string;
      stage: number;
      /** Null when the system decided (a timeout). */
      by: string | null;
      actingFor: string | null;
      decision: Decision;
    }
  | {
      type: 'approval.closed';
      workflowId: string;
      state: Exclude<WorkflowState, 'pending'>;
      /** Who was still asked when it closed (a cancellation tells them). */
      awaiting: string[];
    };

export interface WorkflowTransition<W = WorkflowRecord> {
  workflow: W;
  /** What the request must follow with (the kind's outcome handler), or null while pending. */
  outcome: WorkflowOutcome | null;
  events: ApprovalEvent[];
  audit: AuditEvent[];
}

function stageOf(policy: PolicyStage, index: number): WorkflowStageRecord {
  return {
    index,
    name: policy.name,
    approvers: [...policy.approvers],
    rule: policy.rule,
    quorum: policy.quorum ?? null,
    dueAfterHours: dueAfterHoursOf(policy),
    state: 'waiting',
    eligible: [],
    required: 1,
    fallback: false,
    deputies: [],
    remindAfter: policy.remindAfter ?? null,
    escalateAfter: policy.escalateAfter ?? null,
    escalateTo: [...(policy.escalateTo ?? [])],
    onTimeout: policy.onTimeout ?? null,
    escalated: [],
    startedAt: null,
    remindAt: null,
    remindedAt: null,
    escalateAt: null,
    escalatedAt: null,
    dueAt: null,
    completedAt: null,
  };
}

/**
 * Who decided in the workflow's current round, themselves or through a
 * delegate: nobody decides twice in one round, and nobody's approval counts at
 * two stages.
 */
function decidedInRound(workflow: Pick<WorkflowRecord, 'decisions' | 'round'>): Set<string> {
  const ids = new Set<string>();
  for (const d of workflow.decisions) {
    if (d.round !== workflow.round) continue;
    if (d.by) ids.add(d.by);
    if (d.actingFor) ids.add(d.actingFor);
  }
  return ids;
}

/**
 * Who may decide a stage now: those it asks (eligible and escalated) whose
 * decision is still open, and the delegates of those, never anyone who
 * already decided in the round.
 */
export function awaitingOf(
  stage: WorkflowStageRecord,
  workflow: Pick<WorkflowRecord, 'decisions' | 'round'>,
): string[] {
  const decided = decidedInRound(workflow);
  const open = [...stage.eligible, ...stage.escalated].filter((id) => !decided.has(id));
  const openSet = new Set(open);
  const deputies = stage.deputies.filter((d) => openSet.has(d.forId) && !decided.has(d.delegateId));
  return [...new Set([...open, ...deputies.map((d) => d.delegateId)])].sort();
}

const sameIds = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((id, i) => id === b[i]);

/**
 * Starts stage `index`: resolves who may decide it now (and their delegates),
 * how many approvals it needs and when its timers fall due, in working hours.
 * Returns the stages with it active.
 */
function startStage(
  stages: readonly WorkflowStageRecord[],
  index: number,
  directory: ApproverDirectory,
  excluded: ReadonlySet<string>,
  now: Date,
  calendar: WorkCalendar,
): WorkflowStageRecord[] {
  return stages.map((stage) => {
    if (stage.index !== index) return stage;
    const { eligible, fallback } = resolveApprovers(stage.approvers, directory, excluded);
    const required =
      stage.rule === 'any' || fallback
        ? 1
        : stage.rule === 'all'
          ? Math.max(1, eligible.length)
          : Math.max(1, Math.min(stage.quorum ?? 1, eligible.length));
    const after = (hours: number | null) => (hours === null ? null : addWorkingHours(now, hours, calendar));
    return {
      ...stage,
      state: 'active',
      eligible,
      required,
      fallback,
      deputies: deputiesOf(eligible, directory, excluded),
      escalated: [],
      startedAt: now,
      remindAt: after(stage.remindAfter),
      remindedAt: null,
      escalateAt: stage.escalateTo.length > 0 ? after(stage.escalateAfter) : null,
      escalatedAt: null,
      dueAt: after(stage.dueAfterHours),
    };
  });
}

function requestedEvent(workflow: Pick<WorkflowRecord, 'id' | 'stages' | 'currentStage'>): ApprovalEvent[] {
  const stage = workflow.stages[workflow.currentStage ?? -1];
  return stage
    ? [
        {
          type: 'approval.requested',
          workflowId: workflow.id,
          stage: stage.index,
          awaiting: [...new Set([...stage.eligible, ...stage.deputies.map((d) => d.delegateId)])].sort(),
          deputies: stage.deputies,
        },
      ]
    : [];
}

/** When the current stage's next timer falls due (reminder, escalation, timeout), or null. */
export function nextTimerAt(workflow: Pick<WorkflowRecord, 'state' | 'stages' | 'currentStage'>): Date | null {
  if (workflow.state !== 'pending') return null;
  const stage = workflow.stages[workflow.currentStage ?? -1];
  if (!stage || stage.state !== 'active') return null;
  const due = [
    stage.remindedAt === null ? stage.remindAt : null,
    stage.escalatedAt === null ? stage.escalateAt : null,
    stage.onTimeout ? stage.dueAt : null,
  ].filter((at): at is Date => at !== null);
  return due.length > 0 ? new Date(Math.min(...due.map((at) => at.getTime()))) : null;
}

/**
 * A workflow's audit entry: the kind and subject always, what else the step
 * says in `details`. It is about the requester (`subjectId`): its details
 * (a decision's comment or reason, about their request) are sealed under the
 * requester's data key and go with it when they are erased.
 */
function workflowAudit(
  workflow: Pick<WorkflowRecord, 'id' | 'kind' | 'subject' | 'requesterId'>,
  action: string,
  details: Record<string, unknown>,
): AuditEvent {
  return {
    action,
    resourceType: 'approval_workflow',
    resourceId: workflow.id,
    subjectId: workflow.requesterId,
    details: { kind: workflow.kind, subjectId: workflow.subject.id, ...details },
  };
}

function buildStages(kind: ApprovalKind, policy: Pick<ApprovalPolicyRecord, 'mode' | 'stages'>, facts: WorkflowFacts) {
  return stagesFor(kind, policy, facts).stages.map(stageOf);
}

export interface StartWorkflowInput {
  id: string;
  kind: ApprovalKind;
  subject: ApprovalSubject;
  policy: ApprovalPolicyRecord;
  facts: WorkflowFacts;
  directory: ApproverDirectory;
  /** The working week and timezone the stages' hours count in. */
  calendar: WorkCalendar;
  now: Date;
}

/** A new workflow for a submitted request: its stages from the policy in force, the first one started. */
export function startWorkflow(input: StartWorkflowInput): WorkflowTransition<NewWorkflow> {
  const { id, kind, subject, policy, facts, directory, calendar, now } = input;
  const stages = startStage(buildStages(kind, policy, facts), 0, directory, new Set(), now, calendar);
  const first = stages[0] as WorkflowStageRecord;
  const workflow: NewWorkflow = {
    id,
    kind,
    subject: { id: subject.id, summary: subject.summary, days: subject.days, version: subject.version },
    requesterId: subject.requesterId,
    mode: policy.mode,
    policyVersion: policy.version,
    policyStages: policy.stages.map((stage) => structuredClone(stage)),
    facts,
    state: 'pending',
    round: 1,
    currentStage: 0,
    stages,
    decisions: [],
    awaiting: awaitingOf(first, { decisions: [], round: 1 }),
    outcomeApplied: true,
    closedAt: null,
  };
  return {
    workflow,
    outcome: null,
    events: requestedEvent(workflow),
    audit: [
      {
        action: 'approval.start',
        resourceType: 'approval_workflow',
        resourceId: id,
        after: { kind, subjectId: subject.id, mode: policy.mode, policyVersion: policy.version, stages: stages.length },
      },
    ],
  };
}

export interface DecisionInput {
  actorId: string;
  decision: Decision;
  comment?: string | null | undefined;
  reason?: string | null | undefined;
  via: DecisionChannel;
  /**
   * Whom the actor decides for, when a link was made for a delegate; otherwise
   * worked out: themself when asked in their own right, else the person whose
   * delegate they are.
   */
  actingFor?: string | null | undefined;
  /**
   * The round and stage the actor saw: a decision made on a screen that has
   * since changed (an edit started a new round, or the stage moved on) is
   * refused instead of counting for what the actor never saw.
   */
  expected?: { round: number; stage: number | null } | undefined;
}

/** The decision that settled a stage (the last one recorded for it in the round). */
function decisiveOf(workflow: WorkflowRecord, stage: number): WorkflowDecisionRecord | undefined {
  return workflow.decisions.filter((d) => d.round === workflow.round && d.stage === stage).at(-1);
}

/** 409 WORKFLOW_CLOSED: the workflow is approved, rejected or cancelled. */
export function workflowClosed(workflow: Pick<WorkflowRecord, 'state'>): DomainError {
  return new DomainError('WORKFLOW_CLOSED', `This request is already ${workflow.state}`, { state: workflow.state });
}

/** 409 ALREADY_DECIDED, with the decision that stands (when known). */
export function alreadyDecided(decision: WorkflowDecisionRecord | undefined, mine: boolean): DomainError {
  return new DomainError(
    'ALREADY_DECIDED',
    mine ? 'You have already decided this request' : 'This request has already been decided',
    decision
      ? {
          decision: {
            by: decision.by,
            actingFor: decision.actingFor,
            decision: decision.decision,
            stage: decision.stage,
            at: decision.at.toISOString(),
            via: decision.via,
          },
        }
      : {},
  );
}

/** Everyone a stage asked: eligible, escalated and their delegates. */
function askedBy(stage: WorkflowStageRecord): string[] {
  return [...stage.eligible, ...stage.escalated, ...stage.deputies.map((d) => d.delegateId)];
}

/**
 * Refuses a decision the workflow does not take from this actor: the
 * requester's own request (SELF_APPROVAL, also as someone's delegate), a
 * second decision in one round, for oneself or through one's delegate, or a
 * stage already settled by others (ALREADY_DECIDED, with the decision that
 * stands), a closed workflow (WORKFLOW_CLOSED), someone not asked now
 * (NOT_AN_APPROVER).
 */
function assertMayDecide(workflow: WorkflowRecord, actorId: string, expected?: DecisionInput['expected']): void {
  if (actorId === workflow.requesterId) {
    throw new DomainError('SELF_APPROVAL', 'Nobody decides their own request', { workflowId: workflow.id });
  }
  const mine = workflow.decisions.find(
    (d) => d.round === workflow.round && (d.by === actorId || d.actingFor === actorId),
  );
  if (mine) throw alreadyDecided(mine, mine.by === actorId);
  if (expected && expected.round !== workflow.round) {
    throw new DomainError('REQUEST_CHANGED', 'The request was changed since you saw it; review it again', {
      round: workflow.round,
      stage: workflow.currentStage,
    });
  }
  // A stage of this round that asked the actor and has been settled by someone else.
  const settled = workflow.stages.find(
    (stage) => (stage.state === 'approved' || stage.state === 'rejected') && askedBy(stage).includes(actorId),
  );
  if (workflow.state !== 'pending') {
    // The decision that stands is the one that closed the workflow.
    const closing = workflow.decisions.filter((d) => d.round === workflow.round).at(-1);
    if (settled && workflow.state !== 'cancelled') throw alreadyDecided(closing, false);
    throw workflowClosed(workflow);
  }
  if (expected && expected.stage !== workflow.currentStage) {
    const seen = workflow.stages[expected.stage ?? -1];
    if (seen && (seen.state === 'approved' || seen.state === 'rejected')) {
      throw alreadyDecided(decisiveOf(workflow, seen.index), false);
    }
    throw new DomainError('REQUEST_CHANGED', 'The request moved on since you saw it; review it again', {
      round: workflow.round,
      stage: workflow.currentStage,
    });
  }
  if (!workflow.awaiting.includes(actorId)) {
    if (settled) throw alreadyDecided(decisiveOf(workflow, settled.index), false);
    throw new DomainError('NOT_AN_APPROVER', 'You are not asked to decide this request now', {
      workflowId: workflow.id,
      stage: workflow.currentStage,
    });
  }
}

/**
 * Whom a decision is for: the actor when the stage asks them in their own
 * right, else the person they are the delegate of (the one a link names, or
 * the first whose decision is still open).
 */
function principalOf(
  stage: WorkflowStageRecord,
  workflow: WorkflowRecord,
  actorId: string,
  wanted: string | null | undefined,
): string | null {
  const decided = decidedInRound(workflow);
  const open = (id: string) => !decided.has(id);
  const standsIn = stage.deputies.filter((d) => d.delegateId === actorId && open(d.forId)).map((d) => d.forId);
  if (wanted && standsIn.includes(wanted)) return wanted;
  if ([...stage.eligible, ...stage.escalated].includes(actorId)) return null;
  return standsIn[0] ?? null;
}

function closed(workflow: WorkflowRecord, state: Exclude<WorkflowState, 'pending'>, now: Date): WorkflowRecord {
  return { ...workflow, state, currentStage: null, awaiting: [], closedAt: now, outcomeApplied: false };
}

/**
 * Records a decision of the current stage and moves the workflow on: a
 * rejection closes it, enough approvals complete the stage and start the next
 * one (or approve the workflow). `record.by` is null for the system's timeout.
 */
function applyDecision(
  workflow: WorkflowRecord,
  record: WorkflowDecisionRecord,
  directory: ApproverDirectory,
  now: Date,
  calendar: WorkCalendar,
  /** A timeout completes the stage whatever its rule. */
  completes: boolean,
): Omit<WorkflowTransition, 'audit'> {
  const index = record.stage;
  const decided: WorkflowRecord = { ...workflow, decisions: [...workflow.decisions, record] };
  const events: ApprovalEvent[] = [
    {
      type: 'approval.decided',
      workflowId: workflow.id,
      stage: index,
      by: record.by,
      actingFor: record.actingFor,
      decision: record.decision,
    },
  ];
  const settle = (state: WorkflowStageRecord['state']) =>
    decided.stages.map((stage) =>
      stage.index === index
        ? { ...stage, state, completedAt: now }
        : stage.index > index && stage.state === 'waiting' && state === 'rejected'
          ? { ...stage, state: 'cancelled' as const }
          : stage,
    );
  const current = decided.stages[index] as WorkflowStageRecord;
  const stillAsked = awaitingOf(current, decided);
  const close = (state: 'approved' | 'rejected', stages: WorkflowStageRecord[]) => {
    events.push({ type: 'approval.closed', workflowId: workflow.id, state, awaiting: stillAsked });
    return { workflow: closed({ ...decided, stages }, state, now), outcome: state, events };
  };

  if (record.decision === 'reject') return close('rejected', settle('rejected'));

  const approvals = decided.decisions.filter(
    (d) => d.round === workflow.round && d.stage === index && d.decision === 'approve',
  ).length;
  if (!completes && approvals < current.required) {
    return { workflow: { ...decided, awaiting: stillAsked }, outcome: null, events };
  }
  const stages = settle('approved');
  const nextIndex = index + 1;
  if (nextIndex >= stages.length) return close('approved', stages);
  const started = startStage(stages, nextIndex, directory, decidedInRound(decided), now, calendar);
  const next: WorkflowRecord = {
    ...decided,
    stages: started,
    currentStage: nextIndex,
    awaiting: awaitingOf(started[nextIndex] as WorkflowStageRecord, decided),
  };
  events.push(...requestedEvent(next));
  return { workflow: next, outcome: null, events };
}

/** An approver's (or their delegate's) approval or rejection of the stage that is asking them. */
export function decideApproval(input: {
  workflow: WorkflowRecord;
  decision: DecisionInput;
  directory: ApproverDirectory;
  calendar: WorkCalendar;
  now: Date;
}): WorkflowTransition {
  const { workflow, decision, directory, calendar, now } = input;
  assertMayDecide(workflow, decision.actorId, decision.expected);
  const reason = decision.reason?.trim() || null;
  if (decision.decision === 'reject' && !reason) {
    throw validationFailed('A rejection needs a reason', [
      { path: 'reason', message: 'a rejection needs a reason', code: 'required' },
    ]);
  }
  const index = workflow.currentStage as number;
  const current = workflow.stages[index] as WorkflowStageRecord;
  const record: WorkflowDecisionRecord = {
    stage: index,
    stageName: current.name,
    stageStartedAt: current.startedAt,
    round: workflow.round,
    by: decision.actorId,
    actingFor: principalOf(current, workflow, decision.actorId, decision.actingFor),
    decision: decision.decision,
    comment: decision.comment?.trim() || null,
    reason: decision.decision === 'reject' ? reason : null,
    at: now,
    via: decision.via,
  };
  const moved = applyDecision(workflow, record, directory, now, calendar, false);
  return {
    ...moved,
    audit: [
      workflowAudit(workflow, `approval.${decision.decision}`, {
        stage: index,
        via: decision.via,
        ...(record.actingFor ? { actingFor: record.actingFor } : {}),
        ...(record.reason ? { reason: record.reason } : {}),
      }),
    ],
  };
}

/**
 * The next automatic step of a pending workflow whose timer fell due, or null
 * when none did: at the final deadline the stage's `onTimeout` decides (as the
 * system), else an escalation asks `escalateTo` too, else a reminder goes to
 * those still asked. One step per call, each stamped in the workflow, so the
 * engine writes each once however often and wherever the job runs.
 */
export function advanceTimers(input: {
  workflow: WorkflowRecord;
  directory: ApproverDirectory;
  calendar: WorkCalendar;
  now: Date;
}): WorkflowTransition | null {
  const { workflow, directory, calendar, now } = input;
  const due = nextTimerAt(workflow);
  if (!due || due > now) return null;
  const index = workflow.currentStage as number;
  const stage = workflow.stages[index] as WorkflowStageRecord;
  const at = (instant: Date | null) => instant !== null && instant <= now;

  if (stage.onTimeout && at(stage.dueAt)) {
    const record: WorkflowDecisionRecord = {
      stage: index,
      stageName: stage.name,
      stageStartedAt: stage.startedAt,
      round: workflow.round,
      by: null,
      actingFor: null,
      decision: stage.onTimeout,
      comment: null,
      reason:
        stage.onTimeout === 'reject'
          ? `No decision within ${stage.dueAfterHours} working hours: rejected automatically`
          : null,
      at: now,
      via: 'system',
    };
    const moved = applyDecision(workflow, record, directory, now, calendar, true);
    return {
      ...moved,
      audit: [
        workflowAudit(workflow, 'approval.timeout', {
          stage: index,
          decision: stage.onTimeout,
          dueAt: stage.dueAt?.toISOString() ?? null,
        }),
      ],
    };
  }

  const withStage = (next: WorkflowStageRecord): WorkflowRecord => ({
    ...workflow,
    stages: workflow.stages.map((s) => (s.index === index ? next : s)),
  });

  if (stage.escalatedAt === null && at(stage.escalateAt)) {
    const asked = [...stage.eligible, ...stage.escalated];
    const to = escalationTargets(stage.escalateTo, asked, directory, decidedInRound(workflow));
    const escalated = [...stage.escalated, ...to];
    const deputies = deputiesOf([...stage.eligible, ...escalated], directory, decidedInRound(workflow));
    const next = withStage({ ...stage, escalated, deputies, escalatedAt: now });
    const awaiting = awaitingOf(next.stages[index] as WorkflowStageRecord, next);
    return {
      workflow: { ...next, awaiting },
      outcome: null,
      events: [
        { type: 'approval.escalated', workflowId: workflow.id, stage: index, to, awaiting },
        // The delegates of those it adds are asked too.
        ...deputiesAdded(stage.deputies, deputies, workflow.id, index),
      ],
      audit: [workflowAudit(workflow, 'approval.escalate', { stage: index, to, targets: stage.escalateTo })],
    };
  }

  // The reminder (also when a late run finds it due together with nothing else).
  const next = withStage({ ...stage, remindedAt: now });
  return {
    workflow: next,
    outcome: null,
    events: [{ type: 'approval.reminded', workflowId: workflow.id, stage: index, awaiting: workflow.awaiting }],
    audit: [workflowAudit(workflow, 'approval.remind', { stage: index, awaiting: workflow.awaiting })],
  };
}

function deputiesAdded(
  before: WorkflowStageRecord['deputies'],
  after: WorkflowStageRecord['deputies'],
  workflowId: string,
  stage: number,
): ApprovalEvent[] {
  const known = new Set(before.map((d) => `${d.delegateId}:${d.forId}`));
  const added = after.filter((d) => !known.has(`${d.delegateId}:${d.forId}`));
  return added.length > 0
    ? [
        {
          type: 'approval.requested',
          workflowId,
          stage,
          awaiting: [...new Set(added.map((d) => d.delegateId))].sort(),
          deputies: added,
        },
      ]
    : [];
}

/**
 * Re-resolves the current stage after delegations changed (one started or
 * ended): its delegates from the delegations active now, and, for a stage that
 * found nobody to ask, who may decide it. Null when nothing changes.
 */
export function refreshStage(input: {
  workflow: WorkflowRecord;
  directory: ApproverDirectory;
  now: Date;
}): WorkflowTransition | null {
  const { workflow, directory, now } = input;
  if (workflow.state !== 'pending') return null;
  const index = workflow.currentStage as number;
  const stage = workflow.stages[index] as WorkflowStageRecord;
  const decided = decidedInRound(workflow);
  let next: WorkflowStageRecord = stage;
  if (stage.eligible.length === 0 && stage.escalated.length === 0) {
    const { eligible, fallback } = resolveApprovers(stage.approvers, directory, decided);
    next = { ...next, eligible, fallback, required: 1 };
  }
  next = { ...next, deputies: deputiesOf([...next.eligible, ...next.escalated], directory, decided) };
  const changed: WorkflowRecord = { ...workflow, stages: workflow.stages.map((s) => (s.index === index ? next : s)) };
  const awaiting = awaitingOf(next, changed);
  if (sameIds(awaiting, workflow.awaiting) && JSON.stringify(next.deputies) === JSON.stringify(stage.deputies)) {
    return null;
  }
  const before = new Set(workflow.awaiting);
  const added = awaiting.filter((id) => !before.has(id));
  const removed = workflow.awaiting.filter((id) => !awaiting.includes(id));
  const addedSet = new Set(added);
  return {
    workflow: { ...changed, awaiting },
    outcome: null,
    events:
      added.length > 0
        ? [
            {
              type: 'approval.requested',
              workflowId: workflow.id,
              stage: index,
              awaiting: added,
              deputies: next.deputies.filter((d) => addedSet.has(d.delegateId)),
            },
          ]
        : [],
    audit: [
      workflowAudit(workflow, 'approval.reresolve', {
        stage: index,
        added,
        removed,
        at: now.toISOString(),
      }),
    ],
  };
}

/**
 * The requester withdraws a pending request, or someone its kind lets cancel
 * others' requests (`onBehalf`: Finance for expense claims) cancels it; the
 * workflow closes as cancelled. With `undecided`, only before any decision of
 * the round (a kind whose requester may withdraw until then).
 */
export function cancelWorkflow(input: {
  workflow: WorkflowRecord;
  actorId: string;
  now: Date;
  onBehalf?: boolean;
  /** Only while nobody has decided this round (409 ALREADY_DECIDED with the decision that came first). */
  undecided?: boolean;
}): WorkflowTransition {
  const { workflow, actorId, now } = input;
  if (actorId !== workflow.requesterId && input.onBehalf !== true) {
    throw new DomainError('FORBIDDEN', 'Only the requester can cancel a request', { workflowId: workflow.id });
  }
  if (workflow.state !== 'pending') {
    throw workflowClosed(workflow);
  }
  const first = workflow.decisions.find((d) => d.round === workflow.round);
  if (input.undecided && first) throw alreadyDecided(first, false);
  const stages = workflow.stages.map((stage) =>
    stage.state === 'active' || stage.state === 'waiting'
      ? { ...stage, state: 'cancelled' as const, completedAt: now }
      : stage,
  );
  return {
    workflow: closed({ ...workflow, stages }, 'cancelled', now),
    outcome: 'cancelled',
    events: [{ type: 'approval.closed', workflowId: workflow.id, state: 'cancelled', awaiting: workflow.awaiting }],
    audit: [workflowAudit(workflow, 'approval.cancel', actorId === workflow.requesterId ? {} : { onBehalf: true })],
  };
}

/**
 * The requester changed a pending request: a new round starts from the
 * policy in force now, asking again from the first stage; earlier decisions
 * stay in the timeline.
 */
export function reopenWorkflow(
  input: Omit<StartWorkflowInput, 'id' | 'kind'> & { workflow: WorkflowRecord },
): WorkflowTransition {
  const { workflow, subject, policy, facts, directory, calendar, now } = input;
  if (workflow.state !== 'pending') {
    throw workflowClosed(workflow);
  }
  const stages = startStage(buildStages(workflow.kind, policy, facts), 0, directory, new Set(), now, calendar);
  const round = workflow.round + 1;
  const next: WorkflowRecord = {
    ...workflow,
    subject: { id: subject.id, summary: subject.summary, days: subject.days, version: subject.version },
    mode: policy.mode,
    policyVersion: policy.version,
    policyStages: policy.stages.map((stage) => structuredClone(stage)),
    facts,
    round,
    currentStage: 0,
    stages,
    awaiting: awaitingOf(stages[0] as WorkflowStageRecord, { decisions: workflow.decisions, round }),
  };
  return {
    workflow: next,
    outcome: 'reopened',
    events: requestedEvent(next),
    audit: [workflowAudit(workflow, 'approval.reopen', { round: next.round })],
  };
}

/** Where a workflow stands, for a request's list row: state, stage, who may decide now, due date. */
export function summaryOf(workflow: WorkflowRecord, now: Date) {
  const stage = workflow.currentStage === null ? undefined : workflow.stages[workflow.currentStage];
  const approvals = stage
    ? workflow.decisions.filter(
        (d) => d.round === workflow.round && d.stage === stage.index && d.decision === 'approve',
      ).length
    : 0;
  const dueAt = workflow.state === 'pending' ? (stage?.dueAt ?? null) : null;
  return {
    id: workflow.id,
    state: workflow.state,
    round: workflow.round,
    currentStage: stage ? { index: stage.index, name: stage.name, required: stage.required, approvals } : null,
    awaiting: workflow.awaiting,
    dueAt,
    overdue: dueAt !== null && dueAt.getTime() < now.getTime(),
  };
}
