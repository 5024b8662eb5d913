import { describe, expect, it } from 'vitest';
import { bearer, createUser, login, PASSWORD, uniqueEmail } from './auth-helpers.js';
import { useTestApp } from './support.js';

const testApp = useTestApp(import.meta.url);
const app = () => testApp().app;

const attempt = (email: string, password: string) =>
  app().inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
const failuresOf = (emailKey: string) => testApp().database.collections.loginFailures.findOne({ _id: emailKey });

describe('concurrent failed sign-ins', () => {
  it('are all counted, however many arrive together', async () => {
    const email = uniqueEmail('burst');
    const answers = await Promise.all(Array.from({ length: 4 }, (_, i) => attempt(email, `wrong password ${i}`)));
    expect(answers.map((a) => a.json().error.code)).toEqual(Array(4).fill('INVALID_CREDENTIALS'));
    const stored = await failuresOf(email);
    expect(stored).toMatchObject({ failures: 4, locks: 0 });
    expect(stored?.lockedUntil ?? null).toBeNull();
    // The fifth, whatever its password, locks.
    expect((await attempt(email, 'wrong password 5')).json().error.code).toBe('ACCOUNT_LOCKED');
  });

  it('lock once when a burst goes past the threshold', async () => {
    const user = await createUser(testApp());
    const id = user._id.toHexString();
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => attempt(user.email, `wrong password ${i}`)));
    const codes = answers.map((a) => a.json().error.code);
    const audits = testApp().database.db.collection('audit_logs');
    // One lock; requests that arrive after it answer ACCOUNT_LOCKED without counting.
    expect(await audits.countDocuments({ action: 'auth.account.locked', resourceId: id })).toBe(1);
    const counted = await audits.countDocuments({ action: 'auth.login.failed', resourceId: id });
    expect(counted).toBeGreaterThanOrEqual(5);
    expect(codes.filter((c) => c === 'INVALID_CREDENTIALS')).toHaveLength(counted - 1);
    expect(codes.filter((c) => c === 'ACCOUNT_LOCKED')).toHaveLength(8 - (counted - 1));
    const stored = await failuresOf(user.emailKey);
    expect(stored).toMatchObject({ locks: 1, lockedUntil: expect.any(Date) });
    // Failures counted after the lock landed count toward the next one.
    expect(stored?.failures).toBeLessThanOrEqual(counted - 5);
    const account = await testApp().database.collections.users.findOne({ _id: user._id });
    expect(account?.lockedUntil).toEqual(stored?.lockedUntil);
    expect((await attempt(user.email, PASSWORD)).json().error.code).toBe('ACCOUNT_LOCKED');
  });
});

describe('regression: a signed-in user’s wrong password or code answered 401, which clients read as an expired token', () => {
  const post = (url: string, session: { accessToken: string }, payload: Record<string, unknown>) =>
    app().inject({ method: 'POST', url, payload, headers: bearer(session) });

  it('re-confirmations answer 403 with the sign-in codes and the field to correct; sign-in keeps 401', async () => {
    const user = await createUser(testApp());
    const session = await login(app(), user.email);
    const wrong = await post('/api/v1/auth/change-password', session, {
      currentPassword: 'not my password',
      newPassword: 'a fresh long passphrase',
    });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error).toMatchObject({ code: 'INVALID_CREDENTIALS', details: { field: 'currentPassword' } });
    const enrolled = await post('/api/v1/auth/mfa/enroll', session, {});
    expect(enrolled.statusCode).toBe(200);
    const badCode = await post('/api/v1/auth/mfa/confirm', session, { code: '000000' });
    expect(badCode.statusCode).toBe(403);
    expect(badCode.json().error).toMatchObject({ code: 'INVALID_MFA_CODE', details: { field: 'code' } });
    // The session is still good: nothing here was an authentication failure of the request.
    expect((await app().inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(session) })).statusCode).toBe(
      200,
    );
    const signIn = await attempt(user.email, 'not my password');
    expect(signIn.statusCode).toBe(401);
    expect(signIn.json().error.code).toBe('INVALID_CREDENTIALS');
  });

  it('answers 403 over tRPC too, so tRPC clients see it as forbidden, not unauthorised', async () => {
    const user = await createUser(testApp());
    const session = await login(app(), user.email);
    const response = await app().inject({
      method: 'POST',
      url: '/trpc/auth.changePassword',
      headers: bearer(session),
      payload: { currentPassword: 'not my password', newPassword: 'a fresh long passphrase' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.data).toMatchObject({
      code: 'FORBIDDEN',
      httpStatus: 403,
      error: { code: 'INVALID_CREDENTIALS', details: { field: 'currentPassword' } },
    });
  });

  it('wrong current passwords still count toward the lockout (a stolen session cannot guess it freely)', async () => {
    const user = await createUser(testApp());
    const session = await login(app(), user.email);
    const codes: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await post('/api/v1/auth/change-password', session, {
        currentPassword: `not my password ${i}`,
        newPassword: 'a fresh long passphrase',
      });
      expect(response.statusCode).toBe(403);
      codes.push(response.json().error.code);
    }
    expect(codes).toEqual([...Array(4).fill('INVALID_CREDENTIALS'), 'ACCOUNT_LOCKED']);
  });
});
