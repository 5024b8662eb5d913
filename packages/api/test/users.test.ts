import { beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../src/services.js';
import {
  bearer,
  callAs,
  createUser,
  login,
  type RestMethod,
  type Session,
  type SignedIn,
  signInStaff,
  uniqueEmail,
} from './auth-helpers.js';
import { useTestApp } from './support.js';

const testApp = useTestApp(import.meta.url);
const app = () => testApp().app;

let admin: SignedIn;
let hr: SignedIn;
let employee: SignedIn;
beforeAll(async () => {
  ({ admin, hr, employee } = await signInStaff(testApp()));
});

const call = (session: Session, method: RestMethod, url: string, payload?: Record<string, unknown>) =>
  callAs(app(), session, method, url, payload);

async function newUser(as: Session, body: Record<string, unknown> = {}) {
  const response = await call(as, 'POST', '/users', {
    email: uniqueEmail('made'),
    name: 'Made Here',
    sendInvite: false,
    ...body,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

describe('user administration', () => {
  it('creates, reads and updates users with optimistic locking', async () => {
    const created = await newUser(hr, { roles: ['manager'] });
    expect(created).toMatchObject({ status: 'active', roles: ['manager'], version: 1, hasPassword: false });
    const read = await call(hr, 'GET', `/users/${created.id}`);
    expect(read.json()).toEqual(created);
    const updated = await call(hr, 'PATCH', `/users/${created.id}`, { version: 1, name: 'Renamed Person' });
    expect(updated.json()).toMatchObject({ name: 'Renamed Person', version: 2 });
    const stale = await call(hr, 'PATCH', `/users/${created.id}`, { version: 1, name: 'Lost Update' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({ code: 'VERSION_CONFLICT', details: { currentVersion: 2 } });
  });

  it('keeps emails unique regardless of case', async () => {
    const email = uniqueEmail('dup');
    await newUser(hr, { email });
    const again = await call(hr, 'POST', '/users', {
      email: `  ${email.toUpperCase()} `,
      name: 'Dup',
      sendInvite: false,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('ALREADY_EXISTS');
    const other = await newUser(hr);
    const clash = await call(hr, 'PATCH', `/users/${other.id}`, { version: 1, email: email.toUpperCase() });
    expect(clash.json().error.code).toBe('ALREADY_EXISTS');
  });

  it('refuses unknown fields instead of storing them (no mass assignment)', async () => {
    const created = await call(hr, 'POST', '/users', {
      email: uniqueEmail('mass'),
      name: 'Mass',
      status: 'archived',
      passwordHash: 'x',
    });
    expect(created.statusCode).toBe(400);
    expect(created.json().error.code).toBe('VALIDATION_FAILED');
    const target = await newUser(hr);
    const patched = await call(hr, 'PATCH', `/users/${target.id}`, { version: 1, mustChangePassword: false });
    expect(patched.statusCode).toBe(400);
  });

  it('lists with filters and pagination', async () => {
    const marker = `zz-${Date.now().toString(36)}`;
    for (let i = 0; i < 5; i += 1) {
      await newUser(hr, { name: `${marker} ${i}`, roles: i % 2 ? ['director'] : ['employee'] });
    }
    const page1 = await call(hr, 'GET', `/users?q=${marker}&limit=2&sort=name`);
    expect(page1.json()).toMatchObject({ total: 5, page: 1, limit: 2 });
    expect(page1.json().items.map((u: { name: string }) => u.name)).toEqual([`${marker} 0`, `${marker} 1`]);
    const page3 = await call(hr, 'GET', `/users?q=${marker}&limit=2&page=3&sort=name`);
    expect(page3.json().items.map((u: { name: string }) => u.name)).toEqual([`${marker} 4`]);
    const directors = await call(hr, 'GET', `/users?q=${marker}&role=director`);
    expect(directors.json().total).toBe(2);
    const bad = await call(hr, 'GET', '/users?limit=1000');
    expect(bad.statusCode).toBe(400);
  });

  it('is for Admin and HR only', async () => {
    expect((await call(employee, 'GET', '/users')).statusCode).toBe(403);
    const someone = await newUser(hr);
    expect((await call(employee, 'GET', `/users/${someone.id}`)).statusCode).toBe(403);
    expect((await call(hr, 'GET', '/users/0123456789abcdef01234567')).statusCode).toBe(404);
    expect((await call(hr, 'GET', '/users/not-an-id')).statusCode).toBe(404);
  });
});

describe('roles', () => {
  it('nobody raises their own roles', async () => {
    const me = await call(hr, 'GET', `/users/${hr.id}`);
    const raise = await call(hr, 'PATCH', `/users/${hr.id}`, { version: me.json().version, roles: ['hr', 'finance'] });
    expect(raise.statusCode).toBe(403);
    expect(raise.json().error.message).toBe('Nobody can change their own roles');
  });

  it('only admins grant admin; HR manages the roles below', async () => {
    const target = await newUser(hr);
    const byHr = await call(hr, 'PATCH', `/users/${target.id}`, { version: 1, roles: ['admin'] });
    expect(byHr.statusCode).toBe(403);
    expect(
      (await call(hr, 'POST', '/users', { email: uniqueEmail('a'), name: 'A', roles: ['admin'] })).statusCode,
    ).toBe(403);
    const toDirector = await call(hr, 'PATCH', `/users/${target.id}`, { version: 1, roles: ['director', 'ceo'] });
    expect(toDirector.json().roles).toEqual(['director', 'ceo']);
    const byAdmin = await call(admin, 'PATCH', `/users/${target.id}`, { version: 2, roles: ['admin'] });
    expect(byAdmin.json().roles).toEqual(['admin']);
    // Now an admin account: HR cannot touch it.
    const hrEdit = await call(hr, 'PATCH', `/users/${target.id}`, { version: 3, name: 'Nope' });
    expect(hrEdit.statusCode).toBe(403);
    expect((await call(hr, 'POST', `/users/${target.id}/archive`, { reason: 'no' })).statusCode).toBe(403);
  });

  it('a role change applies to the next request of a signed-in user', async () => {
    const user = await createUser(testApp());
    const session = await login(app(), user.email);
    expect((await call(session, 'GET', '/users')).statusCode).toBe(403);
    await call(admin, 'PATCH', `/users/${user._id.toHexString()}`, { version: 1, roles: ['hr'] });
    expect((await call(session, 'GET', '/users')).statusCode).toBe(200);
  });
});

describe('archive and restore', () => {
  it('archiving ends every session at once, records who and why, and tells other areas', async () => {
    const user = await createUser(testApp());
    const session = await login(app(), user.email);
    const archivedEvents: unknown[] = [];
    const services = await createServices(testApp().deps);
    services.events.on('user.archived', async (event) => {
      archivedEvents.push(event);
    });
    const archived = await call(hr, 'POST', `/users/${user._id.toHexString()}/archive`, { reason: 'Left the company' });
    expect(archived.statusCode).toBe(200);
    expect(archived.json()).toMatchObject({ status: 'archived', archivedBy: hr.id, archiveReason: 'Left the company' });
    expect(archivedEvents).toEqual([
      expect.objectContaining({ userId: user._id.toHexString(), by: hr.id, reason: 'Left the company' }),
    ]);
    const refused = await app().inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(session) });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().error.details.reason).toBe('session-revoked');
    const again = await call(hr, 'POST', `/users/${user._id.toHexString()}/archive`, { reason: 'again' });
    expect(again.statusCode).toBe(422);
    expect(again.json().error).toMatchObject({
      code: 'USER_ARCHIVED',
      details: { id: user._id.toHexString(), archivedAt: archived.json().archivedAt },
    });
    const resetArchived = await call(hr, 'POST', `/users/${user._id.toHexString()}/reset-password`, {
      password: 'temporary passphrase 9',
    });
    expect(resetArchived.statusCode).toBe(422);
    expect(resetArchived.json().error.code).toBe('USER_ARCHIVED');

    const restored = await call(hr, 'POST', `/users/${user._id.toHexString()}/restore`);
    expect(restored.json()).toMatchObject({ status: 'active', archivedAt: null, archiveReason: null });
    const restoredAgain = await call(hr, 'POST', `/users/${user._id.toHexString()}/restore`);
    expect(restoredAgain.statusCode).toBe(422);
    expect(restoredAgain.json().error).toMatchObject({
      code: 'USER_NOT_ARCHIVED',
      details: { id: user._id.toHexString(), status: 'active' },
    });
    // Restoring does not bring sessions back.
    expect((await app().inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(session) })).statusCode).toBe(
      401,
    );
    await login(app(), user.email);
  });

  it('nobody archives themselves', async () => {
    const response = await call(hr, 'POST', `/users/${hr.id}/archive`, { reason: 'bye' });
    expect(response.statusCode).toBe(403);
  });
});

describe('admin password reset', () => {
  it('a temporary password ends the sessions and must be changed', async () => {
    const user = await createUser(testApp());
    const session = await login(app(), user.email);
    const reset = await call(hr, 'POST', `/users/${user._id.toHexString()}/reset-password`, {
      password: 'temporary passphrase 9',
    });
    expect(reset.json()).toEqual({ method: 'temporary-password', sessionsRevoked: 1 });
    expect((await app().inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(session) })).statusCode).toBe(
      401,
    );
    const fresh = await login(app(), user.email, 'temporary passphrase 9');
    expect(fresh.body.user).toMatchObject({ mustChangePassword: true });
  });
});

describe('invites', () => {
  it('are for accounts without a password: 422 PASSWORD_ALREADY_SET otherwise', async () => {
    const invited = await newUser(hr);
    const sent = await call(hr, 'POST', `/users/${invited.id}/invite`);
    expect(sent.statusCode).toBe(200);
    expect(sent.json()).toMatchObject({ invitedAt: expect.any(String), version: 2 });
    const withPassword = await createUser(testApp());
    const refused = await call(hr, 'POST', `/users/${withPassword._id.toHexString()}/invite`);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({
      code: 'PASSWORD_ALREADY_SET',
      details: { id: withPassword._id.toHexString(), hasPassword: true },
    });
  });
});

describe('versions', () => {
  const version = async (id: string) => (await call(admin, 'GET', `/users/${id}`)).json().version as number;
  const signIn = (email: string, password: string) =>
    app().inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });

  it('a sign-in is bookkeeping (no new version); a lock and its lifting are changes of the account', async () => {
    const user = await createUser(testApp());
    const id = user._id.toHexString();
    expect(await version(id)).toBe(1);
    await login(app(), user.email);
    const signedIn = (await call(admin, 'GET', `/users/${id}`)).json();
    expect(signedIn).toMatchObject({ version: 1, lastLoginAt: expect.any(String) });

    for (let i = 0; i < 5; i += 1) await signIn(user.email, `wrong password ${i}`);
    const locked = (await call(admin, 'GET', `/users/${id}`)).json();
    expect(locked).toMatchObject({ version: 2, lockedUntil: expect.any(String) });
    // An edit made from the view before the lock no longer applies over it.
    const stale = await call(admin, 'PATCH', `/users/${id}`, { version: 1, name: 'Stale Edit' });
    expect(stale.json().error).toMatchObject({ code: 'VERSION_CONFLICT', details: { currentVersion: 2 } });

    const unlocked = await call(admin, 'POST', `/users/${id}/unlock`);
    expect(unlocked.json()).toMatchObject({ version: 3, lockedUntil: null });
  });
});
