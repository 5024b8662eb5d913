import type { Database, Repositories } from '@seed-pms/db';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import type { JobRunner } from '../jobs/jobs.js';

/** Everything the server is built from; made by main.ts, by tests and by the REPL. */
export interface AppDeps {
  config: Config;
  database: Database;
  /** Present when REDIS_URL is set: shared rate limits, queues, readiness. */
  redis: Redis | null;
  jobs: JobRunner;
  clock: () => Date;
  /** For work outside a request (jobs, event handlers, the email sender). */
  logger: FastifyBaseLogger;
}

/**
 * What a service is built from: the app's dependencies with the database seen
 * only through its repositories (string ids, records and views in and out).
 */
export interface ServiceDeps extends Omit<AppDeps, 'database'> {
  repos: Repositories;
}
