import { createRepositories } from '@seed-pms/db';
import { EXPORT_AREAS, type ExportManifest, isoWeekday, PERSONAL_DATA_INVENTORY } from '@seed-pms/domain';
import { strFromU8, unzipSync } from 'fflate';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_EXPIRE_JOB, EXPORT_RESUME_JOB } from '../src/privacy/exports.service.js';
import { serviceInternals } from '../src/services.js';
import { askCorrection } from './attendance-helpers.js';
import { bearer, callAs, type RestMethod, type SignedIn, signInAgain, signInAs } from './auth-helpers.js';
import { nextWednesdayMorning, testClock } from './clock.js';
import { useTestApp } from './support.js';
import { uploadFile } from './uploads.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** 08:00 UTC on the Wednesday after next: yesterday and today are working days. */

const BASE = nextWednesdayMorning();
const clock = testClock(BASE);
const testApp = useTestApp(import.meta.url, { clock });
const call = (session: SignedIn | null, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);
const again = (who: SignedIn) => signInAgain(testApp().app, who);

/** A receipt of the smallest kind file-type recognises as a PDF. */
const PDF = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
/** A message a spreadsheet would run as a formula, with a quote, a comma and a line break. */
const TRICKY = '=HYPERLINK("http://evil.example"),"quoted"\nsecond line';

interface ExportView {
  id: string;
  userId: string;
  status: string;
  requestedBy: string;
  progress: { done: number; total: number; area?: string };
  expiresAt: string | null;
  size: number | null;
  sha256: string | null;
  download: { url: string; expiresAt: string } | null;
}

/** Polls the export until the job has finished with it. */
async function settled(who: SignedIn, id: string): Promise<ExportView> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const view = (await call(who, 'GET', `/privacy/exports/${id}`)).json() as ExportView;
    if (view.status === 'ready' || view.status === 'failed') return view;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`export ${id} did not finish`);
}

/** The signed link as a path the test server answers (no credentials). */
const pathOfLink = (url: string) => {
  const link = new URL(url);
  return `${link.pathname}${link.search}`;
};

let hr: SignedIn;
let admin: SignedIn;

beforeAll(async () => {
  hr = await signInAs(testApp(), ['hr']);
  admin = await signInAs(testApp(), ['admin']);
});

describe('the personal-data export', () => {
  it('holds the person’s records of every area, downloaded by a signed link without credentials', async () => {
    const manager = await signInAs(testApp(), ['manager']);
    const me = await signInAs(testApp(), ['employee'], { managerId: manager.id });
    const colleague = await signInAs(testApp());

    // Profile: HR records personal data (stored sealed), the person writes a bio; a colleague's personal data too.
    const profile = (await call(hr, 'GET', `/employees/${me.id}`)).json();
    const joined = await call(hr, 'PATCH', `/employees/${me.id}`, {
      version: profile.version,
      joinDate: clock.day(-800),
      personal: { dateOfBirth: '1990-04-12', emergencyContact: { name: 'Sam Export', phone: '+1 555 0100' } },
    });
    expect(joined.statusCode).toBe(200);
    const bio = await call(me, 'PATCH', `/employees/${me.id}`, {
      version: joined.json().version,
      bio: 'Likes exports',
    });
    expect(bio.statusCode).toBe(200);
    const theirs = (await call(hr, 'GET', `/employees/${colleague.id}`)).json();
    expect(
      (
        await call(hr, 'PATCH', `/employees/${colleague.id}`, {
          version: theirs.version,
          personal: { dateOfBirth: '1977-07-07', homeAddress: 'Colleague Lane 9' },
        })
      ).statusCode,
    ).toBe(200);

    // An allocation, and a mention in the project's comments (a notification).
    const project = await call(manager, 'POST', '/projects', {
      name: `Export ${Math.random().toString(36).slice(2, 8)}`,
      startDate: clock.day(0),
      endDate: clock.day(90),
    });
    expect(project.statusCode).toBe(201);
    const projectId = project.json().id;
    const member = await call(manager, 'POST', `/projects/${projectId}/roster`, {
      userId: me.id,
      allocationPercent: 40,
    });
    expect(member.statusCode).toBe(201);
    const mention = await call(manager, 'POST', `/projects/${projectId}/comments`, {
      body: `Please look, @${me.email}`,
    });
    expect(mention.statusCode).toBe(201);
    const myComment = await call(me, 'POST', `/projects/${projectId}/comments`, { body: 'On it' });
    expect(myComment.statusCode).toBe(201);

    // Leave.
    const type = await call(admin, 'POST', '/leave/types', {
      name: `Yearly ${Math.random().toString(36).slice(2, 8)}`,
      code: `Y${Math.random().toString(36).slice(2, 8)}`,
      accrual: 'yearly',
      yearlyEntitlement: 20,
    });
    expect(type.statusCode).toBe(201);
    let leaveDay = 14;
    while (isoWeekday(clock.day(leaveDay)) > 5) leaveDay++;
    const leave = await call(me, 'POST', '/leave/requests', {
      typeId: type.json().id,
      startDate: clock.day(leaveDay),
      endDate: clock.day(leaveDay),
      reason: 'Family visit',
    });
    expect(leave.statusCode).toBe(201);

    // Attendance: a punch today, a correction of yesterday.
    expect((await call(me, 'POST', '/attendance/start')).statusCode).toBe(200);
    const yesterday = clock.day(-1);
    const correction = await askCorrection(testApp().app, me, yesterday, 'Forgot to punch');
    expect(correction.statusCode).toBe(201);

    // Work location.
    const wfh = await call(me, 'POST', '/work-location/requests', {
      type: 'wfh',
      startDate: clock.day(leaveDay + 1),
      endDate: clock.day(leaveDay + 1),
    });
    expect(wfh.statusCode).toBe(201);

    // An expense claim with a receipt.
    const receipt = await uploadFile(testApp().app, me, '/expenses/receipts', PDF, { fileName: 'taxi, "airport".pdf' });
    expect(receipt.statusCode).toBe(201);
    const receiptId = receipt.json().fileId;
    const categories = (await call(me, 'GET', '/expenses/categories')).json();
    const travel = categories.items.find((c: { code: string }) => c.code === 'TRAVEL').id;
    const claim = await call(me, 'POST', '/expenses', {
      categoryId: travel,
      amount: { minor: 4_250, currency: 'EUR' },
      expenseDate: clock.day(-2),
      description: '+Taxi to the airport',
      receiptFileIds: [receiptId],
      submit: true,
    });
    expect(claim.statusCode).toBe(201);

    // Messages both ways.
    const thread = await call(me, 'POST', '/messages/threads', { participantId: colleague.id, message: TRICKY });
    expect(thread.statusCode).toBe(200);
    const reply = await call(colleague, 'POST', `/messages/threads/${thread.json().id}/messages`, {
      body: 'A reply from the colleague',
    });
    expect(reply.statusCode).toBe(201);

    // A consent.
    const consents = await call(me, 'GET', '/privacy/consents');
    expect(consents.statusCode).toBe(200);
    const purpose = consents.json().items[0];
    const consent = await call(me, 'PUT', `/privacy/consents/${purpose.purpose}`, {
      granted: true,
      textVersion: purpose.currentTextVersion,
    });
    expect(consent.statusCode).toBe(200);

    // The export.
    const requested = await call(me, 'POST', '/privacy/exports', {});
    expect(requested.statusCode).toBe(202);
    expect(requested.json()).toMatchObject({ userId: me.id, requestedBy: me.id, download: null });
    expect(['queued', 'running', 'ready']).toContain(requested.json().status);
    const ready = await settled(me, requested.json().id);
    expect(ready).toMatchObject({
      status: 'ready',
      progress: { done: EXPORT_AREAS.length, total: EXPORT_AREAS.length },
    });
    expect(ready.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(ready.download?.url).toContain('/api/v1/privacy/exports/download?');
    expect(new Date(ready.download?.expiresAt ?? 0).getTime()).toBeLessThanOrEqual(clock().getTime() + 15 * MINUTE);
    expect(ready.expiresAt).toBe(new Date(clock().getTime() + 7 * DAY).toISOString());

    // Downloaded without any credentials.
    const link = pathOfLink(ready.download?.url ?? '');
    const downloaded = await testApp().app.inject({ method: 'GET', url: link });
    expect(downloaded.statusCode).toBe(200);
    expect(downloaded.headers['content-type']).toBe('application/zip');
    expect(downloaded.headers['content-disposition']).toMatch(/^attachment; filename="personal-data-/);
    expect(downloaded.rawPayload.length).toBe(ready.size);
    // An altered link is refused.
    const altered = await testApp().app.inject({
      method: 'GET',
      url: link.replace(/signature=[^&]+/, 'signature=AAAA'),
    });
    expect(altered.statusCode).toBe(403);

    const zip = unzipSync(new Uint8Array(downloaded.rawPayload));
    const json = (name: string) => JSON.parse(strFromU8(zip[name] ?? new Uint8Array()));
    const everything = Object.entries(zip)
      .filter(([name]) => !name.startsWith('expenses/receipts/'))
      .map(([, bytes]) => strFromU8(bytes))
      .join('\n');

    // The manifest: every area with its files and the collections it was read from.
    const manifest = json('manifest.json') as ExportManifest;
    expect(manifest).toMatchObject({ formatVersion: 1, userId: me.id, generatedAt: clock().toISOString() });
    expect(manifest.areas.map((a) => a.area)).toEqual(EXPORT_AREAS.map((a) => a.area));
    for (const spec of EXPORT_AREAS) {
      expect(zip[spec.file], spec.file).toBeDefined();
      if (spec.csv) expect(zip[spec.csv], spec.csv).toBeDefined();
    }
    expect(strFromU8(zip['README.txt'] ?? new Uint8Array())).toContain('manifest.json');
    const collectionsOf = (area: string) =>
      Object.fromEntries(
        (manifest.areas.find((a) => a.area === area)?.collections ?? []).map((c) => [c.name, c.count]),
      );
    // Against the personal-data inventory: every collection it exports is listed under its area.
    for (const entry of PERSONAL_DATA_INVENTORY) {
      if (entry.exportArea === null) continue;
      expect(Object.keys(collectionsOf(entry.exportArea)), `${entry.collection} in ${entry.exportArea}`).toContain(
        entry.collection,
      );
    }
    expect(collectionsOf('profile')).toMatchObject({ employees: 1 });
    expect(collectionsOf('expenses')).toMatchObject({ expense_requests: 1, files: 1 });
    expect(collectionsOf('messages')).toMatchObject({ message_threads: 1, messages: 2, project_comments: 1 });

    // Profile: personal data opened, the person's own fields.
    const profileFile = json('profile.json');
    expect(profileFile.profile).toMatchObject({
      id: me.id,
      bio: 'Likes exports',
      personal: { dateOfBirth: '1990-04-12', emergencyContact: { name: 'Sam Export' } },
      manager: { id: manager.id },
    });
    // Account: MFA yes/no, sessions with their facts, never hashes or secrets.
    const accountFile = json('account.json');
    expect(accountFile.user).toMatchObject({
      id: me.id,
      email: me.email,
      roles: ['employee'],
      mfa: { enabled: false },
    });
    expect(accountFile.user.passwordHash).toBeUndefined();
    expect(accountFile.sessions.length).toBeGreaterThan(0);
    expect(accountFile.sessions[0]).toMatchObject({ userId: me.id, ip: expect.any(String) });
    expect(accountFile.sessions[0].tokenHash).toBeUndefined();
    expect(everything).not.toMatch(/\$argon2|tokenHash|recoveryCodeHashes|passwordHash/);
    // Nobody else's personal data.
    expect(everything).not.toContain('1977-07-07');
    expect(everything).not.toContain('Colleague Lane');

    expect(json('allocations.json').allocations).toMatchObject([{ projectId, percent: 40 }]);
    expect(json('allocations.json').history).toMatchObject([{ projectId, userId: me.id }]);
    expect(strFromU8(zip['allocations.csv'] ?? new Uint8Array())).toContain(projectId);
    expect(json('leave.json').requests).toMatchObject([{ id: leave.json().id, reason: 'Family visit' }]);
    expect(json('leave.json').approvals).toHaveLength(1);
    const attendanceFile = json('attendance.json');
    expect(attendanceFile.days).toMatchObject([{ date: clock.day(0), punches: [{ type: 'start' }] }]);
    expect(attendanceFile.corrections).toMatchObject([{ id: correction.json().id, reason: 'Forgot to punch' }]);
    expect(json('work-location.json').requests).toMatchObject([{ id: wfh.json().id, type: 'wfh' }]);

    // Expenses with the receipt's bytes.
    const expensesFile = json('expenses.json');
    expect(expensesFile.claims).toMatchObject([{ id: claim.json().id, amount: { minor: 4_250 } }]);
    const receiptPath = expensesFile.receipts[0].file as string;
    expect(receiptPath).toMatch(new RegExp(`^expenses/receipts/${receiptId}-`));
    expect(Buffer.from(zip[receiptPath] ?? new Uint8Array()).equals(PDF)).toBe(true);
    expect(manifest.receipts).toMatchObject([{ fileId: receiptId, file: receiptPath, size: PDF.length }]);
    // A description starting with + stays text in the CSV.
    expect(strFromU8(zip['expenses.csv'] ?? new Uint8Array())).toContain(",'+Taxi to the airport,");

    // Messages written and received, the other person by id and name.
    const messagesFile = json('messages.json');
    expect(messagesFile.threads).toMatchObject([{ participant: { id: colleague.id, name: expect.any(String) } }]);
    expect(messagesFile.messages).toMatchObject([
      { direction: 'sent', body: TRICKY, recipient: { id: colleague.id } },
      { direction: 'received', body: 'A reply from the colleague', sender: { id: colleague.id } },
    ]);
    expect(messagesFile.projectComments).toMatchObject([{ body: 'On it', projectId }]);
    // RFC 4180 quoting, and the formula guard.
    const csv = strFromU8(zip['messages.csv'] ?? new Uint8Array());
    expect(csv.split('\r\n')[0]).toBe(
      'threadId,messageId,createdAt,direction,senderId,senderName,recipientId,recipientName,body',
    );
    expect(csv).toContain(`"'=HYPERLINK(""http://evil.example""),""quoted""\nsecond line"\r\n`);

    expect(json('notifications.json').notifications).toMatchObject([{ type: 'project.mention', userId: me.id }]);
    expect(json('consents.json').consents).toMatchObject([{ userId: me.id, purpose: purpose.purpose, granted: true }]);
    expect(json('consents.json').history).toHaveLength(1);
    const auditFile = json('audit.json');
    const actions = auditFile.entries.map((e: { action: string }) => e.action);
    expect(actions).toContain('privacy.export.request');
    expect(actions).toContain('work-location.submit');

    // Audited: requested, ready and downloaded.
    const trail = await call(hr, 'GET', `/audits?resourceId=${ready.id}`);
    expect(
      trail
        .json()
        .items.map((e: { action: string }) => e.action)
        .sort(),
    ).toEqual(['privacy.export.download', 'privacy.export.ready', 'privacy.export.request']);
  });

  it('parallel requests make one export; the person’s in progress is answered again', async () => {
    const me = await signInAs(testApp());
    const answers = await Promise.all(Array.from({ length: 6 }, () => call(me, 'POST', '/privacy/exports', {})));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(6).fill(202));
    const ids = new Set(answers.map((a) => a.json().id));
    expect(ids.size).toBe(1);
    await settled(me, [...ids][0] as string);
    const list = await call(me, 'GET', '/privacy/exports');
    expect(Object.keys(list.json())).toEqual(['items']);
    expect(list.json().items).toHaveLength(1);
  });

  it('allows three a day per person, then 429 EXPORT_RATE_LIMITED with when to retry', async () => {
    const me = await signInAs(testApp());
    for (let n = 0; n < 3; n++) {
      const made = await call(me, 'POST', '/privacy/exports', {});
      expect(made.statusCode).toBe(202);
      await settled(me, made.json().id);
    }
    const refused = await call(me, 'POST', '/privacy/exports', {});
    expect(refused.statusCode).toBe(429);
    expect(refused.json()).toMatchObject({
      success: false,
      error: { code: 'EXPORT_RATE_LIMITED', details: { limit: 3, retryAfter: expect.any(String) } },
    });
    // All three were asked for at the same (fixed) instant: the first leaves the window a day later.
    expect(refused.json().error.details).toMatchObject({
      retryAfter: new Date(clock().getTime() + DAY).toISOString(),
      retryAfterSeconds: 24 * 3600,
    });
    expect(refused.headers['retry-after']).toBe(String(24 * 3600));
    // Over tRPC too, with the same envelope in error.data.
    const overTrpc = await testApp().app.inject({
      method: 'POST',
      url: '/trpc/privacy.requestExport',
      headers: bearer(me),
      payload: {},
    });
    expect(overTrpc.statusCode).toBe(429);
    expect(overTrpc.headers['retry-after']).toBe(String(24 * 3600));
  });

  it('someone else’s export is not there for a colleague; HR exports anyone’s', async () => {
    const me = await signInAs(testApp());
    const colleague = await signInAs(testApp());
    const mine = await call(me, 'POST', '/privacy/exports', {});
    expect(mine.statusCode).toBe(202);
    expect((await call(colleague, 'GET', `/privacy/exports/${mine.json().id}`)).statusCode).toBe(404);
    const forMe = await call(colleague, 'POST', '/privacy/exports', { userId: me.id });
    expect(forMe.statusCode).toBe(404);
    expect(forMe.json().error.code).toBe('NOT_FOUND');
    expect((await call(colleague, 'GET', '/privacy/exports')).json().items).toEqual([]);
    expect((await call(colleague, 'GET', `/privacy/exports?userId=${me.id}`)).json().items).toEqual([]);
    await settled(me, mine.json().id);

    const byHr = await call(hr, 'POST', '/privacy/exports', { userId: colleague.id });
    expect(byHr.statusCode).toBe(202);
    expect(byHr.json()).toMatchObject({ userId: colleague.id, requestedBy: hr.id });
    const done = await settled(hr, byHr.json().id);
    expect(done.status).toBe('ready');
    // The person sees it too; HR lists one person's.
    expect((await call(colleague, 'GET', '/privacy/exports')).json().items.map((e: ExportView) => e.id)).toEqual([
      byHr.json().id,
    ]);
    const listed = (await call(hr, 'GET', `/privacy/exports?userId=${me.id}`)).json().items;
    expect(listed.map((e: ExportView) => e.id)).toEqual([mine.json().id]);
    expect((await call(hr, 'POST', '/privacy/exports', { userId: '0123456789abcdef01234567' })).statusCode).toBe(404);
    // The same procedures over tRPC.
    const overTrpc = await testApp().app.inject({
      method: 'GET',
      url: `/trpc/privacy.export?input=${encodeURIComponent(JSON.stringify({ id: mine.json().id }))}`,
      headers: bearer(colleague),
    });
    expect(overTrpc.statusCode).toBe(404);
    const ownOverTrpc = await testApp().app.inject({
      method: 'GET',
      url: `/trpc/privacy.exports?input=${encodeURIComponent(JSON.stringify({}))}`,
      headers: bearer(me),
    });
    expect(ownOverTrpc.json().result.data.items.map((e: ExportView) => e.id)).toEqual([mine.json().id]);
  });

  it('a run left mid-way by a crash is run again', async () => {
    const me = await signInAs(testApp());
    const repos = createRepositories(testApp().database);
    // An export some process began and never finished (stopped after its profile).
    const { export: queued } = await repos.privacyExports.insertQueued(
      { userId: me.id, requestedBy: me.id, total: EXPORT_AREAS.length },
      clock(),
    );
    const running = await repos.privacyExports.update(
      queued,
      { status: 'running', startedAt: clock(), progress: { done: 1, total: EXPORT_AREAS.length, area: 'account' } },
      clock(),
    );
    expect(running?.status).toBe('running');
    // It stays running, and answers any further request, until the resume job finds it stalled.
    expect((await call(me, 'POST', '/privacy/exports', {})).json()).toMatchObject({ id: queued.id, status: 'running' });
    clock.advance(11 * MINUTE);
    await testApp().deps.jobs.enqueue(EXPORT_RESUME_JOB);
    const fresh = await again(me);
    const done = await settled(fresh, queued.id);
    expect(done).toMatchObject({ status: 'ready', progress: { done: EXPORT_AREAS.length } });
    clock.set(BASE);
  });

  it('is removed 7 days after it was ready: the link answers 410 EXPORT_EXPIRED and the ZIP is gone', async () => {
    clock.set(BASE);
    const me = await signInAs(testApp());
    const made = await call(me, 'POST', '/privacy/exports', {});
    const ready = await settled(me, made.json().id);
    const link = pathOfLink(ready.download?.url ?? '');
    const { files } = await serviceInternals(testApp().deps);
    const key = `privacy-exports/${ready.id}.zip`;
    (await files.storage.get(key)).destroy();

    // A day before the end: still there.
    clock.advance(6 * DAY);
    await testApp().deps.jobs.enqueue(EXPORT_EXPIRE_JOB);
    let me2 = await again(me);
    expect((await call(me2, 'GET', `/privacy/exports/${ready.id}`)).json()).toMatchObject({
      status: 'ready',
      download: { url: expect.any(String) },
    });

    clock.advance(DAY + MINUTE);
    await testApp().deps.jobs.enqueue(EXPORT_EXPIRE_JOB);
    me2 = await again(me);
    let view: ExportView | undefined;
    for (let attempt = 0; attempt < 100; attempt++) {
      view = (await call(me2, 'GET', `/privacy/exports/${ready.id}`)).json();
      if (view?.status === 'expired') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(view).toMatchObject({ status: 'expired', download: null });
    await expect(files.storage.get(key)).rejects.toThrow(/no stored object/);
    const gone = await testApp().app.inject({ method: 'GET', url: link });
    expect(gone.statusCode).toBe(410);
    expect(gone.json()).toMatchObject({
      success: false,
      error: { code: 'EXPORT_EXPIRED', details: { exportId: ready.id } },
    });
    // Expired, it no longer counts as in progress: a new one may be asked for.
    expect((await call(me2, 'POST', '/privacy/exports', {})).statusCode).toBe(202);
    clock.set(BASE);
  });

  it('erasure removes the person’s exports and their ZIPs', async () => {
    const me = await signInAs(testApp());
    const made = await call(me, 'POST', '/privacy/exports', {});
    const ready = await settled(me, made.json().id);
    const { files } = await serviceInternals(testApp().deps);
    const services = await import('../src/services.js').then((m) => m.createServices(testApp().deps));
    expect(await services.exports.eraseFor(me.id)).toEqual({ exports: 1 });
    await expect(files.storage.get(`privacy-exports/${ready.id}.zip`)).rejects.toThrow(/no stored object/);
    expect((await call(me, 'GET', `/privacy/exports/${ready.id}`)).statusCode).toBe(404);
  });
});
