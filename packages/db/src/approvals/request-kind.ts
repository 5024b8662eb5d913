import { type AccessQuery, DomainError, type Page } from '@seed-pms/domain';
import type { Collection, Filter, ObjectId, Sort, UpdateFilter, WithId } from 'mongodb';
import { type AccessFields, withAccess } from '../access-filter.js';
import { allOf } from '../filters.js';
import { objectIdOf, objectIdsOf, oid } from '../ids.js';
import { findPage } from '../pagination.js';
import { updateVersioned, type Versioned } from '../versioning.js';

/**
 * What the requests of every kind the approvals engine decides store alike:
 * the requester, a status that starts `pending`, and everyone the workflow
 * asked (they may read the request). Each kind's repository builds on these.
 */
export interface EngineRequestDoc extends Versioned {
  _id: ObjectId;
  userId: ObjectId;
  status: string;
  approverIds: ObjectId[];
}

/** The rule fields of a request subject (domain/access: `userId`, `approverIds`) as stored. */
export const REQUEST_ACCESS_FIELDS: AccessFields = {
  userId: { path: 'userId', id: true },
  approverIds: { path: 'approverIds', id: true },
};

/** The sorts of requests about days. */
export const DAY_REQUEST_SORTS: Record<'startDate' | '-startDate' | 'createdAt' | '-createdAt', Sort> = {
  startDate: { startDate: 1, _id: 1 },
  '-startDate': { startDate: -1, _id: -1 },
  createdAt: { createdAt: 1, _id: 1 },
  '-createdAt': { createdAt: -1, _id: -1 },
};

/** What every list of requests about days may ask. */
export interface DayRequestQuery {
  status?: string | undefined;
  userId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  page: number;
  limit: number;
  sort: keyof typeof DAY_REQUEST_SORTS;
}

/** 409 REQUEST_NOT_PENDING, for a guard that found the request decided or cancelled. */
export const requestNotPending = (status: string | undefined) => () =>
  new DomainError('REQUEST_NOT_PENDING', `The request is ${status ?? 'decided'}; submit a new one`, { status });

/**
 * The writes every request kind makes the same way: the requester's edit while
 * pending, following the workflow's outcome, sharing with approvers, the
 * reconciler's read, and removing a request whose workflow never started.
 * `stampOf` says what an outcome stamps besides the status (`decidedAt`…).
 */
export function engineRequests<TDoc extends EngineRequestDoc>(
  requests: Collection<TDoc>,
  resource: string,
  stampOf: (status: string, now: Date) => Partial<TDoc>,
) {
  const byId = (id: string | ObjectId) => ({ _id: typeof id === 'string' ? oid(id) : id }) as Filter<TDoc>;
  const pendingGuard = (guardError: () => DomainError, now: Date) => ({
    resource,
    where: { status: 'pending' } as Filter<TDoc>,
    guardError,
    now,
  });
  return {
    /** A request as its record, with everyone its workflow asked (who may read it), or null. */
    async getWithApprovers<R>(
      id: string,
      toRecord: (doc: WithId<TDoc>) => R,
    ): Promise<(R & { approverIds: string[] }) | null> {
      const _id = objectIdOf(id);
      const doc = _id ? await requests.findOne(byId(_id)) : null;
      return doc ? { ...toRecord(doc), approverIds: doc.approverIds.map((a) => a.toHexString()) } : null;
    },
    /** The requester's edit: at `expectedVersion` and while pending (409 REQUEST_NOT_PENDING otherwise). */
    async updatePending(id: string, expectedVersion: number, set: Partial<TDoc>, now: Date): Promise<WithId<TDoc>> {
      const current = await requests.findOne(byId(id), { projection: { status: 1 } });
      return updateVersioned(
        requests,
        oid(id) as TDoc['_id'],
        expectedVersion,
        { $set: set } as UpdateFilter<TDoc>,
        pendingGuard(requestNotPending(current?.status), now),
      );
    },
    /**
     * Follows the workflow: pending → status, only at `expectedVersion` (the
     * version the workflow decided). True when the request follows (now or
     * before); false when it cannot (yet): another version, or another state.
     */
    async settle(id: string, status: string, expectedVersion: number, now: Date): Promise<boolean> {
      const current = await requests.findOne(byId(id), { projection: { status: 1, version: 1 } });
      if (!current) return false;
      // Followed already (a repeat after a crash, or the reconciler): nothing to do.
      if (current.status === status && current.version === expectedVersion + 1) return true;
      if (current.status !== 'pending' || current.version !== expectedVersion) return false;
      try {
        await updateVersioned(
          requests,
          current._id,
          expectedVersion,
          { $set: { status, ...stampOf(status, now) } } as UpdateFilter<TDoc>,
          pendingGuard(requestNotPending(status), now),
        );
        return true;
      } catch (error) {
        // Changed meanwhile: the workflow's next turn (or the reconciler) follows again.
        if (error instanceof DomainError) return false;
        throw error;
      }
    },
    /** Adds people the workflow asked (idempotent): a bookkeeping field an edit never conflicts with. */
    async addApprovers(id: string, userIds: readonly string[]): Promise<void> {
      if (userIds.length === 0) return;
      await requests.updateOne(byId(id), {
        $addToSet: { approverIds: { $each: objectIdsOf(userIds) } },
      } as unknown as UpdateFilter<TDoc>);
    },
    /** Pending requests stored between `after` and `before` (the reconciler looks for any whose workflow never started). */
    pendingBetween: (after: Date, before: Date, limit: number): Promise<WithId<TDoc>[]> =>
      requests
        .find({ status: 'pending', createdAt: { $gte: after, $lt: before } } as Filter<TDoc>)
        .limit(limit)
        .toArray(),
    /** A person's pending and approved requests about days sharing a day with `start`..`end`. */
    activeOverlapping: (userId: string, start: string, end: string): Promise<WithId<TDoc>[]> =>
      requests
        .find({
          userId: oid(userId),
          status: { $in: ['pending', 'approved'] },
          startDate: { $lte: end },
          endDate: { $gte: start },
        } as unknown as Filter<TDoc>)
        .toArray(),
    /**
     * A list page of requests about days: the filters every kind has (status, requester,
     * a day on or after `from`, on or before `to`) and the kind's own (`extra`), narrowed
     * to what the caller may see.
     */
    async listDays<R>(
      query: DayRequestQuery,
      access: AccessQuery,
      extra: Filter<TDoc>[],
      toRecord: (doc: WithId<TDoc>) => R,
    ): Promise<Page<R>> {
      const clauses = [...extra] as Filter<TDoc>[];
      if (query.status) clauses.push({ status: query.status } as Filter<TDoc>);
      if (query.userId) clauses.push({ userId: oid(query.userId) } as Filter<TDoc>);
      if (query.from) clauses.push({ endDate: { $gte: query.from } } as unknown as Filter<TDoc>);
      if (query.to) clauses.push({ startDate: { $lte: query.to } } as unknown as Filter<TDoc>);
      const filter = withAccess(allOf(clauses), access, REQUEST_ACCESS_FIELDS);
      if (!filter) return { items: [], total: 0, page: query.page, limit: query.limit };
      const sort = DAY_REQUEST_SORTS[query.sort];
      return findPage(requests, filter, { page: query.page, limit: query.limit, sort }, toRecord);
    },
    /** Removes a request whose workflow could not be started (the submission failed). */
    async remove(id: string): Promise<void> {
      await requests.deleteOne({ ...byId(id), status: 'pending' } as Filter<TDoc>);
    },
  };
}
