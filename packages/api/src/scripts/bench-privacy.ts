import { systemCallContext } from '../app/call-context.js';
import { percentile, rssMb, startBenchServer } from './bench-kit.js';

/**
 * The privacy section of `pnpm bench` (BENCH_ONLY=privacy), in a process of
 * its own (its own FerretDB, or MONGO_URL):
 *
 * a. Audit writes: BENCH_AUDIT_ENTRIES (default 500) entries about as many
 *    people, one after the other, as the repository writes them without data
 *    keys (format 1) and as the audit service writes them (format 2: each
 *    sealed under the subject's and the actor's data keys, made on first
 *    use, then cached): ms per entry, p50 and p99. Then reading pages of 100
 *    through the service (opening every sealed part).
 * b. Erasure: one person with BENCH_ERASURE_MESSAGES (default 300) messages
 *    in a thread, as many notifications, in a database holding
 *    BENCH_ERASURE_NOISE (default 5,000) notifications and messages of others
 *    (the scrub of others' free text reads them all): the time to carry the
 *    approved request out.
 */
const entries = Number(process.env.BENCH_AUDIT_ENTRIES ?? 500);
const messageCount = Number(process.env.BENCH_ERASURE_MESSAGES ?? 300);
const noise = Number(process.env.BENCH_ERASURE_NOISE ?? 5_000);

const bench = await startBenchServer('seed_pms_bench_privacy');
const { database, services, repos, insertPeople, now } = bench;
const fmt = (ms: number) => ms.toFixed(2);
const stats = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return `p50 ${fmt(percentile(sorted, 0.5))} ms, p99 ${fmt(percentile(sorted, 0.99))} ms`;
};

try {
  console.log(`\n11. Privacy (${database.kind} ${database.serverVersion})`);
  const people = await insertPeople(entries, 'Audited', ['employee']);
  const [admin] = await insertPeople(1, 'Admin', ['admin']);
  if (!admin) throw new Error('no admin');
  const event = (id: string, n: number) => ({
    action: 'employee.update',
    resourceType: 'employee',
    resourceId: id,
    before: { bio: `before ${n}` },
    after: { bio: `after ${n}`, contact: { city: 'Lisbon' } },
  });
  const meta = { ip: '198.51.100.7', userAgent: 'bench', requestId: 'bench' };

  const plain: number[] = [];
  for (const [n, person] of people.entries()) {
    const t0 = performance.now();
    await repos.audit.append({
      actor: { actorId: admin.id, actorType: 'user' },
      event: event(person.id, n),
      meta,
      timestamp: new Date(),
    });
    plain.push(performance.now() - t0);
  }
  const ctx = { ...(await bench.actor(admin.id)), req: { ...systemCallContext('bench', now).req, ip: meta.ip } };
  const sealedFirst: number[] = [];
  for (const [n, person] of people.entries()) {
    const t0 = performance.now();
    await services.audit.record(ctx, event(person.id, n));
    sealedFirst.push(performance.now() - t0);
  }
  const sealedAgain: number[] = [];
  for (const [n, person] of people.entries()) {
    const t0 = performance.now();
    await services.audit.record(ctx, event(person.id, n + entries));
    sealedAgain.push(performance.now() - t0);
  }
  console.log(`  a. ${entries} audit entries, one after the other, ms per entry:`);
  console.log(`     format 1 (no data keys):                     ${stats(plain)}`);
  console.log(`     format 2, each subject's key made on use:     ${stats(sealedFirst)}`);
  console.log(`     format 2, keys cached:                        ${stats(sealedAgain)}`);
  const reads: number[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const page = await services.audit.list({ limit: 100, ...(cursor ? { cursor } : {}) }, new Date());
    reads.push(performance.now() - t0);
    cursor = page.nextCursor ?? undefined;
  }
  const rawReads: number[] = [];
  let rawCursor: string | undefined;
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    const page = await repos.audit.list({ limit: 100, ...(rawCursor ? { cursor: rawCursor } : {}) });
    rawReads.push(performance.now() - t0);
    rawCursor = page.nextCursor ?? undefined;
  }
  console.log(`     reading pages of 100, as stored:              ${stats(rawReads)}`);
  console.log(`     reading pages of 100 (sealed parts opened):   ${stats(reads)}`);

  // ---- b. Erasure ----
  const [target, other] = await insertPeople(2, 'Erased', ['employee']);
  if (!target || !other) throw new Error('no people');
  const targetCtx = await bench.actor(target.id);
  const thread = await services.messages.createThread(targetCtx, { participantId: other.id });
  for (let i = 0; i < messageCount; i++) {
    await services.messages.send(targetCtx, { id: thread.id, body: `Message ${i} from Erased 0` });
  }
  const note = (userId: string, title: string, actorId: string | null) => ({
    userId,
    type: 'message.unread' as const,
    title,
    body: 'Bench',
    link: '/messages',
    data: {},
    actorId,
  });
  await repos.notifications.insertMany(
    Array.from({ length: messageCount }, (_, i) => note(target.id, `Message ${i}`, other.id)),
    now,
  );
  for (let i = 0; i < noise; i += 1_000) {
    const size = Math.min(1_000, noise - i);
    await repos.notifications.insertMany(
      Array.from({ length: size }, (_, j) => note(other.id, `Noise ${i + j}`, null)),
      now,
    );
  }
  const request = await repos.erasureRequests.insertPending(
    {
      id: repos.erasureRequests.newId(),
      userId: target.id,
      requestedBy: target.id,
      reason: 'Bench',
      workflowId: repos.erasureRequests.newId(),
    },
    now,
  );
  await repos.erasureRequests.settle(request.request.id, 'approved', request.request.version, now);
  const t0 = performance.now();
  const counts = await services.erasure.carryOut(request.request.id, new Date());
  const erasureMs = performance.now() - t0;
  console.log(
    `  b. erasure of a person with ${messageCount} messages and notifications, among ${noise} others': ${erasureMs.toFixed(0)} ms` +
      ` (${Object.values(counts ?? {}).reduce((a, b) => a + b, 0)} records changed or removed; RSS ${rssMb().toFixed(0)} MB)`,
  );
} finally {
  await bench.close();
}
