import { type CapacityLedgerRepository, createRepositories } from '@seed-pms/db';
import { ObjectId } from '@seed-pms/db/testing';
import { addDays, DomainError } from '@seed-pms/domain';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ActorContext, systemCallContext } from '../src/app/call-context.js';
import { createProjectTurns, PROJECT_TURN_WAIT_MS } from '../src/projects/project-turns.js';
import { createRosterService } from '../src/projects/roster.service.js';
import { createServices } from '../src/services.js';
import { callAs, type RestMethod, type SignedIn, signInAs } from './auth-helpers.js';
import { testClock } from './clock.js';
import { useTestApp } from './support.js';

const clock = testClock();
const testApp = useTestApp(import.meta.url, { clock });
/** A year wholly ahead: the projects here run over it. */
const future = (n: number) => addDays(clock.day(400), n);

let manager: SignedIn;
beforeAll(async () => {
  manager = await signInAs(testApp(), ['manager']);
});

const call = (session: SignedIn | null, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);

let counter = 0;
async function createProject(): Promise<{ id: string; name: string }> {
  counter += 1;
  const response = await call(manager, 'POST', '/projects', {
    name: `Team ${counter} ${Math.random().toString(36).slice(2, 8)}`,
    startDate: future(0),
    endDate: future(364),
  });
  expect(response.statusCode).toBe(201);
  return response.json();
}

const people = (n: number) => Promise.all(Array.from({ length: n }, () => signInAs(testApp())));

/** What the ledgers and the history hold for a person on a project: they must agree. */
async function stored(userId: string, projectId: string) {
  const { capacityLedgers, assignments } = testApp().database.collections;
  const ledger = await capacityLedgers.findOne({ _id: new ObjectId(userId) });
  const inLedger = (ledger?.segments ?? []).filter((s) => s.projectId.toHexString() === projectId);
  const inHistory = await assignments
    .find({ userId: new ObjectId(userId), projectId: new ObjectId(projectId), supersededAt: null })
    .toArray();
  expect(inHistory.map((a) => a._id.toHexString()).sort()).toEqual(inLedger.map((s) => s.id.toHexString()).sort());
  return inLedger;
}

describe('adding a team', () => {
  it('regression: twenty parallel additions to one project partly failed with 409 CONFLICT and no Retry-After', async () => {
    const project = await createProject();
    const team = await people(20);
    const started = Date.now();
    const answers = await Promise.all(
      team.map((p) => call(manager, 'POST', `/projects/${project.id}/roster`, { userId: p.id, allocationPercent: 20 })),
    );
    const elapsed = Date.now() - started;
    for (const [i, answer] of answers.entries()) {
      // Each ends accepted, or cleanly refused as busy with a time to retry: never a 500, never half written.
      expect([201, 409]).toContain(answer.statusCode);
      const segments = await stored((team[i] as SignedIn).id, project.id);
      if (answer.statusCode === 201) {
        expect(segments).toHaveLength(1);
      } else {
        expect(answer.json().error).toMatchObject({ code: 'RESOURCE_BUSY', details: { retryAfterSeconds: 1 } });
        expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(segments).toEqual([]);
      }
    }
    // The turns are taken in arrival order; only a change still waiting when the bounded wait
    // runs out is refused, so when all twenty finish well inside it (as on our machines) none is.
    expect(answers.filter((a) => a.statusCode === 201).length).toBeGreaterThan(0);
    if (elapsed < PROJECT_TURN_WAIT_MS) expect(answers.every((a) => a.statusCode === 201)).toBe(true);
    const roster = (await call(manager, 'GET', `/projects/${project.id}/roster`)).json();
    expect(roster.items).toHaveLength(answers.filter((a) => a.statusCode === 201).length);
  });

  it('a project whose turn stays taken answers 409 RESOURCE_BUSY with Retry-After once the bounded wait is over', async () => {
    const project = await createProject();
    const [person] = await people(1);
    const { locks } = testApp().database.collections;
    // Another process holds the project's lease and keeps it.
    await locks.insertOne({ _id: `project:${project.id}`, holder: 'elsewhere', until: new Date(Date.now() + 60_000) });
    try {
      const started = Date.now();
      const busy = await call(manager, 'POST', `/projects/${project.id}/roster`, {
        userId: person?.id,
        allocationPercent: 20,
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(PROJECT_TURN_WAIT_MS - 100);
      expect(busy.statusCode).toBe(409);
      expect(busy.json().error).toMatchObject({ code: 'RESOURCE_BUSY', details: { lock: `project:${project.id}` } });
      expect(busy.headers['retry-after']).toBe('1');
    } finally {
      await locks.deleteOne({ _id: `project:${project.id}` });
    }
    expect(
      (await call(manager, 'POST', `/projects/${project.id}/roster`, { userId: person?.id, allocationPercent: 20 }))
        .statusCode,
    ).toBe(201);
  }, 30_000);

  it('in one process, waiting changes of a project are served in turn; those still waiting at the deadline get a Retry-After', async () => {
    const { repos } = { repos: createRepositories(testApp().database) };
    const turns = createProjectTurns(repos.leases, { waitMs: 150 });
    const order: number[] = [];
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const results = await Promise.allSettled(
      [0, 1, 2, 3].map((n) =>
        turns.run('turn-test', async () => {
          order.push(n);
          await sleep(60);
          return n;
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2].slice(0, order.length));
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(r.reason).toBeInstanceOf(DomainError);
      expect(r.reason).toMatchObject({ code: 'RESOURCE_BUSY', details: { lock: 'project:turn-test' } });
      expect(r.reason.details.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('bulk additions (POST /projects/{id}/roster/bulk)', () => {
  it('adds twenty people in one call, each with an entry, a halo and an audit entry', async () => {
    const project = await createProject();
    const team = await people(20);
    const answer = await call(manager, 'POST', `/projects/${project.id}/roster/bulk`, {
      members: team.map((p, i) => ({
        userId: p.id,
        role: i === 0 ? 'lead' : 'member',
        allocationPercent: 25,
        startDate: future(10),
      })),
    });
    expect(answer.statusCode).toBe(201);
    const body = answer.json();
    expect(body.items).toHaveLength(20);
    for (const [i, result] of body.items.entries()) {
      expect(result).toMatchObject({
        index: i,
        userId: team[i]?.id,
        outcome: 'added',
        warning: null,
        error: null,
        entry: { userId: team[i]?.id, allocationPercent: 25, startDate: future(10), endDate: future(364) },
      });
      expect(await stored(team[i]?.id as string, project.id)).toHaveLength(1);
    }
    expect(body.items[0].entry.role).toBe('lead');
    const roster = (await call(manager, 'GET', `/projects/${project.id}/roster`)).json();
    expect(roster.items).toHaveLength(20);
    expect((await call(manager, 'GET', `/projects/${project.id}`)).json().leads).toEqual([
      { id: team[0]?.id, name: expect.any(String) },
    ]);
    const { employees } = testApp().database.collections;
    const halo = await employees.findOne({ _id: new ObjectId(team[5]?.id) });
    expect(halo?.capacity).toMatchObject({ allocationPercent: 0, overAllocated: false, ledgerVersion: 1 });
    const admin = await signInAs(testApp(), ['admin']);
    const audit = (await call(admin, 'GET', `/audits/project/${project.id}?limit=100`)).json();
    expect(audit.items.filter((e: { action: string }) => e.action === 'project.roster.add')).toHaveLength(20);
  });

  it('checks every member first: if any is refused, none is added, and each refusal is named', async () => {
    const project = await createProject();
    const other = await createProject();
    const [fine, already, busy] = await people(3);
    const add = (projectId: string, userId: string, fields: Record<string, unknown>) =>
      call(manager, 'POST', `/projects/${projectId}/roster`, { userId, ...fields });
    expect((await add(project.id, already?.id as string, { allocationPercent: 10 })).statusCode).toBe(201);
    expect((await add(other.id, busy?.id as string, { allocationPercent: 90 })).statusCode).toBe(201);
    const answer = await call(manager, 'POST', `/projects/${project.id}/roster/bulk`, {
      members: [
        { userId: fine?.id, allocationPercent: 30 },
        { userId: already?.id, allocationPercent: 30, startDate: future(100) },
        { userId: busy?.id, allocationPercent: 30 },
        { userId: new ObjectId().toHexString(), allocationPercent: 30 },
      ],
    });
    expect(answer.statusCode).toBe(422);
    const error = answer.json().error;
    expect(error.code).toBe('ROSTER_BULK_REFUSED');
    expect(error.details.members).toMatchObject([
      { index: 1, userId: already?.id, code: 'ROSTER_OVERLAP', details: { startDate: future(0) } },
      { index: 2, userId: busy?.id, code: 'CAPACITY_EXCEEDED', details: { totalPercent: 120, policy: 'block' } },
      { index: 3, code: 'REFERENCE_NOT_FOUND', details: { field: 'userId' } },
    ]);
    // Nothing was written, not even for the member who fitted.
    expect(await stored(fine?.id as string, project.id)).toEqual([]);
    expect(await stored(already?.id as string, project.id)).toHaveLength(1);
    const roster = (await call(manager, 'GET', `/projects/${project.id}/roster`)).json();
    expect(roster.items.map((e: { userId: string }) => e.userId)).toEqual([already?.id]);
  });

  it('a person named twice gets both stints when they do not overlap; the rights and the project’s state are checked once', async () => {
    const project = await createProject();
    const [twice, lead, outsider] = await people(3);
    const answer = await call(manager, 'POST', `/projects/${project.id}/roster/bulk`, {
      members: [
        { userId: twice?.id, allocationPercent: 50, startDate: future(0), endDate: future(30) },
        { userId: lead?.id, role: 'lead', allocationPercent: 10 },
        { userId: twice?.id, allocationPercent: 40, startDate: future(60), endDate: future(90) },
      ],
    });
    expect(answer.statusCode).toBe(201);
    expect(answer.json().items.map((r: { outcome: string }) => r.outcome)).toEqual(['added', 'added', 'added']);
    expect(answer.json().items[0].entry.segments.map((s: Record<string, unknown>) => [s.startDate, s.endDate])).toEqual(
      [
        [future(0), future(30)],
        [future(60), future(90)],
      ],
    );
    // The person's one ledger write holds both; its version moved once.
    const ledger = await testApp().database.collections.capacityLedgers.findOne({ _id: new ObjectId(twice?.id) });
    expect(ledger?.version).toBe(1);

    // A lead runs their roster in bulk too; someone without rights on the project does not.
    const byLead = await call(lead as SignedIn, 'POST', `/projects/${project.id}/roster/bulk`, {
      members: [{ userId: outsider?.id, allocationPercent: 10 }],
    });
    expect(byLead.statusCode).toBe(201);
    const byOutsider = await call(outsider as SignedIn, 'POST', `/projects/${project.id}/roster/bulk`, {
      members: [{ userId: outsider?.id, allocationPercent: 10, startDate: future(200) }],
    });
    expect(byOutsider.statusCode).toBe(403);
    expect(byOutsider.json().error.code).toBe('FORBIDDEN');
    const tooMany = await call(manager, 'POST', `/projects/${project.id}/roster/bulk`, {
      members: Array.from({ length: 51 }, () => ({ userId: outsider?.id, allocationPercent: 1 })),
    });
    expect(tooMany.statusCode).toBe(400);
    expect((await call(manager, 'DELETE', `/projects/${project.id}`)).statusCode).toBe(200);
    const archived = await call(manager, 'POST', `/projects/${project.id}/roster/bulk`, {
      members: [{ userId: outsider?.id, allocationPercent: 10 }],
    });
    expect(archived.json().error.code).toBe('PROJECT_ARCHIVED');
  });

  it('a change on another project landing between the check and the write leaves only that person out, with the reason', async () => {
    const project = await createProject();
    const other = await createProject();
    const [racer, calm] = await people(2);
    const services = await createServices(testApp().deps);
    const repos = createRepositories(testApp().database);
    let raced = false;
    // The moment between the bulk addition's check and its write of the racer's ledger:
    // an addition on another project lands first.
    const capacity: CapacityLedgerRepository = {
      ...repos.capacity,
      async writeLedger(userId, version, segments, now) {
        if (userId === racer?.id && !raced) {
          raced = true;
          const landed = await call(manager, 'POST', `/projects/${other.id}/roster`, {
            userId,
            allocationPercent: 80,
          });
          expect(landed.statusCode).toBe(201);
        }
        return repos.capacity.writeLedger(userId, version, segments, now);
      },
    };
    const roster = createRosterService(
      { repos: { ...repos, capacity } },
      { audit: services.audit, settings: services.settings },
    );
    const ctx: ActorContext = {
      ...systemCallContext('test', clock()),
      actor: { id: manager.id, email: manager.email, roles: ['manager'], sessionId: null, pending: [] },
    };
    const result = await roster.addMembers(ctx, {
      id: project.id,
      members: [
        { userId: racer?.id as string, role: 'member', allocationPercent: 40 },
        { userId: calm?.id as string, role: 'member', allocationPercent: 40 },
      ],
    });
    expect(raced).toBe(true);
    expect(result.items).toMatchObject([
      {
        index: 0,
        userId: racer?.id,
        outcome: 'refused',
        entry: null,
        error: { code: 'CAPACITY_EXCEEDED', details: { totalPercent: 120 } },
      },
      { index: 1, userId: calm?.id, outcome: 'added', error: null, entry: { allocationPercent: 40 } },
    ]);
    expect(await stored(racer?.id as string, project.id)).toEqual([]);
    expect((await stored(racer?.id as string, other.id)).map((s) => s.percent)).toEqual([80]);
    expect(await stored(calm?.id as string, project.id)).toHaveLength(1);
  });
});
