import { ObjectId } from '@seed-pms/db';
import { beforeAll, describe, expect, it } from 'vitest';
import { serviceInternals } from '../src/services.js';
import { callAs, type RestMethod, type SignedIn, signInAs, signInStaff } from './auth-helpers.js';
import { useTestApp } from './support.js';

const testApp = useTestApp(import.meta.url);

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
    startDate: '2030-01-01',
    endDate: '2030-12-31',
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
  const response = await call(admin, 'PATCH', '/settings', { version: current.version, capacity: { policy } });
  expect(response.statusCode).toBe(200);
}

describe('projects', () => {
  it('managers create projects; names are unique among live projects ignoring case; employees cannot create', async () => {
    const project = await createProject({ name: 'Apollo  Rewrite', code: 'APL-1', tags: ['web', 'Web', 'api'] });
    expect(project).toMatchObject({ name: 'Apollo  Rewrite', status: 'planned', version: 1 });
    expect((project as unknown as { tags: string[] }).tags).toEqual(['Web', 'api']);
    const clash = await call(manager, 'POST', '/projects', { name: 'apollo rewrite', startDate: '2030-01-01' });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error).toMatchObject({ code: 'ALREADY_EXISTS', details: { field: 'name' } });
    const codeClash = await call(manager, 'POST', '/projects', {
      name: 'Other',
      code: 'apl-1',
      startDate: '2030-01-01',
    });
    expect(codeClash.json().error.details).toEqual({ field: 'code' });
    expect((await call(outsider, 'POST', '/projects', { name: 'Mine', startDate: '2030-01-01' })).statusCode).toBe(403);

    // Archived, the name is free again and the project stays readable.
    const archived = await call(manager, 'DELETE', `/projects/${project.id}`);
    expect(archived.statusCode).toBe(200);
    expect(archived.json()).toMatchObject({ status: 'archived' });
    expect((await call(outsider, 'GET', `/projects/${project.id}`)).json().status).toBe('archived');
    expect(
      (await call(manager, 'POST', '/projects', { name: 'APOLLO REWRITE', startDate: '2030-01-01' })).statusCode,
    ).toBe(201);
    const edit = await call(manager, 'PATCH', `/projects/${project.id}`, { version: 2, description: 'x' });
    expect(edit.statusCode).toBe(422);
    expect(edit.json().error.code).toBe('INVALID_STATE');
  });

  it('refuses bad input with the spec’s errors', async () => {
    const backwards = await call(manager, 'POST', '/projects', {
      name: 'Backwards',
      startDate: '2030-05-01',
      endDate: '2030-04-01',
    });
    expect(backwards.statusCode).toBe(400);
    expect(backwards.json().error.code).toBe('VALIDATION_FAILED');
    const badDate = await call(manager, 'POST', '/projects', { name: 'Bad', startDate: '2030-02-30' });
    expect(badDate.statusCode).toBe(400);
    const unknownField = await call(manager, 'POST', '/projects', { name: 'X', startDate: '2030-01-01', owner: 'me' });
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
  it('adds members with allocations; an allocation past 100% is refused with the peak and what adds up', async () => {
    const person = await signInAs(testApp());
    const p1 = await createProject({ name: `Alpha ${counter}` });
    const p2 = await createProject();
    const first = await addMember(p1.id, person.id, {
      allocationPercent: 60,
      startDate: '2030-03-01',
      endDate: '2030-03-31',
    });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toMatchObject({
      entry: {
        userId: person.id,
        role: 'member',
        allocationPercent: 60,
        startDate: '2030-03-01',
        endDate: '2030-03-31',
      },
      warning: null,
    });
    const refused = await addMember(p2.id, person.id, { allocationPercent: 50, startDate: '2030-03-15' });
    expect(refused.statusCode).toBe(409);
    const error = refused.json().error;
    expect(error.code).toBe('CAPACITY_EXCEEDED');
    expect(error.details).toMatchObject({
      userId: person.id,
      start: '2030-03-15',
      end: '2030-03-31',
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
    const fits = await addMember(p2.id, person.id, { allocationPercent: 50, startDate: '2030-04-01' });
    expect(fits.statusCode).toBe(201);
    expect(fits.json().entry).toMatchObject({ startDate: '2030-04-01', endDate: '2030-12-31' });

    const capacity = (
      await call(person, 'GET', `/employees/${person.id}/capacity?from=2030-03-01&to=2030-04-30`)
    ).json();
    expect(
      capacity.timeline.map((i: { start: string; allocationPercent: number }) => [i.start, i.allocationPercent]),
    ).toEqual([
      ['2030-03-01', 60],
      ['2030-04-01', 50],
    ]);
    expect(capacity.peak).toMatchObject({ start: '2030-03-01', end: '2030-03-31', allocationPercent: 60 });
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
    const overridden = await addMember(p2.id, person.id, { allocationPercent: 40, allowOverAllocation: true });
    expect(overridden.statusCode).toBe(201);
    expect(overridden.json().warning).toMatchObject({ totalPercent: 120, start: '2030-01-01', end: '2030-12-31' });
    // The halo shows over-allocation anywhere from today on (2030 included), while today's allocation is 0.
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
      effectiveFrom: '2030-06-01',
    });
    expect(lowered.statusCode).toBe(200);
    // Nothing was raised, so no warning; the halo stays while the person is still above 100%.
    expect(lowered.json()).toMatchObject({ warning: null, entry: { capacity: { overAllocated: true } } });
    const capacity = (
      await call(person, 'GET', `/employees/${person.id}/capacity?from=2030-05-31&to=2030-06-01`)
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
      effectiveFrom: '2030-07-01',
    });
    expect(changed.statusCode).toBe(200);
    const segments = changed
      .json()
      .entry.segments.map((s: Record<string, unknown>) => [s.startDate, s.endDate, s.role, s.allocationPercent]);
    expect(segments).toEqual([
      ['2030-01-01', '2030-06-30', 'member', 40],
      ['2030-07-01', '2030-12-31', 'lead', 80],
    ]);
    const history = (await call(person, 'GET', `/projects/${project.id}/roster?include=history`)).json();
    const all = history.items[0].segments;
    expect(all).toHaveLength(3);
    expect(all.filter((s: { supersededAt: string | null }) => s.supersededAt !== null)).toMatchObject([
      { startDate: '2030-01-01', endDate: '2030-12-31', allocationPercent: 40 },
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
    const outside = await addMember(project.id, outsider.id, { allocationPercent: 10, startDate: '2029-12-01' });
    expect(outside.statusCode).toBe(422);
    const twice = await addMember(project.id, other.id, { allocationPercent: 10 });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('ALREADY_EXISTS');
    // Removing ends the time on the project after the last day.
    const removed = await call(manager, 'DELETE', `/projects/${project.id}/roster/${other.id}?lastDay=2030-02-28`);
    expect(removed.statusCode).toBe(200);
    expect(removed.json().entry).toMatchObject({ endDate: '2030-02-28' });
    const planned = await call(manager, 'DELETE', `/projects/${project.id}/roster/${other.id}?lastDay=2029-06-01`);
    expect(planned.json().entry).toBeNull();
    expect((await call(manager, 'DELETE', `/projects/${project.id}/roster/${other.id}`)).statusCode).toBe(404);
  });

  it('archiving a person or a project ends their allocations and keeps the history', async () => {
    const person = await signInAs(testApp());
    const project = await createProject({ startDate: '2026-01-01', endDate: '2031-12-31' });
    const other = await createProject({ startDate: '2026-01-01', endDate: null });
    await addMember(project.id, person.id, { allocationPercent: 30, startDate: '2026-02-01' });
    await addMember(other.id, person.id, { allocationPercent: 30, startDate: '2026-02-01' });
    const archived = await call(admin, 'POST', `/users/${person.id}/archive`, { reason: 'left the company' });
    expect(archived.statusCode).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    for (const id of [project.id, other.id]) {
      const roster = (await call(manager, 'GET', `/projects/${id}/roster?include=all`)).json();
      expect(roster.items[0]).toMatchObject({ userId: person.id, startDate: '2026-02-01', endDate: today });
    }
    const member = await signInAs(testApp());
    await addMember(project.id, member.id, { allocationPercent: 50, startDate: '2026-02-01' });
    await addMember(project.id, outsider.id, { allocationPercent: 10, startDate: '2031-01-01' });
    expect((await call(manager, 'DELETE', `/projects/${project.id}`)).statusCode).toBe(200);
    const roster = (await call(manager, 'GET', `/projects/${project.id}/roster?include=all`)).json();
    expect(roster.items.find((e: { userId: string }) => e.userId === member.id)).toMatchObject({ endDate: today });
    // Planned days after the archive day are dropped.
    expect(roster.items.find((e: { userId: string }) => e.userId === outsider.id)).toBeUndefined();
    // An archived project's roster no longer changes.
    expect((await addMember(project.id, outsider.id, { allocationPercent: 10 })).statusCode).toBe(422);
  });

  it('days already past are changed only by a Manager or above; a move of the start carries the new values', async () => {
    const lead = await signInAs(testApp());
    const person = await signInAs(testApp());
    const project = await createProject({ startDate: '2026-01-01', endDate: '2031-12-31' });
    await addMember(project.id, lead.id, { role: 'lead', allocationPercent: 10, startDate: '2026-01-01' });
    await addMember(project.id, person.id, { allocationPercent: 20, startDate: '2026-01-01' });
    const url = `/projects/${project.id}/roster/${person.id}`;
    const rewrite = await call(lead, 'PATCH', url, { allocationPercent: 40, effectiveFrom: '2026-02-01' });
    expect(rewrite.statusCode).toBe(403);
    expect(rewrite.json().error.details).toEqual({ field: 'effectiveFrom', day: '2026-02-01' });
    expect((await call(lead, 'DELETE', `${url}?lastDay=2026-03-01`)).statusCode).toBe(403);
    const correction = await call(manager, 'PATCH', url, { allocationPercent: 40, effectiveFrom: '2026-02-01' });
    expect(correction.statusCode).toBe(200);
    const after = await call(manager, 'PATCH', url, { allocationPercent: 50, effectiveFrom: '2032-01-01' });
    expect(after.statusCode).toBe(422);

    const planned = await signInAs(testApp());
    await addMember(project.id, planned.id, { allocationPercent: 50, startDate: '2030-03-01', endDate: '2030-06-30' });
    const moved = await call(lead, 'PATCH', `/projects/${project.id}/roster/${planned.id}`, {
      startDate: '2030-02-01',
      allocationPercent: 80,
    });
    expect(moved.statusCode).toBe(200);
    expect(
      moved.json().entry.segments.map((s: Record<string, unknown>) => [s.startDate, s.endDate, s.allocationPercent]),
    ).toEqual([['2030-02-01', '2030-06-30', 80]]);
  });

  it('archiving a project while members are being added leaves nobody on it after the archive day', async () => {
    const project = await createProject({ startDate: '2026-01-01', endDate: '2031-12-31' });
    const people = await Promise.all(Array.from({ length: 6 }, () => signInAs(testApp())));
    const [archived, ...adds] = await Promise.all([
      call(manager, 'DELETE', `/projects/${project.id}`),
      ...people.map((p) => addMember(project.id, p.id, { allocationPercent: 10 })),
    ]);
    expect(archived?.statusCode).toBe(200);
    for (const add of adds) expect([201, 422]).toContain(add.statusCode);
    const today = new Date().toISOString().slice(0, 10);
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
    const project = await createProject({ startDate: '2026-01-01', endDate: null });
    await addMember(project.id, lead.id, { role: 'lead', allocationPercent: 10, startDate: '2026-01-01' });
    await addMember(project.id, person.id, { allocationPercent: 40, startDate: '2026-01-01' });
    let version = (await call(lead, 'GET', `/projects/${project.id}`)).json().version;
    const refused = await call(lead, 'PATCH', `/projects/${project.id}`, { version, endDate: '2030-06-30' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.details.members).toHaveLength(2);
    const shortened = await call(lead, 'PATCH', `/projects/${project.id}`, {
      version,
      endDate: '2030-06-30',
      adjustAllocations: true,
    });
    expect(shortened.statusCode).toBe(200);
    version = shortened.json().version;
    const roster = (await call(lead, 'GET', `/projects/${project.id}/roster`)).json();
    expect(roster.items.map((e: { endDate: string }) => e.endDate)).toEqual(['2030-06-30', '2030-06-30']);
    // Cutting days already worked is a Manager's correction.
    const past = await call(lead, 'PATCH', `/projects/${project.id}`, {
      version,
      startDate: '2026-03-01',
      adjustAllocations: true,
    });
    expect(past.statusCode).toBe(403);
    const corrected = await call(manager, 'PATCH', `/projects/${project.id}`, {
      version,
      startDate: '2026-03-01',
      adjustAllocations: true,
    });
    expect(corrected.statusCode).toBe(200);
    const capacity = (
      await call(person, 'GET', `/employees/${person.id}/capacity?from=2026-02-28&to=2026-03-01`)
    ).json();
    expect(capacity.timeline.map((i: { allocationPercent: number }) => i.allocationPercent)).toEqual([0, 40]);
    const audit = (await call(admin, 'GET', `/audits/project/${project.id}`)).json();
    expect(audit.items.filter((e: { action: string }) => e.action === 'project.roster.clip')).toHaveLength(4);
  });

  it('the hourly job ends the allocations of people archived without the archive event taking effect', async () => {
    const person = await signInAs(testApp());
    const project = await createProject({ startDate: '2026-01-01', endDate: '2031-12-31' });
    await addMember(project.id, person.id, { allocationPercent: 30, startDate: '2026-02-01' });
    const archivedAt = new Date();
    // As if the event handler had failed: the account is archived, the allocation runs on.
    await testApp().database.collections.users.updateOne(
      { _id: new ObjectId(person.id) },
      { $set: { status: 'archived', archivedAt } },
    );
    const { projects } = await serviceInternals(testApp().deps);
    expect(await projects.endAllocationsOfArchived(new Date())).toBe(1);
    const roster = (await call(manager, 'GET', `/projects/${project.id}/roster?include=all`)).json();
    expect(roster.items[0]).toMatchObject({ userId: person.id, endDate: archivedAt.toISOString().slice(0, 10) });
    expect(await projects.endAllocationsOfArchived(new Date())).toBe(0);
  });

  it('an over-allocation on an open-ended project is reported with no end', async () => {
    const person = await signInAs(testApp());
    const [p1, p2] = [
      await createProject({ startDate: '2030-01-01', endDate: null }),
      await createProject({ startDate: '2030-01-01', endDate: null }),
    ];
    await addMember(p1.id, person.id, { allocationPercent: 60 });
    const refused = await addMember(p2.id, person.id, { allocationPercent: 60 });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.details).toMatchObject({ start: '2030-01-01', end: null, totalPercent: 120 });
    const accepted = await addMember(p2.id, person.id, { allocationPercent: 60, allowOverAllocation: true });
    expect(accepted.statusCode).toBe(201);
    expect(accepted.json().warning).toMatchObject({ start: '2030-01-01', end: null });
  });

  it('twenty simultaneous allocations for one person never pass 100% together', async () => {
    for (let round = 0; round < 2; round += 1) {
      const person = await signInAs(testApp());
      const projects = await Promise.all(Array.from({ length: 20 }, () => createProject()));
      const results = await Promise.all(
        projects.map((p) => addMember(p.id, person.id, { allocationPercent: 30, startDate: '2030-05-01' })),
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
    expect(await capacity.reconcile(new Date())).toBe(2);
    const live = await assignments.find({ userId, supersededAt: null }).toArray();
    expect(live.map((s) => [s._id.toHexString(), s.percent])).toEqual([[recorded?._id.toHexString(), 20]]);
  });

  it('the hourly job moves the halo as days pass', async () => {
    const person = await signInAs(testApp());
    const [p1, p2] = [await createProject(), await createProject()];
    await addMember(p1.id, person.id, { allocationPercent: 70, startDate: '2030-01-01', endDate: '2030-01-31' });
    await addMember(p2.id, person.id, {
      allocationPercent: 70,
      startDate: '2030-01-01',
      endDate: '2030-01-31',
      allowOverAllocation: true,
    });
    const { employees } = testApp().database.collections;
    const halo = async () => (await employees.findOne({ _id: new ObjectId(person.id) }))?.capacity;
    expect(await halo()).toMatchObject({ overAllocated: true });
    const { capacity } = await serviceInternals(testApp().deps);
    // In February 2030 the stretch above 100% is over; today's allocation is nothing.
    expect(await capacity.refreshFlags(new Date('2030-02-01T12:00:00Z'))).toBeGreaterThanOrEqual(1);
    expect(await halo()).toMatchObject({ allocationPercent: 0, overAllocated: false });
    // During it: 140% today.
    await capacity.refreshFlags(new Date('2030-01-15T12:00:00Z'));
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
    await addMember(p1.id, busy.id, { allocationPercent: 80, startDate: '2030-01-01', endDate: '2030-01-10' });
    await addMember(p2.id, busy.id, {
      allocationPercent: 40,
      startDate: '2030-01-06',
      endDate: '2030-01-10',
      allowOverAllocation: true,
    });
    await addMember(p2.id, calm.id, { allocationPercent: 50, startDate: '2030-01-01', endDate: '2030-01-10' });
    const url = `/reports/capacity?from=2030-01-01&to=2030-01-10&department=${encodeURIComponent(department)}`;
    const report = (await call(manager, 'GET', url)).json();
    expect(report).toMatchObject({ from: '2030-01-01', to: '2030-01-10', days: 10 });
    const rows = new Map(report.people.map((p: { employee: { id: string } }) => [p.employee.id, p]));
    expect(rows.get(busy.id)).toMatchObject({
      averagePercent: 100,
      peakPercent: 120,
      overAllocatedDays: 5,
      overAllocations: [{ start: '2030-01-06', end: '2030-01-10', peakPercent: 120 }],
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
      /attachment; filename="capacity-projects-2030-01-01-to-2030-01-10.csv"/,
    );
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe('projectId,project,averageFte,personDays,people');
    // A name a spreadsheet would run as a formula stays text.
    expect(lines.find((l) => l.startsWith(p1.id))).toBe(`${p1.id},'${p1.name},0.8,8,1`);
    const people = await call(manager, 'GET', `${url}&format=csv`);
    expect(people.body.split('\r\n')[0]).toBe(
      'employeeId,name,department,averagePercent,peakPercent,overAllocatedDays,overAllocations',
    );
    expect(people.body).toContain('2030-01-06..2030-01-10 120%');

    expect((await call(outsider, 'GET', url)).statusCode).toBe(403);
    const tooLong = await call(manager, 'GET', '/reports/capacity?from=2030-01-01&to=2033-01-01');
    expect(tooLong.statusCode).toBe(400);

    // The same report over tRPC: the CSV comes back as an object.
    const input = encodeURIComponent(
      JSON.stringify({ from: '2030-01-01', to: '2030-01-10', format: 'csv', department }),
    );
    const trpc = await testApp().app.inject({
      method: 'GET',
      url: `/trpc/reports.capacity?input=${input}`,
      headers: { authorization: `Bearer ${manager.accessToken}` },
    });
    expect(trpc.statusCode).toBe(200);
    expect(trpc.json().result.data).toMatchObject({ format: 'csv', contentType: 'text/csv; charset=utf-8' });
  });
});
