import { existsSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { ferretDbBinary, freePort, isPortOpen, startFerretDb } from '../src/embedded/ferretdb.js';
import { connectPostgres, quoteLiteral } from '../src/embedded/postgres.js';
import { createRunDatabase, DEFAULT_TEST_POSTGRES_URL } from '../src/testing/test-server.js';

/** The PostgreSQL the suite would use; these tests run where one answers (our machines, CI). */
const postgresUrl = process.env.TEST_POSTGRES_URL || DEFAULT_TEST_POSTGRES_URL;
const postgresReachable = await connectPostgres(postgresUrl).then(
  (connection) => connection.close().then(() => true),
  () => false,
);

describe('the FerretDB harness', () => {
  it('the binary is built where the build script puts it', () => {
    expect(existsSync(ferretDbBinary())).toBe(true);
  });

  it('starts a server on a free loopback port that speaks the MongoDB protocol, and stops it cleanly', async () => {
    const server = await startFerretDb();
    expect(server.handler).toBe('sqlite');
    expect(server.dataDir).toBeDefined();
    try {
      expect(server.url).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/\?directConnection=true&retryWrites=false/);
      const client = await new MongoClient(server.url).connect();
      const info = await client.db('admin').command({ buildInfo: 1 });
      expect(info.ferretdbVersion).toBe('v1.24.2');
      await client.db('harness').collection('x').insertOne({ a: 1 });
      expect(await client.db('harness').collection('x').countDocuments()).toBe(1);
      await client.close();
    } finally {
      await server.stop();
    }
    expect(server.process.exitCode !== null || server.process.signalCode !== null).toBe(true);
    expect(await isPortOpen(server.port)).toBe(false);
    expect(existsSync(server.dataDir ?? '')).toBe(false);
  });

  it('keeps data in a given directory across restarts', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'seed-ferret-keep-'));
    try {
      const first = await startFerretDb({ dataDir: dir });
      const c1 = await new MongoClient(first.url).connect();
      await c1.db('keep').collection('x').insertOne({ kept: true });
      await c1.close();
      await first.stop();
      const second = await startFerretDb({ dataDir: dir, port: await freePort() });
      const c2 = await new MongoClient(second.url).connect();
      expect(
        await c2
          .db('keep')
          .collection('x')
          .findOne({}, { projection: { _id: 0 } }),
      ).toEqual({ kept: true });
      await c2.close();
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.runIf(postgresReachable)('the FerretDB harness on PostgreSQL', () => {
  it('keeps each MongoDB database as a schema of a run database of its own, and drops it at the end', async () => {
    const database = await createRunDatabase(postgresUrl);
    const server = await startFerretDb({ handler: 'postgresql', postgresqlUrl: database.url });
    const admin = await connectPostgres(postgresUrl);
    try {
      expect(server.handler).toBe('postgresql');
      expect(server.dataDir).toBeUndefined();
      const client = await new MongoClient(server.url).connect();
      expect((await client.db('admin').command({ buildInfo: 1 })).ferretdbVersion).toBe('v1.24.2');
      await client.db('harness').collection('x').insertOne({ a: 1 });
      expect(await client.db('harness').collection('x').countDocuments()).toBe(1);
      await client.close();
      const inRun = await connectPostgres(database.url);
      expect(await inRun.query("SELECT nspname FROM pg_namespace WHERE nspname = 'harness'")).toEqual([['harness']]);
      await inRun.close();
    } finally {
      await server.stop();
      await database.drop();
    }
    expect(await isPortOpen(server.port)).toBe(false);
    expect(await admin.query(`SELECT 1 FROM pg_database WHERE datname = ${quoteLiteral(database.name)}`)).toEqual([]);
    await admin.close();
  });
});
