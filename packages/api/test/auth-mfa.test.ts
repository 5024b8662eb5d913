import { generate } from 'otplib';
import { describe, expect, it } from 'vitest';
import { bearer, createUser, login, PASSWORD, type Session } from './auth-helpers.js';
import { useTestApp } from './support.js';

const testApp = useTestApp(import.meta.url);
const app = () => testApp().app;

const post = (url: string, session: Pick<Session, 'accessToken'>, payload: Record<string, unknown> = {}) =>
  app().inject({ method: 'POST', url, payload, headers: bearer(session) });
const loginWith = (email: string, extra: Record<string, unknown> = {}) =>
  app().inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: PASSWORD, ...extra } });
/** The code an authenticator shows `offsetSeconds` from now. */
const codeAt = (secret: string, offsetSeconds = 0) =>
  generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSeconds });

async function enrol(session: Session): Promise<{ secret: string; recoveryCodes: string[] }> {
  const enrolled = await post('/api/v1/auth/mfa/enroll', session);
  expect(enrolled.statusCode).toBe(200);
  const { secret, otpauthUrl } = enrolled.json();
  expect(otpauthUrl).toMatch(/^otpauth:\/\/totp\/Seed%20PMS:.*secret=/);
  const confirmed = await post('/api/v1/auth/mfa/confirm', session, { code: await codeAt(secret, -30) });
  expect(confirmed.statusCode).toBe(200);
  const { recoveryCodes } = confirmed.json();
  return { secret, recoveryCodes };
}

describe('TOTP MFA', () => {
  it('after enrolment, login needs a code; a wrong code fails; a code never works twice', async () => {
    const user = await createUser(testApp());
    const { secret, recoveryCodes } = await enrol(await login(app(), user.email));
    expect(recoveryCodes).toHaveLength(10);

    const stored = await testApp().database.collections.users.findOne({ _id: user._id });
    expect(stored?.mfa?.enabled).toBe(true);
    expect(stored?.mfa?.secret).not.toContain(secret);

    const without = await loginWith(user.email);
    expect(without.statusCode).toBe(401);
    expect(without.json().error.code).toBe('MFA_REQUIRED');
    const wrong = await loginWith(user.email, { mfaCode: '000000' === (await codeAt(secret)) ? '111111' : '000000' });
    expect(wrong.json().error.code).toBe('INVALID_MFA_CODE');

    const code = await codeAt(secret);
    const ok = await loginWith(user.email, { mfaCode: code });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().user.mfaEnabled).toBe(true);
    const replay = await loginWith(user.email, { mfaCode: code });
    expect(replay.json().error.code).toBe('INVALID_MFA_CODE');
  });

  it('a recovery code signs in once', async () => {
    const user = await createUser(testApp());
    const { recoveryCodes } = await enrol(await login(app(), user.email));
    const code = recoveryCodes[0] as string;
    expect((await loginWith(user.email, { mfaCode: code.toUpperCase() })).statusCode).toBe(200);
    expect((await loginWith(user.email, { mfaCode: code })).json().error.code).toBe('INVALID_MFA_CODE');
  });

  it('failed codes count towards the lockout', async () => {
    const user = await createUser(testApp());
    await enrol(await login(app(), user.email));
    const codes: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      codes.push((await loginWith(user.email, { mfaCode: `${100000 + i}` })).json().error.code);
    }
    expect(codes.at(-1)).toBe('ACCOUNT_LOCKED');
  });

  it('each MFA step refused in the wrong state says so with its own code and the call to make next', async () => {
    const user = await createUser(testApp());
    const session = await login(app(), user.email);
    const notEnrolling = await post('/api/v1/auth/mfa/confirm', session, { code: '123456' });
    expect(notEnrolling.statusCode).toBe(422);
    expect(notEnrolling.json().error).toMatchObject({
      code: 'MFA_NOT_ENROLLING',
      details: { mfaEnabled: false, next: 'POST /api/v1/auth/mfa/enroll' },
    });
    for (const [url, payload] of [
      ['/api/v1/auth/mfa/disable', { password: PASSWORD, code: '123456' }],
      ['/api/v1/auth/mfa/recovery-codes', { code: '123456' }],
    ] as const) {
      const off = await post(url, session, payload);
      expect(off.statusCode).toBe(422);
      expect(off.json().error).toMatchObject({ code: 'MFA_NOT_ENABLED', details: { mfaEnabled: false } });
    }
    await enrol(session);
    const again = await post('/api/v1/auth/mfa/enroll', session);
    expect(again.statusCode).toBe(422);
    expect(again.json().error).toMatchObject({
      code: 'MFA_ALREADY_ENABLED',
      details: { mfaEnabled: true, next: 'POST /api/v1/auth/mfa/disable' },
    });
    const alsoOn = await post('/api/v1/auth/mfa/confirm', session, { code: '123456' });
    expect(alsoOn.json().error.code).toBe('MFA_ALREADY_ENABLED');
  });

  it('a wrong password or code of a signed-in user answers 403, never 401', async () => {
    const user = await createUser(testApp());
    const session = await login(app(), user.email);
    const { secret } = await enrol(session);
    const badPassword = await post('/api/v1/auth/mfa/disable', session, {
      password: 'not the password',
      code: await codeAt(secret),
    });
    expect(badPassword.statusCode).toBe(403);
    expect(badPassword.json().error).toMatchObject({ code: 'INVALID_CREDENTIALS', details: { field: 'password' } });
    const wrong = (await codeAt(secret)) === '000000' ? '111111' : '000000';
    const badCode = await post('/api/v1/auth/mfa/disable', session, { password: PASSWORD, code: wrong });
    expect(badCode.statusCode).toBe(403);
    expect(badCode.json().error).toMatchObject({ code: 'INVALID_MFA_CODE', details: { field: 'code' } });
    const badRecovery = await post('/api/v1/auth/mfa/recovery-codes', session, { code: wrong });
    expect(badRecovery.statusCode).toBe(403);
    expect(badRecovery.json().error.code).toBe('INVALID_MFA_CODE');
  });

  it('every MFA change is a new version of the account; a TOTP code used to sign in is bookkeeping', async () => {
    const user = await createUser(testApp());
    const users = testApp().database.collections.users;
    const version = async () => (await users.findOne({ _id: user._id }))?.version;
    const session = await login(app(), user.email);
    expect(await version()).toBe(1);
    const { secret, recoveryCodes } = await enrol(session);
    // Enrolment started, then confirmed.
    expect(await version()).toBe(3);
    expect((await loginWith(user.email, { mfaCode: await codeAt(secret) })).statusCode).toBe(200);
    expect(await version()).toBe(3);
    // A recovery code used up changes what the account can do.
    expect((await loginWith(user.email, { mfaCode: recoveryCodes[0] })).statusCode).toBe(200);
    expect(await version()).toBe(4);
    const renewed = await post('/api/v1/auth/mfa/recovery-codes', session, { code: recoveryCodes[1] });
    expect(renewed.statusCode).toBe(200);
    expect(await version()).toBe(6);
  });

  it('a confirmation racing a new enrolment never turns on a secret that is no longer the pending one', async () => {
    const user = await createUser(testApp());
    const session = await login(app(), user.email);
    const first = (await post('/api/v1/auth/mfa/enroll', session)).json().secret as string;
    const [confirmed, restarted] = await Promise.all([
      post('/api/v1/auth/mfa/confirm', session, { code: await codeAt(first, -30) }),
      post('/api/v1/auth/mfa/enroll', session),
    ]);
    const stored = await testApp().database.collections.users.findOne({ _id: user._id });
    if (confirmed.statusCode === 200) {
      // The confirmation came first: MFA is on, and the new enrolment was refused.
      expect(restarted.json().error.code).toBe('MFA_ALREADY_ENABLED');
      expect(stored?.mfa?.enabled).toBe(true);
    } else {
      // The new enrolment came first: the old code confirms nothing.
      expect(restarted.statusCode).toBe(200);
      expect(['MFA_ENROLMENT_CHANGED', 'INVALID_MFA_CODE']).toContain(confirmed.json().error.code);
      expect(stored?.mfa).toMatchObject({ enabled: false, pendingSecret: expect.any(String) });
    }
  });

  it('disabling needs the password and a code', async () => {
    const user = await createUser(testApp());
    const session = await login(app(), user.email);
    const { recoveryCodes } = await enrol(session);
    const badPassword = await post('/api/v1/auth/mfa/disable', session, {
      password: 'not the password',
      code: recoveryCodes[1],
    });
    expect(badPassword.json().error.code).toBe('INVALID_CREDENTIALS');
    const disabled = await post('/api/v1/auth/mfa/disable', session, { password: PASSWORD, code: recoveryCodes[1] });
    expect(disabled.statusCode).toBe(200);
    expect((await loginWith(user.email)).statusCode).toBe(200);
  });

  it('when the admin policy requires it, Admin and HR accounts must enrol before anything else answers', async () => {
    const admin = await createUser(testApp(), { roles: ['admin'] });
    const hr = await createUser(testApp(), { roles: ['hr'] });
    const manager = await createUser(testApp(), { roles: ['manager'] });
    const adminSession = await login(app(), admin.email);
    await enrol(adminSession);
    const current = await app().inject({ method: 'GET', url: '/api/v1/settings', headers: bearer(adminSession) });
    const turnedOn = await app().inject({
      method: 'PATCH',
      url: '/api/v1/settings',
      headers: bearer(adminSession),
      payload: { version: current.json().version, security: { requireMfaForPrivileged: true } },
    });
    expect(turnedOn.statusCode).toBe(200);
    try {
      const hrSession = await login(app(), hr.email);
      expect(hrSession.body.user).toMatchObject({ mfaSetupRequired: true });
      const blocked = await app().inject({ method: 'GET', url: '/api/v1/users', headers: bearer(hrSession) });
      expect(blocked.json().error.code).toBe('MFA_SETUP_REQUIRED');
      await enrol(hrSession);
      const allowed = await app().inject({ method: 'GET', url: '/api/v1/users', headers: bearer(hrSession) });
      expect(allowed.statusCode).toBe(200);
      // Below HR nothing changes.
      const managerSession = await login(app(), manager.email);
      expect(managerSession.body.user).toMatchObject({ mfaSetupRequired: false });
    } finally {
      const now = await app().inject({ method: 'GET', url: '/api/v1/settings', headers: bearer(adminSession) });
      await app().inject({
        method: 'PATCH',
        url: '/api/v1/settings',
        headers: bearer(adminSession),
        payload: { version: now.json().version, security: { requireMfaForPrivileged: false } },
      });
    }
  });
});
