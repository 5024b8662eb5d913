import type { Db, Document } from 'mongodb';
import type { CollectionDef, IndexSpec } from './collections.js';

function sameIndex(existing: Document, wanted: IndexSpec): boolean {
  return (
    JSON.stringify(existing.key) === JSON.stringify(wanted.key) && Boolean(existing.unique) === Boolean(wanted.unique)
  );
}

/**
 * Creates every declared index that is missing; runs at every start. Only the
 * missing ones are sent: FerretDB 1.24 (SQLite) panics on a createIndexes that
 * names several indexes which already exist, so we do not lean on the server's
 * "already exists" no-op. An index that exists under a declared name with
 * other keys or options stops startup: changing one needs a migration.
 */
export async function ensureIndexes(db: Db, defs: CollectionDef<Document>[]): Promise<void> {
  const collections = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  for (const def of defs) {
    if (!collections.has(def.name)) {
      try {
        await db.createCollection(def.name);
      } catch (error) {
        // Another instance created it first.
        if (!(error instanceof Error && /already exists/i.test(error.message))) throw error;
      }
    }
    const existing = new Map((await db.collection(def.name).listIndexes().toArray()).map((i) => [String(i.name), i]));
    for (const index of def.indexes) {
      const found = existing.get(index.name);
      if (found) {
        if (!sameIndex(found, index)) {
          throw new Error(
            `Index ${def.name}.${index.name} exists with other keys or options than declared; drop it in a migration first`,
          );
        }
        continue;
      }
      await db
        .collection(def.name)
        .createIndex(index.key, { name: index.name, ...(index.unique ? { unique: true } : {}) });
    }
  }
}
