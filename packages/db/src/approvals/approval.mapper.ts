import {
  type ApprovalLinkRecord,
  type ApprovalPolicyRecord,
  type DelegationRecord,
  type NewWorkflow,
  nextTimerAt,
  type WorkflowRecord,
  type WorkflowStageRecord,
} from '@seed-pms/domain';
import type { ObjectId, WithId } from 'mongodb';
import { idOrNull, oid } from '../ids.js';
import type {
  ApprovalLinkDoc,
  ApprovalPolicyDoc,
  DelegationDoc,
  WorkflowDoc,
  WorkflowStageDoc,
} from './approval.doc.js';

const oids = (ids: readonly string[]) => ids.map(oid);
const strs = (ids: readonly ObjectId[]) => ids.map((id) => id.toHexString());

export function toPolicyRecord(doc: WithId<ApprovalPolicyDoc>): ApprovalPolicyRecord {
  return {
    kind: doc._id,
    mode: doc.mode,
    stages: doc.stages,
    version: doc.version,
    updatedAt: doc.updatedAt,
    updatedBy: idOrNull(doc.updatedBy),
  };
}

/** Everyone a workflow asked, at any stage of any round (kept across rounds). */
function approverIdsOf(workflow: NewWorkflow, before: readonly string[] = []): string[] {
  return [
    ...new Set([
      ...before,
      ...workflow.stages.flatMap((s) => [...s.eligible, ...s.escalated, ...s.deputies.map((d) => d.delegateId)]),
      ...workflow.decisions.flatMap((d) => (d.by ? [d.by] : [])),
    ]),
  ];
}

function stageDoc(stage: WorkflowStageRecord): WorkflowStageDoc {
  return {
    ...stage,
    eligible: oids(stage.eligible),
    escalated: oids(stage.escalated),
    deputies: stage.deputies.map((d) => ({ delegateId: oid(d.delegateId), forId: oid(d.forId) })),
  };
}

/** A stored stage; one written before delegation and escalation existed has none of theirs. */
function stageRecord(stage: Partial<WorkflowStageDoc> & Omit<WorkflowStageDoc, 'escalated' | 'deputies'>) {
  return {
    ...stage,
    eligible: strs(stage.eligible),
    escalated: strs(stage.escalated ?? []),
    deputies: (stage.deputies ?? []).map((d) => ({
      delegateId: d.delegateId.toHexString(),
      forId: d.forId.toHexString(),
    })),
    remindAfter: stage.remindAfter ?? null,
    escalateAfter: stage.escalateAfter ?? null,
    escalateTo: stage.escalateTo ?? [],
    onTimeout: stage.onTimeout ?? null,
    remindAt: stage.remindAt ?? null,
    remindedAt: stage.remindedAt ?? null,
    escalateAt: stage.escalateAt ?? null,
    escalatedAt: stage.escalatedAt ?? null,
  } satisfies WorkflowStageRecord;
}

/** The stored fields of a workflow that change over its life (everything but id and creation). */
export function workflowFields(workflow: NewWorkflow, approverIdsBefore: readonly string[] = []) {
  const stage = workflow.currentStage === null ? undefined : workflow.stages[workflow.currentStage];
  return {
    kind: workflow.kind,
    subject: {
      id: oid(workflow.subject.id),
      summary: workflow.subject.summary,
      days: workflow.subject.days,
      version: workflow.subject.version,
    },
    requesterId: oid(workflow.requesterId),
    mode: workflow.mode,
    policyVersion: workflow.policyVersion,
    policyStages: workflow.policyStages,
    facts: workflow.facts,
    state: workflow.state,
    round: workflow.round,
    currentStage: workflow.currentStage,
    stages: workflow.stages.map(stageDoc),
    decisions: workflow.decisions.map((d) => ({
      ...d,
      by: d.by === null ? null : oid(d.by),
      actingFor: d.actingFor === null ? null : oid(d.actingFor),
    })),
    awaiting: oids(workflow.awaiting),
    approverIds: oids(approverIdsOf(workflow, approverIdsBefore)),
    dueAt: workflow.state === 'pending' ? (stage?.dueAt ?? null) : null,
    nextDueAt: nextTimerAt(workflow),
    outcomeApplied: workflow.outcomeApplied,
    closedAt: workflow.closedAt,
  } satisfies Omit<WorkflowDoc, '_id' | 'version' | 'createdAt' | 'updatedAt'>;
}

export function toWorkflowRecord(doc: WithId<WorkflowDoc>): WorkflowRecord & { approverIds: string[] } {
  return {
    id: doc._id.toHexString(),
    kind: doc.kind,
    subject: {
      id: doc.subject.id.toHexString(),
      summary: doc.subject.summary,
      days: doc.subject.days,
      version: doc.subject.version,
    },
    requesterId: doc.requesterId.toHexString(),
    mode: doc.mode,
    policyVersion: doc.policyVersion,
    policyStages: doc.policyStages,
    facts: doc.facts,
    state: doc.state,
    round: doc.round,
    currentStage: doc.currentStage,
    stages: doc.stages.map(stageRecord),
    decisions: doc.decisions.map((d) => ({ ...d, by: idOrNull(d.by), actingFor: idOrNull(d.actingFor) })),
    awaiting: strs(doc.awaiting),
    approverIds: strs(doc.approverIds),
    outcomeApplied: doc.outcomeApplied,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    closedAt: doc.closedAt,
  };
}

export function toDelegationRecord(doc: WithId<DelegationDoc>): DelegationRecord {
  return {
    id: doc._id.toHexString(),
    delegatorId: doc.delegatorId.toHexString(),
    delegateId: doc.delegateId.toHexString(),
    from: doc.from,
    to: doc.to,
    kinds: doc.kinds,
    note: doc.note,
    startsAt: doc.startsAt,
    endsAt: doc.endsAt,
    createdBy: doc.createdBy.toHexString(),
    createdAt: doc.createdAt,
    endedAt: doc.endedAt,
    startApplied: doc.startApplied,
    endApplied: doc.endApplied,
    version: doc.version,
  };
}

export function toLinkRecord(doc: WithId<ApprovalLinkDoc>): ApprovalLinkRecord {
  return {
    id: doc._id.toHexString(),
    tokenHash: doc.tokenHash,
    workflowId: doc.workflowId.toHexString(),
    approverId: doc.approverId.toHexString(),
    actingFor: idOrNull(doc.actingFor),
    decision: doc.decision,
    round: doc.round,
    stage: doc.stage,
    workflowVersion: doc.workflowVersion,
    expiresAt: doc.expiresAt,
    usedAt: doc.usedAt,
    createdAt: doc.createdAt,
  };
}
