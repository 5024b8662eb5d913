import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitWithParent, freePort, toolsDir } from '@seed-pms/db/embedded';
import { stderrTail, stopChild } from './child.js';

/** The release scripts/build-test-tools.sh builds. */
export const VERSITYGW_VERSION = 'v1.7.0';

export function versityGwBinary(): string {
  return join(toolsDir(), `versitygw-${VERSITYGW_VERSION}`, 'versitygw');
}

/** Where and how to reach an S3 server: what the storage tests need, whichever server it is. */
export interface S3ServerInfo {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export interface RunningS3Server extends S3ServerInfo {
  stop(): Promise<void>;
}

/**
 * Starts versitygw (an S3 gateway over a plain directory) on a free loopback
 * port, with root credentials made up for this run, and waits until it answers
 * HTTP. It checks SigV4 signatures and presigned URLs like S3 does, which is
 * why the storage tests use it rather than a lenient fake. No bucket is made:
 * each test file creates its own.
 */
export async function startVersityGw(options: { startTimeoutMs?: number } = {}): Promise<RunningS3Server> {
  const binary = versityGwBinary();
  if (!existsSync(binary)) {
    throw new Error(
      `versitygw ${VERSITYGW_VERSION} is not built at ${binary}. Run: bash scripts/build-test-tools.sh versitygw ` +
        '(needs Go), or set TEST_S3_ENDPOINT, TEST_S3_ACCESS_KEY_ID and TEST_S3_SECRET_ACCESS_KEY to an S3 server.',
    );
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'seed-versitygw-'));
  const port = await freePort();
  const region = 'us-east-1';
  const accessKeyId = `TEST${randomBytes(8).toString('hex').toUpperCase()}`;
  const secretAccessKey = randomBytes(30).toString('base64url');
  // Credentials through the environment (versitygw reads ROOT_ACCESS_KEY_ID and
  // ROOT_SECRET_ACCESS_KEY) rather than --access/--secret, so they stay out of `ps`.
  const child = spawn(binary, ['--port', `127.0.0.1:${port}`, '--region', region, '--quiet', 'posix', dataDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ROOT_ACCESS_KEY_ID: accessKeyId, ROOT_SECRET_ACCESS_KEY: secretAccessKey },
  });
  exitWithParent(child);
  const stderr = stderrTail(child);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const endpoint = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + (options.startTimeoutMs ?? 20_000);
  while (!(await answersHttp(endpoint))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
      throw new Error(`versitygw did not start on port ${port}: ${stderr().trim() || 'no output'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  return {
    endpoint,
    region,
    accessKeyId,
    secretAccessKey,
    async stop() {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Any HTTP response will do: an unsigned request gets 403, which proves the gateway is serving. */
async function answersHttp(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(endpoint, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}
