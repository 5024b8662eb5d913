import type { LegalHoldRecord } from '@seed-pms/domain';
import type { Collection } from 'mongodb';
import { insertUnlessPresent } from '../errors.js';
import { newId, objectIdOf, oid } from '../ids.js';
import type { LegalHoldDoc } from './legal-holds.doc.js';

function toRecord(doc: LegalHoldDoc): LegalHoldRecord {
  return {
    id: doc._id.toHexString(),
    userId: doc.userId.toHexString(),
    reason: doc.reason,
    reference: doc.reference,
    placedBy: doc.placedBy.toHexString(),
    placedAt: doc.placedAt,
  };
}

/** Legal holds: what erasure and retention ask before removing anyone's data. */
export interface LegalHoldRepository {
  /** The hold on this person, or null. */
  forUser(userId: string): Promise<LegalHoldRecord | null>;
  isHeld(userId: string): Promise<boolean>;
  /** Everyone under a hold (few: the whole list in one read). */
  heldUserIds(): Promise<string[]>;
  /** Every hold, newest first. */
  list(): Promise<LegalHoldRecord[]>;
  /** Places the hold; null when the person is already held (the unique index decides a race). */
  place(hold: Omit<LegalHoldRecord, 'id'>): Promise<LegalHoldRecord | null>;
  /** Removes the hold; the one removed, or null when there was none (or a racing release removed it). */
  release(userId: string): Promise<LegalHoldRecord | null>;
}

export function createLegalHoldRepository(holds: Collection<LegalHoldDoc>): LegalHoldRepository {
  const forUser = async (userId: string) => {
    const id = objectIdOf(userId);
    const doc = id ? await holds.findOne({ userId: id }) : null;
    return doc ? toRecord(doc) : null;
  };
  return {
    forUser,
    isHeld: async (userId) => (await forUser(userId)) !== null,
    async heldUserIds() {
      return (await holds.find({}, { projection: { userId: 1 } }).toArray()).map((d) => d.userId.toHexString());
    },
    async list() {
      return (await holds.find({}).sort({ placedAt: -1, _id: -1 }).toArray()).map(toRecord);
    },
    async place(hold) {
      const doc: LegalHoldDoc = {
        _id: newId(),
        userId: oid(hold.userId),
        reason: hold.reason,
        reference: hold.reference,
        placedBy: oid(hold.placedBy),
        placedAt: hold.placedAt,
      };
      return (await insertUnlessPresent(holds, doc)) ? toRecord(doc) : null;
    },
    async release(userId) {
      const found = await forUser(userId);
      if (!found) return null;
      const result = await holds.deleteOne({ _id: oid(found.id) });
      return result.deletedCount === 1 ? found : null;
    },
  };
}
