import { connectDatabase, createRepositories, newIdString } from '@seed-pms/db';
import { startFerretDb } from '@seed-pms/db/embedded';
import { Redis } from 'ioredis';
import pino from 'pino';
import { buildApp } from '../app/build-app.js';
import { type ActorContext, systemCallContext } from '../app/call-context.js';
import type { AppDeps } from '../app/deps.js';
import { hashPassword } from '../auth/password.js';
import { createInProcessJobRunner } from '../jobs/jobs.js';
import { createServices, serviceInternals } from '../services.js';
import { BENCH_PASSWORD, benchConfig } from './bench-kit.js';
import { DEMO_PASSWORD, type SeededCatalogItem, seedOrganisation } from './seed-data.js';

/**
 * The server under benchmark, in its own process so the load generator does not
 * share its event loop: the production wiring on the test database (FerretDB,
 * or MONGO_URL), plus one bare Fastify route doing the same work as the
 * measured procedure without tRPC or the REST adapter. Prints its URL.
 *
 * With BENCH_SEED_EMPLOYEES=N (set by bench.ts for the directory section) it
 * first seeds a demo organisation of N people into a database of its own
 * (emptied first, should MONGO_URL name a server that keeps it), and also
 * prints the seeding time, a seeded employee's login and the two skills the
 * directory is queried with.
 *
 * With BENCH_APPROVALS=N, an approver with N pending requests (see
 * seedApprovals). With BENCH_NOTIFICATIONS=N, N requesters with a pending
 * request each, split between BENCH_NOTIFICATION_APPROVERS (default 10)
 * approvers; every login and workflow id is printed, so the notifications
 * section can subscribe as each requester and decide each request. GET
 * /bench/notifications answers how many feeds are subscribed on this
 * instance, the process's RSS, and when each notification was handed to the
 * feed (`publishedAt`, by notification id, in ms since the epoch to the
 * microsecond: performance.timeOrigin + performance.now()).
 *
 * With REDIS_URL, the server uses Redis as production does (rate limits, the
 * session-revocation channel, notification pub/sub); jobs stay in-process.
 */
const BENCH_EMAIL = 'bench@seed-pms.local';

const ferret = process.env.MONGO_URL ? undefined : await startFerretDb();
const config = benchConfig();
const seedCount = Number(process.env.BENCH_SEED_EMPLOYEES ?? 0);
const approvalsCount = Number(process.env.BENCH_APPROVALS ?? 0);
const notificationsCount = Number(process.env.BENCH_NOTIFICATIONS ?? 0);
const database = await connectDatabase({
  url: process.env.MONGO_URL ?? ferret?.url ?? '',
  dbName:
    seedCount > 0
      ? 'seed_pms_bench_directory'
      : approvalsCount > 0
        ? 'seed_pms_bench_approvals'
        : notificationsCount > 0
          ? 'seed_pms_bench_notifications'
          : 'seed_pms_bench',
  maxPoolSize: config.MONGO_POOL_MAX,
});
let redis: Redis | null = null;
if (config.REDIS_URL) {
  // Its own database (15, unless the URL names one): hundreds of benchmark sign-ins must not
  // fill the per-IP login counters that tests on the same Redis read. Pub/sub spans databases;
  // the notification channel's messages name their recipients, so nobody else's feed hears them.
  const named = new URL(config.REDIS_URL).pathname.replace('/', '');
  redis = new Redis(config.REDIS_URL, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    lazyConnect: true,
    db: named ? Number(named) : 15,
  });
  redis.on('error', () => undefined);
  await redis.connect();
}

/** What the directory section filters on: a pair many engineers hold (else the two most held skills). */
function queriedSkills(skills: SeededCatalogItem[]): SeededCatalogItem[] {
  const wanted = ['TypeScript', 'React'].map((name) => skills.find((skill) => skill.name === name));
  return wanted.every(Boolean) ? (wanted as SeededCatalogItem[]) : skills.slice(0, 2);
}

/** Empties the database, seeds `count` people and says how long that took and whom to sign in as. */
async function seedDirectory(count: number) {
  await database.reset();
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const started = performance.now();
  const result = await seedOrganisation(database, {
    count,
    passwordHash,
    dataKeys: config,
  });
  const seconds = (performance.now() - started) / 1000;
  const employee = result.logins.find((login) => login.role === 'employee');
  if (!employee) throw new Error('the seeded organisation has no plain employee');
  return {
    employees: result.employeeIds.length,
    seconds,
    email: employee.email,
    password: DEMO_PASSWORD,
    skills: queriedSkills(result.skills).map((skill) => ({ id: skill.id, name: skill.name })),
  };
}
const seeded = seedCount > 0 ? await seedDirectory(seedCount) : undefined;
const deps: AppDeps = {
  config,
  database,
  redis,
  jobs: createInProcessJobRunner({ error: () => undefined }),
  clock: () => new Date(),
  logger: pino({ level: 'silent' }),
};
const app = await buildApp(deps, { logger: false });
const services = await createServices(deps);
app.get('/bench/bare', async () => services.health.ready());
const { feed } = await serviceInternals(deps);
const publishedAt: Record<string, number> = {};
const publish = feed.publish.bind(feed);
feed.publish = (notification) => {
  publishedAt[notification.id] = performance.timeOrigin + performance.now();
  return publish(notification);
};
app.get('/bench/notifications', async () => ({
  subscribers: feed.size(),
  rssMb: process.memoryUsage().rss / 1024 / 1024,
  publishedAt,
}));
// The user the benchmark signs in as.
const repos = createRepositories(database);
if (!(await repos.users.byEmail(BENCH_EMAIL))) {
  await repos.users.insertAccount(
    {
      email: BENCH_EMAIL,
      name: 'Bench',
      roles: ['employee'],
      passwordHash: await hashPassword(BENCH_PASSWORD),
      mustChangePassword: false,
    },
    new Date(),
  );
}
/**
 * N reports of `approverCount` approvers (Managers; the reports dealt out in
 * turn), each report with one pending work-location request made through the
 * engine: with BENCH_APPROVALS=N one approver, whose inbox holds N items.
 * Returns every report's login, the workflow of their request and who decides it.
 */
async function seedApprovals(count: number, approverCount = 1) {
  const now = new Date();
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const stamp = Date.now().toString(36);
  const approvers = Array.from({ length: approverCount }, (_, i) => ({
    id: newIdString(),
    email: i === 0 ? `approver-${stamp}@seed-pms.local` : `approver-${stamp}-${i}@seed-pms.local`,
  }));
  const person = (
    id: string,
    email: string,
    name: string,
    roles: ('employee' | 'manager')[],
    managerId: string | null,
  ) => ({
    account: { id, email, name, roles, passwordHash, mustChangePassword: false },
    profile: { managerId, department: 'Bench' },
  });
  const requesters = Array.from({ length: count }, (_, i) => ({
    id: newIdString(),
    email: `requester-${stamp}-${i}@seed-pms.local`,
  }));
  const started = performance.now();
  await repos.employees.insertPeople(
    [
      ...approvers.map((a, i) => person(a.id, a.email, `Bench Approver ${i}`, ['manager'], null)),
      ...requesters.map((r, i) =>
        person(r.id, r.email, `Requester ${i}`, ['employee'], (approvers[i % approverCount] as { id: string }).id),
      ),
    ],
    now,
  );
  const actor = async (id: string): Promise<ActorContext> => {
    const user = await repos.users.get(id);
    if (!user) throw new Error(`no account ${id}`);
    return {
      ...systemCallContext('bench', new Date()),
      actor: { id, email: user.email, roles: user.roles, sessionId: null, pending: [] },
    };
  };
  const day = new Date().toISOString().slice(0, 10);
  const workflowIds: string[] = [];
  for (let i = 0; i < requesters.length; i += 8) {
    const made = await Promise.all(
      requesters
        .slice(i, i + 8)
        .map(async (r) =>
          services.workLocation.submit(await actor(r.id), { type: 'wfh', startDate: day, endDate: day }),
        ),
    );
    workflowIds.push(...made.map((request) => request.workflowId));
  }
  return {
    pending: count,
    seconds: (performance.now() - started) / 1000,
    approvers: approvers.map((a) => ({ email: a.email, password: BENCH_PASSWORD })),
    /** `approver`: the index in `approvers` of the one who decides. */
    requesters: requesters.map((r, i) => ({
      email: r.email,
      workflowId: workflowIds[i] as string,
      approver: i % approverCount,
    })),
  };
}
const approvals = await (async () => {
  if (approvalsCount <= 0) return undefined;
  const { pending, seconds, approvers, requesters } = await seedApprovals(approvalsCount);
  // The first reports' logins, for the submit → approve round trips.
  return {
    pending,
    seconds,
    approver: approvers[0],
    requesters: requesters.slice(0, 8).map((r) => ({ email: r.email, password: BENCH_PASSWORD })),
  };
})();
/** Every requester's login and workflow: each subscribes to their notifications, then their request is decided. */
const notifications = await (async () => {
  if (notificationsCount <= 0) return undefined;
  const { pending, seconds, approvers, requesters } = await seedApprovals(
    notificationsCount,
    Number(process.env.BENCH_NOTIFICATION_APPROVERS ?? 10),
  );
  return {
    feed: redis ? 'Redis pub/sub' : 'in-process',
    subscribers: pending,
    seconds,
    approvers,
    password: BENCH_PASSWORD,
    requesters,
  };
})();

const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(
  JSON.stringify({
    url,
    database: `${database.kind} ${database.serverVersion}`,
    email: BENCH_EMAIL,
    password: BENCH_PASSWORD,
    ...(seeded ? { seeded } : {}),
    ...(approvals ? { approvals } : {}),
    ...(notifications ? { notifications } : {}),
  }),
);

const stop = async () => {
  await app.close();
  await database.close();
  await redis?.quit().catch(() => undefined);
  await ferret?.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
