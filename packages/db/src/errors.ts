import { type Collection, type Document, MongoServerError, type OptionalUnlessRequiredId } from 'mongodb';

/**
 * True when a write broke a unique index. MongoDB answers code 11000 for
 * inserts and updates alike; FerretDB 1.24 does so for inserts but reports a
 * unique violation caused by an update as a generic error (code 1) whose
 * message carries SQLite's or PostgreSQL's constraint error.
 */
export function isDuplicateKey(error: unknown): boolean {
  if (!(error instanceof MongoServerError)) return false;
  if (error.code === 11000) return true;
  return /UNIQUE constraint failed|duplicate key value violates unique constraint/i.test(error.message);
}

/** Inserts a document that a unique index keeps single: false when it exists already (someone else inserted it). */
export async function insertUnlessPresent<TDoc extends Document>(
  collection: Collection<TDoc>,
  doc: OptionalUnlessRequiredId<TDoc>,
): Promise<boolean> {
  try {
    await collection.insertOne(doc);
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}
