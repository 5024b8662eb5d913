import type {
  AccessQuery,
  ErasureIdentity,
  ErasureRequestRecord,
  ErasureStatus,
  ListErasureRequestsQuery,
  Page,
} from '@seed-pms/domain';
import type { Collection, Filter, WithId } from 'mongodb';
import { withAccess } from '../access-filter.js';
import { engineRequests, REQUEST_ACCESS_FIELDS } from '../approvals/request-kind.js';
import { isDuplicateKey } from '../errors.js';
import { allOf } from '../filters.js';
import { newIdString, objectIdOf, oid } from '../ids.js';
import { findPage } from '../pagination.js';
import type { ErasureRequestDoc } from './erasure.doc.js';

const OPEN: ErasureStatus[] = ['pending', 'approved'];

function toRecord(doc: WithId<ErasureRequestDoc>): ErasureRequestRecord {
  return {
    id: doc._id.toHexString(),
    userId: doc.userId.toHexString(),
    requestedBy: doc.requestedBy.toHexString(),
    reason: doc.reason,
    status: doc.status,
    workflowId: doc.workflowId.toHexString(),
    approverIds: doc.approverIds.map((id) => id.toHexString()),
    decidedAt: doc.decidedAt,
    completedAt: doc.completedAt,
    blockedBy: doc.blockedBy,
    counts: doc.counts ? Object.fromEntries(doc.counts.map((c) => [c.name, c.count])) : null,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export interface ErasureRequestRepository {
  newId(): string;
  /**
   * Stores a pending request unless one is open for the person (unique
   * activeKey): then answers that one, `created: false`.
   */
  insertPending(
    input: { id: string; userId: string; requestedBy: string; reason: string; workflowId: string },
    now: Date,
  ): Promise<{ created: boolean; request: ErasureRequestRecord }>;
  get(id: string): Promise<ErasureRequestRecord | null>;
  /** The person's pending or approved request, if any. */
  openFor(userId: string): Promise<ErasureRequestRecord | null>;
  list(query: ListErasureRequestsQuery, access: AccessQuery): Promise<Page<ErasureRequestRecord>>;
  /** Follows the workflow (pending → approved | rejected | cancelled) at the version it decided. */
  settle(
    id: string,
    status: Exclude<ErasureStatus, 'pending' | 'completed'>,
    expectedVersion: number,
    now: Date,
  ): Promise<boolean>;
  addApprovers(id: string, userIds: readonly string[]): Promise<void>;
  pendingBefore(after: Date, before: Date, limit: number): Promise<ErasureRequestRecord[]>;
  remove(id: string): Promise<void>;
  /** Approved requests waiting to be carried out, in id order, after `afterId` (null: from the first). */
  approved(limit: number, afterId: string | null): Promise<ErasureRequestRecord[]>;
  /**
   * Notes who the person was on an approved request unless a run noted it
   * already; answers what is noted (the first run's, on every later run).
   */
  rememberIdentity(id: string, identity: ErasureIdentity): Promise<ErasureIdentity>;
  /** Notes why an approved request waits (or that nothing does, with null). */
  setBlocked(id: string, blockedBy: ErasureRequestRecord['blockedBy'], now: Date): Promise<void>;
  /** approved → completed: the reason removed, the counts kept; false when it was not approved. */
  complete(id: string, counts: Record<string, number>, now: Date): Promise<boolean>;
}

export function createErasureRequestRepository(requests: Collection<ErasureRequestDoc>): ErasureRequestRepository {
  const shared = engineRequests(requests, 'ErasureRequest', (_status, now) => ({ decidedAt: now }));
  return {
    newId: newIdString,

    async insertPending(input, now) {
      const doc: ErasureRequestDoc = {
        _id: oid(input.id),
        userId: oid(input.userId),
        activeKey: input.userId,
        requestedBy: oid(input.requestedBy),
        reason: input.reason,
        status: 'pending',
        workflowId: oid(input.workflowId),
        approverIds: [],
        decidedAt: null,
        completedAt: null,
        blockedBy: null,
        counts: null,
        version: 1,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await requests.insertOne(doc);
        return { created: true, request: toRecord(doc) };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const existing = await requests.findOne({ activeKey: input.userId });
        if (!existing) throw error;
        return { created: false, request: toRecord(existing) };
      }
    },

    async get(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await requests.findOne({ _id }) : null;
      return doc ? toRecord(doc) : null;
    },

    async openFor(userId) {
      const doc = await requests.findOne({ activeKey: userId, status: { $in: OPEN } });
      return doc ? toRecord(doc) : null;
    },

    async list(query, access) {
      const clauses: Filter<ErasureRequestDoc>[] = [];
      if (query.status) clauses.push({ status: query.status });
      if (query.userId) clauses.push({ userId: oid(query.userId) });
      const filter = withAccess(allOf(clauses), access, REQUEST_ACCESS_FIELDS);
      if (!filter) return { items: [], total: 0, page: query.page, limit: query.limit };
      return findPage(
        requests,
        filter,
        { page: query.page, limit: query.limit, sort: { createdAt: -1, _id: -1 } },
        toRecord,
      );
    },

    async settle(id, status, expectedVersion, now) {
      const settled = await shared.settle(id, status, expectedVersion, now);
      // Out of the open states: the person may be asked for again.
      if (settled && status !== 'approved') await requests.updateOne({ _id: oid(id) }, { $set: { activeKey: id } });
      return settled;
    },
    addApprovers: shared.addApprovers,
    pendingBefore: async (after, before, limit) => (await shared.pendingBetween(after, before, limit)).map(toRecord),
    remove: shared.remove,

    async approved(limit, afterId) {
      const after = afterId ? objectIdOf(afterId) : null;
      const docs = await requests
        .find({ status: 'approved', ...(after ? { _id: { $gt: after } } : {}) })
        .sort({ _id: 1 })
        .limit(limit)
        .toArray();
      return docs.map(toRecord);
    },

    async rememberIdentity(id, identity) {
      const _id = oid(id);
      // `identity: null` also matches a request that never had the field.
      await requests.updateOne({ _id, status: 'approved', identity: null }, { $set: { identity } });
      const doc = await requests.findOne({ _id }, { projection: { identity: 1 } });
      return doc?.identity ?? identity;
    },

    async setBlocked(id, blockedBy, now) {
      await requests.updateOne({ _id: oid(id) }, { $set: { blockedBy, updatedAt: now } });
    },

    async complete(id, counts, now) {
      const result = await requests.updateOne(
        { _id: oid(id), status: 'approved' },
        {
          $set: {
            status: 'completed',
            activeKey: id,
            reason: null,
            identity: null,
            blockedBy: null,
            completedAt: now,
            counts: Object.entries(counts).map(([name, count]) => ({ name, count })),
            updatedAt: now,
          },
          $inc: { version: 1 },
        },
      );
      return result.modifiedCount > 0;
    },
  };
}
