import { ObjectId } from '@seed-pms/db/testing';
import { addDays } from '@seed-pms/domain';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serviceInternals } from '../src/services.js';
import { callAs, type RestMethod, type SignedIn, signInAs, signInStaff } from './auth-helpers.js';
import { testClock } from './clock.js';
import { useTestApp } from './support.js';

/** The app's clock stands still: "today", "past" and "planned" mean the same in any year. */
const clock = testClock();
const testApp = useTestApp(import.meta.url, { clock });

/** Days of a year that lies wholly ahead (the default project runs over it). */
const future = (n: number) => addDays(clock.day(400), n);
/** Days counted from about eleven months ago: the first of them are past. */
const earlier = (n: number) => addDays(clock.day(-334), n);

let admin: SignedIn;
let manager: SignedIn;
let outsider: SignedIn;

beforeAll(async () => {
  ({ admin, employee: outsider } = await signInStaff(testApp()));
  manager = await signInAs(testApp(), ['manager']);
});

const call = (session: SignedIn | null, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);

let counter = 0;
async function createProject(fields: Record<string, unknown> = {}) {
  counter += 1;
  const response = await call(manager, 'POST', '/projects', {
    name: `Project ${counter} ${Math.random().toString(36).slice(2, 8)}`,
    startDate: future(0),
    endDate: future(364),
    ...fields,
  });
  expect(response.statusCode).toBe(201);
  return response.json() as { id: string; name: string; version: number; status: string };
}

async function addMember(projectId: string, userId: string, fields: Record<string, unknown>, as = manager) {
  return call(as, 'POST', `/projects/${projectId}/roster`, { userId, ...fields });
}

async function setPolicy(policy: 'block' | 'warn') {
  const current = (await call(admin, 'GET', '/settings')).json();
  if (current.capacity.policy === policy) return;
  const response = await call(admin, 'PATCH', '/settings', { version: current.version, capacity: { policy } });
  expect(response.statusCode).toBe(200);
}

describe('projects', () => {
  it('managers create projects; names are unique among live projects ignoring case; employees cannot create', async () => {
    const project = await createProject({ name: 'Apollo  Rewrite', code: 'APL-1', tags: ['web', 'Web', 'api'] });
    expect(project).toMatchObject({ name: 'Apollo  Rewrite', status: 'planned', version: 1 });
    expect((project as unknown as { tags: string[] }).tags).toEqual(['Web', 'api']);
    const clash = await call(manager, 'POST', '/projects', { name: 'apollo rewrite', startDate: future(0) });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error).toMatchObject({ code: 'ALREADY_EXISTS', details: { field: 'name' } });
    const codeClash = await call(manager, 'POST', '/projects', {
      name: 'Other',
      code: 'apl-1',
      startDate: future(0),
    });
    expect(codeClash.json().error.details).toEqual({ field: 'code' });
    expect((await call(outsider, 'POST', '/projects', { name: 'Mine', startDate: future(0) })).statusCode).toBe(403);

    // Archived, the name is free again and the project stays readable.
    const archived = await call(manager, 'DELETE', `/projects/${project.id}`);
    expect(archived.statusCode).toBe(200);
    expect(archived.json()).toMatchObject({ status: 'archived' });
    expect((await call(outsider, 'GET', `/projects/${project.id}`)).json().status).toBe('archived');
    expect(
      (await call(manager, 'POST', '/projects', { name: 'APOLLO REWRITE', startDate: future(0) })).statusCode,
    ).toBe(201);
    const edit = await call(manager, 'PATCH', `/projects/${project.id}`, { version: 2, description: 'x' });
    expect(edit.statusCode).toBe(422);
    expect(edit.json().error).toMatchObject({ code: 'PROJECT_ARCHIVED', details: { projectId: project.id } });
  });

  it('refuses bad input with the spec’s errors', async () => {
    const backwards = await call(manager, 'POST', '/projects', {
      name: 'Backwards',
      startDate: future(120),
      endDate: future(90),
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.code).toBe('VALIDATION_FAILED');
    const badDate = await call(manager, 'POST', '/projects', {
      name: 'Bad',
      startDate: `${future(0).slice(0, 4)}-02-30`,
    });
    expect(badDate.statusCode).toBe(400);
    const unknownField = await call(manager, 'POST', '/projects', { name: 'X', startDate: future(0), owner: 'me' });
    expect(unknownField.statusCode).toBe(400);
    expect((await call(manager, 'GET', '/projects/not-an-id')).statusCode).toBe(404);
    expect((await call(manager, 'GET', `/projects/${new ObjectId().toHexString()}`)).statusCode).toBe(404);
    expect((await call(manager, 'GET', '/projects?status=open')).statusCode).toBe(400);
  });

  it('moves through the lifecycle with versions; invalid moves are refused', async () => {
    const project = await createProject();
    const active = await call(manager, 'PATCH', `/projects/${project.id}`, { version: 1, status: 'active' });
    expect(active.json()).toMatchObject({ status: 'active', version: 2 });
    const stale = await call(manager, 'PATCH', `/projects/${project.id}`, { version: 1, status: 'onHold' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error.code).toBe('VERSION_CONFLICT');
    const backToPlanned = await call(manager, 'PATCH', `/projects/${project.id}`, { version: 2, status: 'planned' });
    expect(backToPlanned.statusCode).toBe(422);
    expect(backToPlanned.json().error.details).toMatchObject({ from: 'active', to: 'planned' });
    expect(backToPlanned.json().error.code).toBe('INVALID_TRANSITION');
    const archiveByPatch = await call(manager, 'PATCH', `/projects/${project.id}`, { version: 2, status: 'archived' });
    expect(archiveByPatch.statusCode).toBe(400);
  });

  it('lists with filters and pagination; archived projects only when asked', async () => {
    const tag = `tag${Math.random().toString(36).slice(2, 8)}`;
    const a = await createProject({ name: `Zephyr ${tag}`, tags: [tag] });
    const b = await createProject({ name: `Yonder ${tag}`, tags: [tag] });
    await call(manager, 'DELETE', `/projects/${b.id}`);
    const live = (await call(outsider, 'GET', `/projects?tag=${tag}`)).json();
    expect(live.items.map((p: { id: string }) => p.id)).toEqual([a.id]);
    const all = (await call(outsider, 'GET', `/projects?tag=${tag}&status=planned,archived&sort=-name`)).json();
    expect(all.items.map((p: { id: string }) => p.id)).toEqual([a.id, b.id]);
    const searched = (await call(outsider, 'GET', `/projects?q=zeph&tag=${tag}`)).json();
    expect(searched.total).toBe(1);
    const paged = (await call(outsider, 'GET', `/projects?tag=${tag}&status=planned,archived&limit=1&page=2`)).json();
    expect(paged).toMatchObject({ total: 2, page: 2, limit: 1 });
  });
});

describe('roster and capacity', () => {
  // Each test starts from the default policy, whatever the one before it did.
  beforeEach(() => setPolicy('block'));

  it('adds members with allocations; an allocation past 100% is refused with the peak and what adds up', async () => {
    const person = await signInAs(testApp());
    const p1 = await createProject({ name: `Alpha ${counter}` });
    const p2 = await createProject();
    const first = await addMember(p1.id, person.id, {
      allocationPercent: 60,
      startDate: future(59),
      endDate: future(89),
    });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      entry: {
        userId: person.id,
        role: 'member',
        allocationPercent: 60,
        startDate: future(59),
        endDate: future(89),
      },
      warning: null,
    });
    const refused = await addMember(p2.id, person.id, { allocationPercent: 50, startDate: future(73) });
    expect(refused.statusCode).toBe(409);
    const error = refused.json().error;
    expect(error.code).toBe('CAPACITY_EXCEEDED');
    expect(error.details).toMatchObject({
      userId: person.id,
      start: future(73),
      end: future(89),
      totalPercent: 110,
      availablePercent: 100,
      policy: 'block',
    });
    expect(error.details.allocations.map((a: { projectId: string }) => a.projectId).sort()).toEqual(
      [p1.id, p2.id].sort(),
    );
    // Nothing of the refused allocation was written.
    expect((await call(person, 'GET', `/projects/${p2.id}/roster`)).json().items).toEqual([]);

    // From April the person is free again: the same allocation fits there.
    const fits = await addMember(p2.id, person.id, { allocationPercent: 50, startDate: future(90) });
    expect(fits.statusCode).toBe(201);
    expect(fits.json().entry).toMatchObject({ startDate: future(90), endDate: future(364) });

    const capacity = (
      await call(person, 'GET', `/employees/${person.id}/capacity?from=${future(59)}&to=${future(119)}`)
    ).json();
    expect(
      capacity.timeline.map((i: { start: string; allocationPercent: number }) => [i.start, i.allocationPercent]),
    ).toEqual([
      [future(59), 60],
      [future(90), 50],
    ]);
    expect(capacity.peak).toMatchObject({ start: future(59), end: future(89), allocationPercent: 60 });
    expect(capacity.overAllocations).toEqual([]);
    expect(capacity.timeline[0].allocations[0]).toMatchObject({ projectId: p1.id, allocationPercent: 60 });

    const history = (await call(person, 'GET', `/employees/${person.id}/projects`)).json();
    expect(history.items.map((i: { projectId: string }) => i.projectId)).toEqual([p2.id, p1.id]);
  });

  it('a manager may override the block policy (audited) and the person gets the red halo; others may not override', async () => {
    const person = await signInAs(testApp());
    const lead = await signInAs(testApp());
    const p1 = await createProject();
    const p2 = await createProject();
    expect((await addMember(p1.id, lead.id, { role: 'lead', allocationPercent: 10 })).statusCode).toBe(201);
    expect((await addMember(p1.id, person.id, { allocationPercent: 80 })).statusCode).toBe(201);
    // A project lead (not a manager) runs the roster but cannot accept over-allocation.
    const byLead = await addMember(p2.id, person.id, { allocationPercent: 40, allowOverAllocation: true }, lead);
    expect(byLead.statusCode).toBe(403);
    expect(byLead.json().error).toMatchObject({
      code: 'OVER_ALLOCATION_NEEDS_MANAGER',
      details: { field: 'allowOverAllocation' },
    });
    const overridden = await addMember(p2.id, person.id, { allocationPercent: 40, allowOverAllocation: true });
    expect(overridden.statusCode).toBe(201);
    expect(overridden.json().warning).toMatchObject({ totalPercent: 120, start: future(0), end: future(364) });
    // The halo shows over-allocation anywhere from today on (next year included), while today's allocation is 0.
    expect(overridden.json().entry.capacity).toEqual({ allocationPercent: 0, overAllocated: true });
    const profile = (await call(outsider, 'GET', `/employees/${person.id}`)).json();
    expect(profile.capacity).toEqual({ allocationPercent: 0, overAllocated: true });
    const directory = (await call(outsider, 'GET', `/employees?q=${encodeURIComponent(person.email)}`)).json();
    expect(directory.items[0].capacity.overAllocated).toBe(true);
    const roster = (await call(outsider, 'GET', `/projects/${p2.id}/roster`)).json();
    expect(roster.items[0].capacity.overAllocated).toBe(true);
    const audit = (await call(admin, 'GET', `/audits/project/${p2.id}`)).json();
    const entry = audit.items.find((e: { action: string }) => e.action === 'project.roster.add');
    expect(entry.details).toMatchObject({ overridden: true, overAllocation: { totalPercent: 120 } });

    // Lowering an allocation on over-allocated days is always accepted.
    const lowered = await call(manager, 'PATCH', `/projects/${p2.id}/roster/${person.id}`, {
      allocationPercent: 30,
      effectiveFrom: future(151),
    });
    expect(lowered.statusCode).toBe(200);
    // Nothing was raised, so no warning; the halo stays while the person is still above 100%.
    expect(lowered.json()).toMatchObject({ warning: null, entry: { capacity: { overAllocated: true } } });
    const capacity = (
      await call(person, 'GET', `/employees/${person.id}/capacity?from=${future(150)}&to=${future(151)}`)
    ).json();
    expect(capacity.timeline.map((i: { allocationPercent: number }) => i.allocationPercent)).toEqual([120, 110]);
  });

  it('under the warn policy allocations past 100% are accepted with a warning', async () => {
    const person = await signInAs(testApp());
    const p1 = await createProject();
    const p2 = await createProject();
    const current = (await call(admin, 'GET', '/settings')).json();
    expect(current).toMatchObject({ capacity: { policy: 'block' }, organization: { timezone: 'UTC' } });
    const badZone = await call(admin, 'PATCH', '/settings', {
      version: current.version,
      organization: { timezone: 'Mars/Olympus' },
    });
    expect(badZone.statusCode).toBe(400);
    expect(
      (await call(manager, 'PATCH', '/settings', { version: current.version, capacity: { policy: 'warn' } }))
        .statusCode,
    ).toBe(403);
    await setPolicy('warn');
    // Settings change at the version read, like every versioned document.
    const stale = await call(admin, 'PATCH', '/settings', { version: current.version, capacity: { policy: 'warn' } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({
      code: 'VERSION_CONFLICT',
      details: { expectedVersion: current.version, currentVersion: current.version + 1 },
    });
    try {
      expect((await addMember(p1.id, person.id, { allocationPercent: 70 })).statusCode).toBe(201);
      // Over tRPC, as the client package calls it.
      const warned = await testApp().app.inject({
        method: 'POST',
        url: '/trpc/projects.addMember',
        headers: { authorization: `Bearer ${manager.accessToken}`, 'content-type': 'application/json' },
        payload: { id: p2.id, userId: person.id, allocationPercent: 70 },
      });
      expect(warned.statusCode).toBe(200);
      expect(warned.json().result.data.warning).toMatchObject({ totalPercent: 140, availablePercent: 100 });
    } finally {
      await setPolicy('block');
    }
  });

  it('changes from a day on keep the earlier days and the superseded plan as history', async () => {
    const person = await signInAs(testApp());
    const project = await createProject();
    await addMember(project.id, person.id, { allocationPercent: 40 });
    const changed = await call(manager, 'PATCH', `/projects/${project.id}/roster/${person.id}`, {
      allocationPercent: 80,
      role: 'lead',
      effectiveFrom: future(181),
    });
    expect(changed.statusCode).toBe(200);
    const segments = changed
      .json()
      .entry.segments.map((s: Record<string, unknown>) => [s.startDate, s.endDate, s.role, s.allocationPercent]);
    expect(segments).toEqual([
      [future(0), future(180), 'member', 40],
      [future(181), future(364), 'lead', 80],
    ]);
    const history = (await call(person, 'GET', `/projects/${project.id}/roster?include=history`)).json();
    const all = history.items[0].segments;
    expect(all).toHaveLength(3);
    expect(all.filter((s: { supersededAt: string | null }) => s.supersededAt !== null)).toMatchObject([
      { startDate: future(0), endDate: future(364), allocationPercent: 40 },
    ]);
    // The new lead now has the project's lead rights.
    expect((await call(person, 'GET', `/projects/${project.id}`)).json().leads).toEqual([
      { id: person.id, name: expect.any(String) },
    ]);
    const other = await signInAs(testApp());
    expect((await addMember(project.id, other.id, { allocationPercent: 10 }, person)).statusCode).toBe(201);
    // Plain members do not run the roster.
    expect((await addMember(project.id, outsider.id, { allocationPercent: 10 }, other)).statusCode).toBe(403);
    // Dates outside the project are refused; adding someone twice over the same days too.
    const outside = await addMember(project.id, outsider.id, { allocationPercent: 10, startDate: future(-31) });
    expect(outside.statusCode).toBe(422);
    expect(outside.json().error).toMatchObject({
      code: 'OUTSIDE_PROJECT_PERIOD',
      details: { startDate: future(-31), projectStart: future(0), projectEnd: future(364) },
    });
    const twice = await addMember(project.id, other.id, { allocationPercent: 10 });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error).toMatchObject({
      code: 'ROSTER_OVERLAP',
      details: { userId: other.id, startDate: future(0), endDate: future(364) },
    });
    // Removing ends the time on the project after the last day.
    const removed = await call(manager, 'DELETE', `/projects/${project.id}/roster/${other.id}?lastDay=${future(58)}`);
    expect(removed.statusCode).toBe(200);
    expect(removed.json().entry).toMatchObject({ endDate: future(58) });
    const planned = await call(manager, 'DELETE', `/projects/${project.id}/roster/${other.id}?lastDay=${future(-214)}`);
    expect(planned.json().entry).toBeNull();
    expect((await call(manager, 'DELETE', `/projects/${project.id}/roster/${other.id}`)).statusCode).toBe(404);
  });

  it('archiving a person or a project ends their allocations and keeps the history', async () => {
    const person = await signInAs(testApp());
    const project = await createProject({ startDate: earlier(0), endDate: future(729) });
    const other = await createProject({ startDate: earlier(0), endDate: null });
    await addMember(project.id, person.id, { allocationPercent: 30, startDate: earlier(31) });
    await addMember(other.id, person.id, { allocationPercent: 30, startDate: earlier(31) });
    const archived = await call(admin, 'POST', `/users/${person.id}/archive`, { reason: 'left the company' });
    expect(archived.statusCode).toBe(200);
    const today = clock.day();
    for (const id of [project.id, other.id]) {
      const roster = (await call(manager, 'GET', `/projects/${id}/roster?include=all`)).json();
      expect(roster.items[0]).toMatchObject({ userId: person.id, startDate: earlier(31), endDate: today });
    }
    const member = await signInAs(testApp());
    await addMember(project.id, member.id, { allocationPercent: 50, startDate: earlier(31) });
    await addMember(project.id, outsider.id, { allocationPercent: 10, startDate: future(365) });
    expect((await call(manager, 'DELETE', `/projects/${project.id}`)).statusCode).toBe(200);
    const roster = (await call(manager, 'GET', `/projects/${project.id}/roster?include=all`)).json();
    expect(roster.items.find((e: { userId: string }) => e.userId === member.id)).toMatchObject({ endDate: today });
    // Planned days after the archive day are dropped.
    expect(roster.items.find((e: { userId: string }) => e.userId === outsider.id)).toBeUndefined();
    // An archived project's roster no longer changes.
    const late = await addMember(project.id, outsider.id, { allocationPercent: 10 });
    expect(late.statusCode).toBe(422);
    expect(late.json().error.code).toBe('PROJECT_ARCHIVED');
  });

  it('days already past are changed only by a Manager or above; a move of the start carries the new values', async () => {
    const lead = await signInAs(testApp());
    const person = await signInAs(testApp());
    const project = await createProject({ startDate: earlier(0), endDate: future(729) });
    await addMember(project.id, lead.id, { role: 'lead', allocationPercent: 10, startDate: earlier(0) });
    await addMember(project.id, person.id, { allocationPercent: 20, startDate: earlier(0) });
    const url = `/projects/${project.id}/roster/${person.id}`;
    const rewrite = await call(lead, 'PATCH', url, { allocationPercent: 40, effectiveFrom: earlier(31) });
    expect(rewrite.statusCode).toBe(403);
    expect(rewrite.json().error.code).toBe('PAST_DAYS_NEED_MANAGER');
    expect(rewrite.json().error.details).toEqual({ field: 'effectiveFrom', day: earlier(31) });
    const removal = await call(lead, 'DELETE', `${url}?lastDay=${earlier(59)}`);
    expect(removal.statusCode).toBe(403);
    expect(removal.json().error).toMatchObject({ code: 'PAST_DAYS_NEED_MANAGER', details: { field: 'lastDay' } });
    const correction = await call(manager, 'PATCH', url, { allocationPercent: 40, effectiveFrom: earlier(31) });
    expect(correction.statusCode).toBe(200);
    const after = await call(manager, 'PATCH', url, { allocationPercent: 50, effectiveFrom: future(730) });
    expect(after.statusCode).toBe(422);
    expect(after.json().error).toMatchObject({ code: 'ALLOCATION_ENDED', details: { effectiveFrom: future(730) } });

    const planned = await signInAs(testApp());
    await addMember(project.id, planned.id, { allocationPercent: 50, startDate: future(59), endDate: future(180) });
    const moved = await call(lead, 'PATCH', `/projects/${project.id}/roster/${planned.id}`, {
      startDate: future(31),
      allocationPercent: 80,
    });
    expect(moved.statusCode).toBe(200);
    expect(
      moved.json().entry.segments.map((s: Record<string, unknown>) => [s.startDate, s.endDate, s.allocationPercent]),
    ).toEqual([[future(31), future(180), 80]]);
    // A start that has come stays where it is.
    const begun = await call(manager, 'PATCH', url, { startDate: future(0) });
    expect(begun.json().error).toMatchObject({ code: 'ALLOCATION_STARTED', details: { startDate: earlier(0) } });
  });

  it('archiving a project while members are being added leaves nobody on it after the archive day', async () => {
    const project = await createProject({ startDate: earlier(0), endDate: future(729) });
    const people = await Promise.all(Array.from({ length: 6 }, () => signInAs(testApp())));
    const [archived, ...adds] = await Promise.all([
      call(manager, 'DELETE', `/projects/${project.id}`),
      ...people.map((p) => addMember(project.id, p.id, { allocationPercent: 10 })),
    ]);
    expect(archived?.statusCode).toBe(200);
    for (const add of adds) expect([201, 422]).toContain(add.statusCode);
    const today = clock.day();
    const { capacityLedgers } = testApp().database.collections;
    for (const person of people) {
      const ledger = await capacityLedgers.findOne({ _id: new ObjectId(person.id) });
      for (const segment of ledger?.segments ?? []) expect(segment.end !== null && segment.end <= today).toBe(true);
    }
  });

  it('refuses days outside the supported years', async () => {
    const person = await signInAs(testApp());
    const far = await call(person, 'GET', `/employees/${person.id}/capacity?from=9999-12-01`);
    expect(far.statusCode).toBe(400);
    expect((await call(person, 'GET', `/employees/${person.id}/capacity?from=0050-01-01`)).statusCode).toBe(400);
  });

  it('a shorter period is refused while allocations lie outside it, or shortens them when asked', async () => {
    const lead = await signInAs(testApp());
    const person = await signInAs(testApp());
    const project = await createProject({ startDate: earlier(0), endDate: null });
    await addMember(project.id, lead.id, { role: 'lead', allocationPercent: 10, startDate: earlier(0) });
    await addMember(project.id, person.id, { allocationPercent: 40, startDate: earlier(0) });
    let version = (await call(lead, 'GET', `/projects/${project.id}`)).json().version;
    const refused = await call(lead, 'PATCH', `/projects/${project.id}`, { version, endDate: future(180) });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('ALLOCATIONS_OUTSIDE_PERIOD');
    expect(refused.json().error.details.members).toHaveLength(2);
    const shortened = await call(lead, 'PATCH', `/projects/${project.id}`, {
      version,
      endDate: future(180),
      adjustAllocations: true,
    });
    expect(shortened.statusCode).toBe(200);
    version = shortened.json().version;
    const roster = (await call(lead, 'GET', `/projects/${project.id}/roster`)).json();
    expect(roster.items.map((e: { endDate: string }) => e.endDate)).toEqual([future(180), future(180)]);
    // Cutting days already worked is a Manager's correction.
    const past = await call(lead, 'PATCH', `/projects/${project.id}`, {
      version,
      startDate: earlier(59),
      adjustAllocations: true,
    });
    expect(past.statusCode).toBe(403);
    expect(past.json().error).toMatchObject({
      code: 'PAST_DAYS_NEED_MANAGER',
      details: { field: 'startDate', day: earlier(0) },
    });
    const corrected = await call(manager, 'PATCH', `/projects/${project.id}`, {
      version,
      startDate: earlier(59),
      adjustAllocations: true,
    });
    expect(corrected.statusCode).toBe(200);
    const capacity = (
      await call(person, 'GET', `/employees/${person.id}/capacity?from=${earlier(58)}&to=${earlier(59)}`)
    ).json();
    expect(capacity.timeline.map((i: { allocationPercent: number }) => i.allocationPercent)).toEqual([0, 40]);
    const audit = (await call(admin, 'GET', `/audits/project/${project.id}`)).json();
    expect(audit.items.filter((e: { action: string }) => e.action === 'project.roster.clip')).toHaveLength(4);
  });

  it('the hourly job ends the allocations of people archived without the archive event taking effect', async () => {
    const person = await signInAs(testApp());
    const project = await createProject({ startDate: earlier(0), endDate: future(729) });
    await addMember(project.id, person.id, { allocationPercent: 30, startDate: earlier(31) });
    const archivedAt = clock();
    // As if the event handler had failed: the account is archived, the allocation runs on.
    await testApp().database.collections.users.updateOne(
      { _id: new ObjectId(person.id) },
      { $set: { status: 'archived', archivedAt } },
    );
    const { projects } = await serviceInternals(testApp().deps);
    expect(await projects.endAllocationsOfArchived(clock())).toBe(1);
    const roster = (await call(manager, 'GET', `/projects/${project.id}/roster?include=all`)).json();
    expect(roster.items[0]).toMatchObject({ userId: person.id, endDate: clock.day() });
    expect(await projects.endAllocationsOfArchived(clock())).toBe(0);
  });

  it('an over-allocation on an open-ended project is reported with no end', async () => {
    const person = await signInAs(testApp());
    const [p1, p2] = [
      await createProject({ startDate: future(0), endDate: null }),
      await createProject({ startDate: future(0), endDate: null }),
    ];
    await addMember(p1.id, person.id, { allocationPercent: 60 });
    const refused = await addMember(p2.id, person.id, { allocationPercent: 60 });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.details).toMatchObject({ start: future(0), end: null, totalPercent: 120 });
    const accepted = await addMember(p2.id, person.id, { allocationPercent: 60, allowOverAllocation: true });
    expect(accepted.statusCode).toBe(201);
    expect(accepted.json().warning).toMatchObject({ start: future(0), end: null });
  });

  it('twenty simultaneous allocations for one person never pass 100% together', async () => {
    for (let round = 0; round < 2; round += 1) {
      const person = await signInAs(testApp());
      const projects = await Promise.all(Array.from({ length: 20 }, () => createProject()));
      const results = await Promise.all(
        projects.map((p) => addMember(p.id, person.id, { allocationPercent: 30, startDate: future(120) })),
      );
      const codes = results.map((r) => r.statusCode);
      expect(codes.filter((c) => c === 201)).toHaveLength(3);
      expect(codes.filter((c) => c === 409)).toHaveLength(17);
      for (const r of results.filter((r) => r.statusCode === 409))
        expect(r.json().error.code).toBe('CAPACITY_EXCEEDED');
      const { capacityLedgers, assignments } = testApp().database.collections;
      const ledger = await capacityLedgers.findOne({ _id: new ObjectId(person.id) });
      expect(ledger?.segments.reduce((sum, s) => sum + s.percent, 0)).toBe(90);
      expect(await assignments.countDocuments({ userId: new ObjectId(person.id), supersededAt: null })).toBe(3);
    }
  });

  it('the reconciler repairs history a crash left behind the ledger', async () => {
    const person = await signInAs(testApp());
    const project = await createProject();
    await addMember(project.id, person.id, { allocationPercent: 20 });
    const { assignments } = testApp().database.collections;
    const userId = new ObjectId(person.id);
    const recorded = await assignments.findOne({ userId, supersededAt: null });
    await assignments.deleteOne({ _id: recorded?._id });
    const stray = { ...(recorded as NonNullable<typeof recorded>), _id: new ObjectId(), percent: 99 };
    await assignments.insertOne(stray);
    const { capacity } = await serviceInternals(testApp().deps);
    expect(await capacity.reconcile(clock())).toBe(2);
    const live = await assignments.find({ userId, supersededAt: null }).toArray();
    expect(live.map((s) => [s._id.toHexString(), s.percent])).toEqual([[recorded?._id.toHexString(), 20]]);
  });

  it('the hourly job moves the halo as days pass', async () => {
    const person = await signInAs(testApp());
    const [p1, p2] = [await createProject(), await createProject()];
    await addMember(p1.id, person.id, { allocationPercent: 70, startDate: future(0), endDate: future(30) });
    await addMember(p2.id, person.id, {
      allocationPercent: 70,
      startDate: future(0),
      endDate: future(30),
      allowOverAllocation: true,
    });
    const { employees } = testApp().database.collections;
    const halo = async () => (await employees.findOne({ _id: new ObjectId(person.id) }))?.capacity;
    expect(await halo()).toMatchObject({ overAllocated: true });
    const { capacity } = await serviceInternals(testApp().deps);
    // A month on, the stretch above 100% is over; that day's allocation is nothing.
    expect(await capacity.refreshFlags(new Date(`${future(31)}T12:00:00Z`))).toBeGreaterThanOrEqual(1);
    expect(await halo()).toMatchObject({ allocationPercent: 0, overAllocated: false });
    // During it: 140% today.
    await capacity.refreshFlags(new Date(`${future(14)}T12:00:00Z`));
    expect(await halo()).toMatchObject({ allocationPercent: 140, overAllocated: true });
  });

  it('the capacity report: per-person average and peak, the over-allocated, per-project FTE, CSV', async () => {
    const department = `Dept ${Math.random().toString(36).slice(2, 8)}`;
    const hr = await signInAs(testApp(), ['hr']);
    const busy = await signInAs(testApp());
    const calm = await signInAs(testApp());
    for (const person of [busy, calm]) {
      await call(hr, 'PATCH', `/employees/${person.id}`, {
        version: (await call(hr, 'GET', `/employees/${person.id}`)).json().version,
        department,
      });
    }
    const p1 = await createProject({ name: `=cmd|report ${counter}` });
    const p2 = await createProject();
    await addMember(p1.id, busy.id, { allocationPercent: 80, startDate: future(0), endDate: future(9) });
    await addMember(p2.id, busy.id, {
      allocationPercent: 40,
      startDate: future(5),
      endDate: future(9),
      allowOverAllocation: true,
    });
    await addMember(p2.id, calm.id, { allocationPercent: 50, startDate: future(0), endDate: future(9) });
    const url = `/reports/capacity?from=${future(0)}&to=${future(9)}&department=${encodeURIComponent(department)}`;
    const report = (await call(manager, 'GET', url)).json();
    expect(report).toMatchObject({ from: future(0), to: future(9), days: 10 });
    const rows = new Map(report.people.map((p: { employee: { id: string } }) => [p.employee.id, p]));
    expect(rows.get(busy.id)).toMatchObject({
      averagePercent: 100,
      peakPercent: 120,
      overAllocatedDays: 5,
      overAllocations: [{ start: future(5), end: future(9), peakPercent: 120 }],
    });
    expect(rows.get(calm.id)).toMatchObject({ averagePercent: 50, peakPercent: 50, overAllocatedDays: 0 });
    expect(report.overAllocated.map((p: { id: string }) => p.id)).toEqual([busy.id]);
    const projects = new Map(report.projects.map((p: { project: { id: string } }) => [p.project.id, p]));
    expect(projects.get(p1.id)).toMatchObject({ averageFte: 0.8, personDays: 8, people: 1 });
    expect(projects.get(p2.id)).toMatchObject({ averageFte: 0.7, personDays: 7, people: 2 });

    const csv = await call(manager, 'GET', `${url}&format=csv&view=projects`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(
      `attachment; filename="capacity-projects-${future(0)}-to-${future(9)}.csv"`,
    );
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('projectId,project,averageFte,personDays,people');
    // A name a spreadsheet would run as a formula stays text.
    expect(lines.find((l) => l.startsWith(p1.id))).toBe(`${p1.id},'${p1.name},0.8,8,1`);
    const people = await call(manager, 'GET', `${url}&format=csv`);
    expect(people.body.split('\r\n')[0]).toBe(
      'employeeId,name,department,averagePercent,peakPercent,overAllocatedDays,overAllocations',
    );
    expect(people.body).toContain(`${future(5)}..${future(9)} 120%`);

    expect((await call(outsider, 'GET', url)).statusCode).toBe(403);
    const tooLong = await call(manager, 'GET', `/reports/capacity?from=${future(0)}&to=${future(1096)}`);
    expect(tooLong.statusCode).toBe(400);

    // The same report over tRPC: the CSV comes back as an object.
    const input = encodeURIComponent(JSON.stringify({ from: future(0), to: future(9), format: 'csv', department }));
    const trpc = await testApp().app.inject({
      method: 'GET',
      url: `/trpc/reports.capacity?input=${input}`,
      headers: { authorization: `Bearer ${manager.accessToken}` },
    });
    expect(trpc.statusCode).toBe(200);
    expect(trpc.json().result.data).toMatchObject({ format: 'csv', contentType: 'text/csv; charset=utf-8' });
  });
});
