import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { resealAll, type SealedField } from '../src/auth/sealed-fields.js';
import { createKeyring, createSecretBox, dataBox, keyIdOf, UnknownKeyError } from '../src/auth/secrets.js';

const A = 'key-a-0123456789abcdefghijklmnopqrstuvwxyz';
const B = 'key-b-0123456789abcdefghijklmnopqrstuvwxyz';
const C = 'key-c-0123456789abcdefghijklmnopqrstuvwxyz';

/** A value in the format sealed before key ids existed (v1), made independently of secrets.ts. */
function sealV1(keyMaterial: string, plain: string): string {
  const key = createHash('sha256').update(`seed-pms:data-encryption:${keyMaterial}`).digest();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join(
    '.',
  );
}

describe('the data keyring', () => {
  it('seals v2 under the current key, naming it by a short non-secret id', () => {
    const ring = createKeyring({ current: B, previous: [A] });
    const sealed = ring.seal('hello');
    const parts = sealed.split('.');
    expect(parts).toHaveLength(5);
    expect(parts[0]).toBe('v2');
    expect(parts[1]).toBe(keyIdOf(B));
    expect(ring.currentKid).toBe(keyIdOf(B));
    expect(ring.previousKids).toEqual([keyIdOf(A)]);
    expect(keyIdOf(B)).toMatch(/^[A-Za-z0-9_-]{11}$/);
    expect(keyIdOf(A)).not.toBe(keyIdOf(B));
    expect(sealed).not.toContain(B);
    expect(ring.open(sealed)).toBe('hello');
    // Two seals of one value differ (a fresh IV each time).
    expect(ring.seal('hello')).not.toBe(sealed);
  });

  it('reads v1 values under the current key or a previous one', () => {
    const ring = createKeyring({ current: B, previous: [C, A] });
    expect(ring.open(sealV1(B, 'under b'))).toBe('under b');
    expect(ring.open(sealV1(A, 'under a'))).toBe('under a');
    expect(() => createKeyring({ current: B }).open(sealV1(A, 'under a'))).toThrow(/none of the configured/);
    // The one-key box of before reads what it always read.
    expect(createSecretBox(A).open(sealV1(A, 'old'))).toBe('old');
  });

  it('reads v2 values under the key their kid names, current or previous', () => {
    const old = createKeyring({ current: A });
    const sealed = old.seal('secret');
    const rotated = createKeyring({ current: B, previous: [A] });
    expect(rotated.open(sealed)).toBe('secret');
    expect(rotated.kidOf(sealed)).toBe(keyIdOf(A));
  });

  it('an unknown kid is a clear error naming the kid and what to configure', () => {
    const sealed = createKeyring({ current: A }).seal('secret');
    const error = (() => {
      try {
        createKeyring({ current: B, previous: [C] }).open(sealed);
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(UnknownKeyError);
    expect((error as UnknownKeyError).kid).toBe(keyIdOf(A));
    expect((error as Error).message).toContain(keyIdOf(A));
    expect((error as Error).message).toContain('DATA_ENCRYPTION_KEYS_PREVIOUS');
  });

  it('refuses a value whose kid was swapped or whose ciphertext was changed', () => {
    const ring = createKeyring({ current: B, previous: [A] });
    const sealed = createKeyring({ current: A }).seal('secret');
    const swapped = sealed.replace(keyIdOf(A), keyIdOf(B));
    expect(() => ring.open(swapped)).toThrow();
    const parts = sealed.split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => ring.open(parts.join('.'))).toThrow();
    expect(() => ring.open('plain text')).toThrow(/not a sealed secret/);
  });

  it('needsReseal: true for v1 and for previous or unknown kids, false under the current key', () => {
    const ring = createKeyring({ current: B, previous: [A] });
    expect(ring.needsReseal(sealV1(B, 'x'))).toBe(true);
    expect(ring.needsReseal(sealV1(A, 'x'))).toBe(true);
    expect(ring.needsReseal(createKeyring({ current: A }).seal('x'))).toBe(true);
    expect(ring.needsReseal(createKeyring({ current: C }).seal('x'))).toBe(true);
    expect(ring.needsReseal(ring.seal('x'))).toBe(false);
    const resealed = ring.reseal(sealV1(A, 'x'));
    expect(ring.kidOf(resealed)).toBe(ring.currentKid);
    expect(ring.open(resealed)).toBe('x');
  });

  it('dataBox builds the keyring from the configuration', () => {
    const ring = dataBox({ DATA_ENCRYPTION_KEY: B, DATA_ENCRYPTION_KEYS_PREVIOUS: [A] });
    expect(ring.currentKid).toBe(keyIdOf(B));
    expect(ring.open(createKeyring({ current: A }).seal('x'))).toBe('x');
  });
});

describe('re-sealing sealed fields', () => {
  /** An in-memory source: what the repositories offer, with a hook to change a value mid-walk. */
  function memorySource(name: string, values: Map<string, string>, beforeReplace?: (id: string) => void): SealedField {
    return {
      name,
      async list(afterId, limit) {
        return [...values]
          .filter(([id]) => afterId === null || id > afterId)
          .sort(([a], [b]) => a.localeCompare(b))
          .slice(0, limit)
          .map(([id, sealed]) => ({ id, sealed }));
      },
      async replace(id, from, to) {
        beforeReplace?.(id);
        if (values.get(id) !== from) return false;
        values.set(id, to);
        return true;
      },
    };
  }

  it('re-seals what needs it in batches, leaves values changed meanwhile and counts the unreadable', async () => {
    const ring = createKeyring({ current: B, previous: [A] });
    const old = createKeyring({ current: A });
    const values = new Map<string, string>();
    for (let i = 0; i < 7; i += 1) values.set(`id${i}`, old.seal(`value ${i}`));
    values.set('id7', ring.seal('already current'));
    values.set('id8', sealV1(A, 'v1 value'));
    values.set('id9', createKeyring({ current: C }).seal('lost'));
    const changedMeanwhile = ring.seal('new value');
    const source = memorySource('things', values, (id) => {
      if (id === 'id3') values.set('id3', changedMeanwhile);
    });

    const counts = await resealAll(ring, [source], { batchSize: 3 });
    expect(counts).toEqual({
      resealed: 7,
      unreadable: 1,
      things_checked: 10,
      things_resealed: 7,
      things_changed: 1,
      things_unreadable: 1,
    });
    expect(values.get('id3')).toBe(changedMeanwhile);
    for (const [id, sealed] of values) {
      if (id === 'id9') continue;
      expect(ring.kidOf(sealed), id).toBe(ring.currentKid);
    }
    expect(ring.open(values.get('id8') ?? '')).toBe('v1 value');
    expect(ring.open(values.get('id0') ?? '')).toBe('value 0');

    // A second run finds nothing left but the unreadable one.
    expect(await resealAll(ring, [source], { batchSize: 3 })).toMatchObject({ resealed: 0, unreadable: 1 });
  });

  it('refuses a source name that cannot be a count key', async () => {
    const ring = createKeyring({ current: B });
    await expect(resealAll(ring, [memorySource('bad.name', new Map())])).rejects.toThrow(/letters and digits/);
  });
});
