import {
  attendanceRecordsCollection,
  authTokensCollection,
  createRepositories,
  messagesCollection,
  messageThreadsCollection,
  notificationsCollection,
  outboxCollection,
  sessionsCollection,
} from '@seed-pms/db';
import { ObjectId } from '@seed-pms/db/testing';
import { RETENTION_CLASSES } from '@seed-pms/domain';
import { beforeAll, describe, expect, it } from 'vitest';
import { NOTIFICATIONS_PURGE_JOB, RETENTION_JOB } from '../src/jobs/schedule.js';
import { callAs, type RestMethod, type SignedIn, signInAgain, signInAs } from './auth-helpers.js';
import { testClock } from './clock.js';
import { useTestApp } from './support.js';

const clock = testClock();
const testApp = useTestApp(import.meta.url, { clock });
const repos = () => createRepositories(testApp().database);
const YEAR_MS = 365 * 86_400_000;

const call = (session: Pick<SignedIn, 'accessToken'> | null, method: RestMethod, url: string, payload?: unknown) =>
  callAs(testApp().app, session, method, url, payload);

interface PreviewItem {
  dataClass: (typeof RETENTION_CLASSES)[number];
  action: string;
  cutoff: string;
  count: number;
}

async function preview(admin: SignedIn): Promise<Record<string, PreviewItem>> {
  const response = await call(admin, 'GET', '/admin/retention/preview');
  expect(response.statusCode, response.body).toBe(200);
  expect(Object.keys(response.json())).toEqual(['items']);
  return Object.fromEntries((response.json().items as PreviewItem[]).map((i) => [i.dataClass, i]));
}

const countsOf = (items: Record<string, PreviewItem>) =>
  Object.fromEntries(RETENTION_CLASSES.map((c) => [c, items[c]?.count ?? -1]));

/** Runs the job as the scheduler would and waits for its run record; answers its counts. */
async function runJob(admin: SignedIn, runsBefore: number, name = RETENTION_JOB): Promise<Record<string, number>> {
  await testApp().deps.jobs.enqueue(name);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const page = (await call(admin, 'GET', `/admin/jobs?name=${name}`)).json();
    const finished = page.items.filter((r: { outcome: string }) => r.outcome !== 'running');
    if (finished.length > runsBefore && page.items.length === finished.length) {
      expect(finished[0].outcome, JSON.stringify(finished[0])).toBe('succeeded');
      return finished[0].counts;
    }
    if (Date.now() > deadline) throw new Error(`the retention job did not finish: ${JSON.stringify(page)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startThread(from: SignedIn, to: SignedIn): Promise<string> {
  const response = await call(from, 'POST', '/messages/threads', { participantId: to.id });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().id;
}

async function send(from: SignedIn, threadId: string, body: string): Promise<string> {
  const response = await call(from, 'POST', `/messages/threads/${threadId}/messages`, { body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id;
}

async function punchDay(who: SignedIn) {
  for (const punch of ['start', 'end']) {
    const response = await call(who, 'POST', `/attendance/${punch}`, {
      note: 'from the train',
      location: { lat: 52.52, lng: 13.4, accuracyMeters: 20 },
    });
    expect(response.statusCode, response.body).toBe(200);
  }
}

async function notify(userId: string, at: Date) {
  const [made] = await repos().notifications.insertMany(
    [{ userId, type: 'message.unread', title: 'Old news', body: 'x', link: '/messages', actorId: null, data: {} }],
    at,
  );
  if (!made) throw new Error('no notification made');
  return made.id;
}

async function readNotification(userId: string, at: Date) {
  const id = await notify(userId, at);
  await repos().notifications.markRead(userId, id, at);
  return id;
}

describe('retention', () => {
  const now = clock();
  const old = new Date(now.getTime() - 5 * YEAR_MS);
  let admin: SignedIn;
  let hr: SignedIn;
  let ana: SignedIn; // under a legal hold
  let ben: SignedIn;
  let cleo: SignedIn;
  let dan: SignedIn;
  const ids = {
    heldThread: '',
    heldMessages: [] as string[],
    oldMessages: [] as string[],
    loneThread: '',
    newMessage: '',
    heldNotification: '',
    oldNotification: '',
    newNotification: '',
    oldEmail: '',
    newEmail: '',
  };

  beforeAll(async () => {
    // Five years ago: sign-ins, messages, punches, read notifications, a sent email.
    clock.set(old);
    admin = await signInAs(testApp(), ['admin']);
    hr = await signInAs(testApp(), ['hr']);
    [ana, ben, cleo, dan] = [
      await signInAs(testApp()),
      await signInAs(testApp()),
      await signInAs(testApp()),
      await signInAs(testApp()),
    ];
    ids.heldThread = await startThread(ana, ben);
    ids.heldMessages.push(await send(ana, ids.heldThread, 'kept: Ana is held'));
    ids.heldMessages.push(await send(ben, ids.heldThread, 'kept too'));
    const talk = await startThread(cleo, dan);
    for (const body of ['old one', 'old two']) ids.oldMessages.push(await send(cleo, talk, body));
    ids.oldMessages.push(await send(dan, talk, 'old three'));
    ids.loneThread = await startThread(cleo, ben);
    ids.oldMessages.push(await send(cleo, ids.loneThread, 'the only message, old'));
    await punchDay(ana);
    await punchDay(cleo);
    ids.heldNotification = await readNotification(ana.id, old);
    ids.oldNotification = await readNotification(cleo.id, old);
    const email = await repos().outbox.enqueue(
      { purpose: 'test', to: 'x@example.com', subject: 'Old', text: 'x' },
      old,
    );
    await repos().outbox.markSent(email.id, old);
    ids.oldEmail = email.id;
    const expires = new Date(old.getTime() + 30 * 60_000);
    await repos().authTokens.issue(
      { kind: 'password-reset', userId: dan.id, tokenHash: `old-${dan.id}`, expiresAt: expires, createdBy: null },
      old,
    );
    await repos().authTokens.issue(
      { kind: 'password-reset', userId: ana.id, tokenHash: `old-${ana.id}`, expiresAt: expires, createdBy: null },
      old,
    );

    // Today: a hold on Ana, new data that stays.
    clock.set(now);
    [admin, hr, cleo] = [
      await signInAgain(testApp().app, admin),
      await signInAgain(testApp().app, hr),
      await signInAgain(testApp().app, cleo),
    ];
    const held = await call(hr, 'POST', '/privacy/legal-holds', { userId: ana.id, reason: 'Litigation' });
    expect(held.statusCode, held.body).toBe(201);
    ids.newMessage = await send(cleo, talk, 'new, stays');
    ids.newNotification = await readNotification(cleo.id, now);
    const fresh = await repos().outbox.enqueue(
      { purpose: 'test', to: 'y@example.com', subject: 'New', text: 'y' },
      now,
    );
    await repos().outbox.markSent(fresh.id, now);
    ids.newEmail = fresh.id;
  });

  it('previews per data class, runs exactly what it previewed, keeps what a hold covers, and a second run does nothing', async () => {
    const before = await preview(admin);
    expect(before.messages).toMatchObject({ action: 'delete', count: 4 });
    expect(before.attendancePunches).toMatchObject({ action: 'pseudonymise', count: 1 });
    expect(before.notifications?.count).toBe(1);
    expect(before.mailOutbox?.count).toBe(1);
    // Every old sign-in but Ana's (held): admin, HR, Ben, Cleo, Dan.
    expect(before.sessions?.count).toBe(5);
    expect(before.authTokens?.count).toBe(1);
    expect(new Date(before.messages?.cutoff ?? '').getUTCFullYear()).toBe(now.getUTCFullYear() - 3);

    const counts = await runJob(admin, 0);
    expect(counts).toEqual(countsOf(before));

    const db = testApp().database;
    const messages = await db.collection(messagesCollection).find({}).toArray();
    const left = new Set(messages.map((m) => m._id.toHexString()));
    expect(ids.oldMessages.filter((id) => left.has(id))).toEqual([]);
    expect(ids.heldMessages.every((id) => left.has(id))).toBe(true);
    expect(left.has(ids.newMessage)).toBe(true);
    // A thread whose last message went keeps no preview of it.
    const lone = await db.collection(messageThreadsCollection).findOne({ _id: new ObjectId(ids.loneThread) });
    expect(lone?.lastMessage?.preview).toBe('');
    const lonely = await call(cleo, 'GET', `/messages/threads/${ids.loneThread}`);
    expect(lonely.statusCode).toBe(200);
    expect(lonely.json().messages.items).toEqual([]);

    const days = await db.collection(attendanceRecordsCollection).find({}).toArray();
    const dayOf = (who: SignedIn) => days.find((d) => d.userId.toHexString() === who.id);
    const cleosDay = dayOf(cleo);
    expect(cleosDay?.punches.map((p) => [p.type, p.ip, p.userAgent, p.location, p.note])).toEqual([
      ['start', null, null, null, null],
      ['end', null, null, null, null],
    ]);
    expect(cleosDay?.punches.every((p) => p.at instanceof Date)).toBe(true);
    expect(dayOf(ana)?.punches.every((p) => p.note === 'from the train' && p.location !== null)).toBe(true);

    const notifications = new Set(
      (await db.collection(notificationsCollection).find({}).toArray()).map((n) => n._id.toHexString()),
    );
    expect([ids.heldNotification, ids.newNotification].every((id) => notifications.has(id))).toBe(true);
    expect(notifications.has(ids.oldNotification)).toBe(false);
    const emails = new Set((await db.collection(outboxCollection).find({}).toArray()).map((e) => e._id.toHexString()));
    expect(emails.has(ids.oldEmail)).toBe(false);
    expect(emails.has(ids.newEmail)).toBe(true);

    // Idempotent: nothing left to do, and the preview says so.
    expect(Object.values(countsOf(await preview(admin))).every((n) => n === 0)).toBe(true);
    expect(Object.values(await runJob(admin, 1)).every((n) => n === 0)).toBe(true);

    // The run is audited with its counts.
    const audits = (await call(admin, 'GET', '/audits?action=retention.run')).json().items;
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actorType: 'system',
      details: {
        done: RETENTION_CLASSES.filter((c) => (counts[c] ?? 0) > 0).map((c) => ({ dataClass: c, count: counts[c] })),
      },
    });
  });

  it('the older purges (notifications after 180 days, expired sign-ins) keep what a hold covers too', async () => {
    const old = new Date(clock().getTime() - YEAR_MS);
    const heldUnread = await notify(ana.id, old);
    const unread = await notify(cleo.id, old);
    const purged = await runJob(admin, 0, NOTIFICATIONS_PURGE_JOB);
    expect(purged.purged).toBeGreaterThanOrEqual(1);
    const db = testApp().database;
    const left = new Set(
      (await db.collection(notificationsCollection).find({}).toArray()).map((n) => n._id.toHexString()),
    );
    expect(left.has(unread)).toBe(false);
    expect([heldUnread, ids.heldNotification].every((id) => left.has(id))).toBe(true);

    await runJob(admin, 0, 'auth.purge-expired');
    const anaId = new ObjectId(ana.id);
    expect(await db.collection(authTokensCollection).countDocuments({ userId: anaId })).toBe(1);
    expect(await db.collection(sessionsCollection).countDocuments({ userId: anaId })).toBeGreaterThanOrEqual(1);
  });

  it('the periods are admin settings with floors: no zero that deletes everything', async () => {
    const settings = (await call(admin, 'GET', '/settings')).json();
    expect(settings.retention).toEqual({
      sessionsDays: 30,
      notificationsDays: 90,
      mailOutboxDays: 30,
      punchesYears: 2,
      messagesYears: 3,
    });
    const zero = await call(admin, 'PATCH', '/settings', {
      version: settings.version,
      retention: { messagesYears: 0 },
    });
    expect(zero.statusCode).toBe(400);
    expect(zero.json().error.code).toBe('VALIDATION_FAILED');
    expect(zero.json().error.details[0]).toMatchObject({ path: 'retention.messagesYears', code: 'too_small' });
    const tooLong = await call(admin, 'PATCH', '/settings', {
      version: settings.version,
      retention: { sessionsDays: 90 },
    });
    expect(tooLong.statusCode).toBe(400);

    const saved = await call(admin, 'PATCH', '/settings', {
      version: settings.version,
      retention: { messagesYears: 1 },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().retention).toMatchObject({ messagesYears: 1, punchesYears: 2 });
    const items = await preview(admin);
    expect(new Date(items.messages?.cutoff ?? '').getUTCFullYear()).toBe(now.getUTCFullYear() - 1);

    // Only admins see the dry run.
    expect((await call(hr, 'GET', '/admin/retention/preview')).statusCode).toBe(403);
    expect((await call(null, 'GET', '/admin/retention/preview')).statusCode).toBe(401);
  });
});
