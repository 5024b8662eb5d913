import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createRepositories, loginFailuresCollection, outboxCollection } from '@seed-pms/db';
import { erasurePseudonym, isoWeekday } from '@seed-pms/domain';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ERASURE_JOB } from '../src/privacy/erasure.service.js';
import { createServices } from '../src/services.js';
import { askCorrection } from './attendance-helpers.js';
import { callAs, login, type RestMethod, type SignedIn, signInAs } from './auth-helpers.js';
import { nextWednesdayMorning, testClock } from './clock.js';
import { useTestApp } from './support.js';
import { uploadFile } from './uploads.js';

const clock = testClock(nextWednesdayMorning());
const testApp = useTestApp(import.meta.url, { clock });
const call = (session: SignedIn | null, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);

const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const unique = () => Math.random().toString(36).slice(2, 8);

async function staff() {
  return {
    admin: await signInAs(testApp(), ['admin']),
    hr: await signInAs(testApp(), ['hr']),
    manager: await signInAs(testApp(), ['manager']),
  };
}

/** The request through both stages: HR, then an Admin. */
async function approveBoth(workflowId: string, hr: SignedIn, admin: SignedIn) {
  for (const who of [hr, admin]) {
    const decided = await call(who, 'POST', `/approvals/${workflowId}/decide`, { decision: 'approve' });
    expect(decided.statusCode, decided.body).toBe(200);
  }
}

/** Waits for a finished run of the erasure job whose counts satisfy `wanted`. */
async function erasureRun(admin: SignedIn, wanted: (counts: Record<string, number>) => boolean) {
  for (let i = 0; i < 400; i++) {
    const runs = (await call(admin, 'GET', `/admin/jobs?name=${ERASURE_JOB}&limit=100`)).json().items as {
      outcome: string;
      counts: Record<string, number> | null;
    }[];
    const run = runs.find((r) => r.outcome !== 'running' && r.counts && wanted(r.counts));
    if (run) return run;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('no such erasure run');
}

/** Waits for the erasure job (enqueued by the approval) to leave the request in `status`. */
async function settled(hr: SignedIn, id: string, status: string) {
  for (let i = 0; i < 200; i++) {
    const request = (await call(hr, 'GET', `/privacy/erasure-requests/${id}`)).json();
    if (request.status === status) return request;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`erasure request ${id} never became ${status}`);
}

/** Every file under a directory, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? filesUnder(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]),
    ),
  );
  return nested.flat();
}

describe('erasure', () => {
  it('makes a person with a full history unidentifiable, keeps their records under a pseudonym, and the audit chain verifies', async () => {
    const { admin, hr, manager } = await staff();
    const name = `Zephyrine Quillfeather ${unique()}`;
    const me = await signInAs(testApp(), ['employee'], { managerId: manager.id });
    const colleague = await signInAs(testApp());
    // Their name: set by HR, as an account change (an audit entry about them).
    const account = (await call(hr, 'GET', `/users/${me.id}`)).json();
    expect((await call(hr, 'PATCH', `/users/${me.id}`, { version: account.version, name })).statusCode).toBe(200);

    // Profile: personal data (sealed), a bio, contact, a profile image.
    const profile = (await call(hr, 'GET', `/employees/${me.id}`)).json();
    const personal = await call(hr, 'PATCH', `/employees/${me.id}`, {
      version: profile.version,
      personal: { dateOfBirth: '1991-02-03', homeAddress: 'Quillfeather Lane 7' },
    });
    expect(personal.statusCode, personal.body).toBe(200);
    const bio = await call(me, 'PATCH', `/employees/${me.id}`, {
      version: personal.json().version,
      bio: `I am ${name}`,
      contact: { mobilePhone: '+44 7700 900123', city: 'Lyme Regis' },
    });
    expect(bio.statusCode, bio.body).toBe(200);
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 9, g: 99, b: 199 } } })
      .png()
      .toBuffer();
    const image = await uploadFile(testApp().app, me, `/employees/${me.id}/image`, png, { fileName: 'me.png' });
    expect(image.statusCode, image.body).toBe(200);
    const { pathname, search } = new URL(image.json().image.url);
    const storedImage = (await testApp().app.inject({ method: 'GET', url: `${pathname}${search}` })).rawPayload;
    expect(storedImage.length).toBeGreaterThan(20);

    // Capacity: an allocation; a comment by them, one naming them.
    const project = await call(manager, 'POST', '/projects', {
      name: `Erasure ${unique()}`,
      startDate: clock.day(0),
      endDate: clock.day(90),
    });
    const projectId = project.json().id;
    expect(
      (await call(manager, 'POST', `/projects/${projectId}/roster`, { userId: me.id, allocationPercent: 60 }))
        .statusCode,
    ).toBe(201);
    expect((await call(me, 'POST', `/projects/${projectId}/comments`, { body: 'Signed, Z.' })).statusCode).toBe(201);
    expect(
      (await call(manager, 'POST', `/projects/${projectId}/comments`, { body: `Thanks ${name}, @${me.email}` }))
        .statusCode,
    ).toBe(201);

    // Leave (approved), attendance with a correction, work location, an expense claim with a receipt.
    const type = await call(admin, 'POST', '/leave/types', {
      name: `Yearly ${unique()}`,
      code: `Y${unique()}`,
      accrual: 'yearly',
      yearlyEntitlement: 20,
    });
    let leaveDay = 14;
    while (isoWeekday(clock.day(leaveDay)) > 5) leaveDay++;
    const leave = await call(me, 'POST', '/leave/requests', {
      typeId: type.json().id,
      startDate: clock.day(leaveDay),
      endDate: clock.day(leaveDay),
      reason: `${name} has a family wedding`,
    });
    expect(leave.statusCode, leave.body).toBe(201);
    expect((await call(manager, 'POST', `/leave/requests/${leave.json().id}/approve`, {})).statusCode).toBe(200);
    expect((await call(me, 'POST', '/attendance/start')).statusCode).toBe(200);
    const yesterday = clock.day(-1);
    const correction = await askCorrection(testApp().app, me, yesterday, 'The reader did not see my badge');
    expect(correction.statusCode, correction.body).toBe(201);
    const wfh = await call(me, 'POST', '/work-location/requests', {
      type: 'other',
      startDate: clock.day(leaveDay + 1),
      endDate: clock.day(leaveDay + 1),
      note: 'At the Quillfeather family farm',
    });
    expect(wfh.statusCode, wfh.body).toBe(201);
    const receipt = await uploadFile(testApp().app, me, '/expenses/receipts', PDF, { fileName: 'taxi.pdf' });
    expect(receipt.statusCode, receipt.body).toBe(201);
    const travel = (await call(me, 'GET', '/expenses/categories'))
      .json()
      .items.find((c: { code: string }) => c.code === 'TRAVEL').id;
    const claim = await call(me, 'POST', '/expenses', {
      categoryId: travel,
      amount: { minor: 3_100, currency: 'EUR' },
      expenseDate: clock.day(-2),
      description: `Taxi for ${name}`,
      receiptFileIds: [receipt.json().fileId],
      submit: true,
    });
    expect(claim.statusCode, claim.body).toBe(201);

    // Messages both ways, the colleague's naming them.
    const thread = await call(me, 'POST', '/messages/threads', {
      participantId: colleague.id,
      message: `Hello, this is ${name}`,
    });
    expect(thread.statusCode).toBe(200);
    const threadId = thread.json().id;
    expect(
      (await call(colleague, 'POST', `/messages/threads/${threadId}/messages`, { body: `Hi ${name}! Lunch?` }))
        .statusCode,
    ).toBe(201);

    // A consent, and the audit trail about them readable before.
    const purpose = (await call(me, 'GET', '/privacy/consents')).json().items[0];
    expect(
      (
        await call(me, 'PUT', `/privacy/consents/${purpose.purpose}`, {
          granted: true,
          textVersion: purpose.currentTextVersion,
        })
      ).statusCode,
    ).toBe(200);
    const before = (await call(admin, 'GET', `/audits/user/${me.id}`)).json();
    expect(before.items.some((e: { changes: unknown }) => JSON.stringify(e.changes).includes(name))).toBe(true);
    // Stored sealed: the trail's documents never hold the name in the clear.
    const sealedTrail = JSON.stringify(await testApp().database.db.collection('audit_logs').find({}).toArray());
    expect(sealedTrail.includes(name)).toBe(false);

    // They ask; HR then an Admin approve; the job carries it out.
    const asked = await call(me, 'POST', '/privacy/erasure-requests', {
      userId: me.id,
      reason: `Please forget ${name}`,
    });
    expect(asked.statusCode, asked.body).toBe(201);
    expect(asked.json()).toMatchObject({
      status: 'pending',
      user: { id: me.id, name },
      reason: `Please forget ${name}`,
    });
    const requestId = asked.json().id;
    // Nobody sees a request that is not theirs to see.
    expect((await call(colleague, 'GET', `/privacy/erasure-requests/${requestId}`)).statusCode).toBe(404);
    await approveBoth(asked.json().workflowId, hr, admin);
    const done = await settled(hr, requestId, 'completed');
    const pseudonym = `Erased person ${me.id.slice(-6)}`;
    expect(done).toMatchObject({ user: { id: me.id, name: pseudonym }, reason: null, blockedBy: null });
    expect(done.counts).toMatchObject({ users: 1, employees: 1, storedFiles: 2, data_keys: 1 });

    // The chain still verifies.
    const verified = await call(admin, 'GET', '/audits/verify');
    expect(verified.json()).toMatchObject({ ok: true, brokenAt: null });

    // Nothing stored holds their name, email, personal data or the image's bytes.
    const needles = [name, me.email, 'Quillfeather', '+44 7700 900123', '1991-02-03'];
    const db = testApp().database.db;
    const found: string[] = [];
    for (const { name: collection } of await db.listCollections({}, { nameOnly: true }).toArray()) {
      const text = JSON.stringify(await db.collection(collection).find({}).toArray()).toLowerCase();
      for (const needle of needles) if (text.includes(needle.toLowerCase())) found.push(`${collection}: ${needle}`);
      if (text.includes(storedImage.toString('base64').slice(0, 40).toLowerCase())) found.push(`${collection}: image`);
    }
    expect(found).toEqual([]);
    for (const file of await filesUnder(testApp().deps.config.DATA_DIR)) {
      const bytes = await readFile(file);
      expect(bytes.includes(storedImage), file).toBe(false);
      expect(bytes.toString('utf8').includes(name), file).toBe(false);
    }

    // What the organisation keeps: the records, under the pseudonym.
    const roster = (await call(manager, 'GET', `/projects/${projectId}/roster`)).json();
    expect(JSON.stringify(roster)).toContain(me.id);
    const leaveAfter = (await call(hr, 'GET', `/leave/requests/${leave.json().id}`)).json();
    expect(leaveAfter).toMatchObject({ status: 'approved', reason: null, user: { id: me.id, name: pseudonym } });
    const claimAfter = (await call(hr, 'GET', `/expenses/${claim.json().id}`)).json();
    expect(claimAfter).toMatchObject({ amount: { minor: 3_100 }, description: '' });
    // The receipt stays with the claim (bookkeeping).
    expect(claimAfter.receipts?.length ?? claimAfter.receiptFileIds?.length).toBe(1);
    // The colleague keeps their own message, without the name; theirs is gone.
    const messages = (await call(colleague, 'GET', `/messages/threads/${threadId}`)).json();
    const bodies = messages.messages.items.map((m: { body: string }) => m.body);
    expect(bodies).toContain(`Hi ${pseudonym}! Lunch?`);
    expect(bodies).toContain('');
    // The audit entries about them stay in the trail, their personal parts shredded.
    const trail = (await call(admin, 'GET', `/audits/user/${me.id}`)).json();
    expect(trail.items.length).toBeGreaterThanOrEqual(before.items.length);
    const shredded = trail.items.filter((e: { shredded: boolean }) => e.shredded);
    expect(shredded.length).toBeGreaterThan(0);
    expect(
      shredded.every((e: { changes: unknown; details: unknown }) => e.changes === null && e.details === null),
    ).toBe(true);

    // The account can never sign in or come back.
    const signIn = await testApp().app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: me.email, password: 'correct horse battery staple' },
    });
    expect(signIn.statusCode).toBe(401);
    expect((await call(me, 'GET', '/auth/me')).statusCode).toBe(401);
    const restore = await call(admin, 'POST', `/users/${me.id}/restore`);
    expect(restore.statusCode).toBe(409);
    expect(restore.json().error).toMatchObject({ code: 'USER_ERASED', details: { userId: me.id } });
    const againAsked = await call(hr, 'POST', '/privacy/erasure-requests', { userId: me.id, reason: 'Again' });
    expect(againAsked.json().error.code).toBe('USER_ERASED');
    // Nor can the pseudonymous profile be filled in again.
    const erasedProfile = (await call(hr, 'GET', `/employees/${me.id}`)).json();
    const refill = await call(hr, 'PATCH', `/employees/${me.id}`, { version: erasedProfile.version, bio: 'Back' });
    expect(refill.json().error).toMatchObject({ code: 'USER_ERASED', details: { userId: me.id } });
    const reimage = await uploadFile(testApp().app, hr, `/employees/${me.id}/image`, png, { fileName: 'me.png' });
    expect(reimage.json().error.code).toBe('USER_ERASED');
  });

  it('refuses a person under legal hold, and an approved erasure waits for the hold’s release', async () => {
    const { admin, hr } = await staff();
    const held = await signInAs(testApp());
    const hold = await call(hr, 'POST', '/privacy/legal-holds', {
      userId: held.id,
      reason: 'Litigation',
      reference: 'CASE-7',
    });
    expect(hold.statusCode, hold.body).toBe(201);
    const refused = await call(held, 'POST', '/privacy/erasure-requests', { userId: held.id, reason: 'Forget me' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({
      code: 'LEGAL_HOLD_ACTIVE',
      details: { userId: held.id, reference: 'CASE-7' },
    });

    // Held after the request was made: approved, it waits and says why, then goes once released.
    const later = await signInAs(testApp());
    const asked = await call(hr, 'POST', '/privacy/erasure-requests', { userId: later.id, reason: 'Left in 2019' });
    expect(asked.statusCode, asked.body).toBe(201);
    expect(
      (await call(hr, 'POST', '/privacy/legal-holds', { userId: later.id, reason: 'Audit', reference: 'A-1' }))
        .statusCode,
    ).toBe(201);
    await approveBoth(asked.json().workflowId, hr, admin);
    const waiting = await settled(hr, asked.json().id, 'approved');
    for (let i = 0; i < 200 && !waiting.blockedBy; i++) {
      Object.assign(waiting, (await call(hr, 'GET', `/privacy/erasure-requests/${asked.json().id}`)).json());
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(waiting.blockedBy).toMatchObject({ code: 'LEGAL_HOLD_ACTIVE' });
    expect((await login(testApp().app, later.email)).accessToken).toBeTruthy();
    expect((await call(hr, 'DELETE', `/privacy/legal-holds/${later.id}`)).statusCode).toBe(204);
    await testApp().deps.jobs.enqueue('privacy.erasure');
    const done = await settled(hr, asked.json().id, 'completed');
    expect(done.user.name).toBe(`Erased person ${later.id.slice(-6)}`);
  });

  it('keeps one open request per person, however many arrive at once; only HR asks for someone else; the person or whoever asked withdraws it', async () => {
    const { hr } = await staff();
    const person = await signInAs(testApp());
    const other = await signInAs(testApp());
    expect(
      (await call(other, 'POST', '/privacy/erasure-requests', { userId: person.id, reason: 'Not mine' })).statusCode,
    ).toBe(404);
    const answers = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        call(i % 2 ? hr : person, 'POST', '/privacy/erasure-requests', { userId: person.id, reason: `Try ${i}` }),
      ),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([201, 409, 409, 409]);
    const created = answers.find((a) => a.statusCode === 201)?.json();
    for (const refused of answers.filter((a) => a.statusCode === 409)) {
      expect(refused.json().error).toMatchObject({
        code: 'ERASURE_REQUEST_PENDING',
        details: { requestId: created.id, status: 'pending' },
      });
    }
    const mine = (await call(person, 'GET', '/privacy/erasure-requests')).json();
    expect(mine.items.map((r: { id: string }) => r.id)).toEqual([created.id]);
    expect((await call(other, 'GET', '/privacy/erasure-requests')).json().items).toEqual([]);

    // Withdrawn by the person (nobody else sees it: 404), then a new request may be made.
    expect((await call(other, 'DELETE', `/privacy/erasure-requests/${created.id}`)).statusCode).toBe(404);
    const withdrawn = await call(person, 'DELETE', `/privacy/erasure-requests/${created.id}`);
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    expect(withdrawn.json()).toMatchObject({ status: 'cancelled', approval: { state: 'cancelled' } });
    const again = await call(person, 'DELETE', `/privacy/erasure-requests/${created.id}`);
    expect(again.json().error).toMatchObject({ code: 'REQUEST_NOT_PENDING', details: { status: 'cancelled' } });
    const renewed = await call(person, 'POST', '/privacy/erasure-requests', { userId: person.id, reason: 'Again' });
    expect(renewed.statusCode, renewed.body).toBe(201);
    // The person's own request is not HR's to withdraw (they reject it instead, on the record).
    const byHr = await call(hr, 'DELETE', `/privacy/erasure-requests/${renewed.json().id}`);
    expect(byHr.json().error).toMatchObject({ code: 'FORBIDDEN', details: { action: 'cancel' } });
    expect((await call(person, 'DELETE', `/privacy/erasure-requests/${renewed.json().id}`)).statusCode).toBe(200);
    // One HR asked for: theirs to withdraw.
    const asked = await call(hr, 'POST', '/privacy/erasure-requests', { userId: person.id, reason: 'Left us' });
    expect(asked.statusCode, asked.body).toBe(201);
    const withdrawnByHr = await call(hr, 'DELETE', `/privacy/erasure-requests/${asked.json().id}`);
    expect(withdrawnByHr.statusCode, withdrawnByHr.body).toBe(200);
    expect(withdrawnByHr.json().status).toBe('cancelled');
  });
  it('a run cut short after the account became a pseudonym is finished by the next: mail to their address and failed sign-ins still go, and the archive is announced', async () => {
    const { admin, hr } = await staff();
    const me = await signInAs(testApp());
    const png = await sharp({ create: { width: 40, height: 40, channels: 3, background: 'red' } })
      .png()
      .toBuffer();
    const image = await uploadFile(testApp().app, me, `/employees/${me.id}/image`, png, { fileName: 'me.png' });
    expect(image.statusCode, image.body).toBe(200);
    const repos = createRepositories(testApp().database);
    await repos.outbox.enqueue({ purpose: 'test', to: me.email, subject: 'Your week', text: 'x' }, clock());
    const wrong = await testApp().app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: me.email, password: 'certainly not the password' },
    });
    expect(wrong.statusCode).toBe(401);
    const archived: string[] = [];
    (await createServices(testApp().deps)).events.on('user.archived', async (event) => {
      archived.push(event.userId);
    });

    // The image's bytes cannot be deleted (a directory stands where the file was): the run fails at that step.
    const keys = (await repos.erasure.profileFiles(me.id)).map((f) => f.storageKey);
    const stored = (await filesUnder(testApp().deps.config.DATA_DIR)).filter((f) => keys.some((k) => f.endsWith(k)));
    expect(stored).toHaveLength(2);
    const imageFile = stored[0] as string;
    await rename(imageFile, `${imageFile}.away`);
    await mkdir(join(imageFile, 'blocked'), { recursive: true });

    const asked = await call(me, 'POST', '/privacy/erasure-requests', { userId: me.id, reason: 'Leaving' });
    expect(asked.statusCode, asked.body).toBe(201);
    await approveBoth(asked.json().workflowId, hr, admin);
    const failedRun = await erasureRun(admin, (counts) => (counts.failed ?? 0) > 0);
    expect(failedRun.counts).toMatchObject({ failed: 1, completed: 0 });
    expect((await call(hr, 'GET', `/privacy/erasure-requests/${asked.json().id}`)).json().status).toBe('approved');
    expect((await repos.users.get(me.id))?.email).toBe(erasurePseudonym(me.id).email);

    // Storage works again; the next run finishes from what the first one noted.
    await rm(imageFile, { recursive: true });
    await rename(`${imageFile}.away`, imageFile);
    await testApp().deps.jobs.enqueue(ERASURE_JOB);
    const done = await settled(hr, asked.json().id, 'completed');
    expect(done.counts).toMatchObject({ login_failures: 1, storedFiles: 2 });
    const db = testApp().database;
    expect(await db.collection(outboxCollection).countDocuments({ to: me.email })).toBe(0);
    expect(await db.collection(loginFailuresCollection).countDocuments({ _id: me.email.toLowerCase() } as never)).toBe(
      0,
    );
    for (const file of stored) await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(archived).toEqual([me.id]);
  });
});
