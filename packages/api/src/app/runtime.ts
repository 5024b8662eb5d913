import { connectDatabase } from '@seed-pms/db';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import { type BootstrapOutcome, ensureBootstrapAdmin } from '../bootstrap/bootstrap-admin.js';
import type { Config } from '../config/config.js';
import { type ChosenDatabase, chooseDatabase } from '../database/embedded.js';
import { createBullMqJobRunner, createInProcessJobRunner } from '../jobs/jobs.js';
import { PROFILE_REPAIR_JOB, registerJobs, SEARCH_KEYS_REPAIR_JOB } from '../jobs/schedule.js';
import { serviceInternals } from '../services.js';
import type { AppDeps } from './deps.js';

export interface Runtime {
  deps: AppDeps;
  database: ChosenDatabase;
  bootstrap: BootstrapOutcome;
  /** Stops jobs, closes connections and stops an embedded database, in that order. */
  close(): Promise<void>;
}

/**
 * Everything but the HTTP server: the database (chosen as ARCHITECTURE.md
 * says), Redis when configured, the job runner and the bootstrap admin. Used by
 * main.ts, the REPL and the benchmark.
 */
export async function openRuntime(config: Config, logger: FastifyBaseLogger): Promise<Runtime> {
  const chosen = await chooseDatabase(config);
  const closers: (() => Promise<unknown>)[] = [() => chosen.stop()];
  const close = async () => {
    for (const closer of closers.reverse())
      await closer().catch((error: unknown) => logger.error({ err: error }, 'shutdown step failed'));
  };
  try {
    const database = await connectDatabase({
      url: chosen.url,
      dbName: config.MONGO_DB,
      maxPoolSize: config.MONGO_POOL_MAX,
      serverSelectionTimeoutMS: config.MONGO_SERVER_SELECTION_TIMEOUT_MS,
    });
    closers.push(() => database.close());

    let redis: Redis | null = null;
    if (config.REDIS_URL) {
      const client = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2_000, lazyConnect: true });
      client.on('error', (error) => logger.warn({ err: error }, 'redis error'));
      await client.connect();
      redis = client;
      closers.push(() => client.quit());
    }

    const jobs = config.REDIS_URL ? createBullMqJobRunner(config.REDIS_URL, logger) : createInProcessJobRunner(logger);
    const deps: AppDeps = { config, database, redis, jobs, clock: () => new Date(), logger };
    await registerJobs(deps);
    await jobs.start();
    closers.push(() => jobs.stop());

    const bootstrap = await ensureBootstrapAdmin(deps);
    // Read every account, profile and catalog item: in the background, so start-up does not wait for them.
    await jobs.enqueue(PROFILE_REPAIR_JOB);
    await jobs.enqueue(SEARCH_KEYS_REPAIR_JOB);
    await (await serviceInternals(deps)).files.storage.ensureReady();
    return { deps, database: chosen, bootstrap, close };
  } catch (error) {
    await close();
    throw error;
  }
}
