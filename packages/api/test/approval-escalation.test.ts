import type { Role } from '@seed-pms/domain';
import pino from 'pino';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createBullMqJobRunner } from '../src/jobs/jobs.js';
import { APPROVALS_ADVANCE_JOB } from '../src/jobs/schedule.js';
import { createServices } from '../src/services.js';
import { callAs, type RestMethod, type SignedIn, signInAgain, signInAs } from './auth-helpers.js';
import { testClock } from './clock.js';
import { useTestApp } from './support.js';
import { askWfh } from './work-location-helpers.js';

/** Next Monday 09:00 UTC from today: working hours below count Monday–Friday in UTC, in any year. */
function nextMonday(): Date {
  const now = new Date();
  const day = now.getUTCDay(); // 0 Sunday … 6 Saturday
  const ahead = ((8 - day) % 7) + 7;
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + ahead, 9));
}

const HOUR = 3_600_000;
const clock = testClock(nextMonday());
const testApp = useTestApp(import.meta.url, { clock });
const call = (session: SignedIn | null, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);

let admin: SignedIn;

/** A new user with these roles, reporting to `managerId` if given, signed in. */
const person = (roles: Role[] = ['employee'], managerId?: string) =>
  signInAs(testApp(), roles, managerId ? { managerId } : {});

const again = (who: SignedIn) => signInAgain(testApp().app, who);

async function setPolicy(stages: unknown[]) {
  admin = await again(admin);
  const current = (await call(admin, 'GET', '/admin/approval-policies/workLocation')).json();
  const put = await call(admin, 'PUT', '/admin/approval-policies/workLocation', {
    kind: 'workLocation',
    version: current.version,
    mode: 'strict',
    stages,
  });
  expect(put.statusCode).toBe(200);
}

async function submit(who: SignedIn, day: number) {
  return askWfh(testApp().app, who, clock.day(day));
}

async function notificationsOf(who: SignedIn) {
  return (await call(await again(who), 'GET', '/notifications?limit=100')).json().items as {
    type: string;
    data: Record<string, unknown>;
  }[];
}

beforeAll(async () => {
  admin = await signInAs(testApp(), ['admin']);
});

describe('escalation', () => {
  it('reminds, escalates up the chain, then decides on timeout, each once, counted in working hours', async () => {
    const director = await person(['director']);
    const manager = await person(['manager'], director.id);
    const me = await person(['employee'], manager.id);
    await setPolicy([
      {
        name: 'Manager',
        approvers: ['manager'],
        rule: 'any',
        remindAfter: 4,
        escalateAfter: 8,
        escalateTo: ['nextLevel'],
        dueAfterHours: 16,
        onTimeout: 'reject',
      },
    ]);
    const request = await submit(me, 10);
    const { approvals } = await createServices(testApp().deps);
    const workflow = (await call(me, 'GET', `/approvals/${request.workflowId}`)).json();
    const stage = workflow.stages[0];
    expect(stage.eligible.map((p: { id: string }) => p.id)).toEqual([manager.id]);
    // Monday 09:00 + 4, 8 and 16 working hours: Monday 13:00, Monday 17:00, Tuesday 01:00.
    const start = clock().getTime();
    expect(stage.remindAt).toBe(new Date(start + 4 * HOUR).toISOString());
    expect(stage.escalateAt).toBe(new Date(start + 8 * HOUR).toISOString());
    expect(stage.dueAt).toBe(new Date(start + 16 * HOUR).toISOString());

    // Nothing is due yet.
    expect((await approvals.advance(clock())).reminded).toBe(0);

    clock.set(new Date(start + 4 * HOUR + 60_000));
    expect(await approvals.advance(clock())).toMatchObject({ reminded: 1, escalated: 0, timedOut: 0 });
    expect(await approvals.advance(clock())).toMatchObject({ reminded: 0, escalated: 0, timedOut: 0 });
    const reminders = (await notificationsOf(manager)).filter((n) => n.type === 'approval.reminded');
    expect(reminders).toHaveLength(1);
    expect(reminders[0]?.data.workflowId).toBe(request.workflowId);

    clock.set(new Date(start + 8 * HOUR + 60_000));
    // Two runs at once, as two instances: one escalation.
    const runs = await Promise.all([approvals.advance(clock()), approvals.advance(clock())]);
    expect(runs.reduce((n, r) => n + r.escalated, 0)).toBe(1);
    const escalated = (await call(await again(me), 'GET', `/approvals/${request.workflowId}`)).json();
    expect(escalated.stages[0].escalatedTo.map((p: { id: string }) => p.id)).toEqual([director.id]);
    expect(escalated.summary.awaiting.map((p: { id: string }) => p.id).sort()).toEqual(
      [manager.id, director.id].sort(),
    );
    expect((await notificationsOf(director)).filter((n) => n.type === 'approval.escalated')).toHaveLength(1);
    const inbox = (await call(await again(director), 'GET', '/approvals?kind=workLocation')).json();
    expect(inbox.items.map((i: { workflowId: string }) => i.workflowId)).toContain(request.workflowId);

    clock.set(new Date(start + 16 * HOUR + 60_000));
    expect(await approvals.advance(clock())).toMatchObject({ timedOut: 1 });
    expect(await approvals.advance(clock())).toMatchObject({ timedOut: 0, reminded: 0, escalated: 0 });
    const closed = (await call(await again(me), 'GET', `/approvals/${request.workflowId}`)).json();
    expect(closed.state).toBe('rejected');
    expect(closed.decisions).toMatchObject([{ by: null, decision: 'reject', via: 'system' }]);
    expect(closed.decisions[0].reason).toContain('16 working hours');
    const mine = (await call(await again(me), 'GET', `/work-location/requests?userId=${me.id}`)).json();
    expect(mine.items.find((r: { id: string }) => r.id === request.id).status).toBe('rejected');
    // The requester hears of it; each automatic step is in the audit trail as the system.
    expect((await notificationsOf(me)).some((n) => n.type === 'approval.decided' && n.data.state === 'rejected')).toBe(
      true,
    );
    const hr = await signInAs(testApp(), ['hr']);
    for (const action of ['approval.remind', 'approval.escalate', 'approval.timeout']) {
      const entries = (await call(hr, 'GET', `/audits?action=${action}&resourceId=${request.workflowId}`)).json();
      expect(entries.items).toHaveLength(1);
      expect(entries.items[0]).toMatchObject({ actorType: 'system' });
    }
  });

  it('a weekend does not count: a reminder 24 working hours after Friday morning falls on Monday morning', async () => {
    const manager = await person(['manager']);
    const me = await person(['employee'], manager.id);
    await setPolicy([{ name: 'Manager', approvers: ['manager'], rule: 'any', remindAfter: 24, dueAfterHours: 48 }]);
    const monday = nextMonday().getTime() + 7 * 24 * HOUR;
    clock.set(new Date(monday - 3 * 24 * HOUR)); // the Friday before, 09:00
    const request = await submit(await again(me), 10);
    const stage = (await call(await again(me), 'GET', `/approvals/${request.workflowId}`)).json().stages[0];
    expect(stage.remindAt).toBe(new Date(monday).toISOString());
    expect(stage.dueAt).toBe(new Date(monday + 24 * HOUR).toISOString());
  });

  it('refuses timers that can never fire and escalations without targets', async () => {
    admin = await again(admin);
    const current = (await call(admin, 'GET', '/admin/approval-policies/workLocation')).json();
    const refuse = async (stage: Record<string, unknown>, field: string) => {
      const put = await call(await again(admin), 'PUT', '/admin/approval-policies/workLocation', {
        kind: 'workLocation',
        version: current.version,
        mode: 'strict',
        stages: [{ name: 'Manager', approvers: ['manager'], rule: 'any', ...stage }],
      });
      expect(put.statusCode).toBe(422);
      expect(put.json().error).toMatchObject({ code: 'APPROVAL_POLICY_INVALID', details: { field } });
    };
    await refuse({ escalateAfter: 8 }, 'stages.0.escalateTo');
    await refuse({ escalateTo: ['hr'] }, 'stages.0.escalateAfter');
    await refuse({ remindAfter: 8, escalateAfter: 8, escalateTo: ['hr'] }, 'stages.0.remindAfter');
    await refuse({ remindAfter: 50, onTimeout: 'approve' }, 'stages.0.remindAfter');
  });

  it('runs as a BullMQ job on the real Redis: a second run does nothing twice', async () => {
    const manager = await person(['manager']);
    const me = await person(['employee'], manager.id);
    await setPolicy([
      { name: 'Manager', approvers: ['manager'], rule: 'any', remindAfter: 2, dueAfterHours: 4, onTimeout: 'approve' },
    ]);
    const request = await submit(await again(me), 12);
    clock.advance(4 * 24 * HOUR); // past every timer, whatever the weekday
    const { approvals } = await createServices(testApp().deps);
    const runner = createBullMqJobRunner(inject('redisUrl'), pino({ level: 'silent' }), `escalation-${Date.now()}`);
    const results: Awaited<ReturnType<typeof approvals.advance>>[] = [];
    runner.register(APPROVALS_ADVANCE_JOB, async () => {
      results.push(await approvals.advance(clock()));
    });
    await runner.start();
    try {
      // One run after the other, as the scheduler makes them: the second finds nothing left to do.
      for (const count of [1, 2]) {
        await runner.enqueue(APPROVALS_ADVANCE_JOB);
        const deadline = Date.now() + 20_000;
        while (results.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await runner.stop();
    }
    expect(results).toHaveLength(2);
    // The first run did what was due (this timeout, and the earlier test's overdue reminder); the second, nothing.
    expect(results.reduce((n, r) => n + r.timedOut, 0)).toBe(1);
    expect(Object.values(results[1] ?? {}).every((n) => n === 0)).toBe(true);
    const closed = (await call(await again(me), 'GET', `/approvals/${request.workflowId}`)).json();
    expect(closed).toMatchObject({ state: 'approved', decisions: [{ by: null, decision: 'approve', via: 'system' }] });
    // The in-process runner of the app runs the same job.
    await setPolicy([{ name: 'Manager', approvers: ['manager'], rule: 'any', remindAfter: 1 }]);
    const other = await submit(await again(me), 14);
    clock.advance(3 * 24 * HOUR);
    await testApp().deps.jobs.enqueue(APPROVALS_ADVANCE_JOB);
    const until = Date.now() + 10_000;
    let reminded = false;
    while (!reminded && Date.now() < until) {
      const stage = (await call(await again(me), 'GET', `/approvals/${other.workflowId}`)).json().stages[0];
      reminded = stage.remindedAt !== null;
      if (!reminded) await new Promise((r) => setTimeout(r, 50));
    }
    expect(reminded).toBe(true);
    // Its runs are in the job-run list with what they did.
    const runs = (await call(await again(admin), 'GET', `/admin/jobs?name=${APPROVALS_ADVANCE_JOB}`)).json();
    expect(runs.items[0]).toMatchObject({ name: APPROVALS_ADVANCE_JOB, outcome: 'succeeded' });
    expect(runs.items.some((r: { counts: { reminded?: number } }) => r.counts.reminded === 1)).toBe(true);
  });
});
