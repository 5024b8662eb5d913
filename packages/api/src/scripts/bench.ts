import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { hashPassword } from '../auth/password.js';

/**
 * `pnpm bench`: what each layer costs. The server runs in its own process (the
 * production wiring on FerretDB, or MONGO_URL); autocannon loads it over
 * loopback and each way prints requests/s, p50 and p99 latency.
 *
 * 1. Layers: one read (readiness: a database round trip) as a bare Fastify
 *    route, over tRPC and over REST; ratios against the bare route.
 * 2. Authentication: an anonymous no-op (health/live) against an authenticated
 *    one (auth/session: JWT check, session check, CASL-free), with the session
 *    check cached (default) and uncached (AUTH_SESSION_CACHE_MS=0).
 * 3. Login: argon2id hashes per second on one core, and sign-ins per second
 *    through the API (argon2-bound; each one also writes a session and an
 *    audit entry).
 *
 * BENCH_SECONDS (default 10) and BENCH_CONNECTIONS (default 16) tune the load.
 */
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
const serverScript = fileURLToPath(new URL('./bench-server.ts', import.meta.url));

interface Server {
  url: string;
  database: string;
  email: string;
  password: string;
  stop(): void;
}

async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@seed-pms/source', serverScript], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production', ...env },
  });
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { ...(JSON.parse(first) as Omit<Server, 'stop'>), stop: () => child.kill('SIGTERM') };
}

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

interface Target {
  name: string;
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
}

async function measure(server: Server, target: Target): Promise<Row> {
  const run = (duration: number) =>
    autocannon({
      url: `${server.url}${target.path}`,
      method: target.method ?? 'GET',
      headers: target.headers ?? {},
      ...(target.body ? { body: target.body } : {}),
      connections: target.connections ?? connections,
      duration,
      pipelining: 1,
    });
  await run(2); // warm-up: JIT, connection pool, caches
  const result = await run(seconds);
  return {
    name: target.name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

function print(title: string, rows: Row[], baseline = rows[0]?.rps ?? 1): void {
  console.log(`\n${title}`);
  console.log('way                                   req/s     p50 ms   p99 ms   ratio   errors');
  for (const row of rows) {
    console.log(
      `${row.name.padEnd(36)} ${row.rps.toFixed(0).padStart(7)} ${row.p50.toFixed(1).padStart(9)} ${row.p99
        .toFixed(1)
        .padStart(8)} ${(row.rps / baseline).toFixed(2).padStart(6)}× ${String(row.errors).padStart(8)}`,
    );
  }
}

async function accessToken(server: Server): Promise<string> {
  const response = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: server.email, password: server.password }),
  });
  if (!response.ok) throw new Error(`bench login failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { accessToken: string }).accessToken;
}

console.log(`Benchmark: ${seconds}s per way, ${connections} connections, Node ${process.version}`);
const all: Row[] = [];
const cached = await startServer();
try {
  console.log(`database: ${cached.database}`);
  const layers = [
    await measure(cached, { name: 'bare Fastify route', path: '/bench/bare' }),
    await measure(cached, { name: 'tRPC  /trpc/health.ready', path: '/trpc/health.ready' }),
    await measure(cached, { name: 'REST  /api/v1/health/ready', path: '/api/v1/health/ready' }),
  ];
  print('1. Layers: one database read', layers);

  const auth = { authorization: `Bearer ${await accessToken(cached)}` };
  const authRows = [
    await measure(cached, { name: 'anonymous  GET /health/live', path: '/api/v1/health/live' }),
    await measure(cached, {
      name: 'signed in  GET /auth/session (cached)',
      path: '/api/v1/auth/session',
      headers: auth,
    }),
  ];
  const uncached = await startServer({ AUTH_SESSION_CACHE_MS: '0' });
  try {
    const token = { authorization: `Bearer ${await accessToken(uncached)}` };
    authRows.push(
      await measure(uncached, {
        name: 'signed in  GET /auth/session (no cache)',
        path: '/api/v1/auth/session',
        headers: token,
      }),
    );
  } finally {
    uncached.stop();
  }
  print('2. Authentication: a no-op procedure, anonymous and signed in', authRows);

  const rounds = 20;
  const started = performance.now();
  for (let i = 0; i < rounds; i += 1) await hashPassword('bench passphrase 2026');
  const hashesPerSecond = rounds / ((performance.now() - started) / 1000);
  const login = await measure(cached, {
    name: 'POST /auth/login',
    path: '/api/v1/auth/login',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: cached.email, password: cached.password }),
    connections: 8,
  });
  print('3. Login (argon2id 19 MiB, t=2, p=1)', [login]);
  console.log(`argon2id hashes/s on one core (in this process, one at a time): ${hashesPerSecond.toFixed(1)}`);
  all.push(...layers, ...authRows, login);
} finally {
  cached.stop();
}
if (all.some((row) => row.errors > 0)) process.exitCode = 1;
