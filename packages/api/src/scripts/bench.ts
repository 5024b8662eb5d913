import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

/**
 * `pnpm bench`: layer overhead. One read (readiness: a database round trip)
 * served three ways by one server — a bare Fastify route calling the use case,
 * the tRPC procedure at /trpc, and the same procedure over REST at /api/v1 —
 * each loaded with autocannon over loopback. Prints requests/s, p50 and p99
 * latency, and each way's throughput as a ratio of the bare route's.
 *
 * BENCH_SECONDS (default 10) and BENCH_CONNECTIONS (default 16) tune the load.
 */
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);

const serverScript = fileURLToPath(new URL('./bench-server.ts', import.meta.url));
const server = spawn(process.execPath, ['--import', 'tsx', '--conditions=@seed-pms/source', serverScript], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, NODE_ENV: 'production' },
});
const first = await new Promise<string>((resolve, reject) => {
  const lines = createInterface({ input: server.stdout });
  lines.once('line', resolve);
  server.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
});
const { url, database } = JSON.parse(first) as { url: string; database: string };

const targets = [
  { name: 'bare Fastify route', path: '/bench/bare' },
  { name: 'tRPC  /trpc/health.ready', path: '/trpc/health.ready' },
  { name: 'REST  /api/v1/health/ready', path: '/api/v1/health/ready' },
];

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function load(path: string, duration: number): Promise<autocannon.Result> {
  return autocannon({ url: `${url}${path}`, connections, duration, pipelining: 1 });
}

console.log(
  `Benchmark: ${seconds}s per target, ${connections} connections, database ${database}, Node ${process.version}`,
);
const rows: Row[] = [];
try {
  for (const target of targets) {
    await load(target.path, 2); // warm-up: JIT, connection pool
    const result = await load(target.path, seconds);
    rows.push({
      name: target.name,
      rps: result.requests.average,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors + result.non2xx,
    });
  }
} finally {
  server.kill('SIGTERM');
}

const bare = rows[0]?.rps ?? 1;
console.log('');
console.log('way                          req/s     p50 ms   p99 ms   vs bare   errors');
for (const row of rows) {
  console.log(
    `${row.name.padEnd(28)} ${row.rps.toFixed(0).padStart(7)} ${row.p50.toFixed(1).padStart(9)} ${row.p99
      .toFixed(1)
      .padStart(8)} ${(row.rps / bare).toFixed(2).padStart(8)}× ${String(row.errors).padStart(8)}`,
  );
}
if (rows.some((row) => row.errors > 0)) process.exitCode = 1;
