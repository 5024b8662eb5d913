import repl from 'node:repl';
import { createRepositories } from '@seed-pms/db';
import type { Actor } from '@seed-pms/domain';
import pino from 'pino';
import { openRuntime } from '../app/runtime.js';
import { resealAll, sealedFields } from '../auth/sealed-fields.js';
import { dataBox } from '../auth/secrets.js';
import { loadConfig, loadDotEnv } from '../config/config.js';
import { createServices } from '../services.js';
import { internalContext } from '../trpc/internal-context.js';
import { appRouter } from '../trpc/router.js';
import { createCallerFactory } from '../trpc/trpc.js';

/**
 * `pnpm repl`: a Node REPL on the same database the server uses, with
 * `config`, `repos` (every area's repository: string ids and records),
 * `services`, `appRouter` and `caller(email?)` preloaded. `await
 * caller('admin@example.com').health.deep()` runs a procedure as that user,
 * with all of its checks; `caller()` calls as an anonymous visitor. `await
 * reseal()` re-seals now what the `secrets.reseal` job would (key rotation).
 */
loadDotEnv();
const config = loadConfig();
const logger = pino({ level: 'warn' });
const runtime = await openRuntime(config, logger);
const repos = createRepositories(runtime.deps.database);
const services = await createServices(runtime.deps);
const createCaller = createCallerFactory(appRouter);

async function actorFor(email: string): Promise<Actor> {
  const user = await repos.users.byEmail(email);
  if (!user) throw new Error(`no user with email ${email}`);
  if (user.status !== 'active') throw new Error(`${email} is ${user.status}`);
  return { id: user.id, email: user.email, roles: user.roles, sessionId: null, pending: [] };
}

/** A tRPC caller acting as the user with this email (anonymous without one). */
async function caller(email?: string, headers?: Record<string, string>) {
  const actor = email ? await actorFor(email) : null;
  return createCaller(internalContext({ services, actor, ...(headers ? { headers } : {}) }));
}

/** The key rotation's re-seal, now: every sealed value not under the current DATA_ENCRYPTION_KEY; answers the counts. */
const reseal = () => resealAll(dataBox(config), sealedFields(repos), { logger });

console.log(`Seed PMS REPL — database: ${runtime.database.description}`);
console.log(
  'Preloaded: config, repos, services, appRouter, caller(email?), reseal(). Try: await (await caller()).health.ready()',
);
const server = repl.start({ prompt: 'seed-pms> ', useGlobal: false });
Object.assign(server.context, { config, repos, services, appRouter, caller, reseal });
server.on('exit', () => {
  void runtime.close().then(() => process.exit(0));
});
