import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '@seed-pms/db';
import { useTestDatabase } from '@seed-pms/db/testing/vitest';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, inject } from 'vitest';
import { buildApp } from '../src/app/build-app.js';
import type { AppDeps } from '../src/app/deps.js';
import { loadConfig } from '../src/config/config.js';
import { createInProcessJobRunner, type JobRunner } from '../src/jobs/jobs.js';
import { registerJobs } from '../src/jobs/schedule.js';

export interface TestApp {
  app: FastifyInstance;
  deps: AppDeps;
  database: Database;
}

/**
 * The real server on the test file's own database, built exactly as main.ts
 * builds it (no listening socket: requests go through app.inject()).
 */
export interface TestAppOptions {
  /** Configuration; a function is read in beforeAll (after earlier hooks, e.g. a mail sink, have started). */
  env?: Record<string, string> | (() => Record<string, string>);
  /** Adds routes or hooks before the app is made ready (e.g. a route that throws). */
  extend?: (app: FastifyInstance) => void;
  /** Connects the real Redis (shared rate limits, readiness check). */
  redis?: boolean;
  /** A second instance on another test app's database (as two servers behind a load balancer). */
  sameDatabaseAs?: () => TestApp;
  /**
   * The app's clock (see clock.ts: `testClock()` stands still until moved).
   * Defaults to the wall clock, for tests that do not depend on the date.
   */
  clock?: () => Date;
  /** Makes the app's job runner (e.g. BullMQ on the real Redis); in-process by default. */
  jobs?: () => JobRunner;
}

export function useTestApp(label: string, options: TestAppOptions = {}): () => TestApp {
  const database = options.sameDatabaseAs
    ? () => (options.sameDatabaseAs as () => TestApp)().database
    : useTestDatabase(label);
  let testApp: TestApp | undefined;
  // Local file storage of this app (DATA_DIR), removed afterwards.
  let dataDirectory: string | undefined;
  beforeAll(async () => {
    const env = typeof options.env === 'function' ? options.env() : options.env;
    dataDirectory = await mkdtemp(join(tmpdir(), 'seed-pms-test-'));
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDirectory, ...env });
    const redis = options.redis ? new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 }) : null;
    const deps: AppDeps = {
      config,
      database: database(),
      redis,
      jobs: options.jobs?.() ?? createInProcessJobRunner(console),
      clock: options.clock ?? (() => new Date()),
      logger: pino({ level: 'silent' }),
    };
    await registerJobs(deps);
    await deps.jobs.start();
    const app = await buildApp(deps, { logger: false });
    options.extend?.(app);
    await app.ready();
    testApp = { app, deps, database: database() };
  });
  afterAll(async () => {
    await testApp?.app.close();
    await testApp?.deps.jobs.stop();
    if (dataDirectory) await rm(dataDirectory, { recursive: true, force: true });
    await testApp?.deps.redis?.quit();
  });
  return () => {
    if (!testApp) throw new Error('the test app is built in beforeAll');
    return testApp;
  };
}
