import type { Db, Document } from 'mongodb';
import type { CollectionDef } from './collections.js';

/**
 * Creates every declared index. createIndexes is a no-op for an index that
 * already exists with the same key and options, so this runs at every start.
 * Collections are created first so a fresh database lists them all.
 */
export async function ensureIndexes(db: Db, defs: CollectionDef<Document>[]): Promise<void> {
  const existing = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  for (const def of defs) {
    if (!existing.has(def.name)) {
      try {
        await db.createCollection(def.name);
      } catch (error) {
        // Another instance created it first.
        if (!(error instanceof Error && /already exists/i.test(error.message))) throw error;
      }
    }
    if (def.indexes.length === 0) continue;
    await db.collection(def.name).createIndexes(
      def.indexes.map((index) => ({
        name: index.name,
        key: index.key,
        ...(index.unique ? { unique: true } : {}),
      })),
    );
  }
}
