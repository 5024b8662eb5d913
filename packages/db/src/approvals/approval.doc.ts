import type {
  ApprovalKind,
  PolicyMode,
  PolicyStage,
  WorkflowDecisionRecord,
  WorkflowRecord,
  WorkflowStageRecord,
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

/**
 * A stage as stored: the record's fields with ObjectIds for people. Workflows
 * stored before delegation and escalation existed lack their fields (read as
 * none).
 */
export type WorkflowStageDoc = Omit<WorkflowStageRecord, 'eligible' | 'escalated' | 'deputies'> & {
  eligible: ObjectId[];
  escalated: ObjectId[];
  deputies: { delegateId: ObjectId; forId: ObjectId }[];
};

export type WorkflowDecisionDoc = Omit<WorkflowDecisionRecord, 'by' | 'actingFor'> & {
  by: ObjectId | null;
  actingFor: ObjectId | null;
};

/**
 * One workflow per request (spec: approval_workflows): the record's fields,
 * with ObjectIds for people and the subject, plus what lists query on.
 */
export type WorkflowDoc = Omit<
  WorkflowRecord,
  'id' | 'subject' | 'requesterId' | 'stages' | 'decisions' | 'awaiting'
> & {
  _id: ObjectId;
  subject: { id: ObjectId; summary: string; days: { start: string; end: string } | null; version: number };
  requesterId: ObjectId;
  stages: WorkflowStageDoc[];
  decisions: WorkflowDecisionDoc[];
  /** Who may decide now (the inbox's key). */
  awaiting: ObjectId[];
  /** Everyone asked at any stage of any round: who may read the workflow. */
  approverIds: ObjectId[];
  /** The current stage's due date while pending (the inbox's sort and `overdue`). */
  dueAt: Date | null;
  /** When the current stage's next timer (reminder, escalation, timeout) falls due; null when none will. */
  nextDueAt: Date | null;
};

export const workflowsCollection = defineCollection<WorkflowDoc>('approval_workflows', [
  { name: 'awaiting_state_due', key: { awaiting: 1, state: 1, dueAt: 1 } },
  { name: 'subject', key: { 'subject.id': 1 } },
  { name: 'state_outcome', key: { state: 1, outcomeApplied: 1 } },
  { name: 'kind_created', key: { kind: 1, createdAt: 1 } },
  { name: 'state_next_due', key: { state: 1, nextDueAt: 1 } },
]);

/** One delegation (approval_delegations). */
export interface DelegationDoc {
  _id: ObjectId;
  delegatorId: ObjectId;
  delegateId: ObjectId;
  from: string;
  to: string;
  kinds: ApprovalKind[] | null;
  note: string | null;
  startsAt: Date;
  endsAt: Date;
  createdBy: ObjectId;
  endedAt: Date | null;
  startApplied: boolean;
  endApplied: boolean;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const delegationsCollection = defineCollection<DelegationDoc>('approval_delegations', [
  { name: 'delegator_ends', key: { delegatorId: 1, endsAt: 1 } },
  { name: 'delegate_ends', key: { delegateId: 1, endsAt: 1 } },
  { name: 'ends', key: { endsAt: 1 } },
  { name: 'start_applied', key: { startApplied: 1, startsAt: 1 } },
  { name: 'end_applied', key: { endApplied: 1, endsAt: 1 } },
]);

/** A one-click decision link: the token's SHA-256 only (approval_links). */
export interface ApprovalLinkDoc {
  _id: ObjectId;
  tokenHash: string;
  workflowId: ObjectId;
  approverId: ObjectId;
  actingFor: ObjectId | null;
  decision: 'approve' | 'reject';
  round: number;
  stage: number;
  workflowVersion: number;
  expiresAt: Date;
  usedAt: Date | null;
  createdAt: Date;
}

export const approvalLinksCollection = defineCollection<ApprovalLinkDoc>('approval_links', [
  { name: 'token_hash', key: { tokenHash: 1 }, unique: true },
  { name: 'expires', key: { expiresAt: 1 } },
]);
