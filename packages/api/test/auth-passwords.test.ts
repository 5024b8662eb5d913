import { describe, expect, it } from 'vitest';
import { bearer, createUser, login, PASSWORD, refresh, uniqueEmail } from './auth-helpers.js';
import { mailTo, tokenIn, useSmtpSink } from './smtp-sink.js';
import { useTestApp } from './support.js';

const smtp = useSmtpSink();
const testApp = useTestApp(import.meta.url, {
  env: () => ({ SMTP_URL: smtp().url, APP_URL: 'https://pms.example.com' }),
});
const app = () => testApp().app;

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app().inject({ method: 'POST', url, payload: payload as Record<string, unknown>, headers });
const me = (session: { accessToken: string }) =>
  app().inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(session) });

describe('forgot and reset password', () => {
  it('emails a single-use link, and the reset ends every session', async () => {
    const user = await createUser(testApp());
    const before = smtp().received.length;
    const session = await login(app(), user.email);
    const asked = await post('/api/v1/auth/forgot-password', { email: user.email });
    expect(asked.statusCode).toBe(202);
    const mail = await mailTo(smtp(), user.email, before);
    expect(mail.subject).toBe('Reset your Seed PMS password');
    expect(mail.text).toContain('https://pms.example.com/reset-password?token=');
    const token = tokenIn(mail);

    const weak = await post('/api/v1/auth/reset-password', { token, password: 'password2024!' });
    expect(weak.statusCode).toBe(422);
    expect(weak.json().error).toMatchObject({ code: 'WEAK_PASSWORD', details: { reasons: ['common'] } });

    const reset = await post('/api/v1/auth/reset-password', { token, password: 'a brand new passphrase' });
    expect(reset.statusCode).toBe(200);
    expect((await me(session)).statusCode).toBe(401);
    expect((await refresh(app(), session)).statusCode).toBe(401);
    await login(app(), user.email, 'a brand new passphrase');

    const again = await post('/api/v1/auth/reset-password', { token, password: 'yet another passphrase' });
    expect(again.statusCode).toBe(400);
    expect(again.json().error.code).toBe('INVALID_TOKEN');
  });

  it('answers the same for an unknown email and sends nothing', async () => {
    const known = await createUser(testApp());
    const unknown = uniqueEmail('nobody');
    const a = await post('/api/v1/auth/forgot-password', { email: known.email });
    const b = await post('/api/v1/auth/forgot-password', { email: unknown });
    expect(a.statusCode).toBe(b.statusCode);
    expect(a.json()).toEqual(b.json());
    await mailTo(smtp(), known.email);
    expect(smtp().received.some((r) => r.envelope.rcptTo.some((t) => t.address === unknown))).toBe(false);
  });

  it('refuses an expired token', async () => {
    const user = await createUser(testApp());
    const before = smtp().received.length;
    await post('/api/v1/auth/forgot-password', { email: user.email });
    const token = tokenIn(await mailTo(smtp(), user.email, before));
    await testApp().database.collections.authTokens.updateMany(
      { userId: user._id },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    const response = await post('/api/v1/auth/reset-password', { token, password: 'a brand new passphrase' });
    expect(response.json().error.code).toBe('INVALID_TOKEN');
  });

  it('keeps no usable token or email body in the database', async () => {
    const user = await createUser(testApp());
    const before = smtp().received.length;
    await post('/api/v1/auth/forgot-password', { email: user.email });
    const token = tokenIn(await mailTo(smtp(), user.email, before));
    const stored = await testApp().database.collections.authTokens.findOne({ userId: user._id, usedAt: null });
    expect(stored?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(stored)).not.toContain(token);
    // The sink has the email before the sender records the delivery (and drops the bodies): wait for that.
    const outbox = testApp().database.db.collection('outbox');
    const deadline = Date.now() + 5_000;
    while ((await outbox.countDocuments({ to: user.email, status: { $ne: 'sent' } })) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(JSON.stringify(await outbox.find({ to: user.email }).toArray())).not.toContain(token);
  });
});

describe('change password', () => {
  it('needs the current password, applies the policy and ends the other sessions only', async () => {
    const user = await createUser(testApp());
    const here = await login(app(), user.email);
    const elsewhere = await login(app(), user.email);
    const wrong = await post(
      '/api/v1/auth/change-password',
      { currentPassword: 'not my password', newPassword: 'a fresh long passphrase' },
      bearer(here),
    );
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().error.code).toBe('INVALID_CREDENTIALS');
    for (const [newPassword, reason] of [
      ['short', 'too-short'],
      [user.email, 'same-as-email'],
      ['qwertyuiop123!', 'common'],
      ['abababababababab', 'repetitive'],
    ] as const) {
      const weak = await post('/api/v1/auth/change-password', { currentPassword: PASSWORD, newPassword }, bearer(here));
      expect(weak.statusCode).toBe(422);
      expect(weak.json().error.details.reasons).toContain(reason);
    }
    const changed = await post(
      '/api/v1/auth/change-password',
      { currentPassword: PASSWORD, newPassword: 'a fresh long passphrase' },
      bearer(here),
    );
    expect(changed.json()).toEqual({ ok: true, sessionsEnded: 1 });
    expect((await me(here)).statusCode).toBe(200);
    expect((await me(elsewhere)).statusCode).toBe(401);
    await login(app(), user.email, 'a fresh long passphrase');
  });
});

describe('invites', () => {
  it('creating a user sends an invite; accepting it sets the password', async () => {
    const admin = await login(app(), (await createUser(testApp(), { roles: ['admin'] })).email);
    const email = uniqueEmail('new-hire');
    const before = smtp().received.length;
    const created = await post('/api/v1/users', { email, name: 'New Hire', roles: ['employee'] }, bearer(admin));
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ hasPassword: false, invitedAt: expect.any(String) });
    const mail = await mailTo(smtp(), email, before);
    expect(mail.subject).toBe('You are invited to Seed PMS');
    const token = tokenIn(mail);
    const accepted = await post('/api/v1/auth/accept-invite', { token, password: 'my own good passphrase' });
    expect(accepted.statusCode).toBe(200);
    const session = await login(app(), email, 'my own good passphrase');
    expect(session.body.user).toMatchObject({ mustChangePassword: false });
    expect((await post('/api/v1/auth/accept-invite', { token, password: 'another passphrase ok' })).statusCode).toBe(
      400,
    );
  });

  it('an initial password set by an admin must be changed at first login', async () => {
    const admin = await login(app(), (await createUser(testApp(), { roles: ['admin'] })).email);
    const email = uniqueEmail('temp');
    const created = await post(
      '/api/v1/users',
      { email, name: 'Temp Pass', password: 'initial passphrase 42' },
      bearer(admin),
    );
    expect(created.json()).toMatchObject({ hasPassword: true, mustChangePassword: true, invitedAt: null });
    const session = await login(app(), email, 'initial passphrase 42');
    const sessions = await app().inject({ method: 'GET', url: '/api/v1/settings', headers: bearer(session) });
    expect(sessions.json().error.code).toBe('PASSWORD_CHANGE_REQUIRED');
  });
});
