import { connectDatabase } from '@seed-pms/db';
import { startFerretDb } from '@seed-pms/db/embedded';
import { buildApp } from '../app/build-app.js';
import type { AppDeps } from '../app/deps.js';
import { loadConfig } from '../config/config.js';
import { createInProcessJobRunner } from '../jobs/jobs.js';
import { createServices } from '../services.js';

/**
 * The server under benchmark, in its own process so the load generator does not
 * share its event loop: the production wiring on the test database (FerretDB,
 * or MONGO_URL), plus one bare Fastify route doing the same work as the
 * measured procedure without tRPC or the REST adapter. Prints its URL.
 */
const ferret = process.env.MONGO_URL ? undefined : await startFerretDb();
const config = loadConfig({
  ...process.env,
  NODE_ENV: 'production',
  ALLOW_INSECURE_DEFAULTS: 'true',
  LOG_LEVEL: 'silent',
  RATE_LIMIT_MAX: String(1_000_000_000),
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
};
const app = await buildApp(deps, { logger: false });
const services = createServices(deps);
app.get('/bench/bare', async () => services.health.ready());
const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(JSON.stringify({ url, database: `${database.kind} ${database.serverVersion}` }));

const stop = async () => {
  await app.close();
  await database.close();
  await ferret?.stop();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
