import { connectDatabase, createRepositories, newIdString } from '@seed-pms/db';
import { startFerretDb } from '@seed-pms/db/embedded';
import { addDays, dayInTimezone, type Role } from '@seed-pms/domain';
import pino from 'pino';
import { buildApp } from '../app/build-app.js';
import { type ActorContext, systemCallContext } from '../app/call-context.js';
import type { AppDeps } from '../app/deps.js';
import { hashPassword } from '../auth/password.js';
import { type Config, loadConfig } from '../config/config.js';
import { createInProcessJobRunner } from '../jobs/jobs.js';
import { createServices } from '../services.js';

/** What the benchmark scripts share: the configuration, a server with its own database, people in bulk, timing helpers. */

export const BENCH_PASSWORD = 'bench passphrase 2026';

/** The production configuration with the defaults allowed, silent, and limits out of the way of the load. */
export function benchConfig(): Config {
  return loadConfig({
    ...process.env,
    NODE_ENV: 'production',
    ALLOW_INSECURE_DEFAULTS: 'true',
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAX: String(1_000_000_000),
    AUTH_RATE_LIMIT_PER_IP: String(1_000_000_000),
    AUTH_RATE_LIMIT_PER_ACCOUNT: String(1_000_000_000),
  });
}

export interface BenchPerson {
  id: string;
  email: string;
}

/**
 * A server listening on loopback in this process, on a database of its own
 * (emptied first) on its own FerretDB, or MONGO_URL; jobs in-process, no Redis.
 */
export async function startBenchServer(dbName: string) {
  const ferret = process.env.MONGO_URL ? undefined : await startFerretDb();
  const config = benchConfig();
  const database = await connectDatabase({
    url: process.env.MONGO_URL ?? ferret?.url ?? '',
    dbName,
    maxPoolSize: config.MONGO_POOL_MAX,
  });
  await database.reset();
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
  const repos = createRepositories(database);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const now = new Date();
  const today = dayInTimezone(now, (await services.settings.current(now)).organization.timezone);
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const stamp = Date.now().toString(36);

  /** Inserts people in bulk (accounts and profiles), joined two years ago; `managerOf(i)` their manager. */
  async function insertPeople(
    count: number,
    prefix: string,
    roles: Role[],
    managerOf: (i: number) => string | null = () => null,
  ): Promise<BenchPerson[]> {
    const people = Array.from({ length: count }, (_, i) => ({
      id: newIdString(),
      email: `${prefix}-${stamp}-${i}@seed-pms.local`,
    }));
    for (let i = 0; i < people.length; i += 1_000) {
      await repos.employees.insertPeople(
        people.slice(i, i + 1_000).map((p, j) => ({
          account: {
            id: p.id,
            email: p.email,
            name: `${prefix} ${i + j}`,
            roles,
            passwordHash,
            mustChangePassword: false,
          },
          profile: {
            managerId: managerOf(i + j),
            department: `Bench ${(i + j) % 12}`,
            joinDate: addDays(today, -800),
          },
        })),
        now,
      );
    }
    return people;
  }

  /** A use-case context for a person (no HTTP). */
  async function actor(id: string): Promise<ActorContext> {
    const user = await repos.users.get(id);
    if (!user) throw new Error(`no account ${id}`);
    return {
      ...systemCallContext('bench', new Date()),
      actor: { id, email: user.email, roles: user.roles, sessionId: null, pending: [] },
    };
  }

  /** An access token for a person, by signing in through the API. */
  async function token(person: BenchPerson): Promise<string> {
    const response = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: person.email, password: BENCH_PASSWORD }),
    });
    if (!response.ok) throw new Error(`bench login failed: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { accessToken: string }).accessToken;
  }

  async function close() {
    await app.close();
    await database.close();
    await ferret?.stop();
  }

  return { config, database, deps, services, repos, url, now, today, insertPeople, actor, token, close };
}

/** `work` over the items, `limit` at a time. */
export async function inBatches<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += limit)
    results.push(...(await Promise.all(items.slice(i, i + limit).map(work))));
  return results;
}

export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(sorted.length * q) - 1))] ?? 0;
}

/** This process's peak resident memory so far, in MB. */
export const rssMb = () => process.resourceUsage().maxRSS / 1024;
