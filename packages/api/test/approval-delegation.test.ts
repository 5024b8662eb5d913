import type { Role } from '@seed-pms/domain';
import { beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../src/services.js';
import { callAs, type RestMethod, type SignedIn, signInAgain, signInAs } from './auth-helpers.js';
import { testClock } from './clock.js';
import { useTestApp } from './support.js';
import { askWfh } from './work-location-helpers.js';

const clock = testClock();
const testApp = useTestApp(import.meta.url, { clock });
const call = (session: Pick<SignedIn, 'accessToken'> | null, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);

let hr: SignedIn;

/** A new user with these roles, reporting to `managerId` if given, signed in. */
const person = (roles: Role[] = ['employee'], managerId?: string) =>
  signInAs(testApp(), roles, managerId ? { managerId } : {});

const again = (who: SignedIn) => signInAgain(testApp().app, who);

async function submit(who: SignedIn, day: number) {
  return askWfh(testApp().app, who, clock.day(day));
}

const ids = (people: { id: string }[]) => people.map((p) => p.id);

async function awaiting(who: SignedIn, workflowId: string): Promise<string[]> {
  return ids((await call(who, 'GET', `/approvals/${workflowId}`)).json().summary.awaiting);
}

beforeAll(async () => {
  hr = await signInAs(testApp(), ['hr']);
});

describe('delegation', () => {
  it('the delegate sees and decides the delegator’s items; the decision records both; pending ones are re-resolved at start and end', async () => {
    const manager = await person(['manager']);
    const deputy = await person();
    const me = await person(['employee'], manager.id);
    const before = await submit(me, 3);
    expect(await awaiting(me, before.workflowId)).not.toContain(deputy.id);

    const made = await call(manager, 'POST', '/approvals/delegations', {
      delegateId: deputy.id,
      from: clock.day(0),
      to: clock.day(7),
      kinds: ['workLocation'],
      note: 'On holiday',
    });
    expect(made.statusCode).toBe(201);
    expect(made.json()).toMatchObject({
      delegator: { id: manager.id },
      delegate: { id: deputy.id },
      state: 'active',
      kinds: ['workLocation'],
    });
    // Starting it re-resolved the request pending before.
    expect(await awaiting(me, before.workflowId)).toContain(deputy.id);
    const after = await submit(me, 5);
    const stage = (await call(me, 'GET', `/approvals/${after.workflowId}`)).json().stages[0];
    expect(stage.deputies).toEqual([
      { delegate: { id: deputy.id, name: expect.any(String) }, for: { id: manager.id, name: expect.any(String) } },
    ]);

    // The delegate's inbox has both; they see the request; they decide "for" the manager.
    const inbox = (await call(deputy, 'GET', '/approvals?kind=workLocation')).json();
    expect(inbox.items.map((i: { workflowId: string }) => i.workflowId)).toEqual(
      expect.arrayContaining([before.workflowId, after.workflowId]),
    );
    expect(inbox.items.find((i: { workflowId: string }) => i.workflowId === after.workflowId).actingFor).toMatchObject({
      id: manager.id,
    });
    const notes = (await call(deputy, 'GET', '/notifications?limit=50')).json().items;
    expect(notes.some((n: { type: string }) => n.type === 'approval.delegated')).toBe(true);
    const asked = notes.find(
      (n: { type: string; data: { workflowId?: string } }) =>
        n.type === 'approval.requested' && n.data.workflowId === after.workflowId,
    );
    expect(asked.data.actingFor).toBe(manager.id);
    const decided = await call(deputy, 'PATCH', `/work-location/requests/${after.id}`, { action: 'approve' });
    expect(decided.statusCode).toBe(200);
    const timeline = (await call(me, 'GET', `/approvals/${after.workflowId}`)).json();
    expect(timeline.decisions).toMatchObject([{ by: { id: deputy.id }, actingFor: { id: manager.id } }]);
    // The manager hears what was decided for them; they cannot decide it again.
    const managerNotes = (await call(manager, 'GET', '/notifications?limit=50')).json().items;
    expect(managerNotes.some((n: { title: string }) => n.title.startsWith('Decided for you'))).toBe(true);

    // Ending it early takes the delegate off what is still pending.
    const ended = await call(manager, 'DELETE', `/approvals/delegations/${made.json().id}`);
    expect(ended.statusCode).toBe(200);
    expect(ended.json().state).toBe('ended');
    expect(await awaiting(me, before.workflowId)).not.toContain(deputy.id);
    expect(await awaiting(me, before.workflowId)).toContain(manager.id);
    const twice = await call(manager, 'DELETE', `/approvals/delegations/${made.json().id}`);
    expect(twice.json().error.code).toBe('DELEGATION_ENDED');
    const audits = (await call(hr, 'GET', `/audits?action=approval.reresolve&resourceId=${before.workflowId}`)).json();
    expect(audits.items).toHaveLength(2);
  });

  it('no chains, no delegating to oneself, and a delegate never decides their own request', async () => {
    const manager = await person(['manager']);
    const deputy = await person(['employee'], manager.id);
    const further = await person();
    const self = await call(manager, 'POST', '/approvals/delegations', {
      delegateId: manager.id,
      from: clock.day(0),
      to: clock.day(1),
    });
    expect(self.statusCode).toBe(422);
    expect(self.json().error.code).toBe('DELEGATION_TO_SELF');
    expect(
      (
        await call(manager, 'POST', '/approvals/delegations', {
          delegateId: deputy.id,
          from: clock.day(0),
          to: clock.day(5),
        })
      ).statusCode,
    ).toBe(201);
    // The deputy's own delegation does not pass on what was delegated to them.
    expect(
      (
        await call(deputy, 'POST', '/approvals/delegations', {
          delegateId: further.id,
          from: clock.day(0),
          to: clock.day(5),
        })
      ).statusCode,
    ).toBe(201);
    const colleague = await person(['employee'], manager.id);
    const request = await submit(colleague, 4);
    const asked = await awaiting(colleague, request.workflowId);
    expect(asked).toContain(deputy.id);
    expect(asked).not.toContain(further.id);
    // The deputy's own request: their delegation of the manager's items does not ask them.
    const own = await submit(deputy, 4);
    expect(await awaiting(deputy, own.workflowId)).not.toContain(deputy.id);
    const refused = await call(deputy, 'POST', `/approvals/${own.workflowId}/decide`, { decision: 'approve' });
    expect(refused.json().error.code).toBe('SELF_APPROVAL');
    // Overlapping delegations of the same kinds are refused with the one that stands.
    const overlap = await call(manager, 'POST', '/approvals/delegations', {
      delegateId: further.id,
      from: clock.day(2),
      to: clock.day(9),
    });
    expect(overlap.statusCode).toBe(409);
    expect(overlap.json().error).toMatchObject({
      code: 'DELEGATION_OVERLAP',
      details: { delegation: { to: clock.day(5) } },
    });
  });

  it('HR sets the delegation of someone absent; others may not; lists show only one’s own', async () => {
    const manager = await person(['manager']);
    const deputy = await person();
    const stranger = await person();
    const forbidden = await call(stranger, 'POST', '/approvals/delegations', {
      delegatorId: manager.id,
      delegateId: stranger.id,
      from: clock.day(0),
      to: clock.day(3),
    });
    expect(forbidden.statusCode).toBe(403);
    const set = await call(hr, 'POST', '/approvals/delegations', {
      delegatorId: manager.id,
      delegateId: deputy.id,
      from: clock.day(0),
      to: clock.day(3),
    });
    expect(set.statusCode).toBe(201);
    expect(set.json()).toMatchObject({ delegator: { id: manager.id }, createdBy: { id: hr.id } });
    const mine = (await call(manager, 'GET', '/approvals/delegations')).json();
    expect(ids(mine.items)).toContain(set.json().id);
    const theirs = (await call(deputy, 'GET', '/approvals/delegations?role=delegate')).json();
    expect(ids(theirs.items)).toEqual([set.json().id]);
    expect((await call(stranger, 'GET', `/approvals/delegations?userId=${manager.id}`)).json().items).toEqual([]);
    expect((await call(stranger, 'DELETE', `/approvals/delegations/${set.json().id}`)).statusCode).toBe(404);
    expect(ids((await call(hr, 'GET', `/approvals/delegations?userId=${manager.id}`)).json().items)).toContain(
      set.json().id,
    );
  });

  it('a delegation that starts later is applied by the job on its first day, and ends by itself', async () => {
    const manager = await person(['manager']);
    const deputy = await person();
    const me = await person(['employee'], manager.id);
    const request = await submit(me, 10);
    const made = await call(manager, 'POST', '/approvals/delegations', {
      delegateId: deputy.id,
      from: clock.day(2),
      to: clock.day(3),
    });
    expect(made.json().state).toBe('scheduled');
    const { approvals } = await createServices(testApp().deps);
    expect(await awaiting(me, request.workflowId)).not.toContain(deputy.id);
    clock.advance(2 * 86_400_000);
    const started = await approvals.advance(clock());
    expect(started.delegationsStarted).toBeGreaterThanOrEqual(1);
    expect(await awaiting(await again(me), request.workflowId)).toContain(deputy.id);
    expect((await approvals.advance(clock())).delegationsStarted).toBe(0);
    clock.advance(2 * 86_400_000);
    expect((await approvals.advance(clock())).delegationsEnded).toBeGreaterThanOrEqual(1);
    expect(await awaiting(await again(me), request.workflowId)).not.toContain(deputy.id);
  });

  it('racing delegations of one person: exactly one of two overlapping ones is made', async () => {
    const manager = await person(['manager']);
    const [a, b] = [await person(), await person()];
    const results = await Promise.all(
      [a, b].map((d) =>
        call(manager, 'POST', '/approvals/delegations', { delegateId: d.id, from: clock.day(0), to: clock.day(4) }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409]);
  });
});
