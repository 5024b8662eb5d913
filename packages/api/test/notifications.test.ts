import { outboxCollection } from '@seed-pms/db';
import type { Role } from '@seed-pms/domain';
import { beforeAll, describe, expect, it } from 'vitest';
import { callAs, type RestMethod, type SignedIn, signInAs } from './auth-helpers.js';
import { testClock } from './clock.js';
import { useTestApp } from './support.js';
import { askWfh } from './work-location-helpers.js';

const clock = testClock();
const testApp = useTestApp(import.meta.url, { clock });
const call = (session: Pick<SignedIn, 'accessToken'> | null, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);

let admin: SignedIn;
let hr: SignedIn;

/** A new user with these roles, reporting to `managerId` if given, signed in. */
const person = (roles: Role[] = ['employee'], managerId?: string) =>
  signInAs(testApp(), roles, managerId ? { managerId } : {});

type Note = { id: string; type: string; title: string; data: Record<string, unknown>; readAt: string | null };

async function notes(who: SignedIn, query = ''): Promise<Note[]> {
  const page = await call(who, 'GET', `/notifications?limit=100${query}`);
  expect(page.statusCode).toBe(200);
  return page.json().items;
}

async function submit(who: SignedIn, day: number) {
  return askWfh(testApp().app, who, clock.day(day));
}

const emailsTo = async (email: string, purpose: string) =>
  testApp().database.collection(outboxCollection).countDocuments({ to: email, purpose });

beforeAll(async () => {
  admin = await signInAs(testApp(), ['admin']);
  hr = await signInAs(testApp(), ['hr']);
});

describe('notifications', () => {
  it('every workflow event reaches the right people: asked, decided, withdrawn', async () => {
    const manager = await person(['manager']);
    const me = await person(['employee'], manager.id);
    const request = await submit(me, 3);
    const asked = (await notes(manager)).filter((n) => n.data.workflowId === request.workflowId);
    expect(asked).toMatchObject([{ type: 'approval.requested', readAt: null }]);
    // HR is asked too under simple mode; the requester is not told they asked.
    expect((await notes(hr)).some((n) => n.data.workflowId === request.workflowId)).toBe(true);
    expect((await notes(me)).some((n) => n.data.workflowId === request.workflowId)).toBe(false);

    expect(
      (await call(manager, 'PATCH', `/work-location/requests/${request.id}`, { action: 'approve' })).statusCode,
    ).toBe(200);
    const decided = (await notes(me)).filter((n) => n.data.workflowId === request.workflowId);
    expect(decided).toMatchObject([{ type: 'approval.decided', data: { decision: 'approve', state: 'approved' } }]);
    expect(decided[0]?.title).toMatch(/^Approved: /);

    const withdrawn = await submit(me, 6);
    expect((await call(me, 'PATCH', `/work-location/requests/${withdrawn.id}`, { action: 'cancel' })).statusCode).toBe(
      200,
    );
    const told = (await notes(manager)).filter((n) => n.data.workflowId === withdrawn.workflowId).map((n) => n.type);
    expect(told.sort()).toEqual(['approval.cancelled', 'approval.requested']);
  });

  it('lists newest first in cursor pages, only unread on request; marks one or all read; others’ are 404', async () => {
    const manager = await person(['manager']);
    const me = await person(['employee'], manager.id);
    for (const day of [10, 11, 12]) await submit(me, day);
    const first = (await call(manager, 'GET', '/notifications?limit=2')).json();
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = (await call(manager, 'GET', `/notifications?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second.items).toHaveLength(1);
    const all = [...first.items, ...second.items];
    expect(all.map((n: Note & { createdAt: string }) => n.createdAt)).toEqual(
      [...all.map((n: Note & { createdAt: string }) => n.createdAt)].sort().reverse(),
    );
    expect((await call(manager, 'GET', '/notifications/unread-count')).json()).toEqual({ unread: 3 });

    const one = await call(manager, 'PATCH', `/notifications/${all[0].id}/read`);
    expect(one.statusCode).toBe(200);
    expect(one.json().readAt).not.toBeNull();
    expect(await notes(manager, '&unread=true')).toHaveLength(2);
    expect((await call(me, 'PATCH', `/notifications/${all[1].id}/read`)).statusCode).toBe(404);
    expect((await call(manager, 'POST', '/notifications/read-all')).json()).toEqual({ updated: 2 });
    expect((await call(manager, 'GET', '/notifications/unread-count')).json()).toEqual({ unread: 0 });
  });

  it('preferences are honoured per type and channel; a request to decide always reaches the approver', async () => {
    const manager = await person(['manager']);
    const me = await person(['employee'], manager.id);
    const defaults = (await call(me, 'GET', '/notifications/preferences')).json().items;
    expect(defaults.find((p: { type: string }) => p.type === 'approval.requested')).toMatchObject({
      inApp: true,
      email: true,
      required: true,
      changed: false,
    });
    const refused = await call(manager, 'PUT', '/notifications/preferences', {
      items: [{ type: 'approval.requested', inApp: false, email: false }],
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({
      code: 'NOTIFICATION_CHANNEL_REQUIRED',
      details: { type: 'approval.requested' },
    });
    // The manager takes requests by email only; the requester wants decisions in the app only.
    expect(
      (
        await call(manager, 'PUT', '/notifications/preferences', {
          items: [{ type: 'approval.requested', inApp: false, email: true }],
        })
      ).statusCode,
    ).toBe(200);
    const mine = await call(me, 'PUT', '/notifications/preferences', {
      items: [{ type: 'approval.decided', inApp: true, email: false }],
    });
    expect(mine.json().items.find((p: { type: string }) => p.type === 'approval.decided')).toMatchObject({
      email: false,
      changed: true,
    });

    const request = await submit(me, 20);
    expect((await notes(manager)).some((n) => n.data.workflowId === request.workflowId)).toBe(false);
    expect(await emailsTo(manager.email, 'notification.approval.requested')).toBe(1);
    await call(manager, 'PATCH', `/work-location/requests/${request.id}`, { action: 'approve' });
    expect((await notes(me)).some((n) => n.type === 'approval.decided')).toBe(true);
    expect(await emailsTo(me.email, 'notification.approval.decided')).toBe(0);
  });

  it('a mention in a project comment as @email tells the person, if they may read the comments', async () => {
    const manager = await person(['manager']);
    const member = await person();
    const outsider = await person();
    const project = await call(manager, 'POST', '/projects', {
      name: `Mentions ${Math.random().toString(36).slice(2, 8)}`,
      startDate: clock.day(0),
      endDate: clock.day(60),
    });
    const id = project.json().id;
    expect(
      (await call(manager, 'POST', `/projects/${id}/roster`, { userId: member.id, allocationPercent: 20 })).statusCode,
    ).toBe(201);
    const comment = await call(manager, 'POST', `/projects/${id}/comments`, {
      body: `Can you review this, @${member.email.toUpperCase()}? And @${outsider.email} too.`,
    });
    expect(comment.statusCode).toBe(201);
    const told = (await notes(member)).filter((n) => n.type === 'project.mention');
    expect(told).toMatchObject([{ data: { projectId: id, commentId: comment.json().id } }]);
    // Someone not on the project is not shown what its comments say.
    expect((await notes(outsider)).some((n) => n.type === 'project.mention')).toBe(false);
  });

  it('over-allocating a member tells the leads of their projects', async () => {
    const settings = (await call(admin, 'GET', '/settings')).json();
    if (settings.capacity.policy !== 'warn') {
      const patched = await call(admin, 'PATCH', '/settings', {
        version: settings.version,
        capacity: { policy: 'warn' },
      });
      expect(patched.statusCode).toBe(200);
    }
    const manager = await person(['manager']);
    const lead = await person();
    const worker = await person();
    const make = async (name: string) =>
      (
        await call(manager, 'POST', '/projects', {
          name: `${name} ${Math.random().toString(36).slice(2, 8)}`,
          startDate: clock.day(0),
          endDate: clock.day(60),
        })
      ).json().id as string;
    const mine = await make('Led');
    const other = await make('Other');
    await call(manager, 'POST', `/projects/${mine}/roster`, { userId: lead.id, role: 'lead', allocationPercent: 10 });
    await call(manager, 'POST', `/projects/${mine}/roster`, { userId: worker.id, allocationPercent: 70 });
    expect((await notes(lead)).some((n) => n.type === 'project.overallocated')).toBe(false);
    const over = await call(manager, 'POST', `/projects/${other}/roster`, { userId: worker.id, allocationPercent: 50 });
    expect(over.statusCode).toBe(201);
    const told = (await notes(lead)).filter((n) => n.type === 'project.overallocated');
    expect(told).toMatchObject([{ data: { userId: worker.id, projectId: other } }]);
    // The manager who made the change is not told what they just did.
    expect((await notes(manager)).some((n) => n.type === 'project.overallocated')).toBe(false);
  });
});
