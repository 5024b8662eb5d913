import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';

/**
 * A client for clamd's TCP protocol (clamd(8)), just the two commands we need:
 * INSTREAM to scan an upload before it is stored, PING for health checks.
 * Commands use the `z` form: NUL-terminated, and so are the replies.
 */

export type ScanResult = { status: 'clean' } | { status: 'infected'; signature: string };

/**
 * clamd could not give a verdict: unreachable, too slow, or it refused the
 * stream (e.g. larger than its StreamMaxLength). Never a reason to accept a
 * file as clean.
 */
export class ScannerUnavailableError extends Error {
  override readonly name = 'ScannerUnavailableError';
}

export interface ScanOptions {
  /** The whole exchange (connect, send, scan, reply); default 30 s. */
  timeoutMs?: number;
}

const DEFAULT_SCAN_TIMEOUT_MS = 30_000;
const DEFAULT_PING_TIMEOUT_MS = 2_000;
/** clamd refuses a single chunk above StreamMaxLength; small chunks also keep memory flat. */
const CHUNK_BYTES = 64 * 1024;

/** `tcp://host:port` (CLAMAV_URL) → where to connect. */
export function parseClamdUrl(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  const port = Number(parsed.port);
  if (parsed.protocol !== 'tcp:' || !parsed.hostname || !Number.isInteger(port) || port <= 0) {
    throw new Error(`clamd address must look like tcp://host:3310, got ${url}`);
  }
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

/**
 * Sends the bytes to clamd and returns its verdict. Reads the input to the end
 * (or until clamd stops listening); throws ScannerUnavailableError when there
 * is no verdict, and the input's own error when the input fails.
 */
export async function scanStream(
  url: string,
  input: Readable | Buffer,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const reply = await exchange(url, options.timeoutMs ?? DEFAULT_SCAN_TIMEOUT_MS, async (socket) => {
    await write(socket, Buffer.from('zINSTREAM\0'));
    const chunks: AsyncIterable<Buffer> | Buffer[] = Buffer.isBuffer(input) ? [input] : input;
    for await (const chunk of chunks) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
        const piece = bytes.subarray(offset, offset + CHUNK_BYTES);
        const length = Buffer.alloc(4);
        length.writeUInt32BE(piece.length);
        await write(socket, Buffer.concat([length, piece]));
      }
    }
    await write(socket, Buffer.alloc(4)); // a zero-length chunk ends the stream
  });
  return parseScanReply(reply);
}

/** Resolves when clamd answers PONG; throws ScannerUnavailableError otherwise. */
export async function ping(url: string, options: ScanOptions = {}): Promise<void> {
  const reply = await exchange(url, options.timeoutMs ?? DEFAULT_PING_TIMEOUT_MS, (socket) =>
    write(socket, Buffer.from('zPING\0')),
  );
  if (reply !== 'PONG') throw new ScannerUnavailableError(`clamd answered PING with ${JSON.stringify(reply)}`);
}

/** `stream: OK`, `stream: <signature> FOUND`, or an error such as `INSTREAM size limit exceeded. ERROR`. */
export function parseScanReply(reply: string): ScanResult {
  if (reply === 'stream: OK') return { status: 'clean' };
  const found = /^stream: (.+) FOUND$/.exec(reply);
  if (found?.[1]) return { status: 'infected', signature: found[1] };
  throw new ScannerUnavailableError(`clamd could not scan the file: ${reply || '(empty reply)'}`);
}

/**
 * One command on a fresh connection: runs `send`, and resolves with the reply
 * up to its NUL (or to the end of the connection). clamd may answer before the
 * request is complete (it stops reading a stream that is too long), so the
 * reply wins over a failed write; a deadline covers everything.
 */
function exchange(url: string, timeoutMs: number, send: (socket: Socket) => Promise<void>): Promise<string> {
  const { host, port } = parseClamdUrl(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const received: Buffer[] = [];
    let settled = false;
    let socketFailed = false;
    let sending = true;
    const finish = (outcome: { reply: string } | { error: Error }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if ('reply' in outcome) resolve(outcome.reply);
      else reject(outcome.error);
    };
    const unavailable = (message: string, cause?: unknown) =>
      finish({ error: new ScannerUnavailableError(`clamd at ${host}:${port}: ${message}`, { cause }) });
    const timer = setTimeout(() => unavailable(`no answer within ${timeoutMs} ms`), timeoutMs);

    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      const all = Buffer.concat(received);
      const end = all.indexOf(0);
      if (end >= 0) finish({ reply: all.subarray(0, end).toString('utf8').trim() });
    });
    socket.on('end', () => {
      const all = Buffer.concat(received).toString('utf8').trim();
      if (all) finish({ reply: all });
      else unavailable('closed the connection without an answer');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      socketFailed = true;
      // clamd hangs up on a stream longer than its StreamMaxLength right after
      // replying, and the reset that follows can discard the unread reply.
      const hint =
        sending && (error.code === 'EPIPE' || error.code === 'ECONNRESET')
          ? " while the stream was being sent (is it larger than clamd's StreamMaxLength?)"
          : '';
      setImmediate(() => unavailable(`${error.message}${hint}`, error));
    });
    socket.on('close', () => setImmediate(() => unavailable('closed the connection without an answer')));
    socket.once('connect', () => {
      send(socket).then(
        () => {
          sending = false;
        },
        (error: unknown) => {
          // A write to a dead socket is reported by the socket's own events;
          // anything else is the input failing, which the caller should see as is.
          if (!socketFailed && !socket.destroyed) finish({ error: asError(error) });
        },
      );
    });
  });
}

/**
 * Writes and waits for the socket to take more, failing if it closes meanwhile.
 * It also lets the event loop read the socket before the next write: when
 * clamd refuses a stream it replies and hangs up, and reading its reply
 * before writing into the closed connection gives the precise reason more
 * often (it cannot always: the reset may arrive first).
 */
function write(socket: Socket, bytes: Buffer): Promise<void> {
  if (socket.destroyed) return Promise.reject(new Error('the connection to clamd is closed'));
  if (socket.write(bytes)) return new Promise((resolve) => setImmediate(resolve));
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      socket.off('close', onClose);
      setImmediate(resolve);
    };
    const onClose = () => {
      socket.off('drain', onDrain);
      reject(new Error('the connection to clamd closed'));
    };
    socket.once('drain', onDrain);
    socket.once('close', onClose);
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
