import type { NewLedgerEntry } from '@seed-pms/db';
import { newIdString } from '@seed-pms/db';
import { addDays, CreateLeaveTypeInput, isoWeekday } from '@seed-pms/domain';
import { type BenchPerson, inBatches, percentile, rssMb, startBenchServer } from './bench-kit.js';
import { mulberry32 } from './seed-common.js';

/**
 * The leave section of `pnpm bench` (BENCH_ONLY=leave), in a process of its
 * own (its own FerretDB, or MONGO_URL; the server listens on loopback in this
 * process, so the peak RSS printed is the server's and the load's together):
 *
 * a. Concurrent requests: 50 people each POST one leave request at once; then
 *    one person with a balance of 10 days POSTs 50 one-day requests at once
 *    (the per-person lease and the conditional hold let exactly 10 through).
 *    Requests/s over the burst, p50 and p99 latency, what was accepted.
 * b. The leave report: BENCH_LEAVE_PEOPLE (default 10,000) people inserted in
 *    bulk (insertPeople), a balance of every type and a few approved and
 *    pending requests each written straight into leave_balances and
 *    leave_requests (amounts in hundredths), then GET /api/v1/reports/leave
 *    over the year as HR: time (first and best of BENCH_LEAVE_REPORT_RUNS,
 *    default 3), answer size and peak RSS.
 */
const reportPeople = Number(process.env.BENCH_LEAVE_PEOPLE ?? 10_000);
const reportRuns = Number(process.env.BENCH_LEAVE_REPORT_RUNS ?? 3);
const BURST = 50;

const bench = await startBenchServer('seed_pms_bench_leave');
const { database, services, repos, url, now, today, insertPeople, actor, token } = bench;
const year = Number(today.slice(0, 4));

/** `count` working days (Monday–Friday) in one leave year: from a week ahead, else from February next year. */
function workingDays(count: number): string[] {
  const collect = (from: string) => {
    const out: string[] = [];
    for (let day = from; out.length < count; day = addDays(day, 1)) if (isoWeekday(day) <= 5) out.push(day);
    return out;
  };
  const soon = collect(addDays(today, 7));
  return (soon.at(-1) as string).slice(0, 4) === (soon[0] as string).slice(0, 4) ? soon : collect(`${year + 1}-02-01`);
}

/** Sends every body at once; each answer's status and time. */
async function burst(calls: { token: string; body: unknown }[]) {
  const started = performance.now();
  const answers = await Promise.all(
    calls.map(async (call) => {
      const t0 = performance.now();
      const response = await fetch(`${url}/api/v1/leave/requests`, {
        method: 'POST',
        headers: { authorization: `Bearer ${call.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(call.body),
      });
      const body = (await response.json()) as { error?: { code: string } };
      return { status: response.status, code: body.error?.code ?? null, ms: performance.now() - t0 };
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const latencies = answers.map((a) => a.ms).sort((a, b) => a - b);
  const codes = new Map<string, number>();
  for (const a of answers) {
    const key = a.code ? `${a.status} ${a.code}` : String(a.status);
    codes.set(key, (codes.get(key) ?? 0) + 1);
  }
  return {
    rps: calls.length / seconds,
    seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    accepted: answers.filter((a) => a.status === 201).length,
    codes: [...codes].map(([k, n]) => `${n}× ${k}`).join(', '),
  };
}

const fmt = (row: { rps: number; p50: number; p99: number }) =>
  `${row.rps.toFixed(1).padStart(7)} req/s  p50 ${row.p50.toFixed(0).padStart(5)} ms  p99 ${row.p99.toFixed(0).padStart(5)} ms`;

try {
  console.log(`\n8. Leave (${database.kind} ${database.serverVersion}; server and load in one process)`);
  // ---- a. Concurrent requests ----
  const [admin, hr, manager] = [
    ...(await insertPeople(1, 'leave-admin', ['admin'])),
    ...(await insertPeople(1, 'leave-hr', ['hr'])),
    ...(await insertPeople(1, 'leave-manager', ['manager'])),
  ] as [BenchPerson, BenchPerson, BenchPerson];
  const type = await services.leave.createType(
    await actor(admin.id),
    CreateLeaveTypeInput.parse({ name: 'Bench leave', code: 'BENCH', accrual: 'yearly', yearlyEntitlement: 10 }),
  );
  const requesters = await insertPeople(BURST + 1, 'leave-requester', ['employee'], () => manager.id);
  const tokens = await inBatches(requesters, 4, token);
  const days = workingDays(BURST);
  const first = days[0] as string;
  const many = await burst(
    tokens.slice(0, BURST).map((t) => ({ token: t, body: { typeId: type.id, startDate: first, endDate: first } })),
  );
  console.log(
    `   ${BURST} people, one request each, at once:           ${fmt(many)}  accepted ${many.accepted}/${BURST} (${many.codes})`,
  );
  const loner = tokens[BURST] as string;
  const one = await burst(
    days.map((day) => ({ token: loner, body: { typeId: type.id, startDate: day, endDate: day } })),
  );
  console.log(
    `   one person (balance 10), ${BURST} one-day requests at once: ${fmt(one)}  accepted ${one.accepted} (must be 10; ${one.codes})`,
  );
  if (many.accepted !== BURST || one.accepted !== 10) process.exitCode = 1;

  // ---- b. The leave report over a year ----
  let started = performance.now();
  const people = await insertPeople(reportPeople, 'leave-person', ['employee'], (i) => (i < 50 ? manager.id : null));
  const peopleSeconds = (performance.now() - started) / 1000;
  const types = (await services.leave.types(await actor(admin.id), { includeArchived: false })).items;
  const annual = types.find((t) => t.code === 'ANNUAL');
  if (!annual) throw new Error('no ANNUAL type');
  const random = mulberry32(2026);
  started = performance.now();
  // Through the repositories, as the API writes them: each person's ledger (the year's
  // entitlement and accruals to date, holds, approvals) and its projection, and their requests.
  const entries: NewLedgerEntry[] = [];
  const requests: Parameters<typeof repos.leaveRequests.insertMany>[0][number][] = [];
  const yearDays: string[] = [];
  for (let day = `${year}-01-01`; day <= `${year}-12-31`; day = addDays(day, 1))
    if (isoWeekday(day) <= 5) yearDays.push(day);
  for (const person of people) {
    const base = { userId: person.id, typeId: annual.id, year, requestId: null, reason: null, by: null, days: null };
    entries.push({
      ...base,
      key: `entitlement:${year}`,
      kind: 'entitlement',
      amount: 2_500,
      effectiveDate: `${year}-01-01`,
    });
    for (let month = 1; month <= 11; month++) {
      const period = `${year}-${String(month).padStart(2, '0')}`;
      entries.push({
        ...base,
        key: `accrual:${period}`,
        kind: 'accrual',
        amount: month % 3 === 0 ? 209 : 208,
        effectiveDate: `${period}-01`,
      });
    }
    if (random() < 0.1)
      entries.push({
        ...base,
        key: 'adjustment:bench',
        kind: 'adjustment',
        amount: 200,
        effectiveDate: `${year}-01-01`,
        reason: 'bench',
      });
    // Three requests of one to five working days each: two approved, one pending.
    for (let r = 0; r < 3; r++) {
      const start = Math.floor(random() * (yearDays.length - 5));
      const days = yearDays
        .slice(start, start + 1 + Math.floor(random() * 5))
        .map((date) => [date, 100] as [string, number]);
      const status = r < 2 ? 'approved' : 'pending';
      const id = newIdString();
      const amount = days.length * 100;
      const held = { ...base, requestId: id, amount, effectiveDate: days[0]?.[0] as string, days };
      entries.push({ ...held, key: `hold:${id}:1`, kind: 'hold' });
      if (status === 'approved') entries.push({ ...held, key: `take:${id}`, kind: 'take' });
      requests.push({
        id,
        userId: person.id,
        typeId: annual.id,
        startDate: days[0]?.[0] as string,
        endDate: days.at(-1)?.[0] as string,
        startHalf: null,
        endHalf: null,
        amount,
        days,
        hoursPerDay: 8,
        holdKey: `hold:${id}:1`,
        year,
        reason: null,
        attachmentFileId: null,
        workflowId: newIdString(),
        status,
        approverIds: [manager.id],
      });
    }
  }
  await repos.leaveLedger.insertMany(entries, now);
  await repos.leaveRequests.insertMany(requests, now);
  const leaveSeconds = (performance.now() - started) / 1000;
  console.log(
    `   report data: ${reportPeople.toLocaleString('en')} people in ${peopleSeconds.toFixed(1)} s (insertPeople); ` +
      `${entries.length.toLocaleString('en')} ledger entries (with their projections) and ${requests.length.toLocaleString('en')} requests in ${leaveSeconds.toFixed(1)} s (bulk)`,
  );

  // Only the report's own memory from here on (the data is in the database).
  entries.length = 0;
  requests.length = 0;
  const hrToken = await token(hr);
  const path = `/api/v1/reports/leave?from=${year}-01-01&to=${year}-12-31`;
  const rssBefore = rssMb();
  const times: number[] = [];
  let size = 0;
  let rows = 0;
  for (let run = 0; run < reportRuns; run++) {
    const t0 = performance.now();
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${hrToken}` } });
    const text = await response.text();
    times.push(performance.now() - t0);
    if (!response.ok) throw new Error(`leave report: ${response.status} ${text.slice(0, 500)}`);
    size = text.length;
    rows = (JSON.parse(text) as { people: unknown[] }).people.length;
    if ((times[0] as number) > 60_000) break; // one is enough to say it is too slow
  }
  console.log(
    `   GET /reports/leave over ${year} as HR: first ${(times[0] as number).toFixed(0)} ms, best of ${times.length} ${Math.min(...times).toFixed(0)} ms; ` +
      `${rows.toLocaleString('en')} people, ${(size / 1024 / 1024).toFixed(1)} MB of JSON; ` +
      `peak RSS ${rssBefore.toFixed(0)} MB before the report, ${rssMb().toFixed(0)} MB after`,
  );
  if ((times[0] as number) > 60_000) console.log('   the leave report took over 60 s');
} finally {
  await bench.close();
}
process.exit();
