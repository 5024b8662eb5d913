import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWithParent } from './exit-with-parent.js';

/** The FerretDB release the suite is pinned to (see ARCHITECTURE.md, "Databases in tests"). */
export const FERRETDB_VERSION = 'v1.24.2';

/** Where scripts/build-test-tools.sh puts the binaries it builds. */
export function toolsDir(): string {
  if (process.env.SEED_TOOLS_DIR) return process.env.SEED_TOOLS_DIR;
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return join(cache, 'seed-pms', 'tools');
}

export function ferretDbBinary(): string {
  return join(toolsDir(), `ferretdb-${FERRETDB_VERSION}`, 'ferretdb');
}

/** A free TCP port on the loopback interface, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Whether something accepts TCP connections on this loopback port. */
export function isPortOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(port, '127.0.0.1');
  });
}

/**
 * Where FerretDB keeps the data: SQLite files in a directory (the offline
 * default, needs nothing), or a PostgreSQL database (each MongoDB database
 * becomes a schema in it).
 */
export type FerretDbHandler = 'sqlite' | 'postgresql';

export interface FerretDbOptions {
  /** 'sqlite' unless told otherwise. */
  handler?: FerretDbHandler;
  /** The PostgreSQL database for the 'postgresql' handler (it must exist), e.g. `postgres://postgres@127.0.0.1:5432/x`. */
  postgresqlUrl?: string;
  /** Directory for the SQLite files; a temporary one (removed on stop) when omitted. Unused on PostgreSQL. */
  dataDir?: string;
  port?: number;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** How long to wait for the port to accept connections. */
  startTimeoutMs?: number;
}

export interface RunningFerretDb {
  /** Connection string without a database name. */
  url: string;
  port: number;
  handler: FerretDbHandler;
  /** The SQLite directory; undefined on PostgreSQL. */
  dataDir: string | undefined;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** mongodb:// URL for a FerretDB on the loopback: no credentials, no sessions to retry writes in. */
export function ferretDbUrl(port: number): string {
  return `mongodb://127.0.0.1:${port}/?directConnection=true&retryWrites=false&serverSelectionTimeoutMS=5000`;
}

/**
 * Starts FerretDB on a free loopback port, telemetry off, with the SQLite
 * handler (default) or the PostgreSQL one, and waits until it accepts
 * connections.
 */
export async function startFerretDb(options: FerretDbOptions = {}): Promise<RunningFerretDb> {
  const binary = ferretDbBinary();
  if (!existsSync(binary)) {
    throw new Error(
      `FerretDB ${FERRETDB_VERSION} is not built at ${binary}. Run: bash scripts/build-test-tools.sh ferretdb ` +
        '(needs Go), or set MONGO_URL to a running MongoDB 7.',
    );
  }
  const handler = options.handler ?? 'sqlite';
  let storage: string;
  let dataDir: string | undefined;
  let ownsDir = false;
  if (handler === 'postgresql') {
    if (!options.postgresqlUrl) throw new Error("FerretDB's postgresql handler needs postgresqlUrl");
    if (options.dataDir !== undefined) throw new Error('dataDir is for the sqlite handler; PostgreSQL keeps the data');
    storage = `--postgresql-url=${options.postgresqlUrl}`;
  } else {
    ownsDir = options.dataDir === undefined;
    dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'seed-ferretdb-'));
    storage = `--sqlite-url=file:${dataDir.endsWith('/') ? dataDir : `${dataDir}/`}`;
  }
  const port = options.port ?? (await freePort());
  const child = spawn(
    binary,
    [
      `--handler=${handler}`,
      storage,
      `--listen-addr=127.0.0.1:${port}`,
      '--debug-addr=-',
      '--state-dir=-',
      '--telemetry=disable',
      `--log-level=${options.logLevel ?? 'warn'}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  exitWithParent(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (!(await isPortOpen(port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      if (ownsDir && dataDir) rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`FerretDB did not start on port ${port}: ${stderr.trim() || 'no output'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    url: ferretDbUrl(port),
    port,
    handler,
    dataDir,
    process: child,
    async stop() {
      if (!exited) {
        const gone = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await gone;
        clearTimeout(timer);
      }
      if (ownsDir && dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
