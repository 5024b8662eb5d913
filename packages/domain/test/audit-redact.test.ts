import { describe, expect, it } from 'vitest';
import { isSecretKey, keyWords, redactSecrets } from '../src/audit/audit.redact.js';
import { AuditEntryView, ListAuditsQuery } from '../src/audit/audit.schemas.js';

describe('isSecretKey', () => {
  it.each([
    'password',
    'Password',
    'PASSWORD',
    'passwordHash',
    'password_hash',
    'newPassword',
    'currentPassword',
    'confirm-password',
    'newpassword',
    'passwd',
    'passphrase',
    'hash',
    'requestHash',
    'tokenHash',
    'token',
    'accessToken',
    'refresh_token',
    'csrftoken',
    'resetTokens',
    'secret',
    'clientSecret',
    'mfaSecret',
    'pendingSecret',
    'recoveryCodes',
    'recoveryCodeHashes',
    'recovery_codes',
    'backupCodes',
    'mfaCode',
    'otp',
    'totp',
    'otpCode',
    'verificationCode',
    'apiKey',
    'api_key',
    'x-api-key',
    'APIKey',
    'apikey',
    'privateKey',
    'signingKey',
    'salt',
    'pin',
    'jwt',
    'credentials',
    'authorization',
    'Authorization',
    'cookie',
    'set-cookie',
  ])('treats %s as a secret', (key) => {
    expect(isSecretKey(key)).toBe(true);
  });

  it.each([
    'hasPassword',
    'mustChangePassword',
    'passwordChangedAt',
    'tokenExpiresAt',
    'apiKeyId',
    'isHashed',
    'mfaEnabled',
    'enabledAt',
    'email',
    'name',
    'id',
    'key',
    'code',
    'roles',
    'sessionId',
    'hashtag',
    'footprint',
    'secretary',
    'tokenizer',
    'monkey',
    'keyboard',
    'status',
    '',
  ])('keeps %s', (key) => {
    expect(isSecretKey(key)).toBe(false);
  });

  it('splits keys of every casing style into words', () => {
    expect(keyWords('passwordHash')).toEqual(['password', 'hash']);
    expect(keyWords('X-API-Key')).toEqual(['x', 'api', 'key']);
    expect(keyWords('APIKey')).toEqual(['api', 'key']);
    expect(keyWords('recovery_code_hashes')).toEqual(['recovery', 'code', 'hashes']);
  });
});

describe('redactSecrets', () => {
  it('removes secret keys at every depth, inside arrays too, and keeps the rest', () => {
    const user = {
      id: '665f1c2e8b3a4d0012345678',
      email: 'ada@example.com',
      password: 'hunter2',
      passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$abc',
      hasPassword: true,
      mustChangePassword: false,
      mfa: { enabled: true, secret: 'JBSWY3DP', pendingSecret: null, recoveryCodeHashes: ['a', 'b'] },
      sessions: [{ id: 's1', tokenHash: 'x', refreshToken: 'y' }],
    };
    expect(redactSecrets(user)).toEqual({
      id: '665f1c2e8b3a4d0012345678',
      email: 'ada@example.com',
      hasPassword: true,
      mustChangePassword: false,
      mfa: { enabled: true },
      sessions: [{ id: 's1' }],
    });
  });

  it('redacts inside the values of kept keys about secrets', () => {
    expect(redactSecrets({ hasPassword: { password: 'x', set: true } })).toEqual({ hasPassword: { set: true } });
  });

  it('returns a copy and leaves its input alone', () => {
    const input = { name: 'Ada', token: 't', nested: { secret: 's' } };
    const output = redactSecrets(input) as Record<string, unknown>;
    expect(input).toEqual({ name: 'Ada', token: 't', nested: { secret: 's' } });
    expect(output).not.toBe(input);
    expect(output.nested).not.toBe(input.nested);
  });

  it('turns values into their JSON form', () => {
    const when = new Date('2026-01-15T10:30:00.123Z');
    const value = {
      when,
      invalid: new Date(Number.NaN),
      missing: undefined,
      fn: () => 1,
      list: [1, undefined, when, Number.POSITIVE_INFINITY],
      big: 12n,
      map: new Map<string, unknown>([
        ['a', 1],
        ['token', 'x'],
      ]),
      set: new Set(['x']),
      id: { toJSON: () => '665f1c2e8b3a4d0012345678' },
      nothing: null,
    };
    const output = redactSecrets(value);
    expect(output).toEqual({
      when: '2026-01-15T10:30:00.123Z',
      invalid: null,
      list: [1, null, '2026-01-15T10:30:00.123Z', null],
      big: '12',
      map: { a: 1 },
      set: ['x'],
      id: '665f1c2e8b3a4d0012345678',
      nothing: null,
    });
    expect(Object.keys(output as object)).not.toContain('missing');
    // What comes out survives JSON unchanged, which the audit hash relies on.
    expect(JSON.parse(JSON.stringify(output))).toEqual(output);
  });

  it('passes primitives through and handles top-level arrays', () => {
    expect(redactSecrets('text')).toBe('text');
    expect(redactSecrets(3)).toBe(3);
    expect(redactSecrets(null)).toBeNull();
    expect(redactSecrets(undefined)).toBeUndefined();
    expect(redactSecrets([{ password: 'x', a: 1 }, 'b'])).toEqual([{ a: 1 }, 'b']);
  });

  it('replaces a cycle with a marker instead of overflowing the stack, but copies shared objects', () => {
    const shared = { n: 1 };
    const looped: Record<string, unknown> = { name: 'loop', left: shared, right: shared };
    looped.self = looped;
    expect(redactSecrets(looped)).toEqual({ name: 'loop', left: { n: 1 }, right: { n: 1 }, self: '[Circular]' });
  });

  it('keeps a __proto__ key as data instead of changing the prototype', () => {
    const output = redactSecrets(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(output)).toBe(Object.prototype);
    expect(Object.hasOwn(output, '__proto__')).toBe(true);
    expect((output as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

describe('audit schemas', () => {
  it('accepts a list query from a query string and refuses unknown parameters', () => {
    expect(ListAuditsQuery.parse({ action: 'user.create', limit: '5', from: '2026-01-01T00:00:00.000Z' })).toEqual({
      action: 'user.create',
      limit: 5,
      from: '2026-01-01T00:00:00.000Z',
    });
    expect(ListAuditsQuery.safeParse({ actor: 'x' }).success).toBe(false);
    expect(ListAuditsQuery.safeParse({ from: 'yesterday' }).success).toBe(false);
  });

  it('describes an entry with nullable changes, details and user agent', () => {
    const entry = {
      id: '665f1c2e8b3a4d0012345678',
      seq: 1,
      timestamp: '2026-01-15T10:30:00.000Z',
      actorId: 'system',
      actorType: 'system',
      action: 'settings.update',
      resourceType: 'Settings',
      resourceId: 'organization',
      changes: { before: null, after: { a: 1 } },
      details: null,
      metadata: { ip: '127.0.0.1', userAgent: null, requestId: 'r1' },
      prevHash: '0'.repeat(64),
      hash: 'a'.repeat(64),
      subjectId: null,
      shredded: false,
    };
    expect(AuditEntryView.parse(entry)).toEqual(entry);
    // An entry whose subject was erased: the sealed parts read as null.
    const shredded = { ...entry, subjectId: '665f1c2e8b3a4d0012345679', changes: null, shredded: true };
    expect(AuditEntryView.parse(shredded)).toEqual(shredded);
    expect(AuditEntryView.safeParse({ ...entry, actorType: 'robot' }).success).toBe(false);
    expect(AuditEntryView.safeParse({ ...entry, hash: 'xyz' }).success).toBe(false);
  });
});
