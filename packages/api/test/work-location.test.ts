import { createRepositories } from '@seed-pms/db';
import { decideApproval } from '@seed-pms/domain';
import { beforeAll, describe, expect, it } from 'vitest';
import { RECONCILE_GRACE_MS } from '../src/approvals/approvals.service.js';
import { createServices } from '../src/services.js';
import { callAs, type RestMethod, type SignedIn, signInAs } from './auth-helpers.js';
import { testClock } from './clock.js';
import { useTestApp } from './support.js';

const clock = testClock();
const testApp = useTestApp(import.meta.url, { clock });
const call = (session: SignedIn | null, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);

let hr: SignedIn;
let admin: SignedIn;
let manager: SignedIn;

/** A person reporting to `managerId`, signed in. */
const reportOf = (managerId: string, roles: ('employee' | 'manager')[] = ['employee']) =>
  signInAs(testApp(), roles, { managerId });

async function submit(who: SignedIn, days: [number, number], type = 'wfh', note?: string) {
  return call(who, 'POST', '/work-location/requests', {
    type,
    startDate: clock.day(days[0]),
    endDate: clock.day(days[1]),
    ...(note ? { note } : {}),
  });
}

beforeAll(async () => {
  hr = await signInAs(testApp(), ['hr']);
  admin = await signInAs(testApp(), ['admin']);
  manager = await signInAs(testApp(), ['manager']);
});

describe('work-location requests', () => {
  it('a submission starts its workflow; the manager sees it in the inbox and approves it; today follows', async () => {
    const me = await reportOf(manager.id);
    const created = await submit(me, [0, 2]);
    expect(created.statusCode).toBe(201);
    const request = created.json();
    expect(request).toMatchObject({
      status: 'pending',
      type: 'wfh',
      user: { id: me.id },
      approval: { state: 'pending' },
    });
    expect(request.approval.awaiting.map((p: { id: string }) => p.id)).toEqual(
      expect.arrayContaining([manager.id, hr.id]),
    );
    expect(request.approval.awaiting.map((p: { id: string }) => p.id)).not.toContain(me.id);

    const inbox = (await call(manager, 'GET', '/approvals?kind=workLocation&limit=100')).json();
    const item = inbox.items.find((i: { workflowId: string }) => i.workflowId === request.workflowId);
    expect(item).toMatchObject({ kind: 'workLocation', requester: { id: me.id }, stage: { index: 0, required: 1 } });
    expect(item.subject.summary).toContain('WFH');

    // The manager sees the request in the list too (they were asked); a colleague does not.
    const listed = (await call(manager, 'GET', `/work-location/requests?userId=${me.id}`)).json();
    expect(listed.items.map((r: { id: string }) => r.id)).toContain(request.id);
    const colleague = await signInAs(testApp());
    expect((await call(colleague, 'GET', `/work-location/requests?userId=${me.id}`)).json().items).toEqual([]);
    expect((await call(colleague, 'GET', `/approvals/${request.workflowId}`)).statusCode).toBe(404);
    expect(
      (await call(colleague, 'PATCH', `/work-location/requests/${request.id}`, { action: 'approve' })).statusCode,
    ).toBe(404);

    const approved = await call(manager, 'PATCH', `/work-location/requests/${request.id}`, {
      action: 'approve',
      comment: 'enjoy',
    });
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', approval: { state: 'approved', awaiting: [] } });

    const timeline = (await call(me, 'GET', `/approvals/${request.workflowId}`)).json();
    expect(timeline.decisions).toMatchObject([
      { by: { id: manager.id }, decision: 'approve', comment: 'enjoy', via: 'app' },
    ]);

    const current = (await call(me, 'GET', '/work-location/current')).json();
    expect(current.items).toMatchObject([
      { user: { id: me.id }, location: 'wfh', source: 'request', requestId: request.id },
    ]);
    const later = (await call(me, 'GET', `/work-location/current?date=${clock.day(5)}`)).json();
    expect(later.items[0]).toMatchObject({ location: 'wfo', source: 'default', requestId: null });

    // The manager's team view shows the report with the location and its source.
    const team = (await call(manager, 'GET', '/work-location/current?scope=team')).json();
    expect(team.items.find((i: { user: { id: string } }) => i.user.id === me.id)).toMatchObject({ source: 'request' });
    expect((await call(me, 'GET', '/work-location/current?scope=team')).statusCode).toBe(403);
    expect((await call(me, 'GET', `/work-location/current?userId=${manager.id}`)).statusCode).toBe(403);
    expect((await call(hr, 'GET', `/work-location/current?userId=${me.id}`)).json().items[0].source).toBe('request');

    // Every decision has its audit entry.
    const audits = (await call(hr, 'GET', `/audits?action=approval.approve&resourceId=${request.workflowId}`)).json();
    expect(audits.items).toHaveLength(1);
  });

  it('asks the lead of a project the requester is allocated to on a requested day, and not one of another period', async () => {
    const me = await reportOf(manager.id);
    const lead = await signInAs(testApp());
    const project = await call(manager, 'POST', '/projects', {
      name: `Lead test ${Math.random().toString(36).slice(2, 8)}`,
      startDate: clock.day(0),
      endDate: clock.day(100),
    });
    expect(project.statusCode).toBe(201);
    const id = project.json().id;
    expect(
      (await call(manager, 'POST', `/projects/${id}/roster`, { userId: lead.id, role: 'lead', allocationPercent: 10 }))
        .statusCode,
    ).toBe(201);
    expect(
      (
        await call(manager, 'POST', `/projects/${id}/roster`, {
          userId: me.id,
          allocationPercent: 50,
          startDate: clock.day(0),
          endDate: clock.day(20),
        })
      ).statusCode,
    ).toBe(201);
    const during = (await submit(me, [5, 6])).json();
    expect(during.approval.awaiting.map((p: { id: string }) => p.id)).toContain(lead.id);
    const after = (await submit(me, [30, 31])).json();
    expect(after.approval.awaiting.map((p: { id: string }) => p.id)).not.toContain(lead.id);
    // An edit into the project's days asks the lead: the new round is about the new days.
    const edited = await call(me, 'PATCH', `/work-location/requests/${after.id}`, {
      version: after.version,
      startDate: clock.day(8),
      endDate: clock.day(9),
    });
    expect(edited.json().approval.awaiting.map((p: { id: string }) => p.id)).toContain(lead.id);
    await call(me, 'PATCH', `/work-location/requests/${after.id}`, { action: 'cancel' });
    // The lead decides it from the inbox and sees it in the list.
    expect(
      (await call(lead, 'GET', '/approvals')).json().items.map((i: { workflowId: string }) => i.workflowId),
    ).toEqual([during.workflowId]);
    expect(
      (await call(lead, 'GET', '/work-location/requests'))
        .json()
        .items.map((r: { id: string }) => r.id)
        .sort(),
    ).toEqual([during.id, after.id].sort());
  });

  it('works over tRPC the same: submit, the inbox, a decision and its errors', async () => {
    const me = await reportOf(manager.id);
    const trpc = (session: SignedIn, method: 'GET' | 'POST', name: string, input?: unknown) =>
      testApp().app.inject({
        method,
        url:
          method === 'GET'
            ? `/trpc/${name}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`
            : `/trpc/${name}`,
        headers: { authorization: `Bearer ${session.accessToken}` },
        ...(method === 'POST' ? { payload: (input ?? {}) as Record<string, unknown> } : {}),
      });
    const submitted = await trpc(me, 'POST', 'workLocation.submit', {
      type: 'wfo',
      startDate: clock.day(250),
      endDate: clock.day(250),
    });
    expect(submitted.statusCode).toBe(200);
    const request = submitted.json().result.data;
    const inbox = (await trpc(manager, 'GET', 'approvals.inbox', { kind: 'workLocation', limit: 100 })).json().result
      .data;
    expect(inbox.items.map((i: { workflowId: string }) => i.workflowId)).toContain(request.workflowId);
    const self = await trpc(me, 'POST', 'approvals.decide', { workflowId: request.workflowId, decision: 'approve' });
    expect(self.statusCode).toBe(403);
    expect(self.json().error.data.error.code).toBe('SELF_APPROVAL');
    const decided = await trpc(manager, 'POST', 'approvals.decide', {
      workflowId: request.workflowId,
      decision: 'approve',
    });
    expect(decided.json().result.data).toMatchObject({ state: 'approved' });
    const again = await trpc(manager, 'POST', 'approvals.decide', {
      workflowId: request.workflowId,
      decision: 'approve',
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.data.error.code).toBe('ALREADY_DECIDED');
  });

  it('refuses overlaps with the clashing request, long or past periods and other without a note', async () => {
    const me = await reportOf(manager.id);
    const first = (await submit(me, [10, 14])).json();
    const clash = await submit(me, [14, 20], 'wfo');
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error).toMatchObject({ code: 'WORK_LOCATION_OVERLAP', details: { request: { id: first.id } } });
    expect((await submit(me, [15, 20])).statusCode).toBe(201);

    expect((await submit(me, [30, 30 + 366])).json().error).toMatchObject({ code: 'PERIOD_TOO_LONG' });
    expect((await submit(me, [-10, -5])).json().error).toMatchObject({ code: 'DAYS_IN_PAST' });
    expect((await submit(me, [40, 39])).json().error).toMatchObject({ code: 'INVALID_PERIOD' });
    const noNote = await submit(me, [50, 50], 'other');
    expect(noNote.statusCode).toBe(400);
    expect(noNote.json().error.details).toEqual([expect.objectContaining({ path: 'note' })]);
    expect((await submit(me, [50, 50], 'other', 'client site')).statusCode).toBe(201);
    // HR records past days.
    expect((await submit(hr, [-10, -5])).statusCode).toBe(201);
  });

  it('ten simultaneous overlapping submissions make one request', async () => {
    const me = await reportOf(manager.id);
    const answers = await Promise.all(Array.from({ length: 10 }, () => submit(me, [60, 61])));
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(1);
    for (const a of answers.filter((x) => x.statusCode !== 201))
      expect(a.json().error.code).toBe('WORK_LOCATION_OVERLAP');
  });

  it('reject needs a reason; the requester cancels while pending and not after', async () => {
    const me = await reportOf(manager.id);
    const a = (await submit(me, [70, 70])).json();
    const noReason = await call(manager, 'PATCH', `/work-location/requests/${a.id}`, { action: 'reject' });
    expect(noReason.statusCode).toBe(400);
    const rejected = await call(manager, 'PATCH', `/work-location/requests/${a.id}`, {
      action: 'reject',
      reason: 'team day',
    });
    expect(rejected.json()).toMatchObject({ status: 'rejected', approval: { state: 'rejected' } });
    expect((await call(me, 'PATCH', `/work-location/requests/${a.id}`, { action: 'cancel' })).json().error.code).toBe(
      'WORKFLOW_CLOSED',
    );

    const b = (await submit(me, [71, 71])).json();
    expect((await call(me, 'PATCH', `/work-location/requests/${b.id}`, { action: 'approve' })).json().error.code).toBe(
      'SELF_APPROVAL',
    );
    expect((await call(manager, 'PATCH', `/work-location/requests/${b.id}`, { action: 'cancel' })).statusCode).toBe(
      403,
    );
    const cancelled = await call(me, 'PATCH', `/work-location/requests/${b.id}`, { action: 'cancel' });
    expect(cancelled.json()).toMatchObject({ status: 'cancelled', approval: { state: 'cancelled' } });
    const late = await call(manager, 'PATCH', `/work-location/requests/${b.id}`, { action: 'approve' });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('WORKFLOW_CLOSED');
  });

  it('an edit while pending starts the approval again; a stale version or a decided request is refused', async () => {
    const me = await reportOf(manager.id);
    const a = (await submit(me, [80, 81])).json();
    const edited = await call(me, 'PATCH', `/work-location/requests/${a.id}`, {
      version: a.version,
      endDate: clock.day(83),
    });
    expect(edited.statusCode).toBe(200);
    expect(edited.json()).toMatchObject({ endDate: clock.day(83), status: 'pending', version: a.version + 1 });
    expect((await call(me, 'GET', `/approvals/${a.workflowId}`)).json()).toMatchObject({ round: 2, state: 'pending' });
    const stale = await call(me, 'PATCH', `/work-location/requests/${a.id}`, {
      version: a.version,
      endDate: clock.day(84),
    });
    expect(stale.json().error.code).toBe('VERSION_CONFLICT');
    await call(manager, 'PATCH', `/work-location/requests/${a.id}`, { action: 'approve' });
    const afterwards = await call(me, 'PATCH', `/work-location/requests/${a.id}`, {
      version: a.version + 1,
      endDate: clock.day(85),
    });
    expect(afterwards.statusCode).toBe(409);
    expect(afterwards.json().error.code).toBe('REQUEST_NOT_PENDING');
  });

  it('twenty simultaneous approvals of a one-approver stage record exactly one decision', async () => {
    const approvers = await Promise.all(Array.from({ length: 20 }, () => signInAs(testApp(), ['hr'])));
    const me = await reportOf(manager.id);
    const a = (await submit(me, [90, 90])).json();
    const answers = await Promise.all(
      approvers.map((p) => call(p, 'POST', `/approvals/${a.workflowId}/decide`, { decision: 'approve' })),
    );
    expect(answers.filter((x) => x.statusCode === 200)).toHaveLength(1);
    for (const x of answers.filter((y) => y.statusCode !== 200)) {
      expect(x.statusCode).toBe(409);
      expect(x.json().error).toMatchObject({ code: 'ALREADY_DECIDED', details: { decision: { decision: 'approve' } } });
    }
    const timeline = (await call(me, 'GET', `/approvals/${a.workflowId}`)).json();
    expect(timeline.decisions).toHaveLength(1);
    expect((await call(me, 'GET', `/work-location/requests?userId=${me.id}`)).json().items[0].status).toBe('approved');
  });

  it('a request left pending by a crash between the workflow write and its own follows on the reconciler', async () => {
    const me = await reportOf(manager.id);
    const a = (await submit(me, [95, 95])).json();
    const repos = createRepositories(testApp().database);
    const { approvals } = await createServices(testApp().deps);
    // The engine's first write, as the service makes it, and then the crash: the request is never told.
    const workflow = await repos.approvals.get(a.workflowId);
    if (!workflow) throw new Error('no workflow');
    const people = await repos.users.candidates([manager.id], ['hr']);
    const { workflow: next } = decideApproval({
      workflow,
      decision: { actorId: manager.id, decision: 'approve', via: 'app' },
      directory: { requesterId: me.id, chain: [manager.id], projectLeads: [], people, delegations: [] },
      calendar: { workingDays: [1, 2, 3, 4, 5], timeZone: 'UTC' },
      now: clock(),
    });
    await repos.approvals.save({ ...next, approverIds: workflow.approverIds }, workflow.version, clock());
    expect((await call(me, 'GET', `/work-location/requests?userId=${me.id}`)).json().items[0].status).toBe('pending');

    expect(await approvals.reconcile(clock())).toBe(0); // still inside the grace period
    clock.advance(RECONCILE_GRACE_MS + 1000);
    expect(await approvals.reconcile(clock())).toBe(1);
    expect((await call(me, 'GET', `/work-location/requests?userId=${me.id}`)).json().items[0].status).toBe('approved');
    expect(await approvals.reconcile(clock())).toBe(0);
  });
});

describe('a start interrupted by a crash', () => {
  it('a request stored without its workflow lists as asking nobody, and the reconciler starts its workflow', async () => {
    const me = await reportOf(manager.id);
    const repos = createRepositories(testApp().database);
    const { approvals } = await createServices(testApp().deps);
    // The request's insert, as the service makes it, and then the crash: no workflow.
    const request = await repos.workLocation.insert(
      {
        id: repos.workLocation.newId(),
        userId: me.id,
        type: 'wfh',
        startDate: clock.day(300),
        endDate: clock.day(300),
        note: null,
        workflowId: repos.approvals.newId(),
      },
      clock(),
    );
    const listed = await call(me, 'GET', `/work-location/requests?userId=${me.id}`);
    expect(listed.statusCode).toBe(200);
    expect(listed.json().items[0]).toMatchObject({ id: request.id, approval: { state: 'pending', awaiting: [] } });
    clock.advance(RECONCILE_GRACE_MS + 1000);
    expect(await approvals.reconcile(clock())).toBe(1);
    const after = (await call(me, 'GET', `/work-location/requests?userId=${me.id}`)).json().items[0];
    expect(after.approval.awaiting.map((p: { id: string }) => p.id)).toContain(manager.id);
    expect(
      (await call(manager, 'PATCH', `/work-location/requests/${request.id}`, { action: 'approve' })).json().status,
    ).toBe('approved');
    expect(await approvals.reconcile(clock())).toBe(0);
  });
});

describe('approval analytics', () => {
  it('reports decisions and times per kind, stage and approver, pending by age; /metrics has the gauge and histogram', async () => {
    const me = await reportOf(manager.id);
    const a = (await submit(me, [200, 200])).json();
    await call(manager, 'PATCH', `/work-location/requests/${a.id}`, { action: 'reject', reason: 'not then' });
    await submit(me, [201, 201]);
    const range = `from=${clock.day(-1)}&to=${clock.day(1)}&kind=workLocation`;
    expect((await call(me, 'GET', `/reports/approvals?${range}`)).statusCode).toBe(403);
    expect((await call(manager, 'GET', `/reports/approvals?${range}`)).statusCode).toBe(403);
    const report = (await call(hr, 'GET', `/reports/approvals?${range}`)).json();
    const mine = report.rows.find((r: { approverId: string | null }) => r.approverId === manager.id);
    expect(mine).toMatchObject({ kind: 'workLocation', stage: 'Approval', approverName: expect.any(String) });
    expect(mine.rejections).toBeGreaterThanOrEqual(1);
    expect(mine.medianHours).not.toBeNull();
    const pending = report.pending.find((p: { kind: string }) => p.kind === 'workLocation');
    expect(pending.total).toBeGreaterThanOrEqual(1);
    const csv = await call(hr, 'GET', `/reports/approvals?${range}&format=csv`);
    expect(csv.headers['content-disposition']).toContain('approvals-');
    expect(csv.body.replace(/^\uFEFF/, '').split(/\r?\n/)[0]).toBe(
      'kind,stage,approverId,approverName,decisions,approvals,rejections,rejectionRate,medianHours,p90Hours,automatic',
    );
    const metrics = (await testApp().app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/approvals_pending\{kind="workLocation"\} [1-9]/);
    expect(metrics).toMatch(/approval_time_to_decision_seconds_count\{kind="workLocation"\} [1-9]/);
  });
});

describe('approval policies', () => {
  it('admins read and set policies; strict stages are checked; a change does not touch running workflows', async () => {
    const list = (await call(hr, 'GET', '/admin/approval-policies')).json();
    expect(list.items.map((p: { kind: string }) => p.kind)).toEqual([
      'workLocation',
      'leave',
      'timeChange',
      'expense',
      'erasure',
    ]);
    const expense = list.items.find((p: { kind: string }) => p.kind === 'expense');
    expect(expense.stages.map((s: { name: string }) => s.name)).toEqual(['Finance', 'CEO']);
    expect(
      (await call(hr, 'PUT', '/admin/approval-policies/workLocation', { version: 0, mode: 'simple' })).statusCode,
    ).toBe(403);

    const me = await reportOf(manager.id);
    const before = (await submit(me, [120, 127])).json();

    const invalid = await call(admin, 'PUT', '/admin/approval-policies/workLocation', {
      version: 0,
      mode: 'strict',
      stages: [
        { name: 'Manager', approvers: ['manager'], rule: 'any' },
        { name: 'HR', approvers: ['hr'], rule: 'quorum' },
      ],
    });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().error).toMatchObject({ code: 'APPROVAL_POLICY_INVALID', details: { stage: 1 } });

    const strict = {
      version: 0,
      mode: 'strict',
      stages: [
        { name: 'Manager', approvers: ['manager'], rule: 'any', when: { minWorkingDays: 6 } },
        { name: 'HR', approvers: ['hr'], rule: 'any', when: { minWorkingDays: 6 } },
      ],
    };
    const set = await call(admin, 'PUT', '/admin/approval-policies/workLocation', strict);
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({ mode: 'strict', version: 1 });
    expect((await call(admin, 'PUT', '/admin/approval-policies/workLocation', strict)).json().error.code).toBe(
      'VERSION_CONFLICT',
    );

    // A long WFH now needs the manager, then HR; a short one follows the simple stage.
    const long = (await submit(me, [140, 149])).json();
    const wf = (await call(me, 'GET', `/approvals/${long.workflowId}`)).json();
    expect(wf.stages.map((s: { name: string }) => s.name)).toEqual(['Manager', 'HR']);
    expect(wf.summary.awaiting.map((p: { id: string }) => p.id)).toEqual([manager.id]);
    await call(manager, 'POST', `/approvals/${long.workflowId}/decide`, { decision: 'approve' });
    const second = (await call(me, 'GET', `/approvals/${long.workflowId}`)).json();
    expect(second).toMatchObject({ state: 'pending', currentStage: 1 });
    expect(second.summary.awaiting.map((p: { id: string }) => p.id)).not.toContain(manager.id);
    const short = (await submit(me, [160, 160])).json();
    expect(
      (await call(me, 'GET', `/approvals/${short.workflowId}`)).json().stages.map((s: { name: string }) => s.name),
    ).toEqual(['Approval']);
    // The request submitted before the change keeps its workflow.
    expect((await call(me, 'GET', `/approvals/${before.workflowId}`)).json()).toMatchObject({
      mode: 'simple',
      policyVersion: 0,
    });

    // A 2-of-3 quorum with three simultaneous approvals advances once.
    const finance = await Promise.all(Array.from({ length: 3 }, () => signInAs(testApp(), ['finance'])));
    const quorum = await call(admin, 'PUT', '/admin/approval-policies/workLocation', {
      version: 1,
      mode: 'strict',
      stages: [
        { name: 'Finance', approvers: ['finance'], rule: 'quorum', quorum: 2 },
        { name: 'HR', approvers: ['hr'], rule: 'any' },
      ],
    });
    expect(quorum.statusCode).toBe(200);
    const q = (await submit(me, [170, 170])).json();
    const answers = await Promise.all(
      finance.map((p) => call(p, 'POST', `/approvals/${q.workflowId}/decide`, { decision: 'approve' })),
    );
    expect(answers.filter((x) => x.statusCode === 200)).toHaveLength(2);
    expect(answers.filter((x) => x.statusCode === 409)).toHaveLength(1);
    const after = (await call(me, 'GET', `/approvals/${q.workflowId}`)).json();
    expect(after).toMatchObject({ currentStage: 1, state: 'pending' });
    expect(after.stages[0]).toMatchObject({ state: 'approved', approvals: 2, required: 2 });
    expect(after.decisions).toHaveLength(2);

    await call(admin, 'PUT', '/admin/approval-policies/workLocation', { version: 2, mode: 'simple' });
  });
});
