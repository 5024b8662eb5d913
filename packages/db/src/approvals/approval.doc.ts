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

/** A stage as stored: the record's fields with ObjectIds for people. */
export type WorkflowStageDoc = Omit<WorkflowStageRecord, 'eligible'> & { eligible: ObjectId[] };

export type WorkflowDecisionDoc = Omit<WorkflowDecisionRecord, 'by' | 'actingFor'> & {
  by: ObjectId;
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
};

export const workflowsCollection = defineCollection<WorkflowDoc>('approval_workflows', [
  { name: 'awaiting_state_due', key: { awaiting: 1, state: 1, dueAt: 1 } },
  { name: 'subject', key: { 'subject.id': 1 } },
  { name: 'state_outcome', key: { state: 1, outcomeApplied: 1 } },
  { name: 'kind_created', key: { kind: 1, createdAt: 1 } },
]);
