import type {
  AccessQuery,
  ListWorkLocationRequestsQuery,
  Page,
  WorkLocationRequestRecord,
  WorkLocationStatus,
} from '@seed-pms/domain';
import type { Collection, Filter, WithId } from 'mongodb';
import { engineRequests } from '../approvals/request-kind.js';
import { newIdString, objectIdsOf, oid } from '../ids.js';
import { initialVersion } from '../versioning.js';
import type { WorkLocationRequestDoc } from './work-location.doc.js';

export type NewWorkLocationRequest = Pick<
  WorkLocationRequestRecord,
  'id' | 'userId' | 'type' | 'startDate' | 'endDate' | 'note' | 'workflowId'
>;

export type WorkLocationChanges = Pick<WorkLocationRequestRecord, 'type' | 'startDate' | 'endDate' | 'note'>;

function toRecord(doc: WithId<WorkLocationRequestDoc>): WorkLocationRequestRecord {
  return {
    id: doc._id.toHexString(),
    userId: doc.userId.toHexString(),
    type: doc.type,
    startDate: doc.startDate,
    endDate: doc.endDate,
    note: doc.note,
    status: doc.status,
    workflowId: doc.workflowId.toHexString(),
    decidedAt: doc.decidedAt,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export interface WorkLocationRepository {
  newId(): string;
  insert(request: NewWorkLocationRequest, now: Date): Promise<WorkLocationRequestRecord>;
  get(id: string): Promise<(WorkLocationRequestRecord & { approverIds: string[] }) | null>;
  /** A person's pending and approved requests sharing a day with the period. */
  activeOverlapping(userId: string, start: string, end: string): Promise<WorkLocationRequestRecord[]>;
  /** Approved requests covering a day, for these people (null: everyone). */
  approvedOn(userIds: readonly string[] | null, day: string): Promise<WorkLocationRequestRecord[]>;
  /** The list, narrowed to what the caller may see. */
  list(query: ListWorkLocationRequestsQuery, access: AccessQuery): Promise<Page<WorkLocationRequestRecord>>;
  /** The requester's edit: at `expectedVersion` and while pending (409 REQUEST_NOT_PENDING otherwise). */
  update(
    id: string,
    expectedVersion: number,
    changes: WorkLocationChanges,
    now: Date,
  ): Promise<WorkLocationRequestRecord>;
  /**
   * Follows the workflow: pending → status, only at `expectedVersion` (the
   * version the workflow decided). True when the request follows (now or
   * before); false when it cannot (yet): another version, or another state.
   */
  settle(
    id: string,
    status: Exclude<WorkLocationStatus, 'pending'>,
    expectedVersion: number,
    now: Date,
  ): Promise<boolean>;
  /** Adds people the workflow asked (idempotent). */
  addApprovers(id: string, userIds: readonly string[]): Promise<void>;
  /** Pending requests stored between `after` and `before`, newest first (the reconciler looks for any whose workflow never started). */
  pendingBefore(after: Date, before: Date, limit: number): Promise<WorkLocationRequestRecord[]>;
  /** Removes a request whose workflow could not be started (the submission failed). */
  remove(id: string): Promise<void>;
}

export function createWorkLocationRepository(requests: Collection<WorkLocationRequestDoc>): WorkLocationRepository {
  const shared = engineRequests(requests, 'WorkLocationRequest', (_status, now) => ({ decidedAt: now }));
  return {
    newId: newIdString,
    async insert(request, now) {
      const doc: WorkLocationRequestDoc = {
        _id: oid(request.id),
        userId: oid(request.userId),
        type: request.type,
        startDate: request.startDate,
        endDate: request.endDate,
        note: request.note,
        status: 'pending',
        workflowId: oid(request.workflowId),
        approverIds: [],
        decidedAt: null,
        ...initialVersion(now),
      };
      await requests.insertOne(doc);
      return toRecord(doc);
    },
    get: (id) => shared.getWithApprovers(id, toRecord),
    activeOverlapping: async (userId, start, end) => (await shared.activeOverlapping(userId, start, end)).map(toRecord),
    async approvedOn(userIds, day) {
      if (userIds !== null && userIds.length === 0) return [];
      const ids = userIds === null ? null : objectIdsOf(userIds);
      const filter: Filter<WorkLocationRequestDoc> =
        ids === null ? {} : ids.length === 1 ? { userId: ids[0] } : { userId: { $in: ids } };
      const docs = await requests
        .find({ ...filter, status: 'approved', startDate: { $lte: day }, endDate: { $gte: day } })
        .toArray();
      return docs.map(toRecord);
    },
    list: (query, access) => shared.listDays(query, access, query.type ? [{ type: query.type }] : [], toRecord),
    update: async (id, expectedVersion, changes, now) =>
      toRecord(await shared.updatePending(id, expectedVersion, changes, now)),
    settle: shared.settle,
    addApprovers: shared.addApprovers,
    pendingBefore: async (after, before, limit) => (await shared.pendingBetween(after, before, limit)).map(toRecord),
    remove: shared.remove,
  };
}
