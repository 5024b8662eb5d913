import { DomainError } from '@seed-pms/domain';
import { describe, expect, it } from 'vitest';
import { idToString, isIdString, newId, parseId } from '../src/ids.js';

describe('parseId', () => {
  it('turns a 24-hex string into the same ObjectId', () => {
    const id = newId();
    expect(parseId(idToString(id)).equals(id)).toBe(true);
  });

  it('accepts upper-case hex and normalises it', () => {
    const hex = newId().toHexString();
    expect(parseId(hex.toUpperCase()).toHexString()).toBe(hex);
  });

  it.each(['', 'abc', 'zzzzzzzzzzzzzzzzzzzzzzzz', `${'a'.repeat(24)} `, 'a'.repeat(25), '{"$gt":""}'])(
    'answers 404 NOT_FOUND for a malformed path id %j',
    (value) => {
      const error = catchError(() => parseId(value, { resource: 'Project' }));
      expect(error.code).toBe('NOT_FOUND');
      expect(error.status).toBe(404);
      expect(error.message).toBe('Project not found');
    },
  );

  it('answers 400 INVALID_ID for a malformed id in a body', () => {
    const error = catchError(() => parseId('123', { resource: 'Manager', in: 'body' }));
    expect(error.code).toBe('INVALID_ID');
    expect(error.status).toBe(400);
    expect(error.details).toEqual({ id: '123' });
  });

  it('recognises id strings', () => {
    expect(isIdString(newId().toHexString())).toBe(true);
    expect(isIdString(12)).toBe(false);
    expect(isIdString('x'.repeat(24))).toBe(false);
  });
});

function catchError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}
