import type { Collection, Document, Filter, ObjectId } from 'mongodb';
import { objectIdsOf } from '../ids.js';

/** Most documents one retention step deletes or rewrites (one `$in` of ids). */
export const RETENTION_BATCH_SIZE = 500;

/**
 * What the retention policy removes from one collection: how many documents
 * match now (the dry run), and a step that handles the next batch of them.
 * Both use one filter, so a run deletes what the preview counted.
 */
export interface RetentionTarget {
  count(): Promise<number>;
  /** Handles up to `limit` matching documents; how many it handled (0: none left). */
  step(limit?: number): Promise<number>;
}

/**
 * The filter part leaving out the records of `userIds` (people under a legal
 * hold): what every retention target and purge that a hold covers adds.
 */
export function exceptUsers(userIds: readonly string[]): { userId?: { $nin: ObjectId[] } } {
  return userIds.length > 0 ? { userId: { $nin: objectIdsOf(userIds) } } : {};
}

/**
 * Deletes by `_id` in batches: the filter (on indexed fields) finds a batch of
 * ids, then `deleteMany({ _id: { $in } })` removes them. On FerretDB a delete
 * filtered on other fields scans the collection; by `_id` it does not.
 */
export function deletionTarget<TDoc extends Document & { _id: ObjectId }>(
  collection: Collection<TDoc>,
  filter: Filter<TDoc>,
): RetentionTarget {
  return {
    count: () => collection.countDocuments(filter),
    async step(limit = RETENTION_BATCH_SIZE) {
      const ids = (await collection.find(filter, { projection: { _id: 1 }, limit }).toArray()).map((d) => d._id);
      if (ids.length === 0) return 0;
      const result = await collection.deleteMany({ _id: { $in: ids } } as Filter<TDoc>);
      return result.deletedCount;
    },
  };
}
