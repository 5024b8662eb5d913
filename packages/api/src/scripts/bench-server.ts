import { connectDatabase, createRepositories, newIdString } from '@seed-pms/db';
import { startFerretDb } from '@seed-pms/db/embedded';
import pino from 'pino';
import { buildApp } from '../app/build-app.js';
import { type ActorContext, systemCallContext } from '../app/call-context.js';
import type { AppDeps } from '../app/deps.js';
import { hashPassword } from '../auth/password.js';
import { loadConfig } from '../config/config.js';
import { createInProcessJobRunner } from '../jobs/jobs.js';
import { createServices } from '../services.js';
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
 */
const BENCH_EMAIL = 'bench@seed-pms.local';
const BENCH_PASSWORD = 'bench passphrase 2026';

const ferret = process.env.MONGO_URL ? undefined : await startFerretDb();
const config = loadConfig({
  ...process.env,
  NODE_ENV: 'production',
  ALLOW_INSECURE_DEFAULTS: 'true',
  LOG_LEVEL: 'silent',
  RATE_LIMIT_MAX: String(1_000_000_000),
  AUTH_RATE_LIMIT_PER_IP: String(1_000_000_000),
  AUTH_RATE_LIMIT_PER_ACCOUNT: String(1_000_000_000),
});
const seedCount = Number(process.env.BENCH_SEED_EMPLOYEES ?? 0);
const database = await connectDatabase({
  url: process.env.MONGO_URL ?? ferret?.url ?? '',
  dbName:
    seedCount > 0
      ? 'seed_pms_bench_directory'
      : process.env.BENCH_APPROVALS
        ? 'seed_pms_bench_approvals'
        : 'seed_pms_bench',
  maxPoolSize: config.MONGO_POOL_MAX,
});

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
    dataEncryptionKey: config.DATA_ENCRYPTION_KEY,
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
  redis: null,
  jobs: createInProcessJobRunner({ error: () => undefined }),
  clock: () => new Date(),
  logger: pino({ level: 'silent' }),
};
const app = await buildApp(deps, { logger: false });
const services = await createServices(deps);
app.get('/bench/bare', async () => services.health.ready());
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
 * With BENCH_APPROVALS=N: an approver (a Manager) with N reports, each with
 * one pending work-location request made through the engine, so the
 * approver's inbox holds N items; the first reports' logins are printed for
 * the submit → approve round trips.
 */
async function seedApprovals(count: number) {
  const now = new Date();
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const approverId = newIdString();
  const stamp = Date.now().toString(36);
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
      person(approverId, `approver-${stamp}@seed-pms.local`, 'Bench Approver', ['manager'], null),
      ...requesters.map((r, i) => person(r.id, r.email, `Requester ${i}`, ['employee'], approverId)),
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
  for (let i = 0; i < requesters.length; i += 8) {
    await Promise.all(
      requesters
        .slice(i, i + 8)
        .map(async (r) =>
          services.workLocation.submit(await actor(r.id), { type: 'wfh', startDate: day, endDate: day }),
        ),
    );
  }
  return {
    pending: count,
    seconds: (performance.now() - started) / 1000,
    approver: { email: `approver-${stamp}@seed-pms.local`, password: BENCH_PASSWORD },
    requesters: requesters.slice(0, 8).map((r) => ({ email: r.email, password: BENCH_PASSWORD })),
  };
}
const approvalsCount = Number(process.env.BENCH_APPROVALS ?? 0);
const approvals = approvalsCount > 0 ? await seedApprovals(approvalsCount) : undefined;

const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(
  JSON.stringify({
    url,
    database: `${database.kind} ${database.serverVersion}`,
    email: BENCH_EMAIL,
    password: BENCH_PASSWORD,
    ...(seeded ? { seeded } : {}),
    ...(approvals ? { approvals } : {}),
  }),
);

const stop = async () => {
  await app.close();
  await database.close();
  await ferret?.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
