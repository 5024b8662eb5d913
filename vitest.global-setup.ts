import { type ChildProcess, spawn } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { freePort, isPortOpen, type RunningFerretDb, startFerretDb } from './packages/db/src/embedded/ferretdb.js';
import type {} from './packages/db/src/testing/vitest.js';

let ferret: RunningFerretDb | undefined;
let redisServer: ChildProcess | undefined;

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
 * else a FerretDB started here on a temp dir and a free loopback port.
 */
export async function setup(project: TestProject): Promise<void> {
  project.provide('redisUrl', await provideRedis());
  const external = process.env.MONGO_URL;
  if (external) {
    project.provide('mongoUrl', external);
    project.provide('mongoSource', 'external');
    return;
  }
  ferret = await startFerretDb();
  project.provide('mongoUrl', ferret.url);
  project.provide('mongoSource', 'ferretdb');
}

export async function teardown(): Promise<void> {
  await ferret?.stop();
  redisServer?.kill('SIGTERM');
}
