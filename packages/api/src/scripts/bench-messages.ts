import { newIdString } from '@seed-pms/db';
import {
  applyMessage,
  decideNewThread,
  decideSend,
  MESSAGE_DIGEST_DELAY_MS,
  type MessagingEvent,
} from '@seed-pms/domain';
import { createTRPCClient, httpSubscriptionLink } from '@trpc/client';
import { EventSource } from 'eventsource';
import type { AppRouter } from '../trpc/router.js';
import { type BenchPerson, inBatches, percentile, rssMb, startBenchServer } from './bench-kit.js';

/**
 * The messaging section of `pnpm bench` (BENCH_ONLY=messages), in a process
 * of its own (its own FerretDB, or MONGO_URL; server and load in this
 * process; the in-process feed, as one instance without Redis):
 *
 * a. Delivery: BENCH_MESSAGE_SUBSCRIBERS (default 200) people, each with a
 *    thread with one of ten senders and subscribed to `messages.onEvent`
 *    over SSE (one connection each); the senders send one message to each
 *    of them, one after the other, through REST. Times each send from just
 *    before the request to that message's event at its recipient (p50, p99),
 *    and the REST answer alone.
 * b. The thread list: one person with BENCH_MESSAGE_THREADS (default 1,000)
 *    threads, each with a message (written in bulk through the repository);
 *    GET /messages/threads (first page of 20, and the 25th page through the
 *    cursors) BENCH_LIST_RUNS times (default 20): p50, p99.
 */
const subscribers = Number(process.env.BENCH_MESSAGE_SUBSCRIBERS ?? 200);
const threadCount = Number(process.env.BENCH_MESSAGE_THREADS ?? 1_000);
const listRuns = Number(process.env.BENCH_LIST_RUNS ?? 20);
const SENDERS = 10;

const bench = await startBenchServer('seed_pms_bench_messages');
const { database, services, repos, url, now, insertPeople, actor, token } = bench;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const fmt = (ms: number) => ms.toFixed(1);

async function timed(path: string, accessToken: string, init: { method?: string; body?: unknown } = {}) {
  const t0 = performance.now();
  const response = await fetch(`${url}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${accessToken}`,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, ms: performance.now() - t0, text };
}

const subscriptions: { unsubscribe(): void }[] = [];
try {
  console.log(
    `\n10. Messages (${database.kind} ${database.serverVersion}; server and load in one process, in-process feed)`,
  );

  // ---- a. Delivery over the subscription ----
  const senders = await insertPeople(SENDERS, 'message-sender', ['employee']);
  const recipients = await insertPeople(subscribers, 'message-recipient', ['employee']);
  let t0 = performance.now();
  const threadIds: string[] = [];
  for (const [i, recipient] of recipients.entries()) {
    const sender = senders[i % SENDERS] as BenchPerson;
    threadIds.push((await services.messages.createThread(await actor(sender.id), { participantId: recipient.id })).id);
  }
  const senderTokens = await inBatches(senders, 4, token);
  const recipientTokens = await inBatches(recipients, 4, token);
  const setupSeconds = (performance.now() - t0) / 1000;

  const arrived = new Map<string, number>();
  const waiting = new Map<string, () => void>();
  let misdelivered = 0;
  t0 = performance.now();
  await Promise.all(
    recipients.map(
      (recipient, i) =>
        new Promise<void>((resolve, reject) => {
          const client = createTRPCClient<AppRouter>({
            links: [
              httpSubscriptionLink({
                url: `${url}/trpc`,
                EventSource: EventSource as unknown as typeof globalThis.EventSource,
                connectionParams: () => ({ token: recipientTokens[i] as string }),
              }),
            ],
          });
          subscriptions.push(
            client.messages.onEvent.subscribe(undefined, {
              onStarted: () => resolve(),
              onData: ({ data }: { data: MessagingEvent }) => {
                const at = performance.now();
                if (data.type !== 'message') return;
                if (data.threadId !== threadIds[i]) {
                  misdelivered += 1;
                  return;
                }
                if (!arrived.has(data.message.id)) arrived.set(data.message.id, at);
                waiting.get(recipient.id)?.();
              },
              onError: (error) => reject(error),
            }),
          );
        }),
    ),
  );
  // Started means the stream is open; give the server its moment to subscribe every feed.
  await sleep(500);
  const connectSeconds = (performance.now() - t0) / 1000;
  const connectedRss = rssMb();

  const latencies: number[] = [];
  const answers: number[] = [];
  let failed = 0;
  t0 = performance.now();
  for (const [i, recipient] of recipients.entries()) {
    const got = new Promise<void>((resolve) => waiting.set(recipient.id, resolve));
    const start = performance.now();
    const sent = await timed(`/messages/threads/${threadIds[i]}/messages`, senderTokens[i % SENDERS] as string, {
      method: 'POST',
      body: { body: `Bench message ${i}` },
    });
    if (sent.status !== 201) {
      failed += 1;
      continue;
    }
    answers.push(sent.ms);
    // Each send waits for its event (5 s at most), so each is timed alone.
    await Promise.race([got, sleep(5_000)]);
    waiting.delete(recipient.id);
    const id = (JSON.parse(sent.text) as { id: string }).id;
    const at = arrived.get(id);
    if (at !== undefined) latencies.push(at - start);
  }
  const sendSeconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  answers.sort((a, b) => a - b);
  console.log(
    `   a. ${subscribers} subscribers over SSE, ${SENDERS} senders, one message each, one after the other: ` +
      `send → event p50 ${fmt(percentile(latencies, 0.5))} ms  p99 ${fmt(percentile(latencies, 0.99))} ms  ` +
      `max ${fmt(latencies.at(-1) ?? 0)} ms; the REST answer p50 ${fmt(percentile(answers, 0.5))} ms  p99 ${fmt(percentile(answers, 0.99))} ms`,
  );
  console.log(
    `      delivered ${latencies.length}/${subscribers} (${misdelivered} to the wrong feed, ${failed} sends failed) in ${sendSeconds.toFixed(1)} s; ` +
      `setup ${setupSeconds.toFixed(1)} s (threads and sign-ins), all subscribed in ${connectSeconds.toFixed(1)} s; peak RSS ${connectedRss.toFixed(0)} MB with ${subscribers} connected`,
  );
  if (latencies.length !== subscribers || misdelivered > 0 || failed > 0) process.exitCode = 1;
  for (const subscription of subscriptions.splice(0)) subscription.unsubscribe();

  // ---- b. The thread list of a person with many threads ----
  const [busy] = (await insertPeople(1, 'message-busy', ['employee'])) as [BenchPerson];
  const others = await insertPeople(threadCount, 'message-contact', ['employee']);
  t0 = performance.now();
  await inBatches(others, 20, async (other) => {
    // Written through the repository (the deciders make the records): the list is what is measured.
    const created = new Date(now.getTime() - Math.floor(Math.random() * 30 * 86_400_000));
    const thread = decideNewThread({
      actorId: other.id,
      participantId: busy.id,
      participant: { status: 'active' },
      id: newIdString(),
      now: created,
    });
    const message = decideSend({
      thread,
      senderId: other.id,
      recipientStatus: 'active',
      id: newIdString(),
      body: `Hello from ${other.email}`,
      now: new Date(created.getTime() + 60_000),
    });
    await repos.messaging.insertMessage(message, `id:${message.id}`);
    const next = applyMessage(thread, message, MESSAGE_DIGEST_DELAY_MS);
    // The thread as it stands after its message, inserted at once (no update to wait for).
    await repos.messaging.insertThread(next ?? thread);
  });
  const dataSeconds = (performance.now() - t0) / 1000;
  const busyToken = await token(busy);
  const first: number[] = [];
  const deep: number[] = [];
  let size = 0;
  let cursor25: string | null = null;
  {
    // The cursor of the 25th page, found once.
    let cursor: string | null = null;
    for (let page = 1; page < 25; page++) {
      const answer = await timed(
        `/messages/threads?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        busyToken,
      );
      cursor = (JSON.parse(answer.text) as { nextCursor: string | null }).nextCursor;
    }
    cursor25 = cursor;
  }
  for (let run = 0; run < listRuns; run++) {
    const answer = await timed('/messages/threads?limit=20', busyToken);
    if (answer.status !== 200) throw new Error(`threads: ${answer.status} ${answer.text.slice(0, 300)}`);
    const items = (JSON.parse(answer.text) as { items: unknown[] }).items;
    if (items.length !== 20) throw new Error(`threads: ${items.length} items`);
    first.push(answer.ms);
    size = answer.text.length;
    if (cursor25)
      deep.push((await timed(`/messages/threads?limit=20&cursor=${encodeURIComponent(cursor25)}`, busyToken)).ms);
  }
  first.sort((a, b) => a - b);
  deep.sort((a, b) => a - b);
  console.log(
    `   b. GET /messages/threads for a person with ${threadCount.toLocaleString('en')} threads, ${listRuns} runs: ` +
      `first page of 20 p50 ${fmt(percentile(first, 0.5))} ms  p99 ${fmt(percentile(first, 0.99))} ms; ` +
      `25th page p50 ${fmt(percentile(deep, 0.5))} ms  p99 ${fmt(percentile(deep, 0.99))} ms; ` +
      `${(size / 1024).toFixed(1)} KB a page; data written in ${dataSeconds.toFixed(1)} s`,
  );
} finally {
  for (const subscription of subscriptions) subscription.unsubscribe();
  await sleep(200);
  await bench.close();
}
process.exit();
