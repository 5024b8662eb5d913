import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  callAs,
  createUser,
  login,
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

const get = (session: Session, url: string) =>
  callAs(app(), session, 'GET', url, undefined, { 'user-agent': 'audit-test' });

describe('the audit trail', () => {
  it('records a change with actor, before/after without secrets, and the request it came from', async () => {
    const created = await app().inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { ...bearer(admin), 'x-request-id': 'req-audit-1', 'user-agent': 'audit-test' },
      payload: { email: uniqueEmail('audited'), name: 'Audited', password: 'initial passphrase 77' },
    });
    const userId = created.json().id;
    await app().inject({
      method: 'PATCH',
      url: `/api/v1/users/${userId}`,
      headers: bearer(admin),
      payload: { version: 1, roles: ['manager'] },
    });
    const trail = await get(hr, `/audits/user/${userId}`);
    expect(trail.statusCode).toBe(200);
    const [change, creation] = trail.json().items;
    expect(change).toMatchObject({
      action: 'user.roles.change',
      actorId: admin.id,
      actorType: 'user',
      resourceType: 'user',
      resourceId: userId,
      changes: { before: { roles: ['employee'] }, after: { roles: ['manager'] } },
    });
    expect(creation).toMatchObject({
      action: 'user.create',
      metadata: { requestId: 'req-audit-1', userAgent: 'audit-test', ip: '127.0.0.1' },
    });
    const raw = JSON.stringify(await testApp().database.db.collection('audit_logs').find({}).toArray());
    expect(raw).not.toContain('initial passphrase 77');
    expect(raw).not.toMatch(/argon2id/);
  });

  it('records security events: failed and successful logins, lockouts', async () => {
    const user = await createUser(testApp());
    await app().inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: 'wrong wrong wrong' },
    });
    await login(app(), user.email);
    const trail = await get(admin, `/audits?resourceType=user&resourceId=${user._id.toHexString()}`);
    expect(trail.json().items.map((e: { action: string }) => e.action)).toEqual(['auth.login', 'auth.login.failed']);
    const failed = await get(admin, '/audits?action=auth.login.failed&limit=100');
    expect(failed.json().items.length).toBeGreaterThan(0);
  });

  it('filters by actor and pages newest first without gaps', async () => {
    for (let i = 0; i < 5; i += 1) {
      await app().inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: bearer(admin),
        payload: { email: uniqueEmail('paged'), name: `Paged ${i}`, sendInvite: false },
      });
    }
    const all = (await get(admin, `/audits?actorId=${admin.id}&action=user.create&limit=100`)).json().items;
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { seq: number }[]; nextCursor: string | null } = (
        await get(admin, `/audits?actorId=${admin.id}&action=user.create&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      seen.push(...page.items.map((e: { seq: number }) => e.seq));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((e: { seq: number }) => e.seq));
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
    const badCursor = await get(admin, '/audits?cursor=nonsense');
    expect(badCursor.statusCode).toBe(400);
  });

  it('is readable by Admin and HR only; the chain check is for admins', async () => {
    expect((await get(employee, '/audits')).statusCode).toBe(403);
    expect((await get(hr, '/audits')).statusCode).toBe(200);
    expect((await get(hr, '/audits/verify')).statusCode).toBe(403);
    const verified = await get(admin, '/audits/verify');
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ ok: true, brokenAt: null });
    expect(verified.json().checked).toBeGreaterThan(5);
  });

  it('detects an entry changed behind the API', async () => {
    const raw = testApp().database.db.collection('audit_logs');
    const victim = await raw.findOne({ action: 'user.create' }, { sort: { seq: 1 } });
    await raw.updateOne({ _id: victim?._id }, { $set: { actorId: 'someone-else' } });
    const verified = await get(admin, '/audits/verify');
    expect(verified.json()).toMatchObject({ ok: false, brokenAt: { seq: victim?.seq, reason: 'hash-mismatch' } });
    await raw.updateOne({ _id: victim?._id }, { $set: { actorId: victim?.actorId } });
    expect((await get(admin, '/audits/verify')).json().ok).toBe(true);
  });
});

describe('append-only', () => {
  it('no source file that touches the audit collection updates, replaces or deletes anything', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const touching: string[] = [];
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (name === 'node_modules' || name === 'dist' || name === 'test') continue;
        if (statSync(path).isDirectory()) walk(path);
        else if (name.endsWith('.ts')) {
          const source = readFileSync(path, 'utf8');
          if (!/auditCollection|'audit_logs'/.test(source)) continue;
          touching.push(path);
          if (/\.(update\w*|replace\w*|delete\w*|findOneAnd\w+|bulkWrite|drop)\(/.test(source)) offenders.push(path);
        }
      }
    };
    walk(root);
    expect(touching.length).toBeGreaterThanOrEqual(3);
    expect(offenders).toEqual([]);
  });
});
