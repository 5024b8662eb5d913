import type { AuditEvent } from '../audit/audit.schemas.js';
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
import { type ApproverDirectory, resolveApprovers } from './approval.relations.js';
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
  | { type: 'approval.requested'; workflowId: string; stage: number; awaiting: string[] }
  | { type: 'approval.decided'; workflowId: string; stage: number; by: string; decision: Decision }
  | { type: 'approval.closed'; workflowId: string; state: Exclude<WorkflowState, 'pending'> };

export interface WorkflowTransition<W = WorkflowRecord> {
  workflow: W;
  /** What the request must follow with (the kind's outcome handler), or null while pending. */
  outcome: WorkflowOutcome | null;
  events: ApprovalEvent[];
  audit: AuditEvent[];
}

const HOUR_MS = 3_600_000;

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
    startedAt: null,
    dueAt: null,
    completedAt: null,
  };
}

/** Who decided in the workflow's current round (nobody decides twice in one). */
function decidedInRound(workflow: Pick<WorkflowRecord, 'decisions' | 'round'>): Set<string> {
  return new Set(workflow.decisions.filter((d) => d.round === workflow.round).map((d) => d.by));
}

/**
 * Starts stage `index`: resolves who may decide it now and how many approvals
 * it needs. Returns the stages with it active.
 */
function startStage(
  stages: readonly WorkflowStageRecord[],
  index: number,
  directory: ApproverDirectory,
  excluded: ReadonlySet<string>,
  now: Date,
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
    return {
      ...stage,
      state: 'active',
      eligible,
      required,
      fallback,
      startedAt: now,
      dueAt: new Date(now.getTime() + stage.dueAfterHours * HOUR_MS),
    };
  });
}

function requestedEvent(workflow: Pick<WorkflowRecord, 'id' | 'stages' | 'currentStage'>): ApprovalEvent[] {
  const stage = workflow.stages[workflow.currentStage ?? -1];
  return stage
    ? [{ type: 'approval.requested', workflowId: workflow.id, stage: stage.index, awaiting: stage.eligible }]
    : [];
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
  now: Date;
}

/** A new workflow for a submitted request: its stages from the policy in force, the first one started. */
export function startWorkflow(input: StartWorkflowInput): WorkflowTransition<NewWorkflow> {
  const { id, kind, subject, policy, facts, directory, now } = input;
  const stages = startStage(buildStages(kind, policy, facts), 0, directory, new Set(), now);
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
    awaiting: [...first.eligible],
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
  /** Whom the actor decides for (a delegation); null when for themself. */
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

function alreadyDecided(decision: WorkflowDecisionRecord | undefined, mine: boolean): DomainError {
  return new DomainError(
    'ALREADY_DECIDED',
    mine ? 'You have already decided this request' : 'This request has already been decided',
    decision
      ? {
          decision: {
            by: decision.by,
            decision: decision.decision,
            stage: decision.stage,
            at: decision.at.toISOString(),
          },
        }
      : {},
  );
}

/**
 * Refuses a decision the workflow does not take from this actor: the
 * requester's own request (SELF_APPROVAL), a second decision in one round or
 * a stage already settled by others (ALREADY_DECIDED, with the decision that
 * stands), a closed workflow (WORKFLOW_CLOSED), someone not asked now
 * (NOT_AN_APPROVER).
 */
function assertMayDecide(workflow: WorkflowRecord, actorId: string, expected?: DecisionInput['expected']): void {
  if (actorId === workflow.requesterId) {
    throw new DomainError('SELF_APPROVAL', 'Nobody decides their own request', { workflowId: workflow.id });
  }
  const mine = workflow.decisions.find((d) => d.round === workflow.round && d.by === actorId);
  if (mine) throw alreadyDecided(mine, true);
  if (expected && expected.round !== workflow.round) {
    throw new DomainError('REQUEST_CHANGED', 'The request was changed since you saw it; review it again', {
      round: workflow.round,
      stage: workflow.currentStage,
    });
  }
  // A stage of this round that asked the actor and has been settled by someone else.
  const settled = workflow.stages.find(
    (stage) => (stage.state === 'approved' || stage.state === 'rejected') && stage.eligible.includes(actorId),
  );
  if (workflow.state !== 'pending') {
    // The decision that stands is the one that closed the workflow.
    const closing = workflow.decisions.filter((d) => d.round === workflow.round).at(-1);
    if (settled && workflow.state !== 'cancelled') throw alreadyDecided(closing, false);
    throw new DomainError('WORKFLOW_CLOSED', `This request is already ${workflow.state}`, { state: workflow.state });
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

function closed(workflow: WorkflowRecord, state: Exclude<WorkflowState, 'pending'>, now: Date): WorkflowRecord {
  return { ...workflow, state, currentStage: null, awaiting: [], closedAt: now, outcomeApplied: false };
}

/** An approver's approval or rejection of the stage that is asking them. */
export function decideApproval(input: {
  workflow: WorkflowRecord;
  decision: DecisionInput;
  directory: ApproverDirectory;
  now: Date;
}): WorkflowTransition {
  const { workflow, decision, directory, now } = input;
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
    actingFor: decision.actingFor ?? null,
    decision: decision.decision,
    comment: decision.comment?.trim() || null,
    reason: decision.decision === 'reject' ? reason : null,
    at: now,
    via: decision.via,
  };
  const decided: WorkflowRecord = { ...workflow, decisions: [...workflow.decisions, record] };
  const events: ApprovalEvent[] = [
    {
      type: 'approval.decided',
      workflowId: workflow.id,
      stage: index,
      by: decision.actorId,
      decision: decision.decision,
    },
  ];
  const audit: AuditEvent[] = [
    {
      action: `approval.${decision.decision}`,
      resourceType: 'approval_workflow',
      resourceId: workflow.id,
      details: {
        kind: workflow.kind,
        subjectId: workflow.subject.id,
        stage: index,
        via: decision.via,
        ...(record.actingFor ? { actingFor: record.actingFor } : {}),
        ...(record.reason ? { reason: record.reason } : {}),
      },
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

  if (decision.decision === 'reject') {
    const next = closed({ ...decided, stages: settle('rejected') }, 'rejected', now);
    events.push({ type: 'approval.closed', workflowId: workflow.id, state: 'rejected' });
    return { workflow: next, outcome: 'rejected', events, audit };
  }

  const stage = current;
  const approvals = decided.decisions.filter(
    (d) => d.round === workflow.round && d.stage === index && d.decision === 'approve',
  ).length;
  if (approvals < stage.required) {
    return {
      workflow: { ...decided, awaiting: decided.awaiting.filter((id) => id !== decision.actorId) },
      outcome: null,
      events,
      audit,
    };
  }
  const stages = settle('approved');
  const nextIndex = index + 1;
  if (nextIndex >= stages.length) {
    const next = closed({ ...decided, stages }, 'approved', now);
    events.push({ type: 'approval.closed', workflowId: workflow.id, state: 'approved' });
    return { workflow: next, outcome: 'approved', events, audit };
  }
  const started = startStage(stages, nextIndex, directory, decidedInRound(decided), now);
  const next: WorkflowRecord = {
    ...decided,
    stages: started,
    currentStage: nextIndex,
    awaiting: [...(started[nextIndex] as WorkflowStageRecord).eligible],
  };
  events.push(...requestedEvent(next));
  return { workflow: next, outcome: null, events, audit };
}

/** The requester withdraws a pending request; the workflow closes as cancelled. */
export function cancelWorkflow(input: { workflow: WorkflowRecord; actorId: string; now: Date }): WorkflowTransition {
  const { workflow, actorId, now } = input;
  if (actorId !== workflow.requesterId) {
    throw new DomainError('FORBIDDEN', 'Only the requester can cancel a request', { workflowId: workflow.id });
  }
  if (workflow.state !== 'pending') {
    throw new DomainError('WORKFLOW_CLOSED', `This request is already ${workflow.state}`, { state: workflow.state });
  }
  const stages = workflow.stages.map((stage) =>
    stage.state === 'active' || stage.state === 'waiting'
      ? { ...stage, state: 'cancelled' as const, completedAt: now }
      : stage,
  );
  return {
    workflow: closed({ ...workflow, stages }, 'cancelled', now),
    outcome: 'cancelled',
    events: [{ type: 'approval.closed', workflowId: workflow.id, state: 'cancelled' }],
    audit: [
      {
        action: 'approval.cancel',
        resourceType: 'approval_workflow',
        resourceId: workflow.id,
        details: { kind: workflow.kind, subjectId: workflow.subject.id },
      },
    ],
  };
}

/**
 * The requester changed a pending request: a new round starts from the
 * policy in force now, asking again from the first stage; earlier decisions
 * stay in the timeline.
 */
export function reopenWorkflow(input: {
  workflow: WorkflowRecord;
  subject: ApprovalSubject;
  policy: ApprovalPolicyRecord;
  facts: WorkflowFacts;
  directory: ApproverDirectory;
  now: Date;
}): WorkflowTransition {
  const { workflow, subject, policy, facts, directory, now } = input;
  if (workflow.state !== 'pending') {
    throw new DomainError('WORKFLOW_CLOSED', `This request is already ${workflow.state}`, { state: workflow.state });
  }
  const stages = startStage(buildStages(workflow.kind, policy, facts), 0, directory, new Set(), now);
  const next: WorkflowRecord = {
    ...workflow,
    subject: { id: subject.id, summary: subject.summary, days: subject.days, version: subject.version },
    mode: policy.mode,
    policyVersion: policy.version,
    policyStages: policy.stages.map((stage) => structuredClone(stage)),
    facts,
    round: workflow.round + 1,
    currentStage: 0,
    stages,
    awaiting: [...(stages[0] as WorkflowStageRecord).eligible],
  };
  return {
    workflow: next,
    outcome: 'reopened',
    events: requestedEvent(next),
    audit: [
      {
        action: 'approval.reopen',
        resourceType: 'approval_workflow',
        resourceId: workflow.id,
        details: { kind: workflow.kind, subjectId: subject.id, round: next.round },
      },
    ],
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
