/**
 * Secret removal for audit entries (and anything else that stores or shows
 * before/after values). The audit trail is append-only: a secret written to it
 * can never be taken out again, so the rule errs on the side of dropping.
 *
 * A key is split into lower-case words (camelCase, PascalCase, snake_case,
 * kebab-case, `APIKey`) and is a secret when
 * - a word ends in a secret noun: password(s), passwd, passphrase, secret(s),
 *   token(s), hash(es/ed), otp, apikey, privatekey, recoverycode(s), backupcode(s),
 *   credential(s), cookie(s), authorization. Matching word endings also catches
 *   glued lower-case keys (`newpassword`, `csrftoken`, `totp`) without matching
 *   innocent words that merely contain the letters (`hashtag`, `footprint`,
 *   `secretary`, `tokenizer`);
 * - a word is one of salt, pwd, pin, jwt, bearer; or
 * - a qualifier is followed by `key(s)` or `code(s)`: apiKey, privateKey,
 *   accessKey, signingKey, encryptionKey, recoveryCodes, backupCodes, mfaCode,
 *   otpCode, verificationCode.
 *
 * Decision: keys that state a fact *about* a secret are kept, because they are
 * what an auditor needs and reveal nothing: a key whose first word is a
 * predicate (has, is, must, needs, should, can, requires: `hasPassword`,
 * `mustChangePassword`) or whose last word names metadata (at, count, id, ids,
 * policy, enabled, required, type, algorithm, expires, expiry:
 * `passwordChangedAt`, `tokenExpiresAt`, `apiKeyId`). Their values are still
 * redacted recursively. Plain `key` and `code` are kept (idempotency keys,
 * error codes).
 *
 * Only keys are inspected: a secret stored under an innocent name (`value`)
 * passes, so pass views, never stored documents.
 */

const SECRET_WORD_ENDINGS = [
  'password',
  'passwords',
  'passwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'hash',
  'hashes',
  'hashed',
  'otp',
  'apikey',
  'privatekey',
  'recoverycode',
  'recoverycodes',
  'backupcode',
  'backupcodes',
  'credential',
  'credentials',
  'cookie',
  'cookies',
  'authorization',
];
const SECRET_WORDS = new Set(['salt', 'pwd', 'pin', 'jwt', 'bearer']);
const KEY_QUALIFIERS = new Set(['api', 'private', 'access', 'signing', 'encryption', 'master', 'session', 'client']);
const CODE_QUALIFIERS = new Set(['recovery', 'backup', 'mfa', 'otp', 'totp', 'verification', 'authorization', 'auth']);
const PREDICATE_FIRST_WORDS = new Set(['has', 'is', 'must', 'needs', 'should', 'can', 'requires']);
const METADATA_LAST_WORDS = new Set([
  'at',
  'count',
  'id',
  'ids',
  'policy',
  'enabled',
  'required',
  'type',
  'algorithm',
  'expires',
  'expiry',
]);

/** Lower-case words of a key: `passwordHash` → password, hash; `X-API-Key` → x, api, key. */
export function keyWords(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0)
    .map((word) => word.toLowerCase());
}

/** True when a property with this name holds a secret (see the module comment for the rule). */
export function isSecretKey(key: string): boolean {
  const words = keyWords(key);
  if (words.length === 0) return false;
  const first = words[0] as string;
  const last = words[words.length - 1] as string;
  if (words.length > 1 && (PREDICATE_FIRST_WORDS.has(first) || METADATA_LAST_WORDS.has(last))) return false;
  return words.some((word, index) => {
    if (SECRET_WORDS.has(word)) return true;
    if (SECRET_WORD_ENDINGS.some((ending) => word.endsWith(ending))) return true;
    const previous = index > 0 ? (words[index - 1] as string) : '';
    if ((word === 'key' || word === 'keys') && KEY_QUALIFIERS.has(previous)) return true;
    return (word === 'code' || word === 'codes') && CODE_QUALIFIERS.has(previous);
  });
}

/**
 * A JSON-shaped copy of `value` without secrets: every property whose key
 * `isSecretKey` is removed, at any depth (inside arrays too). Along the way it
 * does what JSON would: `undefined`, functions and symbols are dropped from
 * objects and become null in arrays (so positions keep their meaning), Dates
 * become ISO strings (an invalid Date null), non-finite numbers null, bigints
 * decimal strings, objects with `toJSON` (stored ids, Buffers) their JSON form,
 * Maps objects and Sets arrays. A cycle becomes the string '[Circular]'
 * instead of recursing forever. The input is not changed.
 */
export function redactSecrets(value: unknown): unknown {
  return copyWithoutSecrets(value, new Set());
}

function copyWithoutSecrets(value: unknown, ancestors: Set<object>): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  const object = value as object;
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
  if (ancestors.has(object)) return '[Circular]';
  ancestors.add(object);
  try {
    if (Array.isArray(object)) return object.map((item) => copyWithoutSecrets(item, ancestors) ?? null);
    if (object instanceof Set) return [...object].map((item) => copyWithoutSecrets(item, ancestors) ?? null);
    const toJSON = (object as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return copyWithoutSecrets(toJSON.call(object), ancestors);
    const entries: [string, unknown][] =
      object instanceof Map ? [...object].map(([k, v]) => [String(k), v]) : Object.entries(object);
    const kept: [string, unknown][] = [];
    for (const [key, item] of entries) {
      if (isSecretKey(key)) continue;
      const copy = copyWithoutSecrets(item, ancestors);
      if (copy !== undefined) kept.push([key, copy]);
    }
    // fromEntries defines own properties, so a key such as __proto__ stays data.
    return Object.fromEntries(kept);
  } finally {
    ancestors.delete(object);
  }
}
