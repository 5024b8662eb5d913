import { describe, expect, it } from 'vitest';
import {
  assertInvitable,
  assertMfaCanEnrol,
  assertMfaEnabled,
  assertPasswordAcceptable,
  assertUserActive,
  assertUserArchived,
  describeDevice,
  lockDurationMs,
  passwordProblems,
  pendingMfaSecret,
  pendingSteps,
  wrongReconfirmation,
} from '../src/index.js';

describe('the password policy', () => {
  it.each([
    ['short', ['too-short']],
    ['Password2024!', ['common']],
    ['P@ssw0rd12345', ['common']],
    ['qwertyuiop123', ['common']],
    ['aaaaaaaaaaaaaaa', ['repetitive']],
    ['abcdefghijklmn', ['repetitive']],
    ['correct horse battery staple', []],
    ['a'.repeat(300), ['too-long', 'repetitive']],
  ])('%s → %j', (password, problems) => {
    expect(passwordProblems(password)).toEqual(problems);
  });

  it('refuses the email or its local part', () => {
    expect(passwordProblems('Ada.Lovelace@Example.com', { email: 'ada.lovelace@example.com' })).toContain(
      'same-as-email',
    );
    expect(passwordProblems('ada.lovelace2024', { email: 'ada.lovelace@example.com' })).toContain('same-as-email');
  });

  it('throws WEAK_PASSWORD with the reasons', () => {
    expect(() => assertPasswordAcceptable('short')).toThrow(expect.objectContaining({ code: 'WEAK_PASSWORD' }));
  });
});

describe('lockout periods', () => {
  it('grow with each lock in a row, up to a day', () => {
    expect([1, 2, 3, 4].map(lockDurationMs)).toEqual([60_000, 240_000, 960_000, 3_840_000]);
    expect(lockDurationMs(20)).toBe(24 * 3600_000);
  });
});

describe('device labels', () => {
  it.each([
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36', 'Chrome on Windows'],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1',
      'Safari on iOS',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0',
      'Edge on macOS',
    ],
    ['curl/8.5.0', 'curl'],
    [null, 'Unknown device'],
  ])('%s', (agent, label) => {
    expect(describeDevice(agent)).toBe(label);
  });
});

describe('steps before anything else answers', () => {
  it.each([
    [{ roles: ['employee'], mustChangePassword: false, mfa: null }, false, []],
    [{ roles: ['employee'], mustChangePassword: true, mfa: null }, false, ['change-password']],
    [{ roles: ['manager'], mustChangePassword: false, mfa: null }, true, []],
    [{ roles: ['hr'], mustChangePassword: false, mfa: null }, true, ['mfa-setup']],
    [{ roles: ['admin'], mustChangePassword: true, mfa: { enabled: false } }, true, ['change-password', 'mfa-setup']],
    [{ roles: ['admin'], mustChangePassword: false, mfa: { enabled: true } }, true, []],
    [{ roles: ['admin'], mustChangePassword: false, mfa: null }, false, []],
  ] as const)('%j, MFA required for HR and up: %s → %j', (user, required, steps) => {
    expect(pendingSteps({ ...user, roles: [...user.roles] }, required)).toEqual(steps);
  });
});

describe('MFA states', () => {
  const mfa = (enabled: boolean, pendingSecret: string | null = null) => ({
    mfa: {
      enabled,
      secret: enabled ? 'sealed' : null,
      pendingSecret,
      recoveryCodeHashes: [],
      enabledAt: null,
      lastUsedStep: null,
    },
  });
  const codeOf = (run: () => unknown) => {
    try {
      run();
      return null;
    } catch (error) {
      return (error as { code: string }).code;
    }
  };

  it.each([
    ['enrol', { mfa: null }, null],
    ['enrol while on', mfa(true), 'MFA_ALREADY_ENABLED'],
    ['enrol again while enrolling', mfa(false, 'p'), null],
  ] as const)('%s', (_name, user, expected) => {
    expect(codeOf(() => assertMfaCanEnrol(user))).toBe(expected);
  });

  it.each([
    [{ mfa: null }, 'MFA_NOT_ENROLLING'],
    [mfa(false), 'MFA_NOT_ENROLLING'],
    [mfa(true), 'MFA_ALREADY_ENABLED'],
    [mfa(false, 'pending'), null],
  ] as const)('confirming %j → %s', (user, expected) => {
    expect(codeOf(() => pendingMfaSecret(user))).toBe(expected);
  });

  it('names the pending secret a code must confirm', () => {
    expect(pendingMfaSecret(mfa(false, 'pending'))).toBe('pending');
  });

  it.each([
    [{ mfa: null }, 'MFA_NOT_ENABLED'],
    [mfa(false, 'pending'), 'MFA_NOT_ENABLED'],
    [mfa(true), null],
  ] as const)('needing MFA on, %j → %s', (user, expected) => {
    expect(codeOf(() => assertMfaEnabled(user))).toBe(expected);
  });
});

describe('re-confirmation by a signed-in user', () => {
  it('answers 403 with the sign-in codes, naming the field', () => {
    expect(wrongReconfirmation('password', 'currentPassword')).toMatchObject({
      code: 'INVALID_CREDENTIALS',
      status: 403,
      details: { field: 'currentPassword' },
    });
    expect(wrongReconfirmation('mfa-code', 'code')).toMatchObject({
      code: 'INVALID_MFA_CODE',
      status: 403,
      details: { field: 'code' },
    });
  });
});

describe('account states', () => {
  const account = (status: 'active' | 'archived', passwordHash: string | null = 'hash') => ({
    id: 'u1',
    status,
    archivedAt: status === 'archived' ? new Date('2030-01-02T03:04:05.000Z') : null,
    passwordHash,
  });

  it('archived accounts change only after a restore; only archived ones are restored', () => {
    expect(() => assertUserActive(account('archived'))).toThrow(
      expect.objectContaining({
        code: 'USER_ARCHIVED',
        status: 422,
        details: { id: 'u1', archivedAt: '2030-01-02T03:04:05.000Z' },
      }),
    );
    expect(() => assertUserActive(account('active'))).not.toThrow();
    expect(() => assertUserArchived(account('active'))).toThrow(
      expect.objectContaining({ code: 'USER_NOT_ARCHIVED', details: { id: 'u1', status: 'active' } }),
    );
    expect(() => assertUserArchived(account('archived'))).not.toThrow();
  });

  it('invites go to active accounts without a password', () => {
    expect(() => assertInvitable(account('active', null))).not.toThrow();
    expect(() => assertInvitable(account('active'))).toThrow(
      expect.objectContaining({ code: 'PASSWORD_ALREADY_SET', details: { id: 'u1', hasPassword: true } }),
    );
    expect(() => assertInvitable(account('archived', null))).toThrow(
      expect.objectContaining({ code: 'USER_ARCHIVED' }),
    );
  });
});
