import { DomainError } from '@seed-pms/domain';
import { ObjectId } from 'mongodb';

const HEX24 = /^[0-9a-f]{24}$/i;

export function isIdString(value: unknown): value is string {
  return typeof value === 'string' && HEX24.test(value);
}

/**
 * Turns an id from the outside into an ObjectId. A malformed id in a path names
 * nothing that can exist, so it answers 404 like an unknown one (no oracle for
 * which ids are well-formed); in a body or query it is bad input, 400.
 */
export function parseId(value: string, options: { resource?: string; in?: 'path' | 'body' } = {}): ObjectId {
  if (isIdString(value)) return ObjectId.createFromHexString(value.toLowerCase());
  const resource = options.resource ?? 'Resource';
  if ((options.in ?? 'path') === 'path') {
    throw new DomainError('NOT_FOUND', `${resource} not found`, { resource, id: value });
  }
  throw new DomainError('INVALID_ID', `${resource} id must be 24 hexadecimal characters`, { id: value });
}

export function idToString(id: ObjectId): string {
  return id.toHexString();
}

export function newId(): ObjectId {
  return new ObjectId();
}
