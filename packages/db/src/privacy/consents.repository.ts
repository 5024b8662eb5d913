import type { ConsentHistoryRecord, ConsentPurpose, ConsentRecord } from '@seed-pms/domain';
import type { Collection } from 'mongodb';
import { insertUnlessPresent } from '../errors.js';
import { newId, objectIdOf, objectIdsOf, oid } from '../ids.js';
import type { ConsentDoc, ConsentHistoryDoc } from './consents.doc.js';

const keyOf = (userId: string, purpose: ConsentPurpose) => `${userId.toLowerCase()}:${purpose}`;

function toRecord(doc: ConsentDoc): ConsentRecord {
  return {
    userId: doc.userId.toHexString(),
    purpose: doc.purpose,
    granted: doc.granted,
    textVersion: doc.textVersion,
    changedAt: doc.changedAt,
    version: doc.version,
  };
}

function toHistory(doc: ConsentHistoryDoc): ConsentHistoryRecord {
  return {
    id: doc._id.toHexString(),
    userId: doc.userId.toHexString(),
    purpose: doc.purpose,
    granted: doc.granted,
    textVersion: doc.textVersion,
    at: doc.at,
    ip: doc.ip,
    userAgent: doc.userAgent,
  };
}

/** Consents and their history; the personal-data export reads `listFor` and `historyFor`. */
export interface ConsentRepository {
  get(userId: string, purpose: ConsentPurpose): Promise<ConsentRecord | null>;
  /** The person's current choices (one per purpose they ever chose). */
  listFor(userId: string): Promise<ConsentRecord[]>;
  /** Every change the person made, newest first. */
  historyFor(userId: string): Promise<ConsentHistoryRecord[]>;
  /**
   * Stores the choice if the stored one is still at `expectedVersion` (0: none
   * stored yet); false when another change came first (load and decide again).
   */
  write(next: Omit<ConsentRecord, 'version'>, expectedVersion: number): Promise<boolean>;
  appendHistory(entry: Omit<ConsentHistoryRecord, 'id'>): Promise<void>;
  /** Of these people, those whose choice for `purpose` is granted on `textVersion` (one read). */
  grantedAmong(userIds: readonly string[], purpose: ConsentPurpose, textVersion: string): Promise<Set<string>>;
  /** Deletes the person's choices and their history (erasure); the counts deleted. */
  eraseFor(userId: string): Promise<{ consents: number; history: number }>;
}

export function createConsentRepository(
  consents: Collection<ConsentDoc>,
  history: Collection<ConsentHistoryDoc>,
): ConsentRepository {
  return {
    async get(userId, purpose) {
      const doc = objectIdOf(userId) ? await consents.findOne({ _id: keyOf(userId, purpose) }) : null;
      return doc ? toRecord(doc) : null;
    },

    async listFor(userId) {
      const id = objectIdOf(userId);
      if (!id) return [];
      return (await consents.find({ userId: id }).sort({ purpose: 1 }).toArray()).map(toRecord);
    },

    async historyFor(userId) {
      const id = objectIdOf(userId);
      if (!id) return [];
      return (await history.find({ userId: id }).sort({ at: -1, _id: -1 }).toArray()).map(toHistory);
    },

    async write(next, expectedVersion) {
      const _id = keyOf(next.userId, next.purpose);
      const fields = {
        userId: oid(next.userId),
        purpose: next.purpose,
        granted: next.granted,
        textVersion: next.textVersion,
        changedAt: next.changedAt,
      };
      if (expectedVersion === 0) return insertUnlessPresent(consents, { _id, ...fields, version: 1 });
      const result = await consents.updateOne(
        { _id, version: expectedVersion },
        { $set: { ...fields, version: expectedVersion + 1 } },
      );
      return result.modifiedCount === 1;
    },

    async appendHistory(entry) {
      await history.insertOne({
        _id: newId(),
        userId: oid(entry.userId),
        purpose: entry.purpose,
        granted: entry.granted,
        textVersion: entry.textVersion,
        at: entry.at,
        ip: entry.ip,
        userAgent: entry.userAgent,
      });
    },

    async grantedAmong(userIds, purpose, textVersion) {
      const ids = objectIdsOf([...new Set(userIds)]);
      if (ids.length === 0) return new Set();
      const docs = await consents
        .find({ userId: { $in: ids }, purpose }, { projection: { userId: 1, granted: 1, textVersion: 1 } })
        .toArray();
      return new Set(docs.filter((d) => d.granted && d.textVersion === textVersion).map((d) => d.userId.toHexString()));
    },

    async eraseFor(userId) {
      const id = objectIdOf(userId);
      if (!id) return { consents: 0, history: 0 };
      const [c, h] = await Promise.all([consents.deleteMany({ userId: id }), history.deleteMany({ userId: id })]);
      return { consents: c.deletedCount, history: h.deletedCount };
    },
  };
}
