import type { Collection } from 'mongodb';
import { insertUnlessPresent } from '../errors.js';
import { objectIdOf, oid } from '../ids.js';
import type { DataKeyDoc } from './data-keys.doc.js';

export interface DataKeyRepository {
  /** The wrapped keys of those of `userIds` who have one. */
  wrappedOf(userIds: readonly string[]): Promise<Map<string, string>>;
  /** Stores the person's wrapped key unless they have one; answers the one stored (theirs or the winner's of a race). */
  create(userId: string, wrapped: string, now: Date): Promise<string>;
  /** Deletes the person's key (erasure); false when there was none. */
  delete(userId: string): Promise<boolean>;
  /** A page of wrapped keys by id, after `afterId`, for re-sealing. */
  listWrapped(afterId: string | null, limit: number): Promise<{ id: string; sealed: string }[]>;
  /** Replaces a wrapped key if it is still `from` (a re-seal). */
  replaceWrapped(userId: string, from: string, to: string): Promise<boolean>;
}

export function createDataKeyRepository(keys: Collection<DataKeyDoc>): DataKeyRepository {
  return {
    async wrappedOf(userIds) {
      const ids = [...new Set(userIds)].map(objectIdOf).filter((id) => id !== null);
      if (ids.length === 0) return new Map();
      const docs = await keys.find({ _id: { $in: ids } }).toArray();
      return new Map(docs.map((doc) => [doc._id.toHexString(), doc.wrapped]));
    },
    async create(userId, wrapped, now) {
      const _id = oid(userId);
      if (await insertUnlessPresent(keys, { _id, wrapped, createdAt: now })) return wrapped;
      const stored = await keys.findOne({ _id });
      if (!stored) throw new Error(`data key of ${userId}: neither inserted nor found`);
      return stored.wrapped;
    },
    async delete(userId) {
      const _id = objectIdOf(userId);
      if (!_id) return false;
      return (await keys.deleteOne({ _id })).deletedCount > 0;
    },
    async listWrapped(afterId, limit) {
      const after = afterId ? objectIdOf(afterId) : null;
      const docs = await keys
        .find(after ? { _id: { $gt: after } } : {})
        .sort({ _id: 1 })
        .limit(limit)
        .toArray();
      return docs.map((doc) => ({ id: doc._id.toHexString(), sealed: doc.wrapped }));
    },
    async replaceWrapped(userId, from, to) {
      const result = await keys.updateOne({ _id: oid(userId), wrapped: from }, { $set: { wrapped: to } });
      return result.modifiedCount > 0;
    },
  };
}
