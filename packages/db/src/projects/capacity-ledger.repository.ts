import {
  type CapacityLedgerRecord,
  isDomainError,
  type LedgerSegment,
  overlaps,
  type Period,
  type ProjectMember,
} from '@seed-pms/domain';
import type { Collections } from '../connection.js';
import { isDuplicateKey } from '../errors.js';
import { objectIdOf, objectIdsOf, oid } from '../ids.js';
import { updateVersioned } from '../versioning.js';
import type { CapacityLedgerDoc } from './project.doc.js';
import { toLedgerRecord, toLedgerSegmentDoc } from './project.mapper.js';

/**
 * The capacity ledgers: one document per person holding their segments in
 * force, the single-document guard of "no day above availability" (see the
 * README's design note). Every roster change of a person is one write of their
 * ledger conditional on the version read.
 */
export interface CapacityLedgerRepository {
  /** The person's ledger; empty at version 0 for someone never allocated (nothing is written). */
  get(userId: string): Promise<CapacityLedgerRecord>;
  /**
   * Replaces the person's segments if the ledger is still at
   * `expectedVersion` (0: no ledger yet). Returns the new version, or null
   * when another change came first (read again and decide again).
   */
  writeLedger(
    userId: string,
    expectedVersion: number,
    segments: readonly LedgerSegment[],
    now: Date,
  ): Promise<number | null>;
  /** The people with segments in force on a project, with those segments (the ledgers lead the history). */
  membersOf(projectId: string): Promise<ProjectMember[]>;
  /** The people leading any of these projects on some day of `period`, in one read. */
  leadsOn(projectIds: readonly string[], period: Period): Promise<string[]>;
  /** Every ledger (the capacity report, the hourly halo refresh and reconciliation). */
  all(): Promise<CapacityLedgerRecord[]>;
  /** For seeding: ledgers written in bulk at version 1. */
  insertMany(ledgers: readonly Pick<CapacityLedgerRecord, 'userId' | 'segments'>[], now: Date): Promise<void>;
}

export function createCapacityLedgerRepository(
  collections: Pick<Collections, 'capacityLedgers'>,
): CapacityLedgerRepository {
  const { capacityLedgers: ledgers } = collections;
  return {
    async get(userId) {
      const _id = objectIdOf(userId);
      const doc = _id ? await ledgers.findOne({ _id }) : null;
      return doc ? toLedgerRecord(doc) : { userId, segments: [], version: 0 };
    },

    async writeLedger(userId, expectedVersion, segments, now) {
      const _id = oid(userId);
      const docs = segments.map(toLedgerSegmentDoc);
      if (expectedVersion === 0) {
        // The first allocation creates the ledger: of racing first writes, the unique _id lets one in.
        try {
          await ledgers.insertOne({ _id, segments: docs, version: 1, createdAt: now, updatedAt: now });
          return 1;
        } catch (error) {
          if (isDuplicateKey(error)) return null;
          throw error;
        }
      }
      try {
        const updated = await updateVersioned(
          ledgers,
          _id,
          expectedVersion,
          { $set: { segments: docs } },
          { resource: 'Capacity ledger', now },
        );
        return updated.version;
      } catch (error) {
        // Another change of the person's allocations came first.
        if (isDomainError(error) && error.code === 'VERSION_CONFLICT') return null;
        throw error;
      }
    },

    async membersOf(projectId) {
      const _id = objectIdOf(projectId);
      if (!_id) return [];
      const docs = await ledgers
        .find({ 'segments.projectId': _id }, { projection: { segments: 1, version: 1 } })
        .toArray();
      return docs.map((doc) => ({
        userId: doc._id.toHexString(),
        segments: toLedgerRecord(doc)
          .segments.filter((s) => s.projectId === projectId)
          .map(({ projectId: _p, ...segment }) => segment),
      }));
    },

    async leadsOn(projectIds, period) {
      const ids = objectIdsOf(projectIds);
      if (ids.length === 0) return [];
      const docs = await ledgers
        .find(
          { 'segments.projectId': ids.length === 1 ? ids[0] : { $in: ids } },
          { projection: { segments: 1, version: 1 } },
        )
        .toArray();
      const wanted = new Set(projectIds);
      return docs
        .filter((doc) =>
          toLedgerRecord(doc).segments.some((s) => s.role === 'lead' && wanted.has(s.projectId) && overlaps(s, period)),
        )
        .map((doc) => doc._id.toHexString());
    },

    async all() {
      const docs = await ledgers.find({}, { projection: { segments: 1, version: 1 } }).toArray();
      return docs.map(toLedgerRecord);
    },

    async insertMany(records, now) {
      const docs: CapacityLedgerDoc[] = records.map((l) => ({
        _id: oid(l.userId),
        segments: l.segments.map(toLedgerSegmentDoc),
        version: 1,
        createdAt: now,
        updatedAt: now,
      }));
      if (docs.length) await ledgers.insertMany(docs);
    },
  };
}
