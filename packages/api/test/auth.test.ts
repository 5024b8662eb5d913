import { describe, expect, it } from 'vitest';
import { createServices } from '../src/services.js';
import { bearer, cookieOf, createUser, login, PASSWORD, refresh, sessionFrom, uniqueEmail } from './auth-helpers.js';
import { useTestApp } from './support.js';

const testApp = useTestApp(import.meta.url);
const app = () => testApp().app;

const me = (session: { accessToken: string }) =>
  app().inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(session) });

describe('login', () => {
  it('answers an access token and sets an HttpOnly, SameSite=Strict refresh cookie on the auth path', async () => {
    const user = await createUser(testApp());
    const response = await app().inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email.toUpperCase(), password: PASSWORD },
      headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' },
    });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user: { id: user._id.toHexString() } });
    expect(body.accessToken.split('.')).toHaveLength(3);
    const refreshCookie = cookieOf(response, 'refresh_token');
    expect(refreshCookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/v1/auth' });
    expect(refreshCookie?.maxAge).toBe(14 * 86_400);
    const csrf = cookieOf(response, 'csrf_token');
    expect(csrf?.httpOnly).toBeFalsy();
    expect(csrf?.path).toBe('/');

    const profile = await me(sessionFrom(response));
    expect(profile.statusCode).toBe(200);
    expect(profile.json()).toMatchObject({
      user: { email: user.email, roles: ['employee'], effectiveRoles: ['employee'] },
      sessions: [{ device: 'Firefox on Linux', current: true }],
    });
    expect(profile.json().permissions).toContainEqual(
      expect.objectContaining({ action: ['read', 'delete'], subject: 'Session' }),
    );
  });

  it('gives the same answer for a wrong password and an unknown email, taking about as long', async () => {
    const user = await createUser(testApp());
    const attempt = async (email: string) => {
      const started = performance.now();
      const response = await app().inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: 'wrong password here' },
      });
      return { ms: performance.now() - started, response };
    };
    const wrong = await attempt(user.email);
    const unknown = await attempt(uniqueEmail('nobody'));
    for (const { response } of [wrong, unknown]) {
      expect(response.statusCode).toBe(401);
      expect(response.json().error).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    }
    expect(wrong.response.json().error.message).toBe(unknown.response.json().error.message);
    // Both verify an argon2 hash (the unknown email against a dummy one); without that the
    // unknown-email answer would come back in a small fraction of the time.
    const medians = async (email: string) => {
      const times: number[] = [];
      for (let i = 0; i < 3; i += 1) times.push((await attempt(email)).ms);
      return times.sort((a, b) => a - b)[1] as number;
    };
    const known = await medians(user.email);
    const missing = await medians(uniqueEmail('nobody'));
    expect(missing).toBeGreaterThan(known * 0.4);
  });

  it('refuses unknown fields and malformed input', async () => {
    const response = await app().inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'a@example.com', password: 'x', remember: true },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('VALIDATION_FAILED');
  });

  it('lets an archived or invited (password-less) user not sign in, with the same answer', async () => {
    const invited = await createUser(testApp(), { password: null });
    const response = await app().inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: invited.email, password: PASSWORD },
    });
    expect(response.json().error.code).toBe('INVALID_CREDENTIALS');
  });
});

describe('access tokens', () => {
  it('refuses requests without, with a malformed, or with a forged token', async () => {
    for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer a.b.c' }]) {
      const response = await app().inject({ method: 'GET', url: '/api/v1/auth/me', headers });
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('UNAUTHENTICATED');
    }
  });

  it('works through tRPC too', async () => {
    const user = await createUser(testApp());
    const session = await login(app(), user.email);
    const response = await app().inject({ method: 'GET', url: '/trpc/auth.me', headers: bearer(session) });
    expect(response.statusCode).toBe(200);
    expect(response.json().result.data.user.email).toBe(user.email);
    const anonymous = await app().inject({ method: 'GET', url: '/trpc/auth.me' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.data.error.code).toBe('UNAUTHENTICATED');
  });

  it('publishes the verification keys', async () => {
    const response = await app().inject({ method: 'GET', url: '/api/v1/auth/jwks' });
    expect(response.statusCode).toBe(200);
    const [key] = response.json().keys;
    expect(key).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(key.d).toBeUndefined();
  });
});

describe('refresh', () => {
  it('rotates the refresh token on every use', async () => {
    const user = await createUser(testApp());
    const first = await login(app(), user.email);
    const response = await refresh(app(), first);
    expect(response.statusCode).toBe(200);
    const second = sessionFrom(response);
    expect(second.refreshCookie).not.toBe(first.refreshCookie);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect((await me(second)).statusCode).toBe(200);
    // The new one rotates again.
    expect((await refresh(app(), second)).statusCode).toBe(200);
  });

  it('treats a rotated token coming back as theft: the whole session ends', async () => {
    const user = await createUser(testApp());
    const stolen = await login(app(), user.email);
    const legit = sessionFrom(await refresh(app(), stolen));
    const replay = await refresh(app(), stolen);
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error).toMatchObject({ code: 'UNAUTHENTICATED', details: { reason: 'token-reused' } });
    // The legitimate holder's newer token and access token die with the family.
    expect((await refresh(app(), legit)).statusCode).toBe(401);
    expect((await me(legit)).statusCode).toBe(401);
  });

  it('lets exactly one of two concurrent refreshes with the same token succeed', async () => {
    const user = await createUser(testApp());
    const session = await login(app(), user.email);
    const results = await Promise.all([refresh(app(), session), refresh(app(), session)]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 401]);
  });

  it('needs the CSRF header to match the CSRF cookie', async () => {
    const user = await createUser(testApp());
    const session = await login(app(), user.email);
    const missing = await app().inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { refresh_token: session.refreshCookie, csrf_token: session.csrfCookie },
    });
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('CSRF_FAILED');
    const wrong = await refresh(app(), session, 'not-the-cookie-value');
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('CSRF_FAILED');
    // Refused requests did not use the token up.
    expect((await refresh(app(), session)).statusCode).toBe(200);
  });

  it('says why a refresh was refused: an expired session, or a locked account (which ends the session)', async () => {
    const expiring = await createUser(testApp());
    const old = await login(app(), expiring.email);
    await testApp().database.collections.sessions.updateMany(
      { userId: expiring._id },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    const expired = await refresh(app(), old);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.details).toEqual({ reason: 'session-ended' });

    const user = await createUser(testApp());
    const session = await login(app(), user.email);
    for (let i = 0; i < 5; i += 1) {
      await app().inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: user.email, password: `wrong password ${i}` },
      });
    }
    const locked = await refresh(app(), session);
    expect(locked.statusCode).toBe(401);
    expect(locked.json().error.details).toEqual({ reason: 'user-inactive' });
    const stored = await testApp().database.collections.sessions.findOne({ userId: user._id });
    expect(stored).toMatchObject({ revokedReason: 'user-locked', revokedAt: expect.any(Date) });
  });

  it('answers 401 without a refresh cookie', async () => {
    const response = await app().inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      cookies: { csrf_token: 'abc' },
      headers: { 'x-csrf-token': 'abc' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.details).toEqual({ reason: 'no-refresh-token' });
  });
});

describe('housekeeping', () => {
  it('removes sessions a month after they expired and failure counts idle for a day', async () => {
    const user = await createUser(testApp());
    await login(app(), user.email);
    const email = uniqueEmail('idle');
    await app().inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: 'wrong password' } });
    const { sessions, loginFailures } = testApp().database.collections;
    const longAgo = new Date(Date.now() - 31 * 86_400_000);
    await sessions.updateMany({ userId: user._id }, { $set: { expiresAt: longAgo } });
    await loginFailures.updateOne({ _id: email }, { $set: { lastFailureAt: longAgo } });
    const { auth } = await createServices(testApp().deps);
    const purged = await auth.purgeExpired(new Date());
    expect(purged.sessions).toBeGreaterThanOrEqual(1);
    expect(purged.loginFailures).toBeGreaterThanOrEqual(1);
    expect(await sessions.countDocuments({ userId: user._id })).toBe(0);
    expect(await loginFailures.findOne({ _id: email })).toBeNull();
  });
});

describe('sessions and logout', () => {
  it('lists sessions and revokes one, which stops its access token at once', async () => {
    const user = await createUser(testApp());
    const laptop = await login(app(), user.email);
    const phone = await login(app(), user.email);
    const list = await app().inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(laptop) });
    expect(list.json().items).toHaveLength(2);
    const phoneId = list.json().items.find((s: { current: boolean }) => !s.current).id;
    const revoked = await app().inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${phoneId}`,
      headers: bearer(laptop),
    });
    expect(revoked.statusCode).toBe(200);
    expect((await me(phone)).statusCode).toBe(401);
    expect((await me(laptop)).statusCode).toBe(200);
    const again = await app().inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${phoneId}`,
      headers: bearer(laptop),
    });
    expect(again.statusCode).toBe(422);
    expect(again.json().error).toMatchObject({
      code: 'SESSION_ENDED',
      details: { id: phoneId, endedAt: expect.any(String) },
    });
  });

  it("cannot revoke someone else's session", async () => {
    const alice = await login(app(), (await createUser(testApp())).email);
    const bob = await login(app(), (await createUser(testApp())).email);
    const bobSessions = await app().inject({ method: 'GET', url: '/api/v1/auth/sessions', headers: bearer(bob) });
    const response = await app().inject({
      method: 'DELETE',
      url: `/api/v1/auth/sessions/${bobSessions.json().items[0].id}`,
      headers: bearer(alice),
    });
    expect(response.statusCode).toBe(404);
    expect((await me(bob)).statusCode).toBe(200);
  });

  it('logs out the current session with the bearer token and clears the cookies', async () => {
    const user = await createUser(testApp());
    const kept = await login(app(), user.email);
    const session = await login(app(), user.email);
    const response = await app().inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(session) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true, sessionsEnded: 1 });
    expect(cookieOf(response, 'refresh_token')?.value).toBe('');
    expect((await me(session)).statusCode).toBe(401);
    expect((await refresh(app(), session)).statusCode).toBe(401);
    expect((await me(kept)).statusCode).toBe(200);
  });

  it('logs out every session with { all: true }, by cookie with the CSRF header', async () => {
    const user = await createUser(testApp());
    const one = await login(app(), user.email);
    const two = await login(app(), user.email);
    const withoutCsrf = await app().inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      payload: { all: true },
      cookies: { refresh_token: two.refreshCookie, csrf_token: two.csrfCookie },
    });
    expect(withoutCsrf.statusCode).toBe(403);
    const response = await app().inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      payload: { all: true },
      cookies: { refresh_token: two.refreshCookie, csrf_token: two.csrfCookie },
      headers: { 'x-csrf-token': two.csrfCookie },
    });
    expect(response.json()).toEqual({ ok: true, sessionsEnded: 2 });
    expect((await me(one)).statusCode).toBe(401);
    expect((await me(two)).statusCode).toBe(401);
  });
});

describe('lockout', () => {
  const attempt = (email: string, password: string) =>
    app().inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

  it('locks after 5 consecutive failures, even against the right password, until an admin unlocks', async () => {
    const user = await createUser(testApp());
    const admin = await createUser(testApp(), { roles: ['admin'] });
    const victim = await login(app(), user.email);
    const codes: string[] = [];
    for (let i = 0; i < 5; i += 1) codes.push((await attempt(user.email, `wrong-${i}-password`)).json().error.code);
    expect(codes).toEqual([
      'INVALID_CREDENTIALS',
      'INVALID_CREDENTIALS',
      'INVALID_CREDENTIALS',
      'INVALID_CREDENTIALS',
      'ACCOUNT_LOCKED',
    ]);
    const right = await attempt(user.email, PASSWORD);
    expect(right.statusCode).toBe(403);
    expect(right.json().error).toMatchObject({ code: 'ACCOUNT_LOCKED', details: { retryAfterSeconds: 60 } });
    // A locked account's sessions stop too.
    expect((await me(victim)).statusCode).toBe(401);

    const adminSession = await login(app(), admin.email);
    const unlock = await app().inject({
      method: 'POST',
      url: `/api/v1/users/${user._id.toHexString()}/unlock`,
      headers: bearer(adminSession),
    });
    expect(unlock.statusCode).toBe(200);
    expect(unlock.json().lockedUntil).toBeNull();
    expect((await attempt(user.email, PASSWORD)).statusCode).toBe(200);
  });

  it('locks unknown emails the same way, so lockouts reveal nothing', async () => {
    const email = uniqueEmail('ghost');
    const codes: string[] = [];
    for (let i = 0; i < 6; i += 1) codes.push((await attempt(email, 'whatever-password')).json().error.code);
    expect(codes.slice(4)).toEqual(['ACCOUNT_LOCKED', 'ACCOUNT_LOCKED']);
  });

  it('grows the lock period with each lock in a row', async () => {
    const user = await createUser(testApp());
    const failures = testApp().database.collections.loginFailures;
    for (let i = 0; i < 5; i += 1) await attempt(user.email, 'wrong password 1');
    // Pretend the first lock has passed.
    await failures.updateOne({ _id: user.emailKey }, { $set: { lockedUntil: new Date(Date.now() - 1000) } });
    for (let i = 0; i < 5; i += 1) await attempt(user.email, 'wrong password 2');
    const locked = await attempt(user.email, PASSWORD);
    expect(locked.json().error.details.retryAfterSeconds).toBeGreaterThan(200);
    expect(locked.json().error.details.retryAfterSeconds).toBeLessThanOrEqual(240);
  });
});

describe('the bootstrap admin', () => {
  const boot = useTestApp(`${import.meta.url}#bootstrap`, {
    env: { BOOTSTRAP_ADMIN_EMAIL: 'root@example.com', BOOTSTRAP_ADMIN_PASSWORD: 'first-admin-password-2026' },
  });

  it('can sign in, and must change the password before anything else answers', async () => {
    const { ensureBootstrapAdmin } = await import('../src/bootstrap/bootstrap-admin.js');
    expect(await ensureBootstrapAdmin(boot().deps)).toBe('created');
    const session = await login(boot().app, 'root@example.com', 'first-admin-password-2026');
    expect(session.body.user).toMatchObject({ roles: ['admin'], mustChangePassword: true });
    const blocked = await boot().app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(session) });
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().error.code).toBe('PASSWORD_CHANGE_REQUIRED');
    const changed = await boot().app.inject({
      method: 'POST',
      url: '/api/v1/auth/change-password',
      headers: bearer(session),
      payload: { currentPassword: 'first-admin-password-2026', newPassword: 'a much better admin secret' },
    });
    expect(changed.statusCode).toBe(200);
    const allowed = await boot().app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(session) });
    expect(allowed.statusCode).toBe(200);
  });
});
