import type {
  ApprovalKind,
  ApproverRole,
  Decision,
  DecisionChannel,
  EscalationTarget,
  PolicyMode,
  PolicyStage,
  StageRule,
  StageState,
  TimeoutAction,
  WorkflowState,
} from './approval.schemas.js';

/** A kind's policy as stored; `version` 0 means never changed (the simple defaults). */
export interface ApprovalPolicyRecord {
  kind: ApprovalKind;
  mode: PolicyMode;
  /** The configured stages (strict mode); empty in simple mode. */
  stages: PolicyStage[];
  version: number;
  updatedAt: Date | null;
  updatedBy: string | null;
}

/** What the engine knows of a request, from its kind's registration: for conditions, relations and lists. */
export interface ApprovalSubject {
  id: string;
  requesterId: string;
  /** A short line for inboxes ("WFH 3–7 March"). */
  summary: string;
  /** The requested days, if the request is about days (relations and duration conditions use them). */
  days: { start: string; end: string } | null;
  /** An amount in minor units of the base currency (expense conditions). */
  amountMinor: number | null;
  /** The request's attributes conditions may name. */
  attributes: { leaveType?: string | null; workLocationType?: string | null; overLimit?: boolean };
  /**
   * The request's version this workflow decides: an outcome is applied to that
   * version only, so a decision never lands on fields nobody saw.
   */
  version: number;
}

export interface WorkflowStageRecord {
  index: number;
  name: string;
  approvers: ApproverRole[];
  rule: StageRule;
  quorum: number | null;
  dueAfterHours: number;
  state: StageState;
  /** Who may decide, resolved when the stage started. */
  eligible: string[];
  /** Approvals needed: 1 (any), all eligible, or the quorum (at most the eligible count). */
  required: number;
  fallback: boolean;
  /** Delegates who may decide for someone eligible, from the delegations active when last resolved. */
  deputies: { delegateId: string; forId: string }[];
  /** The stage's timers (working hours from its start; see PolicyStage). */
  remindAfter: number | null;
  escalateAfter: number | null;
  escalateTo: EscalationTarget[];
  onTimeout: TimeoutAction | null;
  /** Who the escalation asked in addition to `eligible` (their approval counts like an eligible one). */
  escalated: string[];
  startedAt: Date | null;
  remindAt: Date | null;
  remindedAt: Date | null;
  escalateAt: Date | null;
  escalatedAt: Date | null;
  /** The final deadline: overdue past it, and `onTimeout` decides then. */
  dueAt: Date | null;
  completedAt: Date | null;
}

export interface WorkflowDecisionRecord {
  stage: number;
  /** The stage's name and start, as they were when it was decided (for reports across rounds). */
  stageName: string;
  stageStartedAt: Date | null;
  round: number;
  /** Null when the system decided (a timeout). */
  by: string | null;
  actingFor: string | null;
  decision: Decision;
  comment: string | null;
  reason: string | null;
  at: Date;
  via: DecisionChannel;
}

/** One workflow per request (`approval_workflows`). */
export interface WorkflowRecord {
  id: string;
  kind: ApprovalKind;
  subject: { id: string; summary: string; days: { start: string; end: string } | null; version: number };
  requesterId: string;
  mode: PolicyMode;
  policyVersion: number;
  /** The policy's stages as they stood at submission (a later policy change does not touch this workflow). */
  policyStages: PolicyStage[];
  /** The facts the stage conditions were evaluated on (kept for reopening). */
  facts: WorkflowFacts;
  state: WorkflowState;
  round: number;
  currentStage: number | null;
  stages: WorkflowStageRecord[];
  decisions: WorkflowDecisionRecord[];
  /** Who may decide now: the current stage's eligible who have not decided (empty once closed). */
  awaiting: string[];
  /**
   * False from the moment the workflow closes until the request has followed
   * (its kind's outcome handler ran): what the reconciler repairs after a crash.
   */
  outcomeApplied: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
}

/** The request's facts stage conditions are evaluated on. */
export interface WorkflowFacts {
  workingDays: number | null;
  amountMinor: number | null;
  leaveType: string | null;
  workLocationType: string | null;
  department: string | null;
  /** An expense claim past a limit of its category (per item or per month); null for other kinds. */
  overLimit?: boolean | null;
}

/** A new workflow before storage gives it a version and timestamps. */
export type NewWorkflow = Omit<WorkflowRecord, 'version' | 'createdAt' | 'updatedAt'>;

/** "From day `from` to day `to`, `delegateId` decides for `delegatorId`" (optionally only some kinds). */
export interface DelegationRecord {
  id: string;
  delegatorId: string;
  delegateId: string;
  from: string;
  to: string;
  /** Only these kinds; null for every kind. */
  kinds: ApprovalKind[] | null;
  note: string | null;
  /** The first and the first-after-last instants, in the organisation's timezone when it was made. */
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  createdAt: Date;
  /** Ended early (DELETE). */
  endedAt: Date | null;
  /** Pending stages were re-resolved at its start / at its end (the job's two steps). */
  startApplied: boolean;
  endApplied: boolean;
  version: number;
}

/** A one-click decision link as stored: only the token's hash. */
export interface ApprovalLinkRecord {
  id: string;
  tokenHash: string;
  workflowId: string;
  approverId: string;
  actingFor: string | null;
  decision: Decision;
  /** What the approver was asked: a link decides this round and stage only. */
  round: number;
  stage: number;
  /** The workflow's version when the link was made. */
  workflowVersion: number;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
}
