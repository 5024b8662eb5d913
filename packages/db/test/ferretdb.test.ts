import { existsSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { ferretDbBinary, freePort, isPortOpen, startFerretDb } from '../src/embedded/ferretdb.js';

describe('the FerretDB harness', () => {
  it('the binary is built where the build script puts it', () => {
    expect(existsSync(ferretDbBinary())).toBe(true);
  });

  it('starts a server on a free loopback port that speaks the MongoDB protocol, and stops it cleanly', async () => {
    const server = await startFerretDb();
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
    expect(existsSync(server.dataDir)).toBe(false);
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
