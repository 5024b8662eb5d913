import type { NewAttendanceDay } from '@seed-pms/db';
import type { PunchRecord, PunchType } from '@seed-pms/domain';
import { type BenchPerson, inBatches, percentile, rssMb, startBenchServer } from './bench-kit.js';

/**
 * The attendance section of `pnpm bench` (BENCH_ONLY=attendance), in a process
 * of its own (its own FerretDB, or MONGO_URL; server and load in this process):
 *
 * a. Punches: 50 people at once, each punching start, break, resume, end three
 *    times over (multiple sessions allowed), one punch after the other:
 *    punches/s over the run, p50 and p99 latency, and every answer a 200.
 * b. Today's workforce: BENCH_ATTENDANCE_PEOPLE (default 10,000) people in bulk,
 *    three in four with today's record (working, on a break or done), then
 *    GET /api/v1/attendance/today as HR (everyone; a page of 50 with the counts)
 *    BENCH_TODAY_RUNS times (default 20): p50, p99, answer size and peak RSS.
 */
const todayPeople = Number(process.env.BENCH_ATTENDANCE_PEOPLE ?? 10_000);
const todayRuns = Number(process.env.BENCH_TODAY_RUNS ?? 20);
const CONCURRENT = 50;
const SESSIONS = 3;
const CYCLE: PunchType[] = ['start', 'break', 'resume', 'end'];

const bench = await startBenchServer('seed_pms_bench_attendance');
const { database, services, repos, url, now, today, insertPeople, actor, token } = bench;

async function timed(path: string, accessToken: string, method = 'GET') {
  const t0 = performance.now();
  const response = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${accessToken}` },
  });
  const text = await response.text();
  return { status: response.status, ms: performance.now() - t0, text };
}

try {
  console.log(`\n9. Attendance (${database.kind} ${database.serverVersion}; server and load in one process)`);
  const [admin, hr] = [
    ...(await insertPeople(1, 'attendance-admin', ['admin'])),
    ...(await insertPeople(1, 'attendance-hr', ['hr'])),
  ] as [BenchPerson, BenchPerson];
  const settings = await services.settings.get(now);
  await services.settings.update(await actor(admin.id), {
    version: settings.version,
    attendance: { multipleSessionsPerDay: true },
  });

  // ---- a. Punches ----
  const punchers = await insertPeople(CONCURRENT, 'attendance-puncher', ['employee']);
  const tokens = await inBatches(punchers, 4, token);
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  const started = performance.now();
  await Promise.all(
    tokens.map(async (t) => {
      for (let session = 0; session < SESSIONS; session++) {
        for (const type of CYCLE) {
          const answer = await timed(`/attendance/${type}`, t, 'POST');
          latencies.push(answer.ms);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const codes = [...statuses].map(([s, n]) => `${n}× ${s}`).join(', ');
  console.log(
    `   ${CONCURRENT} people punching at once (${latencies.length} punches): ${(latencies.length / seconds).toFixed(1)} punches/s  ` +
      `p50 ${percentile(latencies, 0.5).toFixed(0)} ms  p99 ${percentile(latencies, 0.99).toFixed(0)} ms  (${codes})`,
  );
  if (statuses.size !== 1 || !statuses.has(200)) process.exitCode = 1;

  // ---- b. Today's workforce ----
  let t0 = performance.now();
  const people = await insertPeople(todayPeople, 'attendance-person', ['employee']);
  const peopleSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const at = (minutesAgo: number) => new Date(now.getTime() - minutesAgo * 60_000);
  const punch = (type: PunchType, when: Date): PunchRecord => ({
    type,
    at: when,
    source: 'punch',
    ip: '10.0.0.1',
    userAgent: 'bench',
    location: null,
    note: null,
    flags: [],
  });
  const days: NewAttendanceDay[] = [];
  for (const [i, person] of people.entries()) {
    if (i % 4 === 3) continue; // not started
    const shape = i % 4;
    const punches =
      shape === 0
        ? [punch('start', at(180))]
        : shape === 1
          ? [punch('start', at(240)), punch('break', at(20))]
          : [punch('start', at(300)), punch('end', at(10))];
    days.push({
      userId: person.id,
      date: today,
      punches,
      state: shape === 0 ? 'working' : shape === 1 ? 'onBreak' : 'ended',
      overlays: [],
      workLocation: 'wfo',
      flags: [],
      deductedMinutes: 0,
    });
  }
  for (let i = 0; i < days.length; i += 1_000) await repos.attendance.insertMany(days.slice(i, i + 1_000), now);
  console.log(
    `   data: ${todayPeople.toLocaleString('en')} people in ${peopleSeconds.toFixed(1)} s (insertPeople); ` +
      `${days.length.toLocaleString('en')} records of today in ${((performance.now() - t0) / 1000).toFixed(1)} s (bulk)`,
  );
  const hrToken = await token(hr);
  const rssBefore = rssMb();
  const times: number[] = [];
  let size = 0;
  let counts = '';
  for (let run = 0; run < todayRuns; run++) {
    const answer = await timed('/attendance/today?limit=50', hrToken);
    if (answer.status !== 200) throw new Error(`today: ${answer.status} ${answer.text.slice(0, 300)}`);
    times.push(answer.ms);
    size = answer.text.length;
    const view = JSON.parse(answer.text) as { counts: Record<string, number>; people: { total: number } };
    counts = `${view.people.total.toLocaleString('en')} people: ${Object.entries(view.counts)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${n} ${s}`)
      .join(', ')}`;
  }
  times.sort((a, b) => a - b);
  console.log(
    `   GET /attendance/today as HR, ${times.length} runs: p50 ${percentile(times, 0.5).toFixed(0)} ms  p99 ${percentile(times, 0.99).toFixed(0)} ms; ` +
      `${counts}; ${(size / 1024).toFixed(1)} KB a page; peak RSS ${rssBefore.toFixed(0)} MB before, ${rssMb().toFixed(0)} MB after`,
  );
} finally {
  await bench.close();
}
process.exit();
