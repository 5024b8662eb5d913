import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A random, URL-safe secret with `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * SHA-256 of a high-entropy token, for storing refresh, reset and invite
 * tokens: a database leak gives nothing usable, and unlike a password such a
 * token needs no slow hash.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Equal strings in constant time (for CSRF tokens and hashes). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * AES-256-GCM for secrets stored at rest (MFA secrets, personal data). Keys
 * are derived from DATA_ENCRYPTION_KEY (and DATA_ENCRYPTION_KEYS_PREVIOUS);
 * `seal` writes `v2.<kid>.<iv>.<tag>.<ciphertext>` (base64url) under the
 * current key, `kid` naming the key (and bound to the ciphertext as
 * associated data). Values written before key ids existed are
 * `v1.<iv>.<tag>.<ciphertext>`: `open` tries the current key, then the
 * previous ones.
 */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

/** A SecretBox with the keys it may read: the current one and those kept for reading during a rotation. */
export interface Keyring extends SecretBox {
  /** The id of the current key: what `seal` writes into v2 values. */
  readonly currentKid: string;
  /** The ids of the previous keys, in the order configured. */
  readonly previousKids: readonly string[];
  /** The key id a sealed value names; null for a v1 value (no id) or something not sealed. */
  kidOf(sealed: string): string | null;
  /** True unless the value is v2 under the current key (v1, a previous key, an unknown key or malformed). */
  needsReseal(sealed: string): boolean;
  /** The same plaintext sealed under the current key (throws as `open` does). */
  reseal(sealed: string): string;
}

/** A sealed value names a key this process does not have. */
export class UnknownKeyError extends Error {
  override readonly name = 'UnknownKeyError';
  constructor(readonly kid: string) {
    super(
      `sealed under an unknown data encryption key (kid ${kid}): set the key it was sealed with as ` +
        'DATA_ENCRYPTION_KEY or add it to DATA_ENCRYPTION_KEYS_PREVIOUS',
    );
  }
}

interface DataKey {
  kid: string;
  key: Buffer;
}

function deriveKey(keyMaterial: string): DataKey {
  const key = createHash('sha256').update(`seed-pms:data-encryption:${keyMaterial}`).digest();
  const kid = createHash('sha256').update('seed-pms:data-encryption-kid:').update(key).digest().subarray(0, 8);
  return { kid: kid.toString('base64url'), key };
}

/** The id (kid) of the key a key material derives: non-secret, 11 base64url characters. */
export function keyIdOf(keyMaterial: string): string {
  return deriveKey(keyMaterial).kid;
}

const b64 = (part: string) => Buffer.from(part, 'base64url');

function decrypt(key: Buffer, iv: string, tag: string, body: string, aad?: string): string {
  const decipher = createDecipheriv('aes-256-gcm', key, b64(iv));
  if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(b64(tag));
  return Buffer.concat([decipher.update(b64(body)), decipher.final()]).toString('utf8');
}

/**
 * The keys for sealed data: seals under `current`, opens under `current` and
 * `previous` (kept for reading while a rotation's re-seal runs).
 */
export function createKeyring(keys: { current: string; previous?: readonly string[] }): Keyring {
  const current = deriveKey(keys.current);
  const previous = (keys.previous ?? []).map(deriveKey).filter((k) => k.kid !== current.kid);
  const byKid = new Map([current, ...previous].map((k) => [k.kid, k.key]));

  function kidOf(sealed: string): string | null {
    const [version, kid] = sealed.split('.');
    return version === 'v2' && kid ? kid : null;
  }

  function open(sealed: string): string {
    const parts = sealed.split('.');
    if (parts[0] === 'v2' && parts.length === 5) {
      const [, kid, iv, tag, body] = parts as [string, string, string, string, string];
      const key = byKid.get(kid);
      if (!key) throw new UnknownKeyError(kid);
      return decrypt(key, iv, tag, body, `v2.${kid}`);
    }
    if (parts[0] === 'v1' && parts.length === 4) {
      const [, iv, tag, body] = parts as [string, string, string, string];
      for (const key of byKid.values()) {
        try {
          return decrypt(key, iv, tag, body);
        } catch {
          // Not sealed under this key: the next one.
        }
      }
      throw new Error('sealed (v1) under none of the configured data encryption keys');
    }
    throw new Error('not a sealed secret');
  }

  function seal(plain: string): string {
    const iv = randomBytes(12);
    const header = `v2.${current.kid}`;
    const cipher = createCipheriv('aes-256-gcm', current.key, iv);
    cipher.setAAD(Buffer.from(header, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [header, ...[iv, cipher.getAuthTag(), body].map((p) => p.toString('base64url'))].join('.');
  }

  return {
    currentKid: current.kid,
    previousKids: previous.map((k) => k.kid),
    seal,
    open,
    kidOf,
    needsReseal: (sealed) => kidOf(sealed) !== current.kid,
    reseal: (sealed) => seal(open(sealed)),
  };
}

/** A keyring with one key (no previous keys). */
export function createSecretBox(keyMaterial: string): Keyring {
  return createKeyring({ current: keyMaterial });
}

/** The configuration keyring and every caller builds its box from. */
export interface DataKeyConfig {
  DATA_ENCRYPTION_KEY: string;
  DATA_ENCRYPTION_KEYS_PREVIOUS: readonly string[];
}

/**
 * The box for data sealed at rest, from the configuration: the one way the
 * server, its jobs and the scripts build it.
 */
export function dataBox(config: DataKeyConfig): Keyring {
  return createKeyring({ current: config.DATA_ENCRYPTION_KEY, previous: config.DATA_ENCRYPTION_KEYS_PREVIOUS });
}
