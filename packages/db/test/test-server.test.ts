import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/embedded/ferretdb.js';
import { connectPostgres, quoteIdent, quoteLiteral, withDatabase } from '../src/embedded/postgres.js';
import {
  createRunDatabase,
  DEFAULT_TEST_POSTGRES_URL,
  dropStaleRunDatabases,
  RUN_DATABASE_PREFIX,
  STALE_RUN_DATABASE_MS,
  startTestMongo,
} from '../src/testing/test-server.js';

const postgresUrl = process.env.TEST_POSTGRES_URL || DEFAULT_TEST_POSTGRES_URL;
const postgresReachable = await connectPostgres(postgresUrl).then(
  (connection) => connection.close().then(() => true),
  () => false,
);

/** Inserts and reads back a document, so the server is known to work. */
async function roundTrip(url: string): Promise<unknown> {
  const client = await new MongoClient(url).connect();
  try {
    await client
      .db('choice')
      .collection('x')
      .insertOne({ _id: 'a' as never, ok: true });
    return await client.db('choice').collection('x').findOne({});
  } finally {
    await client.db('choice').dropDatabase();
    await client.close();
  }
}

describe('choosing the test database', () => {
  it('MONGO_URL wins and starts nothing', async () => {
    const chosen = await startTestMongo({
      MONGO_URL: 'mongodb://user:secret@db.example:27017',
      TEST_FERRETDB_HANDLER: 'x',
    });
    expect(chosen).toMatchObject({ url: 'mongodb://user:secret@db.example:27017', source: 'external', handler: null });
    expect(chosen.description).toBe('MongoDB at mongodb://***@db.example:27017 (MONGO_URL)');
    await chosen.stop();
  });

  it('refuses an unknown TEST_FERRETDB_HANDLER', async () => {
    await expect(startTestMongo({ TEST_FERRETDB_HANDLER: 'mysql' })).rejects.toThrow(
      'TEST_FERRETDB_HANDLER must be sqlite or postgresql',
    );
  });

  it('TEST_FERRETDB_HANDLER=sqlite forces SQLite', async () => {
    const chosen = await startTestMongo({ TEST_FERRETDB_HANDLER: 'sqlite' });
    try {
      expect(chosen).toMatchObject({ source: 'ferretdb', handler: 'sqlite' });
      expect(chosen.description).toBe('FerretDB 1.24.2 on SQLite (TEST_FERRETDB_HANDLER=sqlite)');
      expect(await roundTrip(chosen.url)).toEqual({ _id: 'a', ok: true });
    } finally {
      await chosen.stop();
    }
  });

  it('falls back to SQLite when no PostgreSQL answers and none was asked for, and says why', async () => {
    const closed = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
    const chosen = await startTestMongo({}, { defaultPostgresUrl: closed });
    try {
      expect(chosen.handler).toBe('sqlite');
      expect(chosen.description).toMatch(
        /^FerretDB 1\.24\.2 on SQLite \(no usable PostgreSQL at 127\.0\.0\.1:\d+: .*ECONNREFUSED/,
      );
      expect(await roundTrip(chosen.url)).toEqual({ _id: 'a', ok: true });
    } finally {
      await chosen.stop();
    }
  });

  it('a PostgreSQL asked for (TEST_POSTGRES_URL or TEST_FERRETDB_HANDLER=postgresql) that fails is an error', async () => {
    const closed = `postgres://postgres:secret@127.0.0.1:${await freePort()}/postgres`;
    await expect(startTestMongo({ TEST_POSTGRES_URL: closed })).rejects.toThrow(
      /asked to use PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres, which failed: .*ECONNREFUSED/,
    );
    await expect(
      startTestMongo({ TEST_FERRETDB_HANDLER: 'postgresql' }, { defaultPostgresUrl: closed }),
    ).rejects.toThrow('Unset TEST_FERRETDB_HANDLER and TEST_POSTGRES_URL to fall back to SQLite');
  });

  it.runIf(postgresReachable)(
    'uses PostgreSQL when it answers, in a database of the run, gone after stop',
    async () => {
      const chosen = await startTestMongo({}, { defaultPostgresUrl: postgresUrl });
      const name = /database (seed_pms_test_[a-z0-9]+_[0-9a-f]+)/.exec(chosen.description)?.[1];
      const admin = await connectPostgres(postgresUrl);
      try {
        expect(chosen).toMatchObject({ source: 'ferretdb', handler: 'postgresql' });
        expect(chosen.description).toMatch(/^FerretDB 1\.24\.2 on PostgreSQL \d+\.\d+ \(127\.0\.0\.1:5432, database /);
        expect(await roundTrip(chosen.url)).toEqual({ _id: 'a', ok: true });
        expect(await admin.query(`SELECT 1 FROM pg_database WHERE datname = ${quoteLiteral(name ?? '')}`)).toEqual([
          ['1'],
        ]);
      } finally {
        await chosen.stop();
      }
      expect(await admin.query(`SELECT 1 FROM pg_database WHERE datname = ${quoteLiteral(name ?? '')}`)).toEqual([]);
      await admin.close();
    },
  );
});

describe.runIf(postgresReachable)('what a crashed run leaves in PostgreSQL', () => {
  const made: string[] = [];
  let admin: Awaited<ReturnType<typeof connectPostgres>> | undefined;
  const exists = async (name: string) =>
    (await admin?.query(`SELECT 1 FROM pg_database WHERE datname = ${quoteLiteral(name)}`))?.length === 1;
  const make = async (createdAt: number, tag: string) => {
    const name = `${RUN_DATABASE_PREFIX}${createdAt.toString(36)}_${tag}`;
    await admin?.query(`CREATE DATABASE ${quoteIdent(name)}`);
    made.push(name);
    return name;
  };

  afterAll(async () => {
    for (const name of made) await admin?.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await admin?.close();
  });

  it('the next run drops run databases nobody uses, and never one in use or just created', async () => {
    admin = await connectPostgres(postgresUrl);
    const long = Date.now() - 10 * STALE_RUN_DATABASE_MS;
    const dead = await make(long, `dead${process.pid}`);
    const inUse = await make(long, `live${process.pid}`);
    const fresh = await make(Date.now(), `new${process.pid}`);
    const holder = await connectPostgres(withDatabase(postgresUrl, inUse));
    try {
      // Another run on the same server may be cleaning at the same moment: what counts is what is left.
      const dropped = await dropStaleRunDatabases(admin);
      expect(dropped).not.toContain(inUse);
      expect(dropped).not.toContain(fresh);
      expect(await exists(dead)).toBe(false);
      expect(await exists(inUse)).toBe(true);
      expect(await exists(fresh)).toBe(true);

      const again = await make(long, `dead2${process.pid}`);
      const run = await createRunDatabase(postgresUrl);
      try {
        expect(await exists(again)).toBe(false);
        expect(await exists(inUse)).toBe(true);
        // A live run holds a connection to its own database, so PostgreSQL refuses to drop it
        // (55006, object in use) whatever another run's clean-up thinks of its age.
        await expect(admin.query(`DROP DATABASE ${quoteIdent(run.name)}`)).rejects.toMatchObject({ code: '55006' });
        expect(await exists(run.name)).toBe(true);
      } finally {
        await run.drop();
      }
      expect(await exists(run.name)).toBe(false);
    } finally {
      await holder.close();
    }
  });
});
