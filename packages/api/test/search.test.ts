import { createRepositories } from '@seed-pms/db';
import { beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_KEYS_REPAIR_JOB } from '../src/jobs/schedule.js';
import { callAs, type SignedIn, signInAs, signInStaff } from './auth-helpers.js';
import { useTestApp } from './support.js';

/** Every `q` ignores case and accents both ways: the stored keys and the query are folded alike. */
const testApp = useTestApp(import.meta.url);
const repos = () => createRepositories(testApp().database);
let admin: SignedIn;
let manager: SignedIn;

beforeAll(async () => {
  ({ admin } = await signInStaff(testApp()));
  manager = await signInAs(testApp(), ['manager']);
});

const ids = async (session: SignedIn, url: string) =>
  ((await callAs(testApp().app, session, 'GET', url)).json().items as { id: string }[]).map((i) => i.id);

describe('regression: search ignored accents only one way (q=wojcik found nothing, q=wójcik found them)', () => {
  it('accounts: either spelling finds them, by any word of the name or the start of the email', async () => {
    const created = await callAs(testApp().app, admin, 'POST', '/users', {
      email: 'lucja.wojcik@example.com',
      name: 'Łucja Wójcik-Żak',
      roles: ['employee'],
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    for (const q of ['wojcik', 'wójcik', 'WÓJ', 'lucja', 'łucja', 'zak', 'lucja.woj']) {
      expect(await ids(admin, `/users?q=${encodeURIComponent(q)}`), q).toEqual([id]);
    }
    expect(await ids(admin, '/users?q=wojcikx')).toEqual([]);
  });

  it('projects: by a word of the name or the code, either spelling', async () => {
    const created = await callAs(testApp().app, manager, 'POST', '/projects', {
      name: 'Café Über Straße',
      code: 'ETE-1',
      startDate: '2026-01-01',
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    for (const q of ['cafe', 'café', 'uber', 'strasse', 'ete-1', 'été']) {
      expect(await ids(manager, `/projects?q=${encodeURIComponent(q)}`), q).toEqual([id]);
    }
  });

  it('accounts and projects stored before the keys were folded are found after the repair job, unchanged otherwise', async () => {
    const project = (
      await callAs(testApp().app, manager, 'POST', '/projects', { name: 'Zürich Bäckerei', startDate: '2026-01-01' })
    ).json();
    const account = (
      await callAs(testApp().app, admin, 'POST', '/users', {
        email: 'andre@example.com',
        name: 'André Ångström',
        roles: ['employee'],
      })
    ).json();
    // As stored before: keys lower-cased but not folded, or none at all.
    const { projects, users } = testApp().database.collections;
    await projects.updateOne({ name: 'Zürich Bäckerei' }, { $set: { searchKeys: ['zürich', 'bäckerei'] } });
    await users.updateOne({ emailKey: 'andre@example.com' }, { $unset: { searchKeys: '' } });
    expect(await ids(manager, '/projects?q=zurich')).toEqual([]);
    expect(await ids(admin, '/users?q=angstrom')).toEqual([]);

    await testApp().deps.jobs.enqueue(SEARCH_KEYS_REPAIR_JOB);
    for (let i = 0; i < 50 && (await ids(admin, '/users?q=angstrom')).length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await ids(manager, '/projects?q=zurich')).toEqual([project.id]);
    expect(await ids(admin, '/users?q=angstrom')).toEqual([account.id]);
    expect(await repos().projects.repairSearchKeys()).toBe(0);
    expect(await repos().users.repairSearchKeys()).toBe(0);
    expect((await repos().projects.get(project.id))?.version).toBe(project.version);
    expect((await repos().users.get(account.id))?.version).toBe(account.version);
  });
});
