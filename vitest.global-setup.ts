import { type RunningFerretDb, startFerretDb } from '@seed-pms/db/embedded';
import type { TestProject } from 'vitest/node';
import type {} from '@seed-pms/db/testing/vitest';

let ferret: RunningFerretDb | undefined;

/**
 * One database server for the whole run: MONGO_URL when set (a real MongoDB 7),
 * else a FerretDB started here on a temp dir and a free loopback port.
 */
export async function setup(project: TestProject): Promise<void> {
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
}
