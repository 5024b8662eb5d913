import { type ChildProcess, spawn } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import {
  type RunningClamd,
  type RunningS3Server,
  startClamd,
  startVersityGw,
} from './packages/api/test/servers/index.js';
import { freePort, isPortOpen } from './packages/db/src/embedded/ferretdb.js';
import { startTestMongo, type TestMongo } from './packages/db/src/testing/test-server.js';
import type {} from './packages/db/src/testing/vitest.js';

let mongo: TestMongo | undefined;
let redisServer: ChildProcess | undefined;
let s3Server: RunningS3Server | undefined;
let clamd: RunningClamd | undefined;

/**
 * Redis for the queue and rate-limit tests: REDIS_URL when set, else the one our
 * machines run on 127.0.0.1:6379, else a throwaway redis-server started here.
 */
async function provideRedis(): Promise<string> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  if (await isPortOpen(6379)) return 'redis://127.0.0.1:6379';
  const port = await freePort();
  redisServer = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  redisServer.once('error', () => undefined);
  for (let i = 0; i < 100 && !(await isPortOpen(port)); i += 1) await new Promise((r) => setTimeout(r, 50));
  if (!(await isPortOpen(port))) {
    throw new Error('The tests need Redis: run one on 127.0.0.1:6379, install redis-server, or set REDIS_URL.');
  }
  return `redis://127.0.0.1:${port}`;
}

/**
 * One database server for the whole run: MONGO_URL when set (a real MongoDB 7),
 * else a FerretDB started here on a free loopback port, on PostgreSQL when one
 * is reachable (a database of the run's own, dropped at the end) and on SQLite
 * in a temp dir otherwise. See startTestMongo for the variables that choose.
 */
async function provideMongo(project: TestProject): Promise<void> {
  mongo = await startTestMongo(process.env);
  process.stdout.write(`tests: ${mongo.description}\n`);
  project.provide('mongoUrl', mongo.url);
  project.provide('mongoSource', mongo.source);
  project.provide('ferretDbHandler', mongo.handler);
}

/** S3 for the storage tests: TEST_S3_ENDPOINT (and its credentials) when set, else a versitygw started here. */
async function provideS3(project: TestProject): Promise<void> {
  const endpoint = process.env.TEST_S3_ENDPOINT;
  if (endpoint) {
    const { TEST_S3_ACCESS_KEY_ID: accessKeyId, TEST_S3_SECRET_ACCESS_KEY: secretAccessKey } = process.env;
    if (!accessKeyId || !secretAccessKey) {
      throw new Error('TEST_S3_ENDPOINT needs TEST_S3_ACCESS_KEY_ID and TEST_S3_SECRET_ACCESS_KEY as well.');
    }
    project.provide('s3', {
      endpoint,
      region: process.env.TEST_S3_REGION || 'us-east-1',
      accessKeyId,
      secretAccessKey,
    });
    return;
  }
  s3Server = await startVersityGw();
  const { region, accessKeyId, secretAccessKey } = s3Server;
  project.provide('s3', { endpoint: s3Server.endpoint, region, accessKeyId, secretAccessKey });
}

/** clamd for the scan tests: TEST_CLAMAV_URL when set, else one started here with an EICAR-only database. */
async function provideClamav(project: TestProject): Promise<void> {
  const external = process.env.TEST_CLAMAV_URL;
  if (external) {
    project.provide('clamavUrl', external);
    return;
  }
  clamd = await startClamd();
  project.provide('clamavUrl', clamd.url);
}

/** The servers start side by side; if one fails, the others are stopped before the error is reported. */
export async function setup(project: TestProject): Promise<void> {
  const started = await Promise.allSettled([
    provideRedis().then((url) => project.provide('redisUrl', url)),
    provideMongo(project),
    provideS3(project),
    provideClamav(project),
  ]);
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await teardown();
    throw failure.reason;
  }
}

export async function teardown(): Promise<void> {
  await Promise.all([mongo?.stop(), s3Server?.stop(), clamd?.stop()]);
  redisServer?.kill('SIGTERM');
}
