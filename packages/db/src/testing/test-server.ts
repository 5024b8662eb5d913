import { randomBytes } from 'node:crypto';
import { FERRETDB_VERSION, type FerretDbHandler, type RunningFerretDb, startFerretDb } from '../embedded/ferretdb.js';
import {
  connectPostgres,
  type PostgresConnection,
  parsePostgresUrl,
  quoteIdent,
  quoteLiteral,
  redactPostgresUrl,
  withDatabase,
} from '../embedded/postgres.js';

/** The PostgreSQL our machines and CI run, tried when nothing else is said. */
export const DEFAULT_TEST_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Every run's PostgreSQL database is named `<prefix><ms since epoch, base 36>_<random>`. */
export const RUN_DATABASE_PREFIX = 'seed_pms_test_';

/**
 * A run database nobody is connected to is left over from a run that died; it
 * is dropped once it is this old. A live run holds a connection to its own
 * database from a few milliseconds after creating it until it drops it, so the
 * age only covers the moment between CREATE DATABASE and that connection.
 */
export const STALE_RUN_DATABASE_MS = 60_000;

/**
 * A PostgreSQL database of one test run's own, which FerretDB keeps the run's
 * data in. While the run lives it holds a connection to it, so no other run's
 * clean-up can drop it (PostgreSQL refuses to drop a database in use).
 */
export interface RunDatabase {
  name: string;
  /** postgres:// URL of this database. */
  url: string;
  /** The server's version, e.g. `15.20`. */
  serverVersion: string;
  /** `host:port` of the server. */
  address: string;
  /** Names of the databases of earlier, dead runs this one dropped before starting. */
  droppedStale: string[];
  /** Drops the database (stop FerretDB first). */
  drop(): Promise<void>;
}

function createdAtOf(name: string): number | undefined {
  const stamp = name.slice(RUN_DATABASE_PREFIX.length).split('_')[0] ?? '';
  const ms = Number.parseInt(stamp, 36);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Drops the run databases that no session is connected to and that are older
 * than STALE_RUN_DATABASE_MS: what a crashed run (killed test process, lost
 * machine) left behind. Databases in use are never touched: the drop is a
 * plain DROP DATABASE, which PostgreSQL refuses while anyone is connected.
 */
export async function dropStaleRunDatabases(admin: PostgresConnection, now = Date.now()): Promise<string[]> {
  const prefix = quoteLiteral(RUN_DATABASE_PREFIX);
  const rows = await admin.query(
    `SELECT d.datname FROM pg_database d WHERE left(d.datname, length(${prefix})) = ${prefix} ` +
      'AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname) ORDER BY 1',
  );
  const dropped: string[] = [];
  for (const [name] of rows) {
    const createdAt = name ? createdAtOf(name) : undefined;
    if (!name || createdAt === undefined || now - createdAt < STALE_RUN_DATABASE_MS) continue;
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
      dropped.push(name);
    } catch {
      // In use after all (a run that started just now), or not ours to drop: leave it.
    }
  }
  return dropped;
}

/**
 * Creates a database for this run on the server `baseUrl` names (connecting to
 * the database in it, usually `postgres`), after dropping what dead runs left.
 */
export async function createRunDatabase(baseUrl: string, now = Date.now()): Promise<RunDatabase> {
  const admin = await connectPostgres(baseUrl);
  const name = `${RUN_DATABASE_PREFIX}${now.toString(36)}_${randomBytes(4).toString('hex')}`;
  const url = withDatabase(baseUrl, name);
  const major = Number.parseInt(admin.serverVersion, 10);
  // WITH (FORCE) (PostgreSQL 13+) also ends a FerretDB connection that outlived its server's stop.
  const dropSql = `DROP DATABASE IF EXISTS ${quoteIdent(name)}${major >= 13 ? ' WITH (FORCE)' : ''}`;
  let hold: PostgresConnection;
  let droppedStale: string[];
  try {
    droppedStale = await dropStaleRunDatabases(admin, now);
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
    try {
      hold = await connectPostgres(url);
    } catch (error) {
      await admin.query(dropSql).catch(() => undefined);
      throw error;
    }
  } finally {
    await admin.close();
  }
  return {
    name,
    url,
    serverVersion: admin.serverVersion.split(' ')[0] ?? admin.serverVersion,
    address: admin.address,
    droppedStale,
    async drop() {
      await hold.close();
      const again = await connectPostgres(baseUrl);
      try {
        await again.query(dropSql);
      } finally {
        await again.close();
      }
    },
  };
}

/** The server the suite's test files make their databases on. */
export interface TestMongo {
  /** mongodb:// URL without a database name. */
  url: string;
  /** 'ferretdb' when started here, 'external' when MONGO_URL names one. */
  source: 'ferretdb' | 'external';
  /** FerretDB's handler; null for MONGO_URL. */
  handler: FerretDbHandler | null;
  /** One line for the log: what the suite runs on, and why. */
  description: string;
  stop(): Promise<void>;
}

/** The environment variables that choose the test database (see the root README). */
export interface TestMongoEnv {
  MONGO_URL?: string | undefined;
  TEST_FERRETDB_HANDLER?: string | undefined;
  TEST_POSTGRES_URL?: string | undefined;
}

const ferretName = `FerretDB ${FERRETDB_VERSION.replace(/^v/, '')}`;

function redactMongoUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Starts the suite's database server:
 * - `MONGO_URL` set: that server (a real MongoDB 7), nothing started;
 * - else FerretDB, on PostgreSQL when one is there and on SQLite otherwise.
 *   PostgreSQL is `TEST_POSTGRES_URL`, else the one our machines and CI run
 *   (DEFAULT_TEST_POSTGRES_URL); the run gets a database of its own on it,
 *   dropped at the end. `TEST_FERRETDB_HANDLER=sqlite|postgresql` forces one;
 *   with it (or with `TEST_POSTGRES_URL`) a PostgreSQL that cannot be used is an
 *   error rather than a reason to fall back to SQLite.
 */
export async function startTestMongo(
  env: TestMongoEnv = process.env,
  options: { defaultPostgresUrl?: string } = {},
): Promise<TestMongo> {
  if (env.MONGO_URL) {
    return {
      url: env.MONGO_URL,
      source: 'external',
      handler: null,
      description: `MongoDB at ${redactMongoUrl(env.MONGO_URL)} (MONGO_URL)`,
      stop: async () => {},
    };
  }
  const forced = env.TEST_FERRETDB_HANDLER || undefined;
  if (forced !== undefined && forced !== 'sqlite' && forced !== 'postgresql') {
    throw new Error(`TEST_FERRETDB_HANDLER must be sqlite or postgresql, not "${forced}"`);
  }
  const postgresUrl = env.TEST_POSTGRES_URL || options.defaultPostgresUrl || DEFAULT_TEST_POSTGRES_URL;

  let database: RunDatabase | undefined;
  let why: string;
  if (forced === 'sqlite') {
    why = 'TEST_FERRETDB_HANDLER=sqlite';
  } else {
    try {
      database = await createRunDatabase(postgresUrl);
      why = '';
    } catch (error) {
      if (forced === 'postgresql' || env.TEST_POSTGRES_URL) {
        throw new Error(
          `The tests were asked to use PostgreSQL at ${redactPostgresUrl(postgresUrl)}, which failed: ` +
            `${reasonOf(error)}. Unset TEST_FERRETDB_HANDLER and TEST_POSTGRES_URL to fall back to SQLite.`,
        );
      }
      const target = parsePostgresUrl(postgresUrl);
      why = `no usable PostgreSQL at ${target.socketPath ?? `${target.host}:${target.port}`}: ${reasonOf(error)}`;
    }
  }

  let ferret: RunningFerretDb;
  try {
    ferret = database
      ? await startFerretDb({ handler: 'postgresql', postgresqlUrl: database.url })
      : await startFerretDb({ handler: 'sqlite' });
  } catch (error) {
    await database?.drop().catch(() => undefined);
    throw error;
  }
  const stale = database?.droppedStale.length ? `; dropped ${database.droppedStale.length} left by an earlier run` : '';
  return {
    url: ferret.url,
    source: 'ferretdb',
    handler: ferret.handler,
    description: database
      ? `${ferretName} on PostgreSQL ${database.serverVersion} (${database.address}, database ${database.name}${stale})`
      : `${ferretName} on SQLite (${why})`,
    async stop() {
      await ferret.stop();
      // A database that cannot be dropped now (the server went away) is dropped by the next run.
      await database?.drop().catch((error: unknown) => {
        process.stderr.write(`tests: could not drop ${database.name} (${reasonOf(error)}); the next run will\n`);
      });
    },
  };
}
