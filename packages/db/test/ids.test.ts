import { describe, expect, it } from 'vitest';
import { idToString, isIdString, newId, objectIdOf, objectIdsOf } from '../src/ids.js';

describe('objectIdOf', () => {
  it('turns a 24-hex string into the same ObjectId', () => {
    const id = newId();
    expect(objectIdOf(idToString(id))?.equals(id)).toBe(true);
  });

  it('accepts upper-case hex and normalises it', () => {
    const hex = newId().toHexString();
    expect(objectIdOf(hex.toUpperCase())?.toHexString()).toBe(hex);
  });

  it.each(['', 'abc', 'zzzzzzzzzzzzzzzzzzzzzzzz', `${'a'.repeat(24)} `, 'a'.repeat(25), '{"$gt":""}'])(
    'names nothing for a malformed id %j (a lookup by it finds nothing: 404)',
    (value) => {
      expect(objectIdOf(value)).toBeNull();
      expect(objectIdsOf([value, newId().toHexString()])).toHaveLength(1);
    },
  );

  it('recognises id strings', () => {
    expect(isIdString(newId().toHexString())).toBe(true);
    expect(isIdString(12)).toBe(false);
    expect(isIdString('x'.repeat(24))).toBe(false);
  });
});
