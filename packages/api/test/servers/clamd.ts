import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { exitWithParent, freePort } from '@seed-pms/db/embedded';
import { ping } from '../../src/files/clamd.js';
import { stderrTail, stopChild } from './child.js';

/**
 * The EICAR anti-virus test file (68 bytes), the one string every scanner is
 * meant to flag. Kept base64-encoded so this source file is not itself flagged
 * by a scanner on a developer's machine.
 */
export const EICAR = Buffer.from(
  'WDVPIVAlQEFQWzRcUFpYNTQoUF4pN0NDKTd9JEVJQ0FSLVNUQU5EQVJELUFOVElWSVJVUy1URVNULUZJTEUhJEgrSCo=',
  'base64',
);

/** The name our signature database gives EICAR (clamd adds `.UNOFFICIAL` to unsigned databases). */
export const EICAR_SIGNATURE = 'Eicar-Test-Signature';

export interface RunningClamd {
  /** `tcp://127.0.0.1:<port>`, the form CLAMAV_URL takes. */
  url: string;
  stop(): Promise<void>;
}

export interface ClamdOptions {
  /** clamd's StreamMaxLength (e.g. '25M'); its default is 100M. */
  streamMaxLength?: string;
  startTimeoutMs?: number;
}

/** clamd from PATH, else where Debian installs it (/usr/sbin is often not on a user's PATH). */
export function clamdBinary(): string | undefined {
  const candidates = [
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'clamd')),
    '/usr/sbin/clamd',
    '/usr/local/sbin/clamd',
  ];
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Starts clamd in the foreground on a free loopback port with a signature
 * database of one entry: EICAR, as an .ndb body signature
 * (`Name:TargetType:Offset:HexSignature`, target 0 = any file, offset `*` =
 * anywhere in it). The official databases are large and downloaded by
 * freshclam; this one loads in milliseconds and needs no network. Resolves
 * once clamd answers PING.
 */
export async function startClamd(options: ClamdOptions = {}): Promise<RunningClamd> {
  const binary = clamdBinary();
  if (!binary) {
    throw new Error(
      'clamd is not installed. Run: bash scripts/build-test-tools.sh clamd (installs clamav-daemon), ' +
        'or set TEST_CLAMAV_URL to a running clamd (tcp://host:3310).',
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'seed-clamd-'));
  const databaseDir = join(dir, 'db');
  mkdirSync(databaseDir);
  writeFileSync(join(databaseDir, 'test.ndb'), `${EICAR_SIGNATURE}:0:*:${EICAR.toString('hex')}\n`);
  const port = await freePort();
  const configFile = join(dir, 'clamd.conf');
  const logFile = join(dir, 'clamd.log');
  // No `User` line: clamd then keeps running as whoever started it (root
  // included), with no privileges to drop and no account to look up.
  writeFileSync(
    configFile,
    [
      'Foreground yes',
      `TCPSocket ${port}`,
      'TCPAddr 127.0.0.1',
      `DatabaseDirectory ${databaseDir}`,
      `TemporaryDirectory ${dir}`,
      `LogFile ${logFile}`,
      `PidFile ${join(dir, 'clamd.pid')}`,
      'LogTime yes',
      ...(options.streamMaxLength ? [`StreamMaxLength ${options.streamMaxLength}`] : []),
      '',
    ].join('\n'),
  );
  const child = spawn(binary, ['--config-file', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  exitWithParent(child);
  const stderr = stderrTail(child);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const url = `tcp://127.0.0.1:${port}`;

  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  while (
    !(await ping(url, { timeoutMs: 1_000 }).then(
      () => true,
      () => false,
    ))
  ) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      const log = readLog(logFile);
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`clamd did not start on port ${port}: ${(stderr() || log).trim().slice(-2000) || 'no output'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    url,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
