import { createRepositories, insertUser, newIdString, type Repositories } from '@seed-pms/db';
import { addDays, JOIN_DATE_MIN, MAX_AGE_YEARS, MIN_AGE_YEARS, type Role, shiftYears } from '@seed-pms/domain';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROFILE_REPAIR_JOB } from '../src/jobs/schedule.js';
import { bearer, callAs, createUser, login, type RestMethod, type Session, uniqueEmail } from './auth-helpers.js';
import { testClock } from './clock.js';
import { useTestApp } from './support.js';

const testApp = useTestApp(import.meta.url);
const repos = (): Repositories => createRepositories(testApp().database);

let admin: Session;
let hr: Session;
const skill: Record<string, string> = {};
let roleId: string;

const call = (session: Session | null, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);

async function person(roles: Role[] = ['employee'], name?: string) {
  const user = await createUser(testApp(), { roles, ...(name ? { name } : {}) });
  return { id: user._id.toHexString(), session: await login(testApp().app, user.email), email: user.email };
}

async function profileOf(session: Session, id: string) {
  const response = await call(session, 'GET', `/employees/${id}`);
  expect(response.statusCode).toBe(200);
  return response.json();
}

async function patch(session: Session, id: string, changes: Record<string, unknown>) {
  const version = (await profileOf(hr, id)).version;
  return call(session, 'PATCH', `/employees/${id}`, { version, ...changes });
}

beforeAll(async () => {
  admin = (await person(['admin'])).session;
  hr = (await person(['hr'])).session;
  for (const name of ['TypeScript', 'Go', 'SQL', 'Kubernetes']) {
    const created = await call(admin, 'POST', '/catalogs', { type: 'skill', name });
    skill[name] = created.json().id;
  }
  roleId = (await call(admin, 'POST', '/catalogs', { type: 'role', name: 'Platform Engineer' })).json().id;
});

describe('profiles', () => {
  it('every account gets a profile with the same id, and the profile follows the account', async () => {
    const created = await call(hr, 'POST', '/users', { email: 'grace.hopper@example.com', name: 'Grace Hopper' });
    expect(created.statusCode).toBe(201);
    const { id } = created.json();
    const profile = await profileOf(hr, id);
    expect(profile).toMatchObject({ id, name: 'Grace Hopper', email: 'grace.hopper@example.com', status: 'active' });
    expect(profile).toMatchObject({ skills: [], hobbies: [], designation: null, manager: null, image: null });
    expect(profile.capacity).toEqual({ allocationPercent: 0, overAllocated: false });

    const user = (await call(hr, 'GET', `/users/${id}`)).json();
    await call(hr, 'PATCH', `/users/${id}`, { version: user.version, name: 'Grace B. Hopper' });
    expect((await profileOf(hr, id)).name).toBe('Grace B. Hopper');
    await call(hr, 'POST', `/users/${id}/archive`, { reason: 'left' });
    expect((await profileOf(hr, id)).status).toBe('archived');
    await call(hr, 'POST', `/users/${id}/restore`);
    expect((await profileOf(hr, id)).status).toBe('active');
    expect((await call(hr, 'GET', `/employees/${newIdString()}`)).statusCode).toBe(404);
    expect((await call(hr, 'GET', '/employees/not-an-id')).statusCode).toBe(404);
    expect((await call(null, 'GET', `/employees/${id}`)).statusCode).toBe(401);
  });

  it('the repair job gives an account without a profile one, and re-copies stale account fields', async () => {
    const { users } = testApp().database.collections;
    const orphan = await insertUser(
      users,
      {
        email: uniqueEmail('orphan'),
        name: 'Orphan Account',
        roles: ['employee'],
        passwordHash: null,
        mustChangePassword: false,
      },
      new Date(),
    );
    const stale = await createUser(testApp(), { name: 'Old Name' });
    // As if the process died between the account write and the profile copy.
    await users.updateOne(
      { _id: stale._id },
      { $set: { name: 'New Name', nameKey: 'new name' }, $inc: { version: 1 } },
    );

    expect(await repos().employees.repair(new Date())).toBeGreaterThanOrEqual(2);
    expect((await profileOf(hr, orphan._id.toHexString())).name).toBe('Orphan Account');
    expect((await profileOf(hr, stale._id.toHexString())).name).toBe('New Name');
    expect(await repos().employees.repair(new Date())).toBe(0);
  });

  it('people edit their bio, skills, hobbies and contact, not the rest; HR edits everything', async () => {
    const me = await person();
    const own = await patch(me.session, me.id, {
      bio: 'Builds things.',
      skills: [{ catalogId: skill.TypeScript, level: 4 }],
      contact: { mobilePhone: '+49 170 1234567', city: 'Berlin' },
    });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({
      bio: 'Builds things.',
      skills: [{ skill: { id: skill.TypeScript, name: 'TypeScript' }, level: 4 }],
      contact: { mobilePhone: '+49 170 1234567', city: 'Berlin' },
    });
    expect(own.json().editableFields.sort()).toEqual(['bio', 'contact', 'hobbies', 'image', 'skills']);

    for (const forbidden of [
      { designationId: roleId },
      { department: 'Sales' },
      { personal: { dateOfBirth: '1990-01-01' } },
      { name: 'Someone Else' },
    ]) {
      const refused = await patch(me.session, me.id, forbidden);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.details.fields).toHaveLength(1);
    }
    const colleague = await person();
    expect((await patch(colleague.session, me.id, { bio: 'hacked' })).statusCode).toBe(403);

    const byHr = await patch(hr, me.id, {
      designationId: roleId,
      department: 'Platform',
      joinDate: '2024-03-01',
      workLocation: 'hybrid',
      personal: { dateOfBirth: '1990-01-01', emergencyContact: { name: 'Sam', phone: '+1 555 0100' } },
    });
    expect(byHr.statusCode).toBe(200);
    expect(byHr.json()).toMatchObject({
      designation: { id: roleId, name: 'Platform Engineer' },
      department: 'Platform',
      joinDate: '2024-03-01',
      workLocation: 'hybrid',
      personal: { dateOfBirth: '1990-01-01' },
    });
  });

  it('refuses a change with nothing in it, and says so only to those who may change the profile', async () => {
    const me = await person();
    const other = await person();
    const empty = await patch(me.session, me.id, {});
    expect(empty.statusCode).toBe(400);
    expect((await patch(other.session, me.id, {})).statusCode).toBe(403);
    expect((await profileOf(hr, me.id)).version).toBe(1);
  });

  it('a rename is an account change: it follows the account rules and both copies agree under concurrency', async () => {
    const adminUser = await person(['admin']);
    const refused = await patch(hr, adminUser.id, { name: 'Not Allowed' });
    expect(refused.statusCode).toBe(403);
    expect((await profileOf(hr, adminUser.id)).name).not.toBe('Not Allowed');

    for (let round = 0; round < 5; round += 1) {
      const target = await person();
      const [user, profile] = await Promise.all([
        call(hr, 'GET', `/users/${target.id}`).then((r) => r.json()),
        profileOf(hr, target.id),
      ]);
      await Promise.all([
        call(hr, 'PATCH', `/users/${target.id}`, { version: user.version, name: `Account ${round}` }),
        call(hr, 'PATCH', `/employees/${target.id}`, { version: profile.version, name: `Profile ${round}` }),
      ]);
      const [after, afterProfile] = await Promise.all([
        call(hr, 'GET', `/users/${target.id}`).then((r) => r.json()),
        profileOf(hr, target.id),
      ]);
      expect(afterProfile.name).toBe(after.name);
    }
  });

  it('refuses unknown fields, bad values and stale versions', async () => {
    const me = await person();
    const unknown = await patch(me.session, me.id, { bio: 'x', status: 'archived' });
    expect(unknown.statusCode).toBe(400);
    const mass = await patch(hr, me.id, { roles: ['admin'] });
    expect(mass.statusCode).toBe(400);
    const badLevel = await patch(me.session, me.id, { skills: [{ catalogId: skill.Go, level: 9 }] });
    expect(badLevel.statusCode).toBe(400);
    const twice = await patch(me.session, me.id, {
      skills: [
        { catalogId: skill.Go, level: 2 },
        { catalogId: skill.Go, level: 3 },
      ],
    });
    expect(twice.statusCode).toBe(400);
    const wrongType = await patch(me.session, me.id, { hobbies: [skill.Go] });
    expect(wrongType.statusCode).toBe(422);
    expect(wrongType.json().error.details.problems[0].problem).toBe('is a skill, not a hobby');
    const stale = await call(me.session, 'PATCH', `/employees/${me.id}`, { version: 99, bio: 'x' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('VERSION_CONFLICT');
    // Nothing of the refused changes was stored.
    expect((await profileOf(hr, me.id)).skills).toEqual([]);
  });

  it('personal fields are visible to the person, their manager chain, HR and admins only', async () => {
    const director = await person(['director']);
    const manager = await person(['manager']);
    const member = await person();
    const peer = await person(['manager']);
    await patch(hr, manager.id, { managerId: director.id });
    await patch(hr, member.id, { managerId: manager.id, personal: { homeAddress: '1 Main St' } });

    for (const [viewer, sees] of [
      [member.session, true],
      [manager.session, true],
      [director.session, true],
      [hr, true],
      [admin, true],
      [peer.session, false],
    ] as const) {
      const profile = await profileOf(viewer, member.id);
      expect(profile.personal !== undefined).toBe(sees);
      if (sees) expect(profile.personal.homeAddress).toBe('1 Main St');
      expect(profile.manager).toMatchObject({ id: manager.id });
    }

    // Stored sealed, and kept out of the audit trail (which names the fields that changed).
    const stored = await repos().employees.get(member.id);
    expect(stored?.personal).toMatch(/^v2\./);
    expect(JSON.stringify(stored)).not.toContain('Main St');
    const trail = (await call(hr, 'GET', `/audits/employee/${member.id}`)).json();
    expect(JSON.stringify(trail)).not.toContain('Main St');
    expect(
      trail.items.map((e: { details?: { personalFieldsChanged?: string[] } }) => e.details?.personalFieldsChanged),
    ).toContainEqual(['homeAddress']);
  });
});

describe('dates with a meaning', () => {
  // Its own clock, so "today" is the same day for the rule and the test.
  const clock = testClock();
  const dated = useTestApp(`${import.meta.url}#dated`, { sameDatabaseAs: testApp, clock });
  let hrHere: Session;
  let hrEmail: string;

  beforeAll(async () => {
    hrEmail = (await createUser(dated(), { roles: ['hr'] })).email;
    hrHere = await login(dated().app, hrEmail);
  });

  async function patchHere(id: string, changes: Record<string, unknown>) {
    const version = (await profileOf(hr, id)).version;
    return callAs(dated().app, hrHere, 'PATCH', `/employees/${id}`, { version, ...changes });
  }

  it('regression: a join date decades ahead (2099) is accepted', async () => {
    const me = await person();
    const today = clock.day();
    const refused = await patchHere(me.id, { joinDate: shiftYears(today, 73) });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'joinDate', code: 'out_of_range', min: JOIN_DATE_MIN, max: shiftYears(today, 1) }],
    });
    expect((await profileOf(hr, me.id)).joinDate).toBeNull();
  });

  it('a join date lies between 1900 and a year from today', async () => {
    const me = await person();
    const latest = shiftYears(clock.day(), 1);
    expect((await patchHere(me.id, { joinDate: addDays(latest, 1) })).statusCode).toBe(400);
    expect((await patchHere(me.id, { joinDate: addDays(JOIN_DATE_MIN, -1) })).statusCode).toBe(400);
    expect((await patchHere(me.id, { joinDate: latest })).json().joinDate).toBe(latest);
    expect((await patchHere(me.id, { joinDate: JOIN_DATE_MIN })).json().joinDate).toBe(JOIN_DATE_MIN);
    // Clearing it is always allowed.
    expect((await patchHere(me.id, { joinDate: null })).json().joinDate).toBeNull();
  });

  it(`a birthday is someone ${MIN_AGE_YEARS} to ${MAX_AGE_YEARS} years old today`, async () => {
    const me = await person();
    const today = clock.day();
    const youngest = shiftYears(today, -MIN_AGE_YEARS);
    const oldest = shiftYears(today, -MAX_AGE_YEARS);
    for (const refusedDay of [today, addDays(today, 30), addDays(youngest, 1), addDays(oldest, -1)]) {
      const refused = await patchHere(me.id, { personal: { dateOfBirth: refusedDay } });
      expect(refused.statusCode, refusedDay).toBe(400);
      expect(refused.json().error).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [{ path: 'personal.dateOfBirth', code: 'out_of_range', min: oldest, max: youngest }],
      });
    }
    for (const day of [youngest, oldest]) {
      const accepted = await patchHere(me.id, { personal: { dateOfBirth: day } });
      expect(accepted.statusCode).toBe(200);
      expect(accepted.json().personal.dateOfBirth).toBe(day);
    }
  });

  it('the bounds move with the clock', async () => {
    const me = await person();
    const ahead = shiftYears(clock.day(), 1);
    const later = addDays(ahead, 40);
    expect((await patchHere(me.id, { joinDate: later })).statusCode).toBe(400);
    clock.advance(40 * 86_400_000);
    // Forty days on the access token has long expired: sign in again.
    hrHere = await login(dated().app, hrEmail);
    expect((await patchHere(me.id, { joinDate: later })).statusCode).toBe(200);
  });
});

describe('regression: search ignores accents only one way', () => {
  it('finds Wójcik as wojcik and as wójcik, and Łucja as lucja', async () => {
    const someone = await person(['employee'], 'Łucja Wójcik-Żak');
    for (const q of ['wojcik', 'wójcik', 'WÓJCIK', 'lucja', 'łucja', 'zak', 'lucja woj']) {
      const found = (await call(hr, 'GET', `/employees?q=${encodeURIComponent(q)}`)).json();
      expect(
        found.items.map((i: { id: string }) => i.id),
        q,
      ).toContain(someone.id);
    }
  });

  it('a profile stored with the old, unfolded keys becomes findable through the repair job alone', async () => {
    const someone = await createUser(testApp(), { name: 'Bartłomiej Dąbrowski' });
    // As stored before accents were folded: lower-cased only.
    await testApp().database.collections.employees.updateOne(
      { _id: someone._id },
      { $set: { searchKeys: ['bartłomiej', 'dąbrowski', someone.email] } },
    );
    const ids = async (q: string) =>
      (await call(hr, 'GET', `/employees?q=${encodeURIComponent(q)}`))
        .json()
        .items.map((i: { id: string }) => i.id) as string[];
    const id = someone._id.toHexString();
    expect(await ids('dabrowski')).not.toContain(id);

    // What start-up does (in the background), and the daily schedule.
    await testApp().deps.jobs.enqueue(PROFILE_REPAIR_JOB);
    for (let i = 0; i < 100 && !(await ids('dabrowski')).includes(id); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(await ids('dabrowski')).toContain(id);
    expect(await ids('dąbrowski')).toContain(id);
    expect(await ids('bartlomiej')).toContain(id);
    // The profile's version is untouched: search keys are derived data.
    expect((await profileOf(hr, id)).version).toBe(1);
  });
});

describe('reporting lines', () => {
  it('refuses a manager change that closes a loop, and self-management', async () => {
    const a = await person();
    const b = await person();
    const c = await person();
    expect((await patch(hr, b.id, { managerId: a.id })).statusCode).toBe(200);
    expect((await patch(hr, c.id, { managerId: b.id })).statusCode).toBe(200);

    const loop = await patch(hr, a.id, { managerId: c.id });
    expect(loop.statusCode).toBe(422);
    expect(loop.json().error).toMatchObject({ code: 'REPORTING_CYCLE', details: { loop: [c.id, b.id, a.id] } });
    const self = await patch(hr, a.id, { managerId: a.id });
    expect(self.json().error.code).toBe('REPORTING_CYCLE');
    const nobody = newIdString();
    const unknown = await patch(hr, a.id, { managerId: nobody });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error).toMatchObject({
      code: 'REFERENCE_NOT_FOUND',
      details: { field: 'managerId', id: nobody },
    });
    expect((await profileOf(hr, a.id)).manager).toBeNull();

    const gone = await person();
    expect((await call(hr, 'POST', `/users/${gone.id}/archive`, { reason: 'left' })).statusCode).toBe(200);
    const archived = await patch(hr, a.id, { managerId: gone.id });
    expect(archived.statusCode).toBe(422);
    expect(archived.json().error).toMatchObject({
      code: 'REFERENCE_INACTIVE',
      details: { field: 'managerId', id: gone.id, status: 'archived' },
    });
    expect((await profileOf(hr, a.id)).manager).toBeNull();
  });

  it('two concurrent changes cannot close a loop together', async () => {
    for (let round = 0; round < 3; round += 1) {
      const x = await person();
      const y = await person();
      const [vx, vy] = [(await profileOf(hr, x.id)).version, (await profileOf(hr, y.id)).version];
      const results = await Promise.all([
        call(hr, 'PATCH', `/employees/${x.id}`, { version: vx, managerId: y.id }),
        call(hr, 'PATCH', `/employees/${y.id}`, { version: vy, managerId: x.id }),
      ]);
      expect(results.map((r) => r.statusCode).sort()).toEqual([200, 422]);
    }
  });
});

describe('the directory', () => {
  const tag = 'dirtest';
  let managerId: string;

  beforeAll(async () => {
    // A few hundred people, written in bulk as the seed writes them: the directory reads only the profiles.
    const ids = Array.from({ length: 300 }, () => newIdString());
    managerId = ids[0] as string;
    const skillIds = [skill.TypeScript, skill.Go, skill.SQL, skill.Kubernetes] as string[];
    await repos().employees.insertPeople(
      ids.map((id, i) => {
        const skills = skillIds
          .filter((_, k) => (i >> k) & 1)
          .map((catalogId, k) => ({ catalogId, level: (k % 5) + 1 }));
        return {
          account: {
            id,
            name: `${tag} Person${String(i).padStart(3, '0')} ${i % 2 ? 'Lovelace' : 'Turing'}`,
            email: `${tag}.${i}@example.com`,
            roles: ['employee'],
            passwordHash: null,
            mustChangePassword: false,
            status: i % 10 === 9 ? 'archived' : 'active',
          },
          profile: {
            skills,
            department: i % 3 === 0 ? 'Engineering' : 'Sales',
            managerId: i > 0 && i <= 20 ? managerId : null,
            designationId: i % 4 === 0 ? roleId : null,
            joinDate: `20${String(10 + (i % 15)).padStart(2, '0')}-01-01`,
          },
        };
      }),
      new Date(),
    );
  });

  async function list(query: string) {
    const response = await call(hr, 'GET', `/employees?q=${tag}&${query}`);
    expect(response.statusCode).toBe(200);
    return response.json() as {
      items: { name: string; status: string; skills: { skill: { id: string } }[] }[];
      total: number;
    };
  }

  it('pages through active people by name, with a total', async () => {
    const first = await list('limit=50');
    expect(first.total).toBe(270);
    expect(first.items).toHaveLength(50);
    const names = first.items.map((i) => i.name);
    expect(names).toEqual([...names].sort());
    const last = await list('limit=50&page=6');
    expect(last.items).toHaveLength(20);
    expect(new Set([...names, ...last.items.map((i) => i.name)]).size).toBe(70);
    expect((await list('status=all&limit=1')).total).toBe(300);
    expect((await list('status=archived&limit=1')).total).toBe(30);
  });

  it('skills=a,b means people with all of them', async () => {
    const both = await list(`skills=${skill.TypeScript},${skill.Go}&status=all&limit=100`);
    // i has bit 0 and bit 1 set: 75 of 300.
    expect(both.total).toBe(75);
    for (const item of both.items) {
      const have = item.skills.map((s) => s.skill.id);
      expect(have).toEqual(expect.arrayContaining([skill.TypeScript, skill.Go]));
    }
    const one = await list(`skills=${skill.Kubernetes}&status=all&limit=1`);
    // Bit 3 set: 8 of every 16, and 4 of the last 12.
    expect(one.total).toBe(148);
    expect((await call(hr, 'GET', '/employees?skills=nope')).statusCode).toBe(400);
  });

  it('filters by designation (id or name), department, manager, and searches name words and email', async () => {
    expect((await list(`designation=${roleId}&status=all&limit=1`)).total).toBe(75);
    expect((await list('designation=platform%20engineer&status=all&limit=1')).total).toBe(75);
    expect((await list('designation=Astronaut&limit=1')).total).toBe(0);
    expect((await list('department=engineering&status=all&limit=1')).total).toBe(100);
    expect((await list(`manager=${managerId}&status=all&limit=100`)).total).toBe(20);
    const word = await call(hr, 'GET', `/employees?q=${tag}%20person01&status=all`);
    expect(word.json().total).toBe(10);
    const email = await call(hr, 'GET', `/employees?q=${tag}.12@&status=all`);
    expect(email.json().items.map((i: { email: string }) => i.email)).toEqual([`${tag}.12@example.com`]);
    const lastName = await call(hr, 'GET', `/employees?q=${tag}%20lovel&status=all&limit=1`);
    expect(lastName.json().total).toBe(150);
  });

  it('sorts by join date, and every entry carries the capacity flag for the halo', async () => {
    const sorted = await call(hr, 'GET', `/employees?q=${tag}&sort=-joinDate&limit=5`);
    const entries = sorted.json().items;
    // The latest join year goes to every 15th person (i % 15 === 14).
    for (const entry of entries) expect(Number(/Person(\d+)/.exec(entry.name)?.[1]) % 15).toBe(14);
    for (const entry of entries) expect(entry.capacity).toEqual({ allocationPercent: 0, overAllocated: false });
    expect((await call(hr, 'GET', '/employees?sort=salary')).statusCode).toBe(400);
    expect((await call(hr, 'GET', '/employees?limit=500')).statusCode).toBe(400);
  });

  it('is open to every signed-in user, never to anonymous callers', async () => {
    const someone = await person();
    expect((await call(someone.session, 'GET', '/employees?limit=1')).statusCode).toBe(200);
    expect((await call(null, 'GET', '/employees')).statusCode).toBe(401);
  });

  it('answers the same over tRPC', async () => {
    const response = await testApp().app.inject({
      method: 'GET',
      url: `/trpc/employees.list?input=${encodeURIComponent(JSON.stringify({ q: tag, skills: [skill.TypeScript, skill.Go], status: 'all' }))}`,
      headers: bearer(hr),
    });
    expect(response.statusCode).toBe(200);
    expect(response.json().result.data.total).toBe(75);
  });
});

describe('profile images', () => {
  /** A real PNG with EXIF data (camera model and GPS position) in it. */
  async function pngWithGps(): Promise<Buffer> {
    return sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 200, g: 80, b: 40 } } })
      .png()
      .withExif({
        IFD0: { Make: 'PhoneCorp', Model: 'Spyphone 9' },
        IFD3: {
          GPSLatitudeRef: 'N',
          GPSLatitude: '52/1 31/1 0/1',
          GPSLongitudeRef: 'E',
          GPSLongitude: '13/1 24/1 0/1',
        },
      })
      .toBuffer();
  }

  function upload(session: Session, id: string, file: Buffer, filename: string, mimetype: string) {
    const boundary = '----seedpms';
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${mimetype}\r\n\r\n`,
      ),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return testApp().app.inject({
      method: 'POST',
      url: `/api/v1/employees/${id}/image`,
      headers: { ...bearer(session), 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: body,
    });
  }

  async function fetchSigned(url: string) {
    const { pathname, search } = new URL(url);
    return testApp().app.inject({ method: 'GET', url: `${pathname}${search}` });
  }

  it('accepts a real PNG, strips its metadata, makes a thumbnail and serves both through signed URLs', async () => {
    const me = await person();
    const original = await pngWithGps();
    expect((await sharp(original).metadata()).exif).toBeDefined();

    const response = await upload(me.session, me.id, original, 'holiday.png', 'image/png');
    expect(response.statusCode).toBe(200);
    const { image } = response.json();
    expect(image).toMatchObject({
      fileId: expect.any(String),
      url: expect.any(String),
      thumbnailUrl: expect.any(String),
    });

    const full = await fetchSigned(image.url);
    expect(full.statusCode).toBe(200);
    expect(full.headers['content-type']).toBe('image/png');
    const stored = await sharp(full.rawPayload).metadata();
    expect(stored).toMatchObject({ format: 'png', width: 640, height: 480 });
    expect(stored.exif).toBeUndefined();
    expect(full.rawPayload.includes(Buffer.from('Spyphone'))).toBe(false);

    const thumb = await fetchSigned(image.thumbnailUrl);
    expect(await sharp(thumb.rawPayload).metadata()).toMatchObject({ format: 'webp', width: 128, height: 128 });

    // Asked again, the profile carries the same URLs, so browsers reuse the cached image.
    expect((await profileOf(me.session, me.id)).image).toEqual(image);

    // The directory shows it too, and the upload is audited.
    const entry = (await call(hr, 'GET', `/employees?q=${encodeURIComponent(me.email)}`)).json().items[0];
    expect(entry.image.fileId).toBe(image.fileId);
    const audit = (await call(hr, 'GET', `/audits/file/${image.fileId}`)).json();
    expect(audit.items.map((e: { action: string }) => e.action)).toContain('file.upload');
  });

  it('decides the type by content: a renamed executable is refused whatever its name and header say', async () => {
    const me = await person();
    const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(4000, 1)]);
    const refused = await upload(me.session, me.id, elf, 'avatar.png', 'image/png');
    expect(refused.statusCode).toBe(415);
    expect(refused.json().error).toMatchObject({
      code: 'UNSUPPORTED_MEDIA_TYPE',
      details: { detected: 'application/x-elf' },
    });
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
    expect((await upload(me.session, me.id, pdf, 'me.jpg', 'image/jpeg')).statusCode).toBe(415);
    expect((await profileOf(hr, me.id)).image).toBeNull();
  });

  it('an image whose content cannot be decoded answers 422 IMAGE_UNREADABLE', async () => {
    const me = await person();
    const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: 'red' } })
      .png()
      .toBuffer();
    // A PNG's signature and the start of its header, and nothing after.
    const refused = await upload(me.session, me.id, png.subarray(0, 50), 'broken.png', 'image/png');
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({ code: 'IMAGE_UNREADABLE', details: { field: 'file' } });
    expect((await profileOf(hr, me.id)).image).toBeNull();
  });

  it('refuses uploads over the size limit, uploads to others’ profiles, and requests without a file', async () => {
    const me = await person();
    const other = await person();
    const big = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'white' } })
      .png()
      .toBuffer();
    const tooBig = Buffer.concat([big, Buffer.alloc(6 * 1024 * 1024)]);
    expect((await upload(me.session, me.id, tooBig, 'big.png', 'image/png')).statusCode).toBe(413);
    expect((await upload(other.session, me.id, big, 'x.png', 'image/png')).statusCode).toBe(403);
    const json = await call(me.session, 'POST', `/employees/${me.id}/image`, { file: 'x' });
    expect(json.statusCode).toBe(415);
  });

  it('signed URLs expire, and a tampered one is refused', async () => {
    const me = await person();
    const png = await sharp({ create: { width: 32, height: 32, channels: 4, background: 'blue' } })
      .png()
      .toBuffer();
    const { image } = (await upload(me.session, me.id, png, 'a.png', 'image/png')).json();
    const url = new URL(image.url);
    url.searchParams.set('expires', String(Math.floor(Date.now() / 1000) - 10));
    const expired = await fetchSigned(url.toString());
    expect(expired.statusCode).toBe(403);
    const tampered = new URL(image.url);
    tampered.searchParams.set('key', `${tampered.searchParams.get('key')}x`);
    expect((await fetchSigned(tampered.toString())).statusCode).toBe(403);

    // Removing the image takes it off the profile; the file is kept, deleted, for the audit trail.
    const removed = await call(me.session, 'DELETE', `/employees/${me.id}/image`);
    expect(removed.statusCode).toBe(200);
    expect(removed.json().image).toBeNull();
    expect((await call(hr, 'GET', `/files/${image.fileId}`)).statusCode).toBe(404);
    // A link issued before the removal no longer serves the file.
    expect((await fetchSigned(image.url)).statusCode).toBe(404);
  });

  it('of two uploads at once one wins; the other’s files are removed, not left readable', async () => {
    const me = await person();
    const png = (color: string) =>
      sharp({ create: { width: 16, height: 16, channels: 3, background: color } })
        .png()
        .toBuffer();
    const [a, b] = await Promise.all([
      upload(me.session, me.id, await png('red'), 'a.png', 'image/png'),
      upload(me.session, me.id, await png('blue'), 'b.png', 'image/png'),
    ]);
    const statuses = [a.statusCode, b.statusCode].sort();
    const current = (await profileOf(hr, me.id)).image.fileId;
    const live = (await repos().files.ownedBy({ type: 'employee', id: me.id })).length;
    if (statuses[0] === 200 && statuses[1] === 200) {
      // Both ran one after the other: the first image was replaced, and removed.
      expect(live).toBe(2);
    } else {
      expect(statuses).toEqual([200, 409]);
      expect(live).toBe(2);
    }
    const liveIds = (await repos().files.ownedBy({ type: 'employee', id: me.id })).map((f) => f.id);
    expect(liveIds).toContain(current);
  });

  it('a cut-off multipart body is a bad request, not a server error', async () => {
    const me = await person();
    const boundary = '----seedpms';
    const response = await testApp().app.inject({
      method: 'POST',
      url: `/api/v1/employees/${me.id}/image`,
      headers: { ...bearer(me.session), 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG`,
      ),
    });
    expect(response.statusCode).toBe(400);
  });
});

describe('uploads over tRPC (FormData over real HTTP)', () => {
  const small = useTestApp(`${import.meta.url}#small-uploads`, {
    sameDatabaseAs: testApp,
    env: { UPLOAD_MAX_BYTES: '100000' },
  });

  it('answers 413 for a body over the limit and 400 for a garbled one', async () => {
    const me = await person();
    // Each app signs tokens with its own development key: sign in on this one.
    const session = await login(small().app, me.email);
    const address = await small().app.listen({ host: '127.0.0.1', port: 0 });
    const url = `${address}/trpc/employees.uploadImage`;
    const tooBig = new FormData();
    tooBig.append('id', me.id);
    tooBig.append('file', new File([Buffer.alloc(1_300_000, 1)], 'big.png', { type: 'image/png' }));
    const big = await fetch(url, { method: 'POST', body: tooBig, headers: bearer(session) });
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { data: { error: { code: string } } } }).error.data.error.code).toBe(
      'PAYLOAD_TOO_LARGE',
    );

    const garbled = await fetch(url, {
      method: 'POST',
      body: '--x\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\nPNG',
      headers: { ...bearer(session), 'content-type': 'multipart/form-data; boundary=x' },
    });
    expect(garbled.status).toBe(400);
  });
});
