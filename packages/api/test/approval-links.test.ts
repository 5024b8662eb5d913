import type { ParsedMail } from 'mailparser';
import { beforeAll, describe, expect, it } from 'vitest';
import { callAs, login, type RestMethod, type SignedIn, signInAs } from './auth-helpers.js';
import { testClock } from './clock.js';
import { mailTo, useSmtpSink } from './smtp-sink.js';
import { useTestApp } from './support.js';

const smtp = useSmtpSink();
const clock = testClock();
const testApp = useTestApp(import.meta.url, { clock, env: () => ({ SMTP_URL: smtp().url }) });
const call = (session: Pick<SignedIn, 'accessToken'> | null, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);

let manager: SignedIn;

const report = () => signInAs(testApp(), ['employee'], { managerId: manager.id });

/** The approve and reject tokens of the approval email about this request. */
async function linksIn(mail: ParsedMail) {
  const tokens = [...(mail.text ?? '').matchAll(/approvals\/links\/([A-Za-z0-9_-]+)/g)].map((m) => m[1] as string);
  expect(tokens).toHaveLength(2);
  return { approve: tokens[0] as string, reject: tokens[1] as string };
}

async function requestWithMail(me: SignedIn, day: number) {
  const before = smtp().received.length;
  const created = await call(me, 'POST', '/work-location/requests', {
    type: 'wfh',
    startDate: clock.day(day),
    endDate: clock.day(day),
  });
  expect(created.statusCode).toBe(201);
  const mail = await mailTo(smtp(), manager.email, before);
  return { request: created.json(), mail, links: await linksIn(mail) };
}

beforeAll(async () => {
  manager = await signInAs(testApp(), ['manager']);
});

describe('one-click approval links', () => {
  it('the email links to the app and carries approve and reject links; GET changes nothing, POST decides once', async () => {
    const me = await report();
    const { request, mail, links } = await requestWithMail(me, 3);
    expect(mail.subject).toContain('Approval needed');
    expect(mail.html).toContain('>Approve</a>');
    expect(mail.text).toContain(`/approvals/${request.workflowId}`);

    // A mail scanner fetching the link changes nothing.
    for (let i = 0; i < 3; i++) {
      const seen = await call(null, 'GET', `/approvals/links/${links.approve}`);
      expect(seen.statusCode).toBe(200);
      expect(seen.json()).toMatchObject({
        action: 'approve',
        needsReason: false,
        approver: { id: manager.id },
        workflow: { id: request.workflowId, kind: 'workLocation', requester: { id: me.id } },
      });
    }
    expect((await call(me, 'GET', `/approvals/${request.workflowId}`)).json().state).toBe('pending');

    // Two clicks at once: one decision.
    const [a, b] = await Promise.all([
      call(null, 'POST', `/approvals/links/${links.approve}`, {}),
      call(null, 'POST', `/approvals/links/${links.approve}`, {}),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    const done = a.statusCode === 200 ? a : b;
    expect(done.json()).toMatchObject({ decision: 'approve', workflowId: request.workflowId, state: 'approved' });
    const timeline = (await call(me, 'GET', `/approvals/${request.workflowId}`)).json();
    expect(timeline.decisions).toMatchObject([{ by: { id: manager.id }, decision: 'approve', via: 'link' }]);

    // Used, and the stage is decided: both links say what happened.
    const again = await call(null, 'POST', `/approvals/links/${links.approve}`, {});
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('LINK_USED');
    const reject = await call(null, 'GET', `/approvals/links/${links.reject}`);
    expect(reject.statusCode).toBe(409);
    expect(reject.json().error).toMatchObject({ code: 'ALREADY_DECIDED', details: { decision: { by: manager.id } } });
  });

  it('a reject link asks for the reason; an altered token is refused without a hint', async () => {
    const me = await report();
    const { request, links } = await requestWithMail(me, 5);
    const seen = (await call(null, 'GET', `/approvals/links/${links.reject}`)).json();
    expect(seen).toMatchObject({ action: 'reject', needsReason: true });
    const noReason = await call(null, 'POST', `/approvals/links/${links.reject}`, {});
    expect(noReason.statusCode).toBe(400);
    // The refusal for a missing reason did not use the link up.
    const rejected = await call(null, 'POST', `/approvals/links/${links.reject}`, { reason: 'Team offsite that day' });
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json().state).toBe('rejected');
    const timeline = (await call(me, 'GET', `/approvals/${request.workflowId}`)).json();
    expect(timeline.decisions[0]).toMatchObject({ decision: 'reject', reason: 'Team offsite that day', via: 'link' });

    const flipped = `${links.approve.slice(0, -2)}${links.approve.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const token of [flipped, 'x'.repeat(43)]) {
      const bad = await call(null, 'POST', `/approvals/links/${token}`, {});
      expect(bad.statusCode).toBe(401);
      expect(bad.json().error.code).toBe('LINK_INVALID');
    }
  });

  it('a link is refused once the request changed, and after it expires', async () => {
    const me = await report();
    const first = await requestWithMail(me, 8);
    // The requester edits the request: a new round; the old email's links no longer decide it.
    const edited = await call(me, 'PATCH', `/work-location/requests/${first.request.id}`, {
      version: first.request.version,
      note: 'Plumber visit',
    });
    expect(edited.statusCode).toBe(200);
    const changed = await call(null, 'POST', `/approvals/links/${first.links.approve}`, {});
    expect(changed.statusCode).toBe(409);
    expect(changed.json().error).toMatchObject({ code: 'REQUEST_CHANGED', details: { round: 2 } });

    const second = await requestWithMail(me, 12);
    clock.advance(73 * 3_600_000);
    const expired = await call(null, 'GET', `/approvals/links/${second.links.approve}`);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('LINK_EXPIRED');
    const login2 = await login(testApp().app, me.email);
    expect((await call(login2, 'GET', `/approvals/${second.request.workflowId}`)).json().state).toBe('pending');
  });
});
