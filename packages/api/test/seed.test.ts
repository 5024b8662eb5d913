import {
  attendanceRecordsCollection,
  createRepositories,
  expensesCollection,
  leaveRequestsCollection,
  messagesCollection,
  messageThreadsCollection,
  objectIdsOf,
  timeChangeRequestsCollection,
} from '@seed-pms/db';
import { EXPENSE_STATUSES, MAX_REPORTING_DEPTH, passwordProblems, Role } from '@seed-pms/domain';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/auth/password.js';
import { DEMO_WORK_LOCATION_STAGES, seedApprovals } from '../src/scripts/seed-approvals.js';
import { seedAttendance } from '../src/scripts/seed-attendance.js';
import {
  DEMO_PASSWORD,
  planOrganisation,
  SEED_EMAIL_DOMAIN,
  type SeededOrganisation,
  seedOrganisation,
} from '../src/scripts/seed-data.js';
import { seedExpenses } from '../src/scripts/seed-expenses.js';
import { seedLeave } from '../src/scripts/seed-leave.js';
import { seedMessages } from '../src/scripts/seed-messages.js';
import { createServices, serviceInternals } from '../src/services.js';
import { bearer, login } from './auth-helpers.js';
import { useTestApp } from './support.js';

/** The demo organisation of `pnpm seed`, written into a fresh database and used through the real server. */
const testApp = useTestApp(import.meta.url);
const COUNT = 300;
const SEED = 7;

let seeded: SeededOrganisation;
let passwordHash: string;
const dataKeys = () => testApp().deps.config;
beforeAll(async () => {
  passwordHash = await hashPassword(DEMO_PASSWORD);
  seeded = await seedOrganisation(testApp().database, {
    count: COUNT,
    seed: SEED,
    passwordHash,
    dataKeys: dataKeys(),
  });
});

describe('the demo organisation', () => {
  it('creates the people asked for, each account with its profile under the same id', async () => {
    const { users, employees } = testApp().database.collections;
    expect(seeded.employeeIds).toHaveLength(COUNT);
    expect(await users.countDocuments()).toBe(COUNT);
    expect(await employees.countDocuments()).toBe(COUNT);
    const userIds = (await users.find({}, { projection: { _id: 1 } }).toArray()).map((u) => u._id.toHexString());
    const profileIds = (await employees.find({}, { projection: { _id: 1 } }).toArray()).map((e) => e._id.toHexString());
    expect(new Set(profileIds)).toEqual(new Set(userIds));
    const emails = (await users.find({}, { projection: { emailKey: 1 } }).toArray()).map((u) => u.emailKey);
    expect(new Set(emails).size).toBe(COUNT);
    for (const email of emails) expect(email).toMatch(new RegExp(`^[a-z]+\\.[a-z]+[0-9]*@${SEED_EMAIL_DOMAIN}$`));
  });

  it('has every role, and one demo login for each', async () => {
    const held = new Set((await testApp().database.collections.users.distinct('roles')) as string[]);
    expect([...held].sort()).toEqual([...Role.options].sort());
    expect(seeded.logins.map((l) => l.role).sort()).toEqual([...Role.options].sort());
    expect(passwordProblems(DEMO_PASSWORD)).toEqual([]);
  });

  it('builds one management tree under the CEO, without loops', async () => {
    const docs = await testApp().database.collections.employees.find({}).toArray();
    const managerOf = new Map(docs.map((d) => [d._id.toHexString(), d.managerId?.toHexString() ?? null]));
    const roots = docs.filter((d) => d.managerId === null);
    expect(roots.map((r) => r._id.toHexString())).toEqual([seeded.ceoId]);
    const accounts = await testApp()
      .database.collections.users.find({}, { projection: { roles: 1 } })
      .toArray();
    const ceo = accounts.find((account) => account._id.toHexString() === seeded.ceoId);
    expect(ceo?.roles).toContain('ceo');
    let deepest = 0;
    for (const id of managerOf.keys()) {
      const seen = new Set<string>();
      let at: string | null = id;
      while (at !== null) {
        expect(seen.has(at), `loop through ${at}`).toBe(false);
        seen.add(at);
        expect(managerOf.has(at), `unknown manager ${at}`).toBe(true);
        at = managerOf.get(at) ?? null;
      }
      deepest = Math.max(deepest, seen.size);
    }
    expect(deepest).toBeGreaterThanOrEqual(3);
    expect(deepest).toBeLessThan(MAX_REPORTING_DEPTH);
    // Directors report to the CEO.
    const directors = await testApp()
      .database.collections.users.find({ roles: 'director' }, { projection: { roles: 1 } })
      .toArray();
    for (const director of directors) {
      if (director.roles.includes('ceo')) continue;
      expect(managerOf.get(director._id.toHexString())).toBe(seeded.ceoId);
    }
  });

  it('points skills, hobbies and designations at catalog items of the right type', async () => {
    const { employees, catalogs } = testApp().database.collections;
    const typeOf = new Map((await catalogs.find({}).toArray()).map((c) => [c._id.toHexString(), c.type]));
    expect(seeded.skills.length).toBeGreaterThanOrEqual(50);
    expect(seeded.hobbies.length).toBeGreaterThanOrEqual(20);
    expect(seeded.designations.length).toBeGreaterThanOrEqual(15);
    const departments = new Set<string>();
    for (const doc of await employees.find({}).toArray()) {
      expect(doc.skills.length).toBeGreaterThanOrEqual(2);
      expect(doc.skills.length).toBeLessThanOrEqual(8);
      expect(doc.skillIds.map(String)).toEqual(doc.skills.map((s) => String(s.catalogId)));
      for (const skill of doc.skills) {
        expect(typeOf.get(skill.catalogId.toHexString())).toBe('skill');
        expect(skill.level).toBeGreaterThanOrEqual(1);
        expect(skill.level).toBeLessThanOrEqual(5);
      }
      expect(doc.hobbyIds.length).toBeLessThanOrEqual(4);
      for (const id of doc.hobbyIds) expect(typeOf.get(id.toHexString())).toBe('hobby');
      expect(doc.designationId && typeOf.get(doc.designationId.toHexString())).toBe('role');
      expect(doc.joinDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(doc.bio.length).toBeGreaterThan(20);
      if (doc.department) departments.add(doc.department);
    }
    expect(departments).toEqual(
      new Set([
        'Executive',
        'Engineering',
        'Design',
        'Product',
        'Sales',
        'Marketing',
        'Finance',
        'People',
        'Operations',
      ]),
    );
  });

  it('is deterministic: the same count and seed plan the same people', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    const first = planOrganisation({ count: COUNT, seed: SEED, now });
    expect(planOrganisation({ count: COUNT, seed: SEED, now })).toEqual(first);
    expect(planOrganisation({ count: COUNT, seed: SEED + 1, now })).not.toEqual(first);
  });

  it('signs a demo account in through the server, and the directory finds people by skills', async () => {
    const employee = seeded.logins.find((l) => l.role === 'employee');
    if (!employee) throw new Error('no employee login');
    const session = await login(testApp().app, employee.email, DEMO_PASSWORD);
    expect(session.body.user).toMatchObject({ email: employee.email, mustChangePassword: false });
    const [a, b] = seeded.skills;
    if (!a || !b) throw new Error('no skills');
    const response = await testApp().app.inject({
      method: 'GET',
      url: `/api/v1/employees?skills=${a.id},${b.id}&limit=20`,
      headers: bearer(session),
    });
    expect(response.statusCode, response.body).toBe(200);
    const expected = await testApp().database.collections.employees.countDocuments({
      skillIds: { $all: objectIdsOf([a.id, b.id]) },
    });
    expect(expected).toBeGreaterThan(0);
    expect(response.json().total).toBe(expected);
  });

  it('staffs projects: everyone within 100% but a few deliberately above it, ledgers and history in step', async () => {
    const { projects, capacityLedgers, assignments, employees } = testApp().database.collections;
    expect(seeded.projects.projects).toBeGreaterThanOrEqual(COUNT / 10);
    expect(await projects.countDocuments()).toBe(seeded.projects.projects);
    expect(await assignments.countDocuments({ supersededAt: null })).toBe(seeded.projects.allocations);
    let segments = 0;
    for await (const ledger of capacityLedgers.find({})) segments += ledger.segments.length;
    expect(segments).toBe(seeded.projects.allocations);
    expect(seeded.projects.overAllocated).toBeGreaterThanOrEqual(3);
    const haloed = await employees.find({ 'capacity.overAllocated': true }).toArray();
    expect(haloed).toHaveLength(seeded.projects.overAllocated);
    // Through the server: the capacity report (as the CEO, a director) names exactly them.
    const ceo = seeded.logins.find((l) => l.role === 'director') ?? seeded.logins[0];
    const session = await login(testApp().app, ceo?.email ?? '', DEMO_PASSWORD);
    const today = new Date().toISOString().slice(0, 10);
    const report = await testApp().app.inject({
      method: 'GET',
      url: `/api/v1/reports/capacity?from=${today}&to=${today}`,
      headers: bearer(session),
    });
    expect(report.statusCode).toBe(200);
    expect(
      report
        .json()
        .overAllocated.map((p: { id: string }) => p.id)
        .sort(),
    ).toEqual(haloed.map((e) => e._id.toHexString()).sort());
    // Someone the seed left without allocations gets the halo figures from their first one.
    const ledgered = new Set((await capacityLedgers.find({}).toArray()).map((l) => l._id.toHexString()));
    const free = seeded.employeeIds.find((id) => !ledgered.has(id)) as string;
    const created = await testApp().app.inject({
      method: 'POST',
      url: '/api/v1/projects',
      headers: bearer(session),
      payload: { name: 'Seed follow-up', startDate: today },
    });
    const added = await testApp().app.inject({
      method: 'POST',
      url: `/api/v1/projects/${created.json().id}/roster`,
      headers: bearer(session),
      payload: { userId: free, allocationPercent: 50 },
    });
    expect(added.statusCode).toBe(201);
    const profile = await createRepositories(testApp().database).employees.get(free);
    expect(profile?.capacity).toMatchObject({ allocationPercent: 50, overAllocated: false });
  });

  // Each request also notifies everyone it asks (about twenty people here, HR among them), in the app and by email.
  it(
    'adds work-location requests in every state through the engine, and the strict policy example',
    { timeout: 60_000 },
    async () => {
      const repos = createRepositories(testApp().database);
      const adminEmail = seeded.logins.find((l) => l.role === 'admin')?.email as string;
      const adminId = (await repos.users.byEmail(adminEmail))?.id as string;
      const result = await seedApprovals(
        await createServices(testApp().deps),
        repos,
        {
          employeeIds: seeded.employeeIds,
          adminId,
        },
        { seed: SEED, now: new Date(), requests: 24 },
      );
      for (const state of ['pending', 'approved', 'rejected', 'cancelled'] as const) {
        expect(result.requests[state]).toBeGreaterThan(0);
      }
      const policy = await repos.approvalPolicies.get('workLocation');
      expect(policy).toMatchObject({ mode: 'strict', stages: DEMO_WORK_LOCATION_STAGES });
      // Each request's status is its workflow's state.
      const { items } = await repos.workLocation.list({ page: 1, limit: 100, sort: 'startDate' }, { kind: 'all' });
      expect(items).toHaveLength(24);
      const workflows = await repos.approvals.byIds(items.map((r) => r.workflowId));
      for (const request of items) expect(workflows.get(request.workflowId)?.state).toBe(request.status);
    },
  );

  it(
    'adds leave: a holiday calendar, HR adjustments, accrual and requests in every state',
    { timeout: 90_000 },
    async () => {
      const repos = createRepositories(testApp().database);
      const idOf = async (role: string) =>
        (await repos.users.byEmail(seeded.logins.find((l) => l.role === role)?.email as string))?.id as string;
      const deps = testApp().deps;
      const result = await seedLeave(
        await createServices(deps),
        (await serviceInternals(deps)).leave,
        repos,
        { employeeIds: seeded.employeeIds, adminId: await idOf('admin'), hrId: await idOf('hr') },
        { seed: SEED, now: new Date(), requests: 12 },
      );
      for (const state of ['pending', 'approved', 'rejected', 'cancelled'] as const) {
        expect(result.requests[state], state).toBeGreaterThan(0);
      }
      expect(result.calendarCreated).toBe(true);
      expect(result.adjustments).toBeGreaterThan(0);
      expect(result.accrual.credited).toBeGreaterThan(0);
      const requests = testApp().database.collection(leaveRequestsCollection);
      expect(await requests.countDocuments()).toBe(12);
      expect(await requests.countDocuments({ status: 'cancelled', cancelledAt: { $ne: null } })).toBe(
        result.requests.cancelled,
      );
      expect((await repos.holidayCalendars.list()).filter((c) => c.isDefault)).toHaveLength(1);
      // The projection matches the ledger (checked past the minute the rebuild leaves to posts in flight).
      const checked = await (await serviceInternals(deps)).leave.rebuildBalances(new Date(Date.now() + 2 * 60_000));
      expect(checked).toMatchObject({ repaired: 0, followed: 0 });
      expect(checked.checked).toBeGreaterThan(0);
    },
  );

  it(
    'adds attendance: days with breaks, a few without a check-out, and corrections in every state',
    { timeout: 90_000 },
    async () => {
      const repos = createRepositories(testApp().database);
      const result = await seedAttendance(
        await createServices(testApp().deps),
        repos,
        { employeeIds: seeded.employeeIds },
        { seed: SEED, now: new Date(), days: 14, corrections: 8 },
      );
      const records = testApp().database.collection(attendanceRecordsCollection);
      expect(await records.countDocuments()).toBe(result.days);
      expect(result.days).toBeGreaterThan(COUNT * 5);
      expect(result.missingCheckouts).toBeGreaterThan(0);
      expect(await records.countDocuments({ flags: 'missingCheckout' })).toBe(result.missingCheckouts);
      expect(await records.countDocuments({ 'punches.type': 'break' })).toBeGreaterThan(COUNT * 4);
      for (const state of ['pending', 'approved', 'rejected', 'cancelled'] as const) {
        expect(result.corrections[state], state).toBeGreaterThan(0);
      }
      const corrections = testApp().database.collection(timeChangeRequestsCollection);
      expect(await corrections.countDocuments()).toBe(8);
      // Approved ones lie over their days; the punches as punched stay.
      expect(await records.countDocuments({ 'overlays.0': { $exists: true } })).toBe(result.corrections.approved);
    },
  );

  it('adds expense claims in every state, with receipts and their workflows', { timeout: 90_000 }, async () => {
    const repos = createRepositories(testApp().database);
    const result = await seedExpenses(
      await createServices(testApp().deps),
      repos,
      { employeeIds: seeded.employeeIds },
      { seed: SEED, now: new Date(), count: 8 },
    );
    for (const status of EXPENSE_STATUSES) expect(result.claims[status], status).toBeGreaterThan(0);
    const claims = testApp().database.collection(expensesCollection);
    expect(await claims.countDocuments()).toBe(8);
    expect(result.receipts).toBeGreaterThan(4);
    expect(await claims.countDocuments({ 'receiptFileIds.0': { $exists: true } })).toBe(result.receipts);
    // Every submitted claim has its workflow; drafts have none.
    expect(await claims.countDocuments({ status: { $ne: 'draft' }, workflowId: null })).toBe(0);
    expect(await claims.countDocuments({ status: 'reimbursed', reimbursement: null })).toBe(0);
  });

  it(
    'adds message threads with a history: five for each demo login, some left unread',
    { timeout: 90_000 },
    async () => {
      const repos = createRepositories(testApp().database);
      const focusIds = (await Promise.all(seeded.logins.map((l) => repos.users.byEmail(l.email)))).flatMap((u) =>
        u ? [u.id] : [],
      );
      const now = new Date();
      const result = await seedMessages(
        await createServices(testApp().deps),
        repos,
        { employeeIds: seeded.employeeIds, focusIds },
        { seed: SEED, now, threads: focusIds.length * 5 + 5 },
      );
      expect(result.threads).toBe(focusIds.length * 5 + 5);
      const threads = testApp().database.collection(messageThreadsCollection);
      expect(await threads.countDocuments()).toBe(result.threads);
      expect(await testApp().database.collection(messagesCollection).countDocuments()).toBe(result.messages);
      expect(result.messages).toBeGreaterThan(result.threads);
      expect(result.unreadThreads).toBeGreaterThan(0);
      for (const id of focusIds) {
        expect(await threads.countDocuments({ participantIds: objectIdsOf([id])[0] })).toBeGreaterThanOrEqual(5);
      }
      const newest = await threads.find({}).sort({ lastActivityAt: -1 }).limit(1).toArray();
      expect(newest[0]?.lastActivityAt.getTime()).toBeLessThanOrEqual(now.getTime());
    },
  );

  it('adds to an existing organisation with --force semantics: new emails, catalog items reused', async () => {
    const { users, catalogs } = testApp().database.collections;
    const items = await catalogs.countDocuments();
    const more = await seedOrganisation(testApp().database, {
      count: 50,
      seed: SEED,
      passwordHash,
      dataKeys: dataKeys(),
    });
    expect(await users.countDocuments()).toBe(COUNT + 50);
    // Projects of the second seeding take free names.
    expect(more.projects.projects).toBeGreaterThan(0);
    expect(await catalogs.countDocuments()).toBe(items);
    expect(more.skills.map((s) => s.id).sort()).toEqual(seeded.skills.map((s) => s.id).sort());
  });
});
