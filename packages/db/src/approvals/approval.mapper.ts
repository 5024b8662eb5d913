import type { ApprovalPolicyRecord, NewWorkflow, WorkflowRecord } from '@seed-pms/domain';
import type { ObjectId, WithId } from 'mongodb';
import { idOrNull, oid } from '../ids.js';
import type { ApprovalPolicyDoc, WorkflowDoc } from './approval.doc.js';

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
    ...new Set([...before, ...workflow.stages.flatMap((s) => s.eligible), ...workflow.decisions.map((d) => d.by)]),
  ];
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
    stages: workflow.stages.map((s) => ({ ...s, eligible: oids(s.eligible) })),
    decisions: workflow.decisions.map((d) => ({
      ...d,
      by: oid(d.by),
      actingFor: d.actingFor === null ? null : oid(d.actingFor),
    })),
    awaiting: oids(workflow.awaiting),
    approverIds: oids(approverIdsOf(workflow, approverIdsBefore)),
    dueAt: workflow.state === 'pending' ? (stage?.dueAt ?? null) : null,
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
    stages: doc.stages.map((s) => ({ ...s, eligible: strs(s.eligible) })),
    decisions: doc.decisions.map((d) => ({ ...d, by: d.by.toHexString(), actingFor: idOrNull(d.actingFor) })),
    awaiting: strs(doc.awaiting),
    approverIds: strs(doc.approverIds),
    outcomeApplied: doc.outcomeApplied,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    closedAt: doc.closedAt,
  };
}
