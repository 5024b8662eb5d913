import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ferretDbBinary, type RunningFerretDb, startFerretDb } from '@seed-pms/db/embedded';
import { type Config, dataDir as dataDirOf } from '../config/config.js';

export interface ChosenDatabase {
  url: string;
  /** What a person reads in the startup line. */
  description: string;
  /** Stops whatever this process started for it. */
  stop(): Promise<void>;
}

interface Lock {
  pid: number;
  url: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The database for `pnpm dev`/`start`/`repl` (ARCHITECTURE.md): MONGO_URL when
 * set; else an embedded real MongoDB from mongodb-memory-server when a mongod
 * binary is already on this machine (it is never downloaded here); else
 * FerretDB from the tools folder with its data in DATA_DIR/ferretdb. A second
 * process (the REPL beside a running server) joins the FerretDB the first one
 * started instead of opening the same files twice.
 */
export async function chooseDatabase(config: Config): Promise<ChosenDatabase> {
  if (config.MONGO_URL) {
    return {
      url: config.MONGO_URL,
      description: `MongoDB at ${redact(config.MONGO_URL)} (MONGO_URL)`,
      stop: async () => {},
    };
  }

  const mongod = await embeddedMongo();
  if (mongod) return mongod;

  const dataDir = join(dataDirOf(config), 'ferretdb');
  mkdirSync(dataDir, { recursive: true });
  const lockFile = join(dataDir, 'server.json');
  if (existsSync(lockFile)) {
    const lock = JSON.parse(readFileSync(lockFile, 'utf8')) as Lock;
    if (alive(lock.pid)) {
      return {
        url: lock.url,
        description: `FerretDB (shared, started by process ${lock.pid}) with data in ${dataDir}`,
        stop: async () => {},
      };
    }
    rmSync(lockFile, { force: true });
  }
  if (!existsSync(ferretDbBinary())) {
    throw new Error(
      'No database configured and the offline FerretDB is not built. Either set MONGO_URL to a MongoDB 7, ' +
        'or build FerretDB once (needs Go): bash scripts/build-test-tools.sh ferretdb',
    );
  }
  const running: RunningFerretDb = await startFerretDb({ dataDir });
  writeFileSync(lockFile, JSON.stringify({ pid: process.pid, url: running.url } satisfies Lock));
  return {
    url: running.url,
    description: `FerretDB (embedded, offline default) with data in ${dataDir}`,
    async stop() {
      rmSync(lockFile, { force: true });
      await running.stop();
    },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/** The MongoDB release the product targets (spec: MongoDB 7+). */
export const EMBEDDED_MONGO_VERSION = '7.0.14';

/** A replica set from mongodb-memory-server, only when a mongod binary is already present. */
async function embeddedMongo(): Promise<ChosenDatabase | undefined> {
  const { DryMongoBinary, MongoMemoryReplSet } = await import('mongodb-memory-server-core');
  const version = process.env.MONGOMS_VERSION ?? EMBEDDED_MONGO_VERSION;
  const binary = process.env.MONGOMS_SYSTEM_BINARY ?? (await DryMongoBinary.locateBinary({ version }));
  if (!binary) return undefined;
  const replSet = await MongoMemoryReplSet.create({ replSet: { count: 1 }, binary: { version, systemBinary: binary } });
  return {
    url: replSet.getUri(),
    description: `MongoDB (embedded replica set from mongodb-memory-server, ${binary})`,
    stop: async () => {
      await replSet.stop();
    },
  };
}
