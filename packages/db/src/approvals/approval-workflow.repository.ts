import {
  APPROVAL_KINDS,
  type ApprovalKind,
  type InboxQuery,
  type NewWorkflow,
  type Page,
  type WorkflowRecord,
} from '@seed-pms/domain';
import type { Collection, Filter, Sort } from 'mongodb';
import { allOf } from '../filters.js';
import { newIdString, objectIdOf, oid } from '../ids.js';
import { findByIds } from '../lookups.js';
import { findPage } from '../pagination.js';
import { initialVersion, updateVersioned } from '../versioning.js';
import type { WorkflowDoc } from './approval.doc.js';
import { toWorkflowRecord, workflowFields } from './approval.mapper.js';

export type StoredWorkflow = WorkflowRecord & { approverIds: string[] };

/** A workflow's storage: the engine's only way to its documents. */
export interface ApprovalWorkflowRepository {
  newId(): string;
  insert(workflow: NewWorkflow, now: Date): Promise<StoredWorkflow>;
  get(id: string): Promise<StoredWorkflow | null>;
  /** Workflows by id (unknown ids absent); one `_id` read each. */
  byIds(ids: readonly string[]): Promise<Map<string, StoredWorkflow>>;
  /** The decision's write: at `expectedVersion` only (409 VERSION_CONFLICT otherwise, which the engine retries). */
  save(next: StoredWorkflow, expectedVersion: number, now: Date): Promise<StoredWorkflow>;
  /** The request has followed the workflow's outcome. */
  markOutcomeApplied(id: string): Promise<void>;
  /** Closed workflows whose request has not followed yet (a crash between the two writes). */
  unapplied(limit: number): Promise<StoredWorkflow[]>;
  /** What a person may decide now, pending, optionally of one kind and by due date. */
  inbox(userId: string, query: InboxQuery, now: Date): Promise<Page<StoredWorkflow>>;
  /** Pending workflows per kind. */
  pendingByKind(): Promise<Map<ApprovalKind, number>>;
  /** Workflows created in a period, optionally of one kind (the approvals report). */
  createdBetween(from: Date, to: Date, kind?: ApprovalKind): Promise<StoredWorkflow[]>;
  /** Pending workflows, optionally of one kind (the report's age buckets). */
  pending(kind?: ApprovalKind): Promise<StoredWorkflow[]>;
  /** Pending workflows whose next timer is due by `now`, soonest first (the escalation job). */
  due(now: Date, limit: number): Promise<StoredWorkflow[]>;
  /** Pending workflows asking any of these people now (re-resolution after a delegation changes). */
  awaitingAny(userIds: readonly string[], limit: number): Promise<StoredWorkflow[]>;
}

const INBOX_SORT: Record<InboxQuery['sort'], Sort> = {
  dueAt: { dueAt: 1, _id: 1 },
  '-dueAt': { dueAt: -1, _id: -1 },
  submittedAt: { createdAt: 1, _id: 1 },
  '-submittedAt': { createdAt: -1, _id: -1 },
};

export function createApprovalWorkflowRepository(workflows: Collection<WorkflowDoc>): ApprovalWorkflowRepository {
  return {
    newId: newIdString,
    async insert(workflow, now) {
      const doc: WorkflowDoc = { _id: oid(workflow.id), ...workflowFields(workflow), ...initialVersion(now) };
      await workflows.insertOne(doc);
      return toWorkflowRecord(doc);
    },
    async get(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await workflows.findOne({ _id }) : null;
      return doc ? toWorkflowRecord(doc) : null;
    },
    async byIds(ids) {
      const docs = await findByIds(
        workflows,
        ids.map(objectIdOf).filter((id) => id !== null),
      );
      return new Map([...docs].map(([id, doc]) => [id, toWorkflowRecord(doc)]));
    },
    async save(next, expectedVersion, now) {
      const saved = await updateVersioned(
        workflows,
        oid(next.id),
        expectedVersion,
        { $set: workflowFields(next, next.approverIds) },
        { resource: 'ApprovalWorkflow', now },
      );
      return toWorkflowRecord(saved);
    },
    async markOutcomeApplied(id) {
      await workflows.updateOne({ _id: oid(id) }, { $set: { outcomeApplied: true } });
    },
    async unapplied(limit) {
      const docs = await workflows.find({ outcomeApplied: false }).limit(limit).toArray();
      return docs.map(toWorkflowRecord);
    },
    async inbox(userId, query, now) {
      const me = objectIdOf(userId);
      if (!me) return { items: [], total: 0, page: query.page, limit: query.limit };
      const clauses: Filter<WorkflowDoc>[] = [{ awaiting: me }, { state: 'pending' }];
      if (query.kind) clauses.push({ kind: query.kind });
      if (query.overdue === true) clauses.push({ dueAt: { $lt: now } });
      if (query.overdue === false) clauses.push({ $or: [{ dueAt: { $gte: now } }, { dueAt: null }] });
      return findPage(
        workflows,
        allOf(clauses),
        { page: query.page, limit: query.limit, sort: INBOX_SORT[query.sort] },
        toWorkflowRecord,
      );
    },
    async pendingByKind() {
      // One count per kind: the portable subset has no $group we rely on (packages/db/README.md).
      const counts = await Promise.all(
        APPROVAL_KINDS.map(async (kind) => [kind, await workflows.countDocuments({ state: 'pending', kind })] as const),
      );
      return new Map(counts);
    },
    async createdBetween(from, to, kind) {
      const filter: Filter<WorkflowDoc> = allOf<WorkflowDoc>([
        { createdAt: { $gte: from, $lt: to } },
        ...(kind ? [{ kind }] : []),
      ]);
      return (await workflows.find(filter).toArray()).map(toWorkflowRecord);
    },
    async due(now, limit) {
      const docs = await workflows
        .find({ state: 'pending', nextDueAt: { $lte: now } })
        .sort({ nextDueAt: 1, _id: 1 })
        .limit(limit)
        .toArray();
      return docs.map(toWorkflowRecord);
    },
    async awaitingAny(userIds, limit) {
      const ids = userIds.map(objectIdOf).filter((id) => id !== null);
      if (ids.length === 0) return [];
      const docs = await workflows
        .find({ awaiting: { $in: ids }, state: 'pending' })
        .limit(limit)
        .toArray();
      return docs.map(toWorkflowRecord);
    },
    async pending(kind) {
      return (
        await workflows.find(allOf<WorkflowDoc>([{ state: 'pending' }, ...(kind ? [{ kind }] : [])])).toArray()
      ).map(toWorkflowRecord);
    },
  };
}
