import type { AccessQuery, LeaveRequestRecord, LeaveStatus, ListLeaveRequestsQuery, Page } from '@seed-pms/domain';
import { DEFAULT_HOURS_PER_DAY } from '@seed-pms/domain';
import type { Collection, Filter, WithId } from 'mongodb';
import { engineRequests, requestNotPending } from '../approvals/request-kind.js';
import { newIdString, objectIdsOf, oid } from '../ids.js';
import { initialVersion, updateVersioned } from '../versioning.js';
import { dayPairs, type LeaveRequestDoc, storedDays } from './leave.doc.js';

export type NewLeaveRequest = Pick<
  LeaveRequestRecord,
  | 'id'
  | 'userId'
  | 'typeId'
  | 'startDate'
  | 'endDate'
  | 'startHalf'
  | 'endHalf'
  | 'amount'
  | 'days'
  | 'hoursPerDay'
  | 'holdKey'
  | 'year'
  | 'reason'
  | 'attachmentFileId'
  | 'workflowId'
>;

export type LeaveRequestChanges = Omit<NewLeaveRequest, 'id' | 'userId' | 'workflowId'>;

function toRecord(doc: WithId<LeaveRequestDoc>): LeaveRequestRecord {
  return {
    id: doc._id.toHexString(),
    userId: doc.userId.toHexString(),
    typeId: doc.typeId.toHexString(),
    startDate: doc.startDate,
    endDate: doc.endDate,
    startHalf: doc.startHalf,
    endHalf: doc.endHalf,
    amount: doc.amount,
    days: dayPairs(doc.days),
    hoursPerDay: doc.hoursPerDay ?? DEFAULT_HOURS_PER_DAY,
    holdKey: doc.holdKey,
    year: doc.year,
    reason: doc.reason,
    attachmentFileId: doc.attachmentFileId?.toHexString() ?? null,
    status: doc.status,
    workflowId: doc.workflowId.toHexString(),
    decidedAt: doc.decidedAt,
    cancelledAt: doc.cancelledAt,
    curtailedFrom: doc.curtailedFrom,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

const stored = (changes: LeaveRequestChanges) => ({
  ...changes,
  days: storedDays(changes.days),
  typeId: oid(changes.typeId),
  attachmentFileId: changes.attachmentFileId ? oid(changes.attachmentFileId) : null,
});

export interface LeaveRequestRepository {
  newId(): string;
  insert(request: NewLeaveRequest, now: Date): Promise<LeaveRequestRecord>;
  /** For seeding and benchmarks: requests written in bulk as they stand (their ledger entries are the ledger's). */
  insertMany(
    requests: readonly (NewLeaveRequest & Pick<LeaveRequestRecord, 'status'> & { approverIds?: readonly string[] })[],
    now: Date,
  ): Promise<void>;
  get(id: string): Promise<(LeaveRequestRecord & { approverIds: string[] }) | null>;
  byIds(ids: readonly string[]): Promise<LeaveRequestRecord[]>;
  /** A person's pending and approved requests sharing a day with the period. */
  activeOverlapping(userId: string, start: string, end: string): Promise<LeaveRequestRecord[]>;
  /** Pending and approved requests of these people (null: everyone) with a day in the range. */
  activeIn(userIds: readonly string[] | null, from: string, to: string): Promise<LeaveRequestRecord[]>;
  list(query: ListLeaveRequestsQuery, access: AccessQuery): Promise<Page<LeaveRequestRecord>>;
  /** The requester's edit: at `expectedVersion` and while pending (409 REQUEST_NOT_PENDING otherwise). */
  update(id: string, expectedVersion: number, changes: LeaveRequestChanges, now: Date): Promise<LeaveRequestRecord>;
  /** Follows the workflow: pending → status at `expectedVersion` only; true when it follows (now or before). */
  settle(id: string, status: Exclude<LeaveStatus, 'pending'>, expectedVersion: number, now: Date): Promise<boolean>;
  /** Approved leave cancelled (wholly, `curtailedFrom` null) or cut short from a day: at `expectedVersion`, while approved. */
  cancelApproved(
    id: string,
    expectedVersion: number,
    curtailedFrom: string | null,
    now: Date,
  ): Promise<LeaveRequestRecord>;
  addApprovers(id: string, userIds: readonly string[]): Promise<void>;
  pendingBefore(after: Date, before: Date, limit: number): Promise<LeaveRequestRecord[]>;
  /** Whether any request is of this type (a type in use keeps its unit). */
  anyOfType(typeId: string): Promise<boolean>;
  /** Requests decided or cancelled since `after` (the ledger's follow-up check). */
  settledSince(after: Date): Promise<LeaveRequestRecord[]>;
  remove(id: string): Promise<void>;
}

export function createLeaveRequestRepository(requests: Collection<LeaveRequestDoc>): LeaveRequestRepository {
  const shared = engineRequests(requests, 'LeaveRequest', (status, now) =>
    status === 'cancelled' ? { cancelledAt: now } : { decidedAt: now },
  );
  return {
    newId: newIdString,
    async insert(request, now) {
      const { id, userId, workflowId, ...changes } = request;
      const doc: LeaveRequestDoc = {
        _id: oid(id),
        userId: oid(userId),
        ...stored(changes),
        status: 'pending',
        workflowId: oid(workflowId),
        approverIds: [],
        decidedAt: null,
        cancelledAt: null,
        curtailedFrom: null,
        ...initialVersion(now),
      };
      await requests.insertOne(doc);
      return toRecord(doc);
    },
    async insertMany(list, now) {
      const docs: LeaveRequestDoc[] = list.map(({ id, userId, workflowId, status, approverIds, ...changes }) => ({
        _id: oid(id),
        userId: oid(userId),
        ...stored(changes),
        status,
        workflowId: oid(workflowId),
        approverIds: objectIdsOf(approverIds ?? []),
        decidedAt: status === 'approved' || status === 'rejected' ? now : null,
        cancelledAt: status === 'cancelled' ? now : null,
        curtailedFrom: null,
        ...initialVersion(now),
      }));
      for (let i = 0; i < docs.length; i += 1_000) await requests.insertMany(docs.slice(i, i + 1_000));
    },
    get: (id) => shared.getWithApprovers(id, toRecord),
    async byIds(ids) {
      if (ids.length === 0) return [];
      return (await requests.find({ _id: { $in: objectIdsOf(ids) } }).toArray()).map(toRecord);
    },
    activeOverlapping: async (userId, start, end) => (await shared.activeOverlapping(userId, start, end)).map(toRecord),
    async activeIn(userIds, from, to) {
      if (userIds !== null && userIds.length === 0) return [];
      const who: Filter<LeaveRequestDoc> =
        userIds === null
          ? {}
          : userIds.length === 1
            ? { userId: oid(userIds[0] as string) }
            : { userId: { $in: objectIdsOf(userIds) } };
      const docs = await requests
        .find({ ...who, status: { $in: ['pending', 'approved'] }, startDate: { $lte: to }, endDate: { $gte: from } })
        .toArray();
      return docs.map(toRecord);
    },
    list: (query, access) =>
      shared.listDays(query, access, query.typeId ? [{ typeId: oid(query.typeId) }] : [], toRecord),
    update: async (id, expectedVersion, changes, now) =>
      toRecord(await shared.updatePending(id, expectedVersion, stored(changes), now)),
    settle: shared.settle,
    async cancelApproved(id, expectedVersion, curtailedFrom, now) {
      const set: Partial<LeaveRequestDoc> =
        curtailedFrom === null ? { status: 'cancelled', cancelledAt: now } : { curtailedFrom, cancelledAt: now };
      const current = await requests.findOne({ _id: oid(id) }, { projection: { status: 1 } });
      return toRecord(
        await updateVersioned(
          requests,
          oid(id),
          expectedVersion,
          { $set: set },
          {
            resource: 'LeaveRequest',
            where: { status: 'approved', curtailedFrom: null },
            guardError: requestNotPending(current?.status),
            now,
          },
        ),
      );
    },
    addApprovers: shared.addApprovers,
    pendingBefore: async (after, before, limit) => (await shared.pendingBetween(after, before, limit)).map(toRecord),
    async anyOfType(typeId) {
      return (await requests.findOne({ typeId: oid(typeId) }, { projection: { _id: 1 } })) !== null;
    },
    async settledSince(after) {
      const docs = await requests.find({ status: { $ne: 'pending' }, updatedAt: { $gte: after } }).toArray();
      return docs.map(toRecord);
    },
    remove: shared.remove,
  };
}
