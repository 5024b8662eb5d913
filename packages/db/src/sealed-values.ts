import type { Collection, Document, Filter, UpdateFilter } from 'mongodb';
import { idToString, objectIdOf } from './ids.js';

/** A value sealed by the api (AES-GCM, see the api's auth/secrets.ts) as stored, with its document's id. */
export interface SealedValue {
  id: string;
  sealed: string;
}

/** The value at a dotted path of a document (`mfa.secret`), when it is a string. */
function stringAt(doc: Document, path: string): string | null {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  return typeof value === 'string' ? value : null;
}

/**
 * Up to `limit` sealed values at `path`, of the documents whose id comes after
 * `afterId` (null: from the first), in id order; documents without one (null
 * or absent) are left out. What a key rotation's re-seal walks in batches.
 */
export async function listSealedValues<TDoc extends Document>(
  collection: Collection<TDoc>,
  path: string,
  afterId: string | null,
  limit: number,
): Promise<SealedValue[]> {
  const after = afterId === null ? null : objectIdOf(afterId);
  if (afterId !== null && !after) throw new Error(`not an id: ${afterId}`);
  const filter = { [path]: { $ne: null }, ...(after ? { _id: { $gt: after } } : {}) } as Filter<TDoc>;
  const docs = await collection
    .find(filter, { projection: { [path]: 1 } })
    .sort({ _id: 1 })
    .limit(limit)
    .toArray();
  const found: SealedValue[] = [];
  for (const doc of docs) {
    const sealed = stringAt(doc, path);
    if (sealed !== null) found.push({ id: idToString(doc._id), sealed });
  }
  return found;
}

/**
 * Replaces the sealed value at `path` only while it is still `from` (one
 * conditional write on `_id` and the old value): a change made meanwhile is
 * never overwritten. Bookkeeping, like derived search keys: the plaintext is
 * the same, so neither the version nor updatedAt moves and no concurrent
 * versioned edit fails because of it. False when the value changed (or the
 * document is gone).
 */
export async function replaceSealedValue<TDoc extends Document>(
  collection: Collection<TDoc>,
  path: string,
  id: string,
  from: string,
  to: string,
): Promise<boolean> {
  const _id = objectIdOf(id);
  if (!_id) return false;
  const result = await collection.updateOne(
    { _id, [path]: from } as Filter<TDoc>,
    {
      $set: { [path]: to },
    } as UpdateFilter<TDoc>,
  );
  return result.modifiedCount === 1;
}
