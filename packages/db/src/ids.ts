import { ObjectId } from 'mongodb';

const HEX24 = /^[0-9a-f]{24}$/i;

export function isIdString(value: unknown): value is string {
  return typeof value === 'string' && HEX24.test(value);
}

export function idToString(id: ObjectId): string {
  return id.toHexString();
}

export function newId(): ObjectId {
  return new ObjectId();
}

/**
 * The ObjectId an API id names, or null when the string cannot be one: a
 * lookup by a malformed id simply finds nothing (the caller answers 404).
 */
export function objectIdOf(id: string): ObjectId | null {
  return isIdString(id) ? ObjectId.createFromHexString(id.toLowerCase()) : null;
}

/** The ObjectId of an id the caller has already checked (a record's own): a malformed one is a bug, thrown. */
export function oid(id: string): ObjectId {
  const parsed = objectIdOf(id);
  if (!parsed) throw new Error(`not an id: ${id}`);
  return parsed;
}

/** The ObjectIds of those ids that can be one (duplicates kept). */
export function objectIdsOf(ids: readonly string[]): ObjectId[] {
  return ids.map(objectIdOf).filter((id): id is ObjectId => id !== null);
}

/** A new id, as the API shows it. */
export function newIdString(): string {
  return new ObjectId().toHexString();
}

/** An ObjectId, or null, as the API shows it. */
export function idOrNull(id: ObjectId | null | undefined): string | null {
  return id ? id.toHexString() : null;
}
