import type { Collection, Document, Filter } from 'mongodb';

/**
 * Rewrites stored search keys that differ from what a document's fields give
 * today (written before a change of folding, or before the keys existed).
 * Derived data: neither the version nor updatedAt moves. Each write is
 * conditional on the fields read, so a rename in between keeps its own keys.
 * Returns how many documents changed.
 */
export async function repairSearchKeys<TDoc extends Document & { searchKeys?: string[] }>(
  collection: Collection<TDoc>,
  fields: readonly (keyof TDoc & string)[],
  keysOf: (doc: TDoc) => string[],
): Promise<number> {
  let repaired = 0;
  const projection = Object.fromEntries([...fields, 'searchKeys'].map((f) => [f, 1]));
  for await (const doc of collection.find({}, { projection })) {
    const searchKeys = keysOf(doc as TDoc);
    if (searchKeys.join('\u0001') === (doc.searchKeys ?? []).join('\u0001')) continue;
    const guard = Object.fromEntries(fields.map((f) => [f, doc[f]]));
    const { modifiedCount } = await collection.updateOne({ _id: doc._id, ...guard } as Filter<TDoc>, {
      $set: { searchKeys } as Partial<TDoc>,
    });
    repaired += modifiedCount;
  }
  return repaired;
}
