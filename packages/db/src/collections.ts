import type { Collection, Db, Document, IndexDirection } from 'mongodb';

/**
 * An index as we declare it next to its collection. Only what every supported
 * server understands: single or compound keys and `unique` (no TTL, partial or
 * text indexes; see packages/db/README.md).
 */
export interface IndexSpec {
  name: string;
  key: Record<string, IndexDirection>;
  unique?: boolean;
}

export interface CollectionDef<TDoc extends Document> {
  name: string;
  indexes: IndexSpec[];
  /** Phantom field carrying the document type. */
  readonly _doc?: TDoc;
}

export function defineCollection<TDoc extends Document>(name: string, indexes: IndexSpec[]): CollectionDef<TDoc> {
  return { name, indexes };
}

export function collectionOf<TDoc extends Document>(db: Db, def: CollectionDef<TDoc>): Collection<TDoc> {
  return db.collection<TDoc>(def.name);
}
