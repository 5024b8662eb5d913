import { connectDatabase, findUserByEmail, insertUser } from '@seed-pms/db';
import { startFerretDb } from '@seed-pms/db/embedded';
import pino from 'pino';
import { buildApp } from '../app/build-app.js';
import type { AppDeps } from '../app/deps.js';
import { hashPassword } from '../auth/password.js';
import { loadConfig } from '../config/config.js';
import { createInProcessJobRunner } from '../jobs/jobs.js';
import { createServices } from '../services.js';

/**
 * The server under benchmark, in its own process so the load generator does not
 * share its event loop: the production wiring on the test database (FerretDB,
 * or MONGO_URL), plus one bare Fastify route doing the same work as the
 * measured procedure without tRPC or the REST adapter. Prints its URL.
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
const database = await connectDatabase({
  url: process.env.MONGO_URL ?? ferret?.url ?? '',
  dbName: 'seed_pms_bench',
  maxPoolSize: config.MONGO_POOL_MAX,
});
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
if (!(await findUserByEmail(database.collections.users, BENCH_EMAIL))) {
  await insertUser(
    database.collections.users,
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
const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(
  JSON.stringify({
    url,
    database: `${database.kind} ${database.serverVersion}`,
    email: BENCH_EMAIL,
    password: BENCH_PASSWORD,
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
