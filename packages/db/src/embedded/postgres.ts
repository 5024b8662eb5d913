import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * Just enough of PostgreSQL's frontend/backend protocol (version 3, simple
 * queries, text results) for the test harness to create and drop the database
 * FerretDB keeps a run's data in. Authentication: trust, password, md5 and
 * SCRAM-SHA-256; no TLS (the harness talks to a server on the loopback). The
 * suite's only PostgreSQL client is FerretDB itself; this one runs a handful of
 * statements per run, so it needs no driver package.
 */
export interface PostgresConnection {
  /** `server_version` as the server reports it at start-up, e.g. `15.20 (Debian 15.20-0+deb12u1)`. */
  readonly serverVersion: string;
  /** `host:port` (or the socket path) connected to. */
  readonly address: string;
  /** Runs one statement; the rows come back as text (null for SQL NULL). */
  query(sql: string): Promise<(string | null)[][]>;
  close(): Promise<void>;
}

/** An error the server answered with: `code` is the SQLSTATE (e.g. `55006`, object in use). */
export class PostgresError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'PostgresError';
  }
}

interface Target {
  host: string;
  port: number;
  socketPath: string | undefined;
  user: string;
  password: string | undefined;
  database: string;
}

/** Reads `postgres://user:password@host:port/database[?host=/socket/dir]` the way libpq and pgx do. */
export function parsePostgresUrl(url: string): Target {
  const parsed = new URL(url);
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`not a postgres:// URL: ${redactPostgresUrl(url)}`);
  }
  const sslmode = parsed.searchParams.get('sslmode');
  if (sslmode && !['disable', 'allow', 'prefer'].includes(sslmode)) {
    throw new Error(`sslmode=${sslmode} is not supported here: the test harness speaks to PostgreSQL without TLS`);
  }
  const user = decodeURIComponent(parsed.username) || process.env.PGUSER || 'postgres';
  const hostParam = parsed.searchParams.get('host') ?? '';
  const port = Number(parsed.port || parsed.searchParams.get('port') || 5432);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port,
    socketPath: hostParam.startsWith('/') ? `${hostParam}/.s.PGSQL.${port}` : undefined,
    user,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || user,
  };
}

/** The URL with its password replaced, for messages. */
export function redactPostgresUrl(url: string): string {
  return url.replace(/(\/\/[^:@/]*):[^@/]*@/, '$1:***@');
}

/** The same server and credentials, another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** Double-quotes an identifier for SQL. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Single-quotes a string literal for SQL (standard_conforming_strings is on since PostgreSQL 9.1). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

interface Message {
  type: string;
  body: Buffer;
}

/** Splits the byte stream into messages (1-byte type, 4-byte length including itself, body). */
class MessageReader {
  private buffer = Buffer.alloc(0);
  private readonly queue: Message[] = [];
  private waiting: { resolve: (m: Message) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 5) {
        const length = this.buffer.readInt32BE(1);
        if (this.buffer.length < 1 + length) break;
        this.push({ type: String.fromCharCode(this.buffer[0] ?? 0), body: this.buffer.subarray(5, 1 + length) });
        this.buffer = this.buffer.subarray(1 + length);
      }
    });
    socket.on('error', (error) => this.fail(error));
    socket.on('close', () => this.fail(new Error('the PostgreSQL connection closed')));
  }

  next(): Promise<Message> {
    const message = this.queue.shift();
    if (message) return Promise.resolve(message);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  private push(message: Message): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting.resolve(message);
    else this.queue.push(message);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(this.failure);
  }
}

function message(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const cstring = (text: string) => Buffer.from(`${text}\0`, 'utf8');

function int32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
}

/** NUL-terminated strings from `offset` on, as many as there are. */
function cstrings(body: Buffer, offset = 0): string[] {
  return body
    .subarray(offset)
    .toString('utf8')
    .split('\0')
    .filter((s, i, all) => s !== '' || i < all.length - 1);
}

function errorOf(body: Buffer): PostgresError {
  const fields = new Map<string, string>();
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const end = body.indexOf(0, at + 1);
    fields.set(String.fromCharCode(body[at] ?? 0), body.toString('utf8', at + 1, end));
    at = end + 1;
  }
  return new PostgresError(fields.get('M') ?? 'PostgreSQL error', fields.get('C'));
}

const hmac = (key: Buffer, data: string) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();

/** RFC 5802 / 7677 client: the SASL exchange PostgreSQL 10+ uses for password_encryption = scram-sha-256. */
async function scramSha256(
  send: (b: Buffer) => void,
  reader: MessageReader,
  password: string,
  mechanisms: string[],
): Promise<void> {
  if (!mechanisms.includes('SCRAM-SHA-256')) {
    throw new Error(`PostgreSQL offers only ${mechanisms.join(', ')}; the test harness speaks SCRAM-SHA-256`);
  }
  const clientNonce = randomBytes(18).toString('base64');
  const clientFirstBare = `n=*,r=${clientNonce}`;
  const first = Buffer.from(`n,,${clientFirstBare}`, 'utf8');
  send(message('p', cstring('SCRAM-SHA-256'), int32(first.length), first));
  const serverFirst = (await expectAuth(reader, 11)).toString('utf8');
  const attrs = new Map(serverFirst.split(',').map((kv) => [kv.slice(0, 1), kv.slice(2)] as const));
  const nonce = attrs.get('r') ?? '';
  const salt = Buffer.from(attrs.get('s') ?? '', 'base64');
  const iterations = Number(attrs.get('i'));
  if (!nonce.startsWith(clientNonce) || !salt.length || !(iterations > 0)) {
    throw new Error('PostgreSQL sent a malformed SCRAM challenge');
  }
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = hmac(salted, 'Client Key');
  const finalWithoutProof = `c=biws,r=${nonce}`;
  const authMessage = `${clientFirstBare},${serverFirst},${finalWithoutProof}`;
  const signature = hmac(sha256(clientKey), authMessage);
  const proof = Buffer.from(clientKey.map((byte, i) => byte ^ (signature[i] ?? 0)));
  send(message('p', Buffer.from(`${finalWithoutProof},p=${proof.toString('base64')}`, 'utf8')));
  const serverFinal = (await expectAuth(reader, 12)).toString('utf8');
  const expected = hmac(hmac(salted, 'Server Key'), authMessage);
  const got = Buffer.from(serverFinal.replace(/^v=/, ''), 'base64');
  if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
    throw new Error('PostgreSQL failed to prove it knows the password (SCRAM server signature mismatch)');
  }
}

/** The next authentication message, which must have this code; its data after the code. */
async function expectAuth(reader: MessageReader, code: number): Promise<Buffer> {
  const reply = await reader.next();
  if (reply.type === 'E') throw errorOf(reply.body);
  if (reply.type !== 'R' || reply.body.readInt32BE(0) !== code) {
    throw new Error(`unexpected PostgreSQL message ${reply.type} during authentication`);
  }
  return reply.body.subarray(4);
}

export interface ConnectPostgresOptions {
  /** How long connecting and signing in may take (default 3 s). */
  timeoutMs?: number;
}

/** Opens a connection and signs in; rejects with the server's or the network's error. */
export async function connectPostgres(url: string, options: ConnectPostgresOptions = {}): Promise<PostgresConnection> {
  const target = parsePostgresUrl(url);
  const address = target.socketPath ?? `${target.host}:${target.port}`;
  const socket = target.socketPath
    ? connect({ path: target.socketPath })
    : connect({ host: target.host, port: target.port });
  const reader = new MessageReader(socket);
  const send = (b: Buffer) => socket.write(b);
  const timeoutMs = options.timeoutMs ?? 3_000;
  const timer = setTimeout(
    () => socket.destroy(new Error(`no answer from PostgreSQL at ${address} within ${timeoutMs} ms`)),
    timeoutMs,
  );
  const parameters = new Map<string, string>();
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const startup = Buffer.concat([
      int32(196608), // protocol 3.0
      cstring('user'),
      cstring(target.user),
      cstring('database'),
      cstring(target.database),
      cstring('application_name'),
      cstring('seed-pms tests'),
      cstring('client_encoding'),
      cstring('UTF8'),
      Buffer.from([0]),
    ]);
    send(Buffer.concat([int32(startup.length + 4), startup]));
    for (;;) {
      const reply = await reader.next();
      if (reply.type === 'E') throw errorOf(reply.body);
      if (reply.type === 'S') {
        const [name, value] = cstrings(reply.body);
        if (name !== undefined) parameters.set(name, value ?? '');
      }
      if (reply.type === 'Z') break;
      if (reply.type !== 'R') continue;
      const code = reply.body.readInt32BE(0);
      if (code === 0) continue; // AuthenticationOk; parameters and ReadyForQuery follow
      if (target.password === undefined) {
        throw new Error(`PostgreSQL at ${address} asks user ${target.user} for a password and the URL has none`);
      }
      if (code === 3) send(message('p', cstring(target.password)));
      else if (code === 5) {
        const inner = createHash('md5')
          .update(target.password + target.user)
          .digest('hex');
        const outer = createHash('md5')
          .update(Buffer.concat([Buffer.from(inner), reply.body.subarray(4, 8)]))
          .digest('hex');
        send(message('p', cstring(`md5${outer}`)));
      } else if (code === 10) {
        await scramSha256(send, reader, target.password, cstrings(reply.body, 4));
      } else throw new Error(`PostgreSQL at ${address} asks for an authentication method (${code}) not spoken here`);
    }
  } catch (error) {
    socket.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }

  let pending: Promise<unknown> = Promise.resolve();
  const run = async (sql: string) => {
    send(message('Q', cstring(sql)));
    const rows: (string | null)[][] = [];
    let failure: PostgresError | undefined;
    for (;;) {
      const reply = await reader.next();
      if (reply.type === 'E') failure = errorOf(reply.body);
      else if (reply.type === 'D') {
        const row: (string | null)[] = [];
        let at = 2;
        for (let i = reply.body.readInt16BE(0); i > 0; i -= 1) {
          const length = reply.body.readInt32BE(at);
          at += 4;
          row.push(length < 0 ? null : reply.body.toString('utf8', at, at + length));
          at += Math.max(length, 0);
        }
        rows.push(row);
      } else if (reply.type === 'Z') break;
    }
    if (failure) throw failure;
    return rows;
  };

  return {
    serverVersion: parameters.get('server_version') ?? 'unknown',
    address,
    query(sql) {
      // One statement at a time on the wire.
      const result = pending.then(() => run(sql));
      pending = result.catch(() => undefined);
      return result;
    },
    async close() {
      if (socket.destroyed) return;
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.end(message('X'));
      const timer = setTimeout(() => socket.destroy(), 1_000);
      await closed;
      clearTimeout(timer);
    },
  };
}
