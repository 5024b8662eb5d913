import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Makes a server we started stop when this process ends, however it ends (a
 * crash, SIGKILL, a terminal closed): a tiny shell watches a pipe from us and
 * sends the server SIGTERM when the pipe closes, which the kernel does when we
 * die. Without it a killed `pnpm dev` or test run leaves its database server
 * running on the data directory the next start will use.
 */
export function exitWithParent(child: ChildProcess): void {
  if (child.pid === undefined || process.platform === 'win32') return;
  const watcher = spawn('/bin/sh', ['-c', 'cat >/dev/null; kill -TERM "$0" 2>/dev/null', String(child.pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watcher.once('error', () => undefined);
  // Neither the watcher nor its pipe keeps this process alive.
  watcher.unref();
  (watcher.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null)?.unref?.();
  // Once the server is gone the watcher has nothing to do.
  child.once('exit', () => watcher.stdin?.end());
}
