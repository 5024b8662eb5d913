import type {
  ApprovalKind,
  ApproverRole,
  Decision,
  DecisionChannel,
  PolicyMode,
  PolicyStage,
  StageRule,
  StageState,
  WorkflowFacts,
  WorkflowState,
} from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/** One document per request kind whose policy was changed; `_id` is the kind. */
export interface ApprovalPolicyDoc {
  _id: ApprovalKind;
  mode: PolicyMode;
  stages: PolicyStage[];
  updatedBy: ObjectId | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const approvalPoliciesCollection = defineCollection<ApprovalPolicyDoc>('approval_policies', []);

export interface WorkflowStageDoc {
  index: number;
  name: string;
  approvers: ApproverRole[];
  rule: StageRule;
  quorum: number | null;
  dueAfterHours: number;
  state: StageState;
  eligible: ObjectId[];
  required: number;
  fallback: boolean;
  startedAt: Date | null;
  dueAt: Date | null;
  completedAt: Date | null;
}

export interface WorkflowDecisionDoc {
  stage: number;
  round: number;
  by: ObjectId;
  actingFor: ObjectId | null;
  decision: Decision;
  comment: string | null;
  reason: string | null;
  at: Date;
  via: DecisionChannel;
}

/** One workflow per request (spec: approval_workflows). */
export interface WorkflowDoc {
  _id: ObjectId;
  kind: ApprovalKind;
  subject: { id: ObjectId; summary: string; days: { start: string; end: string } | null };
  requesterId: ObjectId;
  mode: PolicyMode;
  policyVersion: number;
  policyStages: PolicyStage[];
  facts: WorkflowFacts;
  state: WorkflowState;
  round: number;
  currentStage: number | null;
  stages: WorkflowStageDoc[];
  decisions: WorkflowDecisionDoc[];
  /** Who may decide now (the inbox's key). */
  awaiting: ObjectId[];
  /** Everyone asked at any stage of any round: who may read the workflow. */
  approverIds: ObjectId[];
  /** The current stage's due date while pending (the inbox's sort and `overdue`). */
  dueAt: Date | null;
  outcomeApplied: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
}

export const workflowsCollection = defineCollection<WorkflowDoc>('approval_workflows', [
  { name: 'awaiting_state_due', key: { awaiting: 1, state: 1, dueAt: 1 } },
  { name: 'subject', key: { 'subject.id': 1 } },
  { name: 'state_outcome', key: { state: 1, outcomeApplied: 1 } },
  { name: 'kind_created', key: { kind: 1, createdAt: 1 } },
]);
