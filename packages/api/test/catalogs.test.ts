import { createRepositories } from '@seed-pms/db';
import { beforeAll, describe, expect, it } from 'vitest';
import { SEARCH_KEYS_REPAIR_JOB } from '../src/jobs/schedule.js';
import { bearer, callAs, createUser, login, type RestMethod, type Session } from './auth-helpers.js';
import { useTestApp } from './support.js';

const testApp = useTestApp(import.meta.url);
const repos = () => createRepositories(testApp().database);

let admin: Session;
let employee: Session;
let employeeId: string;

beforeAll(async () => {
  const a = await createUser(testApp(), { roles: ['admin'] });
  const e = await createUser(testApp(), { roles: ['employee'] });
  employeeId = e._id.toHexString();
  admin = await login(testApp().app, a.email);
  employee = await login(testApp().app, e.email);
});

const call = (session: Session, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);

async function createItem(type: string, name: string, description?: string) {
  const response = await call(admin, 'POST', '/catalogs', { type, name, ...(description ? { description } : {}) });
  expect(response.statusCode).toBe(201);
  return response.json() as { id: string; name: string; version: number; active: boolean };
}

describe('catalog items', () => {
  it('admins create items; names are tidied and unique per type regardless of case and spaces', async () => {
    const item = await createItem('skill', '  Type   Script ', 'The language');
    expect(item).toMatchObject({ name: 'Type Script', active: true, version: 1 });

    const duplicate = await call(admin, 'POST', '/catalogs', { type: 'skill', name: 'type script' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().error.code).toBe('ALREADY_EXISTS');

    // The same name in another type is another item.
    expect((await call(admin, 'POST', '/catalogs', { type: 'hobby', name: 'Type Script' })).statusCode).toBe(201);
  });

  it('only admins change the catalogs; everyone signed in reads them', async () => {
    const refused = await call(employee, 'POST', '/catalogs', { type: 'skill', name: 'Go' });
    expect(refused.statusCode).toBe(403);
    const list = await call(employee, 'GET', '/catalogs/skill');
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((i: { name: string }) => i.name)).toContain('Type Script');
    const anonymous = await testApp().app.inject({ method: 'GET', url: '/api/v1/catalogs' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('refuses unknown fields and bad types, and an unknown type in the path is 404', async () => {
    const extra = await call(admin, 'POST', '/catalogs', { type: 'skill', name: 'Rust', createdBy: employeeId });
    expect(extra.statusCode).toBe(400);
    expect(extra.json().error.code).toBe('VALIDATION_FAILED');
    const badType = await call(admin, 'POST', '/catalogs', { type: 'planet', name: 'Mars' });
    expect(badType.statusCode).toBe(400);
    expect((await call(admin, 'GET', '/catalogs/planet')).statusCode).toBe(404);
    const blank = await call(admin, 'POST', '/catalogs', { type: 'skill', name: '   ' });
    expect(blank.statusCode).toBe(400);
  });

  it('lists by type in name order with a prefix search, and pickers leave out deactivated items', async () => {
    for (const name of ['Kotlin', 'Java', 'JavaScript', 'Julia']) await createItem('skill', name);
    const julia = (await call(admin, 'GET', '/catalogs/skill?q=jul')).json().items[0];
    expect(julia.name).toBe('Julia');

    const deactivated = await call(admin, 'PATCH', `/catalogs/${julia.id}`, { version: julia.version, active: false });
    expect(deactivated.statusCode).toBe(200);
    const picker = (await call(employee, 'GET', '/catalogs/skill?q=j')).json();
    expect(picker.items.map((i: { name: string }) => i.name)).toEqual(['Java', 'JavaScript']);
    const all = (await call(admin, 'GET', '/catalogs/skill?q=j&includeInactive=true')).json();
    expect(all.items.map((i: { name: string }) => i.name)).toEqual(['Java', 'JavaScript', 'Julia']);

    const everything = (await call(admin, 'GET', '/catalogs?limit=100')).json();
    expect(new Set(everything.items.map((i: { type: string }) => i.type))).toEqual(new Set(['hobby', 'skill']));
  });

  it('regression: search ignores accents only one way', async () => {
    const names = (items: { name: string }[]) => items.map((i) => i.name);
    const umlaut = await createItem('hobby', 'Überlandfahrt');
    for (const q of ['uber', 'über', 'ÜBERLAND', 'Uberl']) {
      expect(
        names((await call(employee, 'GET', `/catalogs/hobby?q=${encodeURIComponent(q)}`)).json().items),
        q,
      ).toContain(umlaut.name);
    }
    // Names stay unique on case and spacing only: an accented and a plain name are two items, both found.
    await createItem('hobby', 'Résumé reading');
    await createItem('hobby', 'Resume reading');
    for (const q of ['resume', 'résumé']) {
      expect(names((await call(employee, 'GET', `/catalogs/hobby?q=${q}`)).json().items), q).toEqual([
        'Resume reading',
        'Résumé reading',
      ]);
    }
    expect((await call(admin, 'POST', '/catalogs', { type: 'hobby', name: 'résumé  READING' })).statusCode).toBe(409);
    // A rename moves the search key with the name.
    const renamed = await call(admin, 'PATCH', `/catalogs/${umlaut.id}`, { version: 1, name: 'Ölmalerei' });
    expect(renamed.statusCode).toBe(200);
    expect(names((await call(employee, 'GET', '/catalogs/hobby?q=olmal')).json().items)).toEqual(['Ölmalerei']);
    expect(names((await call(employee, 'GET', '/catalogs/hobby?q=uber')).json().items)).toEqual([]);
  });

  it('an item stored before search keys existed is found after the repair job, with nothing else changed', async () => {
    const item = await createItem('skill', 'Español técnico');
    // As stored before: no search key.
    await testApp().database.collections.catalogs.updateOne(
      { nameKey: 'español técnico' },
      { $unset: { searchKey: '' } },
    );
    const found = async () =>
      (await call(employee, 'GET', '/catalogs/skill?q=espanol')).json().items.map((i: { id: string }) => i.id);
    expect(await found()).toEqual([]);
    // What start-up does in the background, and the daily schedule.
    await testApp().deps.jobs.enqueue(SEARCH_KEYS_REPAIR_JOB);
    for (let i = 0; i < 50 && (await found()).length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await found()).toEqual([item.id]);
    expect(await repos().catalogs.repairSearchKeys()).toBe(0);
    expect((await repos().catalogs.get(item.id))?.version).toBe(1);
  });

  it('renames with the version; a stale version is 409, a clash with another name 409', async () => {
    const item = await createItem('role', 'Engineer');
    await createItem('role', 'Designer');
    const renamed = await call(admin, 'PATCH', `/catalogs/${item.id}`, { version: 1, name: 'Software Engineer' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Software Engineer', version: 2 });
    const stale = await call(admin, 'PATCH', `/catalogs/${item.id}`, { version: 1, name: 'Other' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('VERSION_CONFLICT');
    const clash = await call(admin, 'PATCH', `/catalogs/${item.id}`, { version: 2, name: 'DESIGNER' });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error.code).toBe('ALREADY_EXISTS');
  });
});

describe('references and deletion', () => {
  it('counts references by place, refuses to delete a used item with the counts, deletes an unused one', async () => {
    const skill = await createItem('skill', 'PostgreSQL');
    const hobby = await createItem('hobby', 'Chess');
    const role = await createItem('role', 'Data Engineer');
    const profile = (await call(employee, 'GET', `/employees/${employeeId}`)).json();
    const mine = await call(employee, 'PATCH', `/employees/${employeeId}`, {
      version: profile.version,
      skills: [{ catalogId: skill.id, level: 4 }],
      hobbies: [hobby.id],
    });
    expect(mine.statusCode).toBe(200);
    const hr = await createUser(testApp(), { roles: ['hr'] });
    const hrSession = await login(testApp().app, hr.email);
    const designated = await testApp().app.inject({
      method: 'PATCH',
      url: `/api/v1/employees/${employeeId}`,
      headers: bearer(hrSession),
      payload: { version: mine.json().version, designationId: role.id },
    });
    expect(designated.statusCode).toBe(200);

    const references = await call(admin, 'GET', `/catalogs/${skill.id}/references`);
    expect(references.statusCode).toBe(200);
    expect(references.json()).toMatchObject({ id: skill.id, type: 'skill', total: 1 });
    expect(references.json().places).toContainEqual(expect.objectContaining({ place: 'employees.skills', count: 1 }));

    for (const [item, place] of [
      [skill, 'employees.skills'],
      [hobby, 'employees.hobbies'],
      [role, 'employees.designation'],
    ] as const) {
      const refused = await call(admin, 'DELETE', `/catalogs/${item.id}`);
      expect(refused.statusCode).toBe(409);
      expect(refused.json().error).toMatchObject({
        code: 'IN_USE',
        details: { total: 1, places: [{ place, count: 1 }] },
      });
    }

    // Renaming never breaks a reference: the profile shows the new name.
    await call(admin, 'PATCH', `/catalogs/${skill.id}`, { version: skill.version, name: 'Postgres' });
    const after = (await call(employee, 'GET', `/employees/${employeeId}`)).json();
    expect(after.skills).toEqual([{ skill: { id: skill.id, name: 'Postgres', active: true }, level: 4 }]);
    expect(after.designation).toMatchObject({ id: role.id, name: 'Data Engineer' });

    const unused = await createItem('skill', 'COBOL');
    expect((await call(admin, 'GET', `/catalogs/${unused.id}/references`)).json().total).toBe(0);
    const deleted = await call(admin, 'DELETE', `/catalogs/${unused.id}`);
    expect(deleted.statusCode).toBe(200);
    expect((await call(admin, 'GET', `/catalogs/${unused.id}/references`)).statusCode).toBe(404);
    expect((await call(employee, 'DELETE', `/catalogs/${skill.id}`)).statusCode).toBe(403);
  });

  it('a delete racing an assignment never leaves a reference to a deleted item', async () => {
    const hr = await createUser(testApp(), { roles: ['hr'] });
    const hrSession = await login(testApp().app, hr.email);
    for (let round = 0; round < 6; round += 1) {
      const item = await createItem('skill', `Racing ${round}`);
      const target = await createUser(testApp(), { roles: ['employee'] });
      const id = target._id.toHexString();
      const [assigned, deleted] = await Promise.all([
        testApp().app.inject({
          method: 'PATCH',
          url: `/api/v1/employees/${id}`,
          headers: bearer(hrSession),
          payload: { version: 1, skills: [{ catalogId: item.id, level: 3 }] },
        }),
        call(admin, 'DELETE', `/catalogs/${item.id}`),
      ]);
      // Exactly one of them happened.
      expect([assigned.statusCode, deleted.statusCode].sort()).toEqual(
        assigned.statusCode === 200 ? [200, 409] : [200, 422],
      );
      const profile = await repos().employees.get(id);
      const exists = (await repos().catalogs.get(item.id)) ? 1 : 0;
      expect(profile?.skills.length === 1).toBe(exists === 1);
    }
  });

  it('a deactivated item stays on profiles that have it but cannot be newly assigned', async () => {
    const skill = await createItem('skill', 'Perl');
    const other = await createUser(testApp(), { roles: ['employee'] });
    const otherSession = await login(testApp().app, other.email);
    const id = other._id.toHexString();
    const first = await call(otherSession, 'PATCH', `/employees/${id}`, {
      version: 1,
      skills: [{ catalogId: skill.id, level: 2 }],
    });
    expect(first.statusCode).toBe(200);
    await call(admin, 'PATCH', `/catalogs/${skill.id}`, { version: 1, active: false });

    // Kept, and still editable (level change) on the profile that has it…
    const kept = await call(otherSession, 'PATCH', `/employees/${id}`, {
      version: first.json().version,
      skills: [{ catalogId: skill.id, level: 3 }],
    });
    expect(kept.statusCode).toBe(200);
    expect(kept.json().skills[0]).toEqual({ skill: { id: skill.id, name: 'Perl', active: false }, level: 3 });
    // …but nobody else can pick it.
    const refused = await call(employee, 'PATCH', `/employees/${employeeId}`, {
      version: (await call(employee, 'GET', `/employees/${employeeId}`)).json().version,
      skills: [{ catalogId: skill.id, level: 1 }],
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.details.problems).toEqual([{ id: skill.id, problem: 'is deactivated' }]);
  });
});
