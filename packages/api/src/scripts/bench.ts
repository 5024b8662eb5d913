import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createTRPCClient, httpSubscriptionLink } from '@trpc/client';
import autocannon from 'autocannon';
import { EventSource } from 'eventsource';
import { hashPassword } from '../auth/password.js';
import type { AppRouter } from '../trpc/router.js';

/**
 * `pnpm bench`: what each layer costs. The server runs in its own process (the
 * production wiring on FerretDB, or MONGO_URL); autocannon loads it over
 * loopback and each way prints requests/s, p50 and p99 latency.
 *
 * 1. Layers: one read (readiness: a database round trip) as a bare Fastify
 *    route, over tRPC and over REST; ratios against the bare route.
 * 2. Authentication: an anonymous no-op (health/live) against an authenticated
 *    one (auth/session: JWT check, session check, CASL-free), with the session
 *    check cached (default) and uncached (AUTH_SESSION_CACHE_MS=0).
 * 3. Login: argon2id hashes per second on one core, and sign-ins per second
 *    through the API (argon2-bound; each one also writes a session and an
 *    audit entry).
 * 4. Directory: a server whose database holds a seeded demo organisation
 *    (seed-data.ts), signed in as a seeded employee: the first page of
 *    everyone, and of the people holding two common skills (TypeScript, React)
 *    (`skills=a,b`, the `skillIds` index); prints the seeding time and how
 *    many people match. On FerretDB, which reads the whole collection for
 *    these queries, each way is 5 requests one after the other instead.
 *
 * 5. Capacity: the capacity report (per-person average, peak and
 *    over-allocated stretches, per-project FTE) over a year for 10,000 people
 *    and 50,000 allocation segments, by the sweep and by the day-by-day
 *    reference, each in a fresh process: best-of-three time, peak RSS against
 *    the data alone, and a digest showing both give the same report.
 *
 * 6. Approvals: an approver with BENCH_APPROVALS (default 1,000) pending
 *    work-location requests: the inbox's first page (p50/p99), and submit →
 *    approve round trips per second (a report submits, the approver approves,
 *    one after the other, through REST).
 *
 * 7. Notifications: BENCH_NOTIFICATIONS (default 200) requesters, each with
 *    one pending request (ten approvers, twenty reports each), each
 *    subscribed to `notifications.onNew` over SSE (tRPC's
 *    httpSubscriptionLink, one connection each); the approvers decide the
 *    requests one by one through REST. Times each decision's send to that
 *    requester's `approval.decided` event (p50, p99, mean, max, how many
 *    arrived), and the server handing the notification to its feed to that
 *    event (the delivery alone); prints the server's RSS. The in-process
 *    feed, or Redis pub/sub when REDIS_URL is set.
 *
 * 8. Leave (bench-leave.ts, in a process of its own): 50 people sending one
 *    leave request each at once, and one person with a balance of 10 sending
 *    50 one-day requests at once (requests/s, p50/p99, how many accepted:
 *    exactly 10); then the leave report over a year for BENCH_LEAVE_PEOPLE
 *    (default 10,000) people with balances and requests inserted in bulk, as
 *    HR: time and peak RSS.
 *
 * 9. Attendance (bench-attendance.ts, in a process of its own): 50 people
 *    punching start, break, resume, end three times over, all at once
 *    (punches/s, p50/p99); then GET /attendance/today as HR for
 *    BENCH_ATTENDANCE_PEOPLE (default 10,000) people, three in four with a
 *    record of today (p50/p99 over BENCH_TODAY_RUNS, default 20).
 *
 * 10. Messages (bench-messages.ts, in a process of its own): 200 people
 *    subscribed to `messages.onEvent` over SSE, each sent one message through
 *    REST (send → event p50/p99); then GET /messages/threads for a person
 *    with 1,000 threads (first and 25th page, p50/p99).
 *
 * 11. Privacy (bench-privacy.ts, in a process of its own): 500 audit entries
 *    written without and with per-person data keys (ms per entry), pages of
 *    the trail read with their sealed parts opened; an erasure carried out
 *    among 5,000 others' notifications.
 *
 * Environment:
 * - BENCH_SECONDS (default 10) and BENCH_CONNECTIONS (default 16) tune the load.
 * - BENCH_ONLY: comma-separated sections to run (layers, auth, login,
 *   directory, capacity, approvals, notifications, leave, attendance, messages, privacy); all by default.
 *   `BENCH_ONLY=directory pnpm bench`.
 * - BENCH_EMPLOYEES (default 10000): people seeded for the directory section.
 * - BENCH_CAPACITY_PEOPLE (default 10000) and BENCH_CAPACITY_SEGMENTS (default
 *   50000): the size of the capacity section's data.
 * - MONGO_URL: measure against that server instead of a fresh FerretDB.
 * - REDIS_URL: the servers use that Redis (rate limits, session revocations,
 *   notification pub/sub), e.g. `REDIS_URL=redis://127.0.0.1:6379
 *   BENCH_ONLY=notifications pnpm bench`.
 */
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const employees = Number(process.env.BENCH_EMPLOYEES ?? 10_000);
const SECTIONS = [
  'layers',
  'auth',
  'login',
  'directory',
  'capacity',
  'approvals',
  'notifications',
  'leave',
  'attendance',
  'messages',
  'privacy',
] as const;
const approvalItems = Number(process.env.BENCH_APPROVALS ?? 1_000);
const notificationSubscribers = Number(process.env.BENCH_NOTIFICATIONS ?? 200);
const capacityPeople = Number(process.env.BENCH_CAPACITY_PEOPLE ?? 10_000);
const capacitySegments = Number(process.env.BENCH_CAPACITY_SEGMENTS ?? 50_000);
type Section = (typeof SECTIONS)[number];
const only = new Set(
  (process.env.BENCH_ONLY ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);
for (const name of only) {
  if (!SECTIONS.includes(name as Section)) {
    throw new Error(`BENCH_ONLY: unknown section "${name}" (${SECTIONS.join(', ')})`);
  }
}
const runs = (section: Section) => only.size === 0 || only.has(section);
const serverScript = fileURLToPath(new URL('./bench-server.ts', import.meta.url));
const capacityScript = fileURLToPath(new URL('./bench-capacity.ts', import.meta.url));
const leaveScript = fileURLToPath(new URL('./bench-leave.ts', import.meta.url));
const attendanceScript = fileURLToPath(new URL('./bench-attendance.ts', import.meta.url));
const messagesScript = fileURLToPath(new URL('./bench-messages.ts', import.meta.url));
const privacyScript = fileURLToPath(new URL('./bench-privacy.ts', import.meta.url));

/** A section in a process of its own (its own database, server and load; it prints its figures). */
async function ownProcess(script: string, heading: string): Promise<void> {
  console.log(heading);
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@seed-pms/source', script], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) {
    console.error(`${script} exited with ${code}`);
    process.exitCode = 1;
  }
}

interface CapacityRun {
  mode: string;
  ms: number;
  dataPeakRssMb: number;
  peakRssMb: number;
  overAllocated: number;
  digest: string | null;
}

/** One bench-capacity.ts run in its own process (so its peak memory is its own). */
async function capacityRun(mode: 'none' | 'sweep' | 'daily'): Promise<CapacityRun> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@seed-pms/source',
      capacityScript,
      mode,
      String(capacityPeople),
      String(capacitySegments),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`bench-capacity ${mode} exited with ${code}`);
  return JSON.parse(out.trim()) as CapacityRun;
}

/** 5. The capacity report over a year: the sweep against the day-by-day reference, same data, same answer. */
async function capacity(): Promise<void> {
  const base = await capacityRun('none');
  const runs = [];
  for (const mode of ['sweep', 'daily'] as const) {
    // Best of three for time; memory from the first (each run is a fresh process).
    const tries = [await capacityRun(mode), await capacityRun(mode), await capacityRun(mode)];
    runs.push({ ...(tries[0] as CapacityRun), ms: Math.min(...tries.map((t) => t.ms)) });
  }
  console.log(
    `\n5. Capacity report over a year: ${capacityPeople.toLocaleString('en')} people, ${capacitySegments.toLocaleString('en')} allocation segments (seeded)`,
  );
  console.log(`   data alone: peak RSS ${base.peakRssMb.toFixed(0)} MB`);
  for (const run of runs) {
    console.log(
      `   ${run.mode === 'sweep' ? 'sweep (capacityReport)        ' : 'day by day (capacityReportByDay)'}  ${run.ms.toFixed(0).padStart(6)} ms  peak RSS ${run.peakRssMb.toFixed(0)} MB (+${(run.peakRssMb - base.peakRssMb).toFixed(0)} MB over the data)  ${run.overAllocated} over-allocated  digest ${run.digest}`,
    );
  }
  const [sweep, daily] = runs as [CapacityRun, CapacityRun];
  console.log(`   sweep is ${(daily.ms / sweep.ms).toFixed(1)}× faster; same report: ${sweep.digest === daily.digest}`);
  if (sweep.digest !== daily.digest) process.exitCode = 1;
}

interface Server {
  url: string;
  database: string;
  email: string;
  password: string;
  /** Present when the server seeded pending approvals (BENCH_APPROVALS). */
  approvals?: {
    pending: number;
    seconds: number;
    approver: { email: string; password: string };
    requesters: { email: string; password: string }[];
  };
  /** Present when the server seeded one pending request for each of BENCH_NOTIFICATIONS requesters. */
  notifications?: {
    feed: string;
    subscribers: number;
    seconds: number;
    approvers: { email: string; password: string }[];
    password: string;
    /** `approver`: the index in `approvers` of the one who decides. */
    requesters: { email: string; workflowId: string; approver: number }[];
  };
  /** Present when the server seeded a demo organisation (BENCH_SEED_EMPLOYEES). */
  seeded?: {
    employees: number;
    seconds: number;
    email: string;
    password: string;
    skills: { id: string; name: string }[];
  };
  stop(): void;
  /** Settles when the server process has exited. */
  exited: Promise<unknown>;
}

async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@seed-pms/source', serverScript], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production', ...env },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    ...(JSON.parse(first) as Omit<Server, 'stop' | 'exited'>),
    stop: () => child.kill('SIGTERM'),
    exited,
  };
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

interface Target {
  name: string;
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  /** Seconds before a request counts as an error (autocannon's default: 10). */
  timeout?: number;
  /**
   * Send this many requests instead of loading for BENCH_SECONDS, with no
   * warm-up run (whose cut-off requests would still load the server): for ways
   * that take seconds.
   */
  amount?: number;
}

async function measure(server: Server, target: Target): Promise<Row> {
  const run = (duration: number) =>
    autocannon({
      url: `${server.url}${target.path}`,
      method: target.method ?? 'GET',
      headers: target.headers ?? {},
      ...(target.body ? { body: target.body } : {}),
      connections: target.connections ?? connections,
      duration,
      pipelining: 1,
      ...(target.timeout ? { timeout: target.timeout } : {}),
      ...(target.amount ? { amount: target.amount } : {}),
    });
  if (!target.amount) await run(2); // warm-up: JIT, connection pool, caches
  const result = await run(seconds);
  return {
    name: target.name,
    // A few slow requests make a per-second average meaningless: count them over the whole run.
    rps: target.amount ? result.requests.total / result.duration : result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

function print(title: string, rows: Row[], baseline = rows[0]?.rps ?? 1): void {
  console.log(`\n${title}`);
  console.log('way                                   req/s     p50 ms   p99 ms   ratio   errors');
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(36)} ${row.rps.toFixed(row.rps < 10 ? 2 : 0).padStart(7)} ${row.p50.toFixed(1).padStart(9)} ${row.p99
        .toFixed(1)
        .padStart(8)} ${(row.rps / baseline).toFixed(2).padStart(6)}× ${String(row.errors).padStart(8)}`,
    );
  }
}

async function accessToken(server: Server, credentials: { email: string; password: string } = server): Promise<string> {
  const response = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: credentials.email, password: credentials.password }),
  });
  if (!response.ok) throw new Error(`bench login failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

async function directory(): Promise<Row[]> {
  console.log(`\nSeeding ${employees} employees for the directory…`);
  const server = await startServer({ BENCH_SEED_EMPLOYEES: String(employees) });
  try {
    const { seeded } = server;
    if (!seeded) throw new Error('the bench server seeded nothing');
    if (!runs('layers') && !runs('auth') && !runs('login')) console.log(`database: ${server.database}`);
    const headers = { authorization: `Bearer ${await accessToken(server, seeded)}` };
    const skills = `/api/v1/employees?skills=${seeded.skills.map((s) => s.id).join(',')}&limit=20`;
    const started = performance.now();
    const probe = await fetch(`${server.url}${skills}`, { headers });
    if (!probe.ok) throw new Error(`directory query failed: ${probe.status} ${await probe.text()}`);
    const matched = ((await probe.json()) as { total: number }).total;
    const first = performance.now() - started;
    // FerretDB 1.24 uses no index for these queries: each one reads the whole collection, taking seconds.
    const slow: Partial<Target> = server.database.startsWith('ferretdb')
      ? { connections: 1, amount: 5, timeout: 120 }
      : {};
    const rows = [
      await measure(server, { name: 'GET /employees?limit=20', path: '/api/v1/employees?limit=20', headers, ...slow }),
      await measure(server, { name: 'GET /employees?skills=a,b&limit=20', path: skills, headers, ...slow }),
    ];
    print(`4. Directory: ${seeded.employees} employees, signed in as an employee`, rows);
    console.log(
      `seeded ${seeded.employees} employees in ${seeded.seconds.toFixed(1)} s ` +
        `(${(seeded.employees / seeded.seconds).toFixed(0)}/s, accounts and profiles); ` +
        `${matched} hold both ${seeded.skills.map((s) => s.name).join(' and ')}; ` +
        `the first such request took ${first.toFixed(0)} ms`,
    );
    return rows;
  } finally {
    server.stop();
  }
}

/** The q-th quantile (0.5, 0.99) of ascending `sorted`, by nearest rank. */
function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))] ?? 0;
}

/** Runs `work` over `items`, at most `limit` at a time; results in the items' order. */
async function inBatches<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += limit)
    results.push(...(await Promise.all(items.slice(i, i + limit).map(work))));
  return results;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 50 ms until it holds; false when `ms` passed first. */
async function waitFor(check: () => Promise<boolean> | boolean, ms: number): Promise<boolean> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    if (await check()) return true;
    await sleep(50);
  }
  return check();
}

/**
 * 7. Notification delivery: every requester subscribes over SSE, then the
 * approvers decide their requests one after the other, and each decision is
 * timed from just before it is sent to the arrival of that requester's
 * `approval.decided` event; also from the moment the server handed that
 * notification to its feed (the delivery alone, without the decision's work).
 */
async function notifications(): Promise<Row[]> {
  const feedName = process.env.REDIS_URL ? 'Redis pub/sub' : 'in-process feed';
  console.log(
    `\nSeeding ${notificationSubscribers} requesters with a pending request each (${feedName}), subscribing one SSE feed each…`,
  );
  const server = await startServer({ BENCH_NOTIFICATIONS: String(notificationSubscribers) });
  const subscriptions: { unsubscribe(): void }[] = [];
  try {
    const seeded = server.notifications;
    if (!seeded) throw new Error('the bench server seeded no requests for the notifications section');
    const stats = async () => {
      const response = await fetch(`${server.url}/bench/notifications`);
      return (await response.json()) as { subscribers: number; rssMb: number; publishedAt: Record<string, number> };
    };
    const idle = await stats();

    // Sign-ins are argon2-bound on the server: a few at a time.
    let started = performance.now();
    const approverTokens = await inBatches(seeded.approvers, 4, (a) => accessToken(server, a));
    const tokens = await inBatches(seeded.requesters, 4, (r) =>
      accessToken(server, { email: r.email, password: seeded.password }),
    );
    const signInSeconds = (performance.now() - started) / 1000;

    // One SSE connection per requester; each keeps when its own decision's event arrived.
    const sentAt = new Map<string, number>();
    const received = new Map<string, { at: number; wallAt: number; notificationId: string }>();
    const waiting = new Map<string, () => void>();
    let misdelivered = 0;
    started = performance.now();
    await Promise.all(
      seeded.requesters.map(
        (requester, i) =>
          new Promise<void>((resolve, reject) => {
            const client = createTRPCClient<AppRouter>({
              links: [
                httpSubscriptionLink({
                  url: `${server.url}/trpc`,
                  EventSource: EventSource as unknown as typeof globalThis.EventSource,
                  connectionParams: () => ({ token: tokens[i] as string }),
                }),
              ],
            });
            subscriptions.push(
              client.notifications.onNew.subscribe(undefined, {
                onStarted: () => resolve(),
                onData: ({ id, data }) => {
                  const at = performance.now();
                  if (data.type !== 'approval.decided') return;
                  if (data.data.workflowId !== requester.workflowId) {
                    misdelivered += 1;
                    return;
                  }
                  if (!received.has(requester.workflowId)) {
                    received.set(requester.workflowId, { at, wallAt: performance.timeOrigin + at, notificationId: id });
                  }
                  waiting.get(requester.workflowId)?.();
                },
                onError: (error) => reject(error),
              }),
            );
          }),
      ),
    );
    // Started means the stream is open; wait until the server has subscribed every feed too.
    const n = seeded.requesters.length;
    if (!(await waitFor(async () => (await stats()).subscribers >= n, 30_000))) {
      throw new Error(`only ${(await stats()).subscribers} of ${n} feeds subscribed on the server`);
    }
    const connectSeconds = (performance.now() - started) / 1000;
    const connected = await stats();

    const answers: number[] = [];
    started = performance.now();
    for (const { workflowId, approver } of seeded.requesters) {
      const arrived = new Promise<void>((resolve) => waiting.set(workflowId, resolve));
      const t0 = performance.now();
      sentAt.set(workflowId, t0);
      const response = await fetch(`${server.url}/api/v1/approvals/${workflowId}/decide`, {
        method: 'POST',
        headers: { authorization: `Bearer ${approverTokens[approver]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'approve' }),
      });
      if (!response.ok) throw new Error(`decide ${workflowId}: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
      answers.push(performance.now() - t0);
      // The next decision waits for this one's event (5 s at most), so each is timed alone.
      await Promise.race([arrived, sleep(5_000)]);
      waiting.delete(workflowId);
    }
    const elapsed = (performance.now() - started) / 1000;
    await waitFor(() => received.size >= n, 2_000); // stragglers
    const after = await stats();

    const sorted = (values: number[]) => values.sort((a, b) => a - b);
    const latencies = sorted([...received].map(([workflowId, r]) => r.at - (sentAt.get(workflowId) as number)));
    const deliveries = sorted(
      [...received.values()].flatMap((r) => {
        const published = after.publishedAt[r.notificationId];
        return published === undefined ? [] : [r.wallAt - published];
      }),
    );
    sorted(answers);
    const delivered = latencies.length;
    const mean = (values: number[]) => values.reduce((sum, ms) => sum + ms, 0) / Math.max(1, values.length);
    const rows: Row[] = [
      {
        name: `decision → event (${seeded.feed})`,
        rps: n / elapsed,
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        errors: n - delivered + misdelivered,
      },
      {
        name: `  of which feed publish → event`,
        rps: n / elapsed,
        p50: percentile(deliveries, 0.5),
        p99: percentile(deliveries, 0.99),
        errors: 0,
      },
    ];
    print(
      `7. Notifications: ${n} subscribers over SSE (${seeded.feed}); ${seeded.approvers.length} approvers decide their requests one by one through REST`,
      rows,
    );
    console.log(
      `delivered ${delivered}/${n} (${misdelivered} to the wrong feed); decision → event: p50 ${percentile(latencies, 0.5).toFixed(1)} ms, ` +
        `p99 ${percentile(latencies, 0.99).toFixed(1)} ms, mean ${mean(latencies).toFixed(1)} ms, max ${(latencies.at(-1) ?? 0).toFixed(1)} ms`,
    );
    console.log(
      `feed publish → event: p50 ${percentile(deliveries, 0.5).toFixed(1)} ms, p99 ${percentile(deliveries, 0.99).toFixed(1)} ms, ` +
        `mean ${mean(deliveries).toFixed(1)} ms, max ${(deliveries.at(-1) ?? 0).toFixed(1)} ms; ` +
        `the decision's REST answer: p50 ${percentile(answers, 0.5).toFixed(1)} ms, p99 ${percentile(answers, 0.99).toFixed(1)} ms`,
    );
    console.log(
      `server RSS ${idle.rssMb.toFixed(0)} MB before the subscribers, ${connected.rssMb.toFixed(0)} MB with ${n} connected, ` +
        `${after.rssMb.toFixed(0)} MB after the decisions; seeded ${n} requests through the engine in ${seeded.seconds.toFixed(1)} s, ` +
        `signed everyone in in ${signInSeconds.toFixed(1)} s, all ${n} subscribed in ${connectSeconds.toFixed(1)} s`,
    );
    return rows;
  } finally {
    for (const subscription of subscriptions) subscription.unsubscribe();
    // Let the server see the streams close, so it shuts down at once.
    await sleep(200);
    server.stop();
    await Promise.race([server.exited, sleep(15_000)]);
  }
}

/** 6. The approvals inbox with many pending items, and submit → approve round trips. */
async function approvals(): Promise<Row[]> {
  console.log(`\nSeeding ${approvalItems} pending work-location requests for one approver…`);
  const server = await startServer({ BENCH_APPROVALS: String(approvalItems) });
  try {
    const seeded = server.approvals;
    if (!seeded) throw new Error('the bench server seeded no approvals');
    const approver = { authorization: `Bearer ${await accessToken(server, seeded.approver)}` };
    const inbox = await measure(server, {
      name: `GET /approvals (${seeded.pending} pending)`,
      path: '/api/v1/approvals?limit=20',
      headers: approver,
      connections: 4,
    });
    const requesters = await Promise.all(seeded.requesters.map((r) => accessToken(server, r)));
    const call = async (token: string, method: string, path: string, body: unknown) => {
      const response = await fetch(`${server.url}/api/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as { id: string; workflowId: string };
    };
    const approverToken = approver.authorization.slice('Bearer '.length);
    const rounds = 40;
    const latencies: number[] = [];
    const started = performance.now();
    for (let i = 0; i < rounds; i++) {
      const token = requesters[i % requesters.length] as string;
      const day = new Date(Date.now() + (400 + i) * 86_400_000).toISOString().slice(0, 10);
      const begun = performance.now();
      const request = await call(token, 'POST', '/work-location/requests', {
        type: 'wfh',
        startDate: day,
        endDate: day,
      });
      await call(approverToken, 'POST', `/approvals/${request.workflowId}/decide`, { decision: 'approve' });
      latencies.push(performance.now() - begun);
    }
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const roundTrip: Row = {
      name: 'submit → approve round trip',
      rps: rounds / elapsed,
      p50: latencies[Math.floor(rounds / 2)] ?? 0,
      p99: latencies[Math.min(rounds - 1, Math.ceil(rounds * 0.99) - 1)] ?? 0,
      errors: 0,
    };
    print(`6. Approvals: one approver with ${seeded.pending} pending items`, [inbox, roundTrip]);
    console.log(`seeded ${seeded.pending} requests through the engine in ${seeded.seconds.toFixed(1)} s`);
    return [inbox, roundTrip];
  } finally {
    server.stop();
  }
}

console.log(`Benchmark: ${seconds}s per way, ${connections} connections, Node ${process.version}`);
const all: Row[] = [];
if (runs('layers') || runs('auth') || runs('login')) {
  const cached = await startServer();
  try {
    console.log(`database: ${cached.database}`);
    if (runs('layers')) {
      const layers = [
        await measure(cached, { name: 'bare Fastify route', path: '/bench/bare' }),
        await measure(cached, { name: 'tRPC  /trpc/health.ready', path: '/trpc/health.ready' }),
        await measure(cached, { name: 'REST  /api/v1/health/ready', path: '/api/v1/health/ready' }),
      ];
      print('1. Layers: one database read', layers);
      all.push(...layers);
    }

    if (runs('auth')) {
      const auth = { authorization: `Bearer ${await accessToken(cached)}` };
      const authRows = [
        await measure(cached, { name: 'anonymous  GET /health/live', path: '/api/v1/health/live' }),
        await measure(cached, {
          name: 'signed in  GET /auth/session (cached)',
          path: '/api/v1/auth/session',
          headers: auth,
        }),
      ];
      const uncached = await startServer({ AUTH_SESSION_CACHE_MS: '0' });
      try {
        const token = { authorization: `Bearer ${await accessToken(uncached)}` };
        authRows.push(
          await measure(uncached, {
            name: 'signed in  GET /auth/session (no cache)',
            path: '/api/v1/auth/session',
            headers: token,
          }),
        );
      } finally {
        uncached.stop();
      }
      print('2. Authentication: a no-op procedure, anonymous and signed in', authRows);
      all.push(...authRows);
    }

    if (runs('login')) {
      const rounds = 20;
      const started = performance.now();
      for (let i = 0; i < rounds; i += 1) await hashPassword('bench passphrase 2026');
      const hashesPerSecond = rounds / ((performance.now() - started) / 1000);
      const login = await measure(cached, {
        name: 'POST /auth/login',
        path: '/api/v1/auth/login',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: cached.email, password: cached.password }),
        connections: 8,
      });
      print('3. Login (argon2id 19 MiB, t=2, p=1)', [login]);
      console.log(`argon2id hashes/s on one core (in this process, one at a time): ${hashesPerSecond.toFixed(1)}`);
      all.push(login);
    }
  } finally {
    cached.stop();
  }
}
if (runs('directory')) all.push(...(await directory()));
if (runs('capacity')) await capacity();
if (runs('approvals')) all.push(...(await approvals()));
if (runs('notifications')) all.push(...(await notifications()));
if (runs('leave')) {
  // 8. Leave: bench-leave.ts.
  await ownProcess(leaveScript, '\nLeave: concurrent requests, then the leave report over a year (bulk data)…');
}
if (runs('attendance')) {
  // 9. Attendance: bench-attendance.ts.
  await ownProcess(attendanceScript, "\nAttendance: punches from 50 people at once, then today's workforce of 10,000…");
}
if (runs('messages')) {
  // 10. Messages: bench-messages.ts.
  await ownProcess(
    messagesScript,
    '\nMessages: delivery to 200 SSE subscribers, then the thread list of a person with 1,000 threads…',
  );
}
if (runs('privacy')) {
  // 11. Privacy: bench-privacy.ts.
  await ownProcess(
    privacyScript,
    '\nPrivacy: sealed audit writes and reads, then an erasure among 5,000 others\u2019 records…',
  );
}
if (all.some((row) => row.errors > 0)) process.exitCode = 1;
