import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { messageThreadsCollection, notificationsCollection, outboxCollection } from '@seed-pms/db';
import { ObjectId } from '@seed-pms/db/testing';
import { MESSAGE_DIGEST_DELAY_MS } from '@seed-pms/domain';
import { createTRPCClient, httpSubscriptionLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import { beforeAll, describe, expect, it } from 'vitest';
import { MESSAGES_DIGEST_JOB } from '../src/jobs/schedule.js';
import { serviceInternals } from '../src/services.js';
import type { AppRouter } from '../src/trpc/router.js';
import { callAs, type RestMethod, type SignedIn, signInAgain, signInAs } from './auth-helpers.js';
import { testClock } from './clock.js';
import { type TestApp, useTestApp } from './support.js';

/**
 * The main app signs people in and serves most calls (its rate limits stay in
 * this process); two more instances on the same database share Redis and one
 * signing key, as behind a load balancer, for the live feed.
 */
const env = {
  JWT_PRIVATE_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};
const clock = testClock();
const testApp = useTestApp(import.meta.url, { clock, env });
const east = useTestApp(`${import.meta.url}#east`, { clock, env, redis: true, sameDatabaseAs: testApp });
const west = useTestApp(`${import.meta.url}#west`, { clock, env, redis: true, sameDatabaseAs: testApp });

const call = (
  session: Pick<SignedIn, 'accessToken'> | null,
  method: RestMethod,
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) => callAs(testApp().app, session, method, url, payload, headers);

const person = () => signInAs(testApp(), ['employee']);

async function startThread(from: SignedIn, to: SignedIn, message?: string) {
  const response = await call(from, 'POST', '/messages/threads', { participantId: to.id, message });
  expect(response.statusCode).toBe(200);
  return response.json() as { id: string; unread: number; participant: { id: string } };
}

async function send(from: SignedIn, threadId: string, body: string, headers: Record<string, string> = {}) {
  const response = await call(from, 'POST', `/messages/threads/${threadId}/messages`, { body }, headers);
  expect(response.statusCode).toBe(201);
  return response.json() as { id: string; body: string; senderId: string };
}

async function threadOf(who: SignedIn, id: string, query = '') {
  const response = await call(who, 'GET', `/messages/threads/${id}${query}`);
  expect(response.statusCode).toBe(200);
  return response.json();
}

async function listOf(who: SignedIn, query = '') {
  const response = await call(who, 'GET', `/messages/threads${query}`);
  expect(response.statusCode).toBe(200);
  return response.json() as {
    items: { id: string; unread: number; [key: string]: unknown }[];
    nextCursor: string | null;
  };
}

let admin: SignedIn;
let hr: SignedIn;

beforeAll(async () => {
  admin = await signInAs(testApp(), ['admin']);
  hr = await signInAs(testApp(), ['hr']);
});

describe('threads', () => {
  it('makes one thread per pair, whoever starts it, however many creates race', async () => {
    const [ana, ben] = [await person(), await person()];
    const creates = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2 === 0
          ? call(ana, 'POST', '/messages/threads', { participantId: ben.id })
          : call(ben, 'POST', '/messages/threads', { participantId: ana.id }),
      ),
    );
    expect(creates.map((r) => r.statusCode)).toEqual(Array(8).fill(200));
    const ids = new Set(creates.map((r) => r.json().id));
    expect(ids.size).toBe(1);
    const stored = await testApp()
      .database.collection(messageThreadsCollection)
      .countDocuments({ participantIds: new ObjectId(ana.id) });
    expect(stored).toBe(1);
    // Each side sees the other person.
    expect(creates[0]?.json().participant.id).toBe(ben.id);
    expect(creates[1]?.json().participant.id).toBe(ana.id);
    expect((await listOf(ana)).items.map((t) => t.id)).toEqual([...ids]);
  });

  it('refuses a thread with oneself, with nobody and with an archived person', async () => {
    const ana = await person();
    const self = await call(ana, 'POST', '/messages/threads', { participantId: ana.id });
    expect(self.statusCode).toBe(422);
    expect(self.json().error).toMatchObject({ code: 'THREAD_WITH_SELF', details: { participantId: ana.id } });

    const nobody = new ObjectId().toHexString();
    const unknown = await call(ana, 'POST', '/messages/threads', { participantId: nobody });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('NOT_FOUND');

    const gone = await person();
    expect((await call(hr, 'POST', `/users/${gone.id}/archive`, { reason: 'Left' })).statusCode).toBe(200);
    const archived = await call(ana, 'POST', '/messages/threads', { participantId: gone.id });
    expect(archived.statusCode).toBe(422);
    expect(archived.json().error).toMatchObject({ code: 'RECIPIENT_ARCHIVED', details: { recipientId: gone.id } });

    const malformed = await call(ana, 'POST', '/messages/threads', { participantId: 'nope' });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error.details).toEqual([expect.objectContaining({ path: 'participantId' })]);
  });

  it('sends a first message with the create, into the existing thread too', async () => {
    const [ana, ben] = [await person(), await person()];
    const first = await startThread(ana, ben, 'Hello Ben');
    const again = await startThread(ben, ana, 'Hi Ana');
    expect(again.id).toBe(first.id);
    const detail = await threadOf(ana, first.id);
    expect(detail.messages.items.map((m: { body: string }) => m.body)).toEqual(['Hi Ana', 'Hello Ben']);
    expect(detail.thread.unread).toBe(1);
  });
});

describe('messages', () => {
  it('stores a body exactly as sent and refuses empty, blank and over-long ones', async () => {
    const [ana, ben] = [await person(), await person()];
    const thread = await startThread(ana, ben);
    const body = '  <b>not bold</b>\n\tline two 😀 e\u0301 ';
    const sent = await send(ana, thread.id, body);
    expect(sent.body).toBe(body);
    expect((await threadOf(ben, thread.id)).messages.items[0].body).toBe(body);
    // 4,000 characters (emoji count once) is the most.
    expect(
      (await call(ana, 'POST', `/messages/threads/${thread.id}/messages`, { body: '😀'.repeat(4000) })).statusCode,
    ).toBe(201);
    for (const bad of ['', '   \n', 'x'.repeat(4001)]) {
      const refused = await call(ana, 'POST', `/messages/threads/${thread.id}/messages`, { body: bad });
      expect(refused.statusCode).toBe(400);
      expect(refused.json().error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'body' }] });
    }
    // The preview is one line, cut short.
    const list = await listOf(ben);
    expect((list.items[0]?.lastMessage as { preview: string }).preview).toMatch(/^😀+…$/u);
  });

  it('honours the Idempotency-Key: the same send twice makes one message', async () => {
    const [ana, ben] = [await person(), await person()];
    const thread = await startThread(ana, ben);
    const key = { 'idempotency-key': `send-${Date.now()}` };
    const first = await send(ana, thread.id, 'Only once', key);
    const second = await send(ana, thread.id, 'Only once', key);
    expect(second.id).toBe(first.id);
    const reused = await call(ana, 'POST', `/messages/threads/${thread.id}/messages`, { body: 'Other text' }, key);
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const detail = await threadOf(ben, thread.id);
    expect(detail.messages.items.map((m: { id: string }) => m.id)).toEqual([first.id]);
    expect(detail.thread.unread).toBe(1);
  });

  it('numbers concurrent sends without losing one or counting one twice', async () => {
    const [ana, ben] = [await person(), await person()];
    const thread = await startThread(ana, ben);
    const sent = await Promise.all(
      Array.from({ length: 6 }, (_, i) => send(i % 2 === 0 ? ana : ben, thread.id, `message ${i}`)),
    );
    const detail = await threadOf(ana, thread.id);
    expect(new Set(detail.messages.items.map((m: { id: string }) => m.id))).toEqual(new Set(sent.map((m) => m.id)));
    const doc = await testApp()
      .database.collection(messageThreadsCollection)
      .findOne({ _id: new ObjectId(thread.id) });
    expect(doc?.lastSeq).toBe(6);
    expect(doc?.lastMessage?.id.toHexString()).toBe(detail.messages.items[0].id);
  });

  it('keeps a thread private: a third person and an admin get 404 everywhere', async () => {
    const [ana, ben, eve] = [await person(), await person(), await person()];
    const thread = await startThread(ana, ben, 'Just between us');
    for (const outsider of [eve, admin]) {
      expect((await call(outsider, 'GET', `/messages/threads/${thread.id}`)).statusCode).toBe(404);
      const sent = await call(outsider, 'POST', `/messages/threads/${thread.id}/messages`, { body: 'hi' });
      expect(sent.statusCode).toBe(404);
      expect(sent.json().error).toMatchObject({ code: 'NOT_FOUND', details: { resource: 'MessageThread' } });
      expect((await call(outsider, 'PATCH', `/messages/threads/${thread.id}/read`, {})).statusCode).toBe(404);
      expect((await listOf(outsider)).items.map((t) => t.id)).not.toContain(thread.id);
    }
    expect((await call(ana, 'GET', `/messages/threads/${new ObjectId().toHexString()}`)).statusCode).toBe(404);
    expect((await call(null, 'GET', '/messages/threads')).statusCode).toBe(401);
  });

  it('counts unread messages and shows read receipts; a marker never moves back, even racing', async () => {
    const [ana, ben] = [await person(), await person()];
    const thread = await startThread(ana, ben);
    const m1 = await send(ana, thread.id, 'one');
    const m2 = await send(ana, thread.id, 'two');
    const m3 = await send(ana, thread.id, 'three');
    expect((await listOf(ben)).items[0]).toMatchObject({ id: thread.id, unread: 3, lastMessage: { id: m3.id } });
    expect((await listOf(ana)).items[0]).toMatchObject({ id: thread.id, unread: 0 });

    clock.advance(60_000);
    const read = await call(ben, 'PATCH', `/messages/threads/${thread.id}/read`, { upTo: m2.id });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ unread: 1, me: { readUpTo: m2.id, readAt: clock().toISOString() } });
    // Ana's view shows Ben's read receipt.
    expect((await threadOf(ana, thread.id)).thread.them).toEqual({ readUpTo: m2.id, readAt: clock().toISOString() });

    // Reading an older message changes nothing.
    const back = await call(ben, 'PATCH', `/messages/threads/${thread.id}/read`, { upTo: m1.id });
    expect(back.json()).toMatchObject({ unread: 1, me: { readUpTo: m2.id } });

    // Racing markers end at the furthest one.
    const racing = await Promise.all([
      call(ben, 'PATCH', `/messages/threads/${thread.id}/read`, {}),
      call(ben, 'PATCH', `/messages/threads/${thread.id}/read`, { upTo: m2.id }),
      call(ben, 'PATCH', `/messages/threads/${thread.id}/read`, { upTo: m3.id }),
      call(ben, 'PATCH', `/messages/threads/${thread.id}/read`, { upTo: m1.id }),
    ]);
    expect(racing.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    const after = await threadOf(ben, thread.id);
    expect(after.thread).toMatchObject({ unread: 0, me: { readUpTo: m3.id } });

    // A message of another thread is no marker here.
    const other = await startThread(ana, await person(), 'elsewhere');
    const foreign = (await threadOf(ana, other.id)).messages.items[0].id;
    const refused = await call(ben, 'PATCH', `/messages/threads/${thread.id}/read`, { upTo: foreign });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().error.details).toEqual([expect.objectContaining({ path: 'upTo' })]);
  });

  it('pages threads by last activity and messages by `before`', async () => {
    const me = await person();
    const others = [await person(), await person(), await person(), await person(), await person()];
    const threads = [];
    for (const other of others) {
      clock.advance(1_000);
      threads.push(await startThread(other, me, `from ${other.id}`));
    }
    // The oldest thread gets a new message: it comes first.
    clock.advance(1_000);
    await send(others[0] as SignedIn, threads[0]?.id as string, 'bump');
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await listOf(me, `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([threads[0], threads[4], threads[3], threads[2], threads[1]].map((t) => t?.id));
    // Bad input is a 400 with the field named, never a 500.
    for (const query of ['?cursor=garbage', '?limit=0', '?limit=101', '?limit=x']) {
      const refused = await call(me, 'GET', `/messages/threads${query}`);
      expect(refused.statusCode, query).toBe(400);
      expect(refused.json().error.code).toBe('VALIDATION_FAILED');
    }
    const badBefore = await call(me, 'GET', `/messages/threads/${threads[0]?.id}?before=nope`);
    expect(badBefore.statusCode).toBe(400);
    expect(badBefore.json().error.details).toEqual([expect.objectContaining({ path: 'before' })]);
    const unknownBefore = await call(
      me,
      'GET',
      `/messages/threads/${threads[0]?.id}?before=${new ObjectId().toHexString()}`,
    );
    expect(unknownBefore.statusCode).toBe(400);
    const extra = await call(me, 'POST', `/messages/threads/${threads[0]?.id}/messages`, { body: 'x', html: true });
    expect(extra.statusCode).toBe(400);
    expect((await call(me, 'PATCH', `/messages/threads/${threads[0]?.id}/read`)).statusCode).toBe(200);
    expect((await call(me, 'GET', '/messages/threads/not-an-id')).statusCode).toBe(404);

    const thread = threads[0]?.id as string;
    for (let i = 0; i < 4; i += 1) await send(me, thread, `reply ${i}`);
    const first = await threadOf(me, thread, '?limit=3');
    expect(first.messages.items.map((m: { body: string }) => m.body)).toEqual(['reply 3', 'reply 2', 'reply 1']);
    const second = await threadOf(me, thread, `?limit=3&before=${first.messages.nextCursor}`);
    expect(second.messages.items.map((m: { body: string }) => m.body)).toEqual([
      'reply 0',
      'bump',
      `from ${others[0]?.id}`,
    ]);
    expect(second.messages.nextCursor).toBeNull();
  });

  it('keeps an archived person’s threads readable for the other, and sends nothing to them', async () => {
    const [ana, ben] = [await person(), await person()];
    const thread = await startThread(ana, ben, 'Before you go');
    expect((await call(hr, 'POST', `/users/${ben.id}/archive`, { reason: 'Left' })).statusCode).toBe(200);
    const detail = await threadOf(ana, thread.id);
    expect(detail.thread).toMatchObject({ participant: { id: ben.id, archived: true }, canSend: false });
    expect(detail.messages.items).toHaveLength(1);
    const refused = await call(ana, 'POST', `/messages/threads/${thread.id}/messages`, { body: 'Still there?' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({ code: 'RECIPIENT_ARCHIVED', details: { recipientId: ben.id } });
    expect((await threadOf(ana, thread.id)).messages.items).toHaveLength(1);
  });
});

describe('the live feed (messages.onEvent) across two instances', () => {
  const urls = new Map<() => TestApp, string>();
  async function urlOf(instance: () => TestApp): Promise<string> {
    const known = urls.get(instance);
    if (known) return known;
    await instance().app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(instance().app.server.address() as AddressInfo).port}`;
    urls.set(instance, url);
    return url;
  }

  type Event = { id: string; data: { type: string; threadId: string; [key: string]: unknown } };
  async function feed(instance: () => TestApp, who: SignedIn, lastEventId?: string) {
    const client = createTRPCClient<AppRouter>({
      links: [
        httpSubscriptionLink({
          url: `${await urlOf(instance)}/trpc`,
          EventSource: EventSource as unknown as typeof globalThis.EventSource,
          connectionParams: () => ({ token: who.accessToken }),
        }),
      ],
    });
    const received: Event[] = [];
    let started = false;
    const subscription = client.messages.onEvent.subscribe(lastEventId ? { lastEventId } : undefined, {
      onStarted: () => {
        started = true;
      },
      onData: (event) => received.push(event as unknown as Event),
    });
    await until(() => started);
    // The server subscribes the feed as the stream starts; give it its moment.
    await new Promise((resolve) => setTimeout(resolve, 150));
    return { received, unsubscribe: () => subscription.unsubscribe() };
  }

  async function until(condition: () => boolean, timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const on = (instance: () => TestApp) => (who: SignedIn, method: RestMethod, url: string, payload?: unknown) =>
    callAs(instance().app, who, method, url, payload);

  it('delivers a message and a read receipt to the other participant on the other instance, and resumes', async () => {
    const [ana, ben, eve] = [await person(), await person(), await person()];
    const thread = await startThread(ana, ben);
    const bens = await feed(west, ben);
    const anas = await feed(east, ana);
    const eves = await feed(west, eve);

    const sent = await on(east)(ana, 'POST', `/messages/threads/${thread.id}/messages`, { body: 'Live!' });
    expect(sent.statusCode).toBe(201);
    await until(() => bens.received.some((e) => e.data.type === 'message'));
    const delivered = bens.received.find((e) => e.data.type === 'message');
    expect(delivered?.data).toMatchObject({ threadId: thread.id, message: { id: sent.json().id, body: 'Live!' } });

    const read = await on(west)(ben, 'PATCH', `/messages/threads/${thread.id}/read`, {});
    expect(read.statusCode).toBe(200);
    await until(() => anas.received.some((e) => e.data.type === 'read'));
    expect(anas.received.find((e) => e.data.type === 'read')?.data).toMatchObject({
      threadId: thread.id,
      userId: ben.id,
      readUpTo: sent.json().id,
    });
    // Nobody else hears of it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(eves.received).toEqual([]);
    eves.unsubscribe();
    anas.unsubscribe();

    // Ben goes away; two messages come; resuming from his last event gets exactly those, then live ones.
    await until(() => bens.received.length >= 2);
    const last = bens.received.at(-1)?.id as string;
    bens.unsubscribe();
    const missed = [];
    for (const body of ['while away 1', 'while away 2']) {
      missed.push((await on(east)(ana, 'POST', `/messages/threads/${thread.id}/messages`, { body })).json().id);
    }
    const resumed = await feed(east, ben, last);
    await until(() => resumed.received.length >= 2);
    expect(resumed.received.map((e) => (e.data.message as { id: string }).id)).toEqual(missed);
    const live = await on(west)(ana, 'POST', `/messages/threads/${thread.id}/messages`, { body: 'back?' });
    await until(() => resumed.received.length >= 3);
    expect(resumed.received[2]?.data).toMatchObject({ type: 'message', message: { id: live.json().id } });
    resumed.unsubscribe();
  });

  it('refuses a feed without a valid token', async () => {
    const errors: unknown[] = [];
    const client = createTRPCClient<AppRouter>({
      links: [
        httpSubscriptionLink({
          url: `${await urlOf(west)}/trpc`,
          EventSource: EventSource as unknown as typeof globalThis.EventSource,
        }),
      ],
    });
    const subscription = client.messages.onEvent.subscribe(undefined, {
      onError: (error) => errors.push(error),
      onData: () => errors.push('data'),
    });
    await until(() => errors.length > 0);
    expect(errors).not.toContain('data');
    subscription.unsubscribe();
  });
});

describe('the unread digest', () => {
  const noticesOf = (userId: string) =>
    testApp()
      .database.collection(notificationsCollection)
      .find({ userId: new ObjectId(userId), type: 'message.unread' })
      .toArray();
  const digest = async () => (await serviceInternals(testApp().deps)).messaging.sendDigests(clock());

  it('tells someone away once, in-app and by email, about all that waited past the delay', async () => {
    expect(
      testApp()
        .deps.jobs.registered()
        .map((j) => j.name),
    ).toContain(MESSAGES_DIGEST_JOB);
    const [ana, ben, cat, dan] = [await person(), await person(), await person(), await person()];
    const fromAna = await startThread(ana, dan, 'Are you there?');
    await send(ana, fromAna.id, 'Ping');
    const fromBen = await startThread(ben, dan, 'Lunch?');
    // Eve wants these in the app only.
    const eve = await person();
    const prefs = await call(eve, 'PUT', '/notifications/preferences', {
      items: [{ type: 'message.unread', inApp: true, email: false }],
    });
    expect(prefs.statusCode).toBe(200);
    await startThread(ana, eve, 'For Eve');
    // Cat writes too, but Cat's recipient reads in time: no digest for her thread.
    const read = await startThread(cat, ana, 'Quick one');
    // Nothing is due before the delay.
    clock.advance(MESSAGE_DIGEST_DELAY_MS - 60_000);
    await digest();
    expect(await noticesOf(dan.id)).toHaveLength(0);
    expect((await call(ana, 'PATCH', `/messages/threads/${read.id}/read`, {})).statusCode).toBe(200);

    clock.advance(2 * 60_000);
    // Two runs at once (or another instance's scheduled run) tell Dan once.
    await Promise.all([digest(), digest()]);
    const notices = await noticesOf(dan.id);
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ title: expect.stringMatching(/^3 new messages from .+ and 1 other$/) });
    expect(notices[0]?.data).toMatchObject({ count: 3, threads: 2 });
    expect(await noticesOf(ana.id)).toHaveLength(0);
    const emails = await testApp()
      .database.collection(outboxCollection)
      .countDocuments({ to: dan.email, purpose: 'notification.message.unread' });
    expect(emails).toBe(1);
    expect(await noticesOf(eve.id)).toHaveLength(1);
    const eveEmails = await testApp()
      .database.collection(outboxCollection)
      .countDocuments({ to: eve.email, purpose: 'notification.message.unread' });
    expect(eveEmails).toBe(0);

    // Told once: a second run, later, says nothing more; a new message starts a new wait.
    clock.advance(MESSAGE_DIGEST_DELAY_MS);
    await digest();
    expect(await noticesOf(dan.id)).toHaveLength(1);
    // Tokens signed before the clock moved are past their 15 minutes.
    const benAgain = await signInAgain(testApp().app, ben);
    await send(benAgain, fromBen.id, 'Still hungry');
    clock.advance(MESSAGE_DIGEST_DELAY_MS + 1);
    await digest();
    const later = await noticesOf(dan.id);
    expect(later).toHaveLength(2);
    expect(later.map((n) => n.title)).toContainEqual(expect.stringMatching(/^1 new message from \S/));
  });
});
