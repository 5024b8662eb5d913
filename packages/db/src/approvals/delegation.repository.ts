import type { DelegationRecord, DelegationState, Page } from '@seed-pms/domain';
import type { Collection, Filter } from 'mongodb';
import { allOf } from '../filters.js';
import { newIdString, objectIdOf, oid } from '../ids.js';
import { findPage } from '../pagination.js';
import { initialVersion, updateVersioned } from '../versioning.js';
import type { DelegationDoc } from './approval.doc.js';
import { toDelegationRecord } from './approval.mapper.js';

export type NewDelegation = Omit<DelegationRecord, 'id' | 'version' | 'createdAt'>;

export interface DelegationQuery {
  /** Delegations of these people as delegator, delegate, or either; none given: everyone's (HR). */
  userId?: string;
  role: 'delegator' | 'delegate' | 'any';
  state?: DelegationState;
  page: number;
  limit: number;
}

/** Approval delegations (approval_delegations). */
export interface DelegationRepository {
  newId(): string;
  insert(id: string, delegation: NewDelegation, now: Date): Promise<DelegationRecord>;
  get(id: string): Promise<DelegationRecord | null>;
  /** The person's delegations as delegator that have not ended by `now`. */
  currentOf(delegatorId: string, now: Date): Promise<DelegationRecord[]>;
  /** Every delegation active at `now` (the engine's directory). */
  activeAt(now: Date): Promise<DelegationRecord[]>;
  list(query: DelegationQuery, now: Date): Promise<Page<DelegationRecord>>;
  /** Ends it early, at `expectedVersion` only. */
  end(id: string, expectedVersion: number, now: Date): Promise<DelegationRecord>;
  /** Delegations that started (or ended) by `now` whose pending stages were not re-resolved yet. */
  startsToApply(now: Date, limit: number): Promise<DelegationRecord[]>;
  endsToApply(now: Date, limit: number): Promise<DelegationRecord[]>;
  markApplied(id: string, step: 'start' | 'end'): Promise<void>;
}

export function createDelegationRepository(delegations: Collection<DelegationDoc>): DelegationRepository {
  return {
    newId: newIdString,
    async insert(id, delegation, now) {
      const doc: DelegationDoc = {
        _id: oid(id),
        delegatorId: oid(delegation.delegatorId),
        delegateId: oid(delegation.delegateId),
        from: delegation.from,
        to: delegation.to,
        kinds: delegation.kinds,
        note: delegation.note,
        startsAt: delegation.startsAt,
        endsAt: delegation.endsAt,
        createdBy: oid(delegation.createdBy),
        endedAt: delegation.endedAt,
        startApplied: delegation.startApplied,
        endApplied: delegation.endApplied,
        ...initialVersion(now),
      };
      await delegations.insertOne(doc);
      return toDelegationRecord(doc);
    },
    async get(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await delegations.findOne({ _id }) : null;
      return doc ? toDelegationRecord(doc) : null;
    },
    async currentOf(delegatorId, now) {
      const docs = await delegations
        .find({ delegatorId: oid(delegatorId), endsAt: { $gt: now }, endedAt: null })
        .toArray();
      return docs.map(toDelegationRecord);
    },
    async activeAt(now) {
      const docs = await delegations.find({ endsAt: { $gt: now }, startsAt: { $lte: now }, endedAt: null }).toArray();
      return docs.map(toDelegationRecord);
    },
    async list(query, now) {
      const clauses: Filter<DelegationDoc>[] = [];
      const user = query.userId ? objectIdOf(query.userId) : null;
      if (query.userId && !user) return { items: [], total: 0, page: query.page, limit: query.limit };
      if (user) {
        if (query.role === 'delegator') clauses.push({ delegatorId: user });
        else if (query.role === 'delegate') clauses.push({ delegateId: user });
        else clauses.push({ $or: [{ delegatorId: user }, { delegateId: user }] });
      }
      if (query.state === 'ended') clauses.push({ $or: [{ endsAt: { $lte: now } }, { endedAt: { $ne: null } }] });
      if (query.state === 'active') clauses.push({ startsAt: { $lte: now }, endsAt: { $gt: now }, endedAt: null });
      if (query.state === 'scheduled') clauses.push({ startsAt: { $gt: now }, endedAt: null });
      return findPage(
        delegations,
        allOf(clauses),
        { page: query.page, limit: query.limit, sort: { startsAt: -1, _id: -1 } },
        toDelegationRecord,
      );
    },
    async end(id, expectedVersion, now) {
      const saved = await updateVersioned(
        delegations,
        oid(id),
        expectedVersion,
        { $set: { endedAt: now, endsAt: now, endApplied: false } },
        { resource: 'Delegation', now },
      );
      return toDelegationRecord(saved);
    },
    async startsToApply(now, limit) {
      const docs = await delegations
        .find({ startApplied: false, startsAt: { $lte: now } })
        .limit(limit)
        .toArray();
      return docs.map(toDelegationRecord);
    },
    async endsToApply(now, limit) {
      const docs = await delegations
        .find({ endApplied: false, endsAt: { $lte: now } })
        .limit(limit)
        .toArray();
      return docs.map(toDelegationRecord);
    },
    async markApplied(id, step) {
      await delegations.updateOne(
        { _id: oid(id) },
        { $set: step === 'start' ? { startApplied: true } : { endApplied: true } },
      );
    },
  };
}
