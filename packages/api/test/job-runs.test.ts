import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createJobRunRepository, createRepositories } from '@seed-pms/db';
import type { JobRunView, RegisteredJobView } from '@seed-pms/domain';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { recordingRuns } from '../src/jobs/job-runs.js';
import { JOB_RUNS_KEEP_MS } from '../src/jobs/job-runs.service.js';
import { createBullMqJobRunner, createInProcessJobRunner } from '../src/jobs/jobs.js';
import { JOB_RUNS_PURGE_JOB } from '../src/jobs/schedule.js';
import { OUTBOX_DRAIN_JOB, OUTBOX_KEEP_MS, OUTBOX_PURGE_JOB } from '../src/mail/outbox.service.js';
import { callAs, type SignedIn, signInAs } from './auth-helpers.js';
import { type TestApp, useTestApp } from './support.js';

const quiet = { error: () => undefined };
const DAY_MS = 86_400_000;
const instance = `${hostname()}:${process.pid}`;

interface RunsPage {
  items: JobRunView[];
  nextCursor: string | null;
}

/** GET /admin/jobs as `session`, the answer's body (the status must be 200). */
async function runs(app: TestApp, session: SignedIn, query = ''): Promise<RunsPage> {
  const res = await callAs(app.app, session, 'GET', `/admin/jobs${query}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

/** Reads until `done` holds (jobs run in the background), or fails after a while. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`not done in time: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const finished = (run: JobRunView) => run.outcome !== 'running';

describe('job runs (in-process jobs)', () => {
  const testApp = useTestApp(import.meta.url);
  const repos = () => createRepositories(testApp().database);
  let admin: SignedIn;

  beforeAll(async () => {
    admin = await signInAs(testApp(), ['admin']);
  });

  it('an admin sees a job’s run once it has run, with what it counted', async () => {
    // A sent email past the outbox's keeping time: the purge has exactly one to count.
    const old = new Date(Date.now() - OUTBOX_KEEP_MS - 10 * DAY_MS);
    const email = await repos().outbox.enqueue(
      { purpose: 'test', to: 'ada@example.com', subject: 'Hi', text: 'Hi' },
      old,
    );
    await repos().outbox.markSent(email.id, old);

    await testApp().deps.jobs.enqueue(OUTBOX_PURGE_JOB);
    const page = await eventually(
      () => runs(testApp(), admin, `?name=${OUTBOX_PURGE_JOB}`),
      (p) => p.items.length > 0 && p.items.every(finished),
    );
    expect(page.items).toHaveLength(1);
    const [run] = page.items;
    expect(run).toMatchObject({
      name: OUTBOX_PURGE_JOB,
      trigger: 'enqueued',
      instance,
      outcome: 'succeeded',
      counts: { purged: 1 },
      error: null,
    });
    expect(run?.id).toMatch(/^[0-9a-f]{24}$/);
    const started = Date.parse(run?.startedAt ?? '');
    const ended = Date.parse(run?.finishedAt ?? '');
    expect(ended).toBeGreaterThanOrEqual(started);
    expect(run?.durationMs).toBe(ended - started);
    expect(Math.abs(Date.now() - started)).toBeLessThan(60_000);
    expect(page.nextCursor).toBeNull();
  });

  it('lists every job the API runs with its schedule, the purge of job runs among them', async () => {
    const res = await callAs(testApp().app, admin, 'GET', '/admin/jobs/registered');
    expect(res.statusCode).toBe(200);
    const jobs: RegisteredJobView[] = res.json().items;
    expect(jobs).toEqual(
      expect.arrayContaining([
        { name: OUTBOX_DRAIN_JOB, everyMs: 30_000 },
        { name: OUTBOX_PURGE_JOB, everyMs: DAY_MS },
        { name: JOB_RUNS_PURGE_JOB, everyMs: DAY_MS },
        { name: 'files.scan', everyMs: 15_000 },
      ]),
    );
    const names = jobs.map((j) => j.name);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(names.length);
  });

  it('a failing job is recorded as failed with its message, and still fails for its runner', async () => {
    const logged: string[] = [];
    const runner = recordingRuns(
      createInProcessJobRunner({ error: (_: unknown, message?: string) => logged.push(message ?? '') }),
      repos().jobRuns,
      () => new Date(),
      quiet,
    );
    runner.register('test.always-fails', async () => {
      throw new Error('the disk is full');
    });
    await runner.start();
    try {
      await runner.enqueue('test.always-fails');
      const page = await eventually(
        () => runs(testApp(), admin, '?name=test.always-fails'),
        (p) => p.items.length > 0 && p.items.every(finished),
      );
      expect(page.items).toEqual([
        expect.objectContaining({ outcome: 'failed', error: 'the disk is full', counts: {}, trigger: 'enqueued' }),
      ]);
      expect(page.items[0]?.finishedAt).not.toBeNull();
      // The error reached the runner, which logs it (BullMQ would retry it).
      await eventually(
        async () => logged,
        (l) => l.includes('job failed'),
      );
    } finally {
      await runner.stop();
    }
  });

  it('a job runs all the same when its run cannot be recorded', async () => {
    // A collection name the server refuses: every write of the record fails, as in an outage.
    const refused = createJobRunRepository(testApp().database.collection('job$runs'));
    await expect(refused.start({ name: 'x', trigger: 'enqueued', instance }, new Date())).rejects.toThrow();
    const problems: string[] = [];
    const runner = recordingRuns(createInProcessJobRunner(quiet), refused, () => new Date(), {
      error: (_: unknown, message?: string) => problems.push(message ?? ''),
    });
    let ran = 0;
    runner.register('test.unrecorded', async () => {
      ran += 1;
      return { done: 1 };
    });
    await runner.start();
    try {
      await runner.enqueue('test.unrecorded');
      await eventually(
        async () => ran,
        (n) => n === 1,
      );
      expect(problems).toEqual(['could not record the start of a job run; running it unrecorded']);
    } finally {
      await runner.stop();
    }
  });

  it('keeps the counts every supported server can store, and drops the others', async () => {
    const runner = recordingRuns(createInProcessJobRunner(quiet), repos().jobRuns, () => new Date(), quiet);
    runner.register('test.odd-counts', async () => ({
      sent: 2,
      'a.b': 1,
      $set: 1,
      broken: Number.NaN,
      huge: Infinity,
    }));
    await runner.start();
    try {
      await runner.enqueue('test.odd-counts');
      const page = await eventually(
        () => runs(testApp(), admin, '?name=test.odd-counts'),
        (p) => p.items.length > 0 && p.items.every(finished),
      );
      expect(page.items).toEqual([expect.objectContaining({ outcome: 'succeeded', counts: { sent: 2 } })]);
    } finally {
      await runner.stop();
    }
  });

  it('filters by job name and by outcome, newest first, a page at a time', async () => {
    const job = 'idempotency.purge-expired';
    await testApp().deps.jobs.enqueue(job);
    await eventually(
      () => runs(testApp(), admin, `?name=${job}`),
      (p) => p.items.length === 1 && p.items.every(finished),
    );
    await testApp().deps.jobs.enqueue(job);
    await testApp().deps.jobs.enqueue('auth.purge-expired');
    const mine = await eventually(
      () => runs(testApp(), admin, `?name=${job}`),
      (p) => p.items.length === 2 && p.items.every(finished),
    );
    expect(mine.items.map((r) => r.name)).toEqual([job, job]);
    expect(mine.items.map((r) => r.counts)).toEqual([{ purged: 0 }, { purged: 0 }]);
    const [newer, older] = mine.items.map((r) => Date.parse(r.startedAt));
    expect(newer).toBeGreaterThanOrEqual(older ?? Number.NaN);

    const auth = await eventually(
      () => runs(testApp(), admin, '?name=auth.purge-expired'),
      (p) => p.items.length === 1 && p.items.every(finished),
    );
    expect(auth.items[0]?.counts).toEqual({ sessions: 0, tokens: 0, loginFailures: 0 });

    // Page by page: one run a page, no run twice, the same runs as one page.
    const first = await runs(testApp(), admin, `?name=${job}&limit=1`);
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await runs(testApp(), admin, `?name=${job}&limit=1&cursor=${first.nextCursor}`);
    expect([...first.items, ...second.items].map((r) => r.id)).toEqual(mine.items.map((r) => r.id));
    expect(second.nextCursor).toBeNull();

    // All jobs together hold both; the failed ones are only failed runs.
    const all = await runs(testApp(), admin, '?limit=100');
    const names = new Set(all.items.map((r) => r.name));
    expect(names).toContain(job);
    expect(names).toContain('auth.purge-expired');
    const failed = await runs(testApp(), admin, '?outcome=failed&limit=100');
    expect(failed.items.length).toBeGreaterThan(0);
    expect(failed.items.every((r) => r.outcome === 'failed')).toBe(true);

    const bad = await callAs(testApp().app, admin, 'GET', '/admin/jobs?outcome=crashed');
    expect(bad.statusCode).toBe(400);
    const forged = await callAs(testApp().app, admin, 'GET', '/admin/jobs?cursor=not-a-cursor');
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error.details).toEqual([expect.objectContaining({ path: 'cursor', code: 'invalid_cursor' })]);
  });

  it('runs are kept 14 days: the daily purge removes older ones and records itself', async () => {
    const now = Date.now();
    const stale = await repos().jobRuns.start(
      { name: 'test.ancient', trigger: 'schedule', instance },
      new Date(now - JOB_RUNS_KEEP_MS - DAY_MS),
    );
    const recent = await repos().jobRuns.start(
      { name: 'test.recent', trigger: 'schedule', instance },
      new Date(now - JOB_RUNS_KEEP_MS + DAY_MS),
    );
    await testApp().deps.jobs.enqueue(JOB_RUNS_PURGE_JOB);
    const purge = await eventually(
      () => runs(testApp(), admin, `?name=${JOB_RUNS_PURGE_JOB}`),
      (p) => p.items.length > 0 && p.items.every(finished),
    );
    expect(purge.items).toEqual([expect.objectContaining({ outcome: 'succeeded', counts: { purged: 1 } })]);
    const left = (await runs(testApp(), admin, '?limit=100')).items.map((r) => r.id);
    expect(left).not.toContain(stale);
    expect(left).toContain(recent);
  });

  it('only admins see job runs and jobs', async () => {
    for (const roles of [['employee'], ['hr'], ['director']] as const) {
      const someone = await signInAs(testApp(), [...roles]);
      for (const url of ['/admin/jobs', '/admin/jobs/registered']) {
        const res = await callAs(testApp().app, someone, 'GET', url);
        expect(res.statusCode, `${roles[0]} ${url}`).toBe(403);
        expect(res.json().error.code).toBe('FORBIDDEN');
      }
    }
    expect((await callAs(testApp().app, null, 'GET', '/admin/jobs')).statusCode).toBe(401);
  });
});

describe('job runs (BullMQ on the real Redis)', () => {
  const testApp = useTestApp(`${import.meta.url}#bullmq`, {
    jobs: () => createBullMqJobRunner(inject('redisUrl'), quiet, `test-job-runs-${randomUUID()}`),
  });

  it('an enqueued job is recorded once, by the worker that ran it', async () => {
    expect(testApp().deps.jobs.mode).toBe('bullmq');
    const admin = await signInAs(testApp(), ['admin']);
    await testApp().deps.jobs.enqueue(OUTBOX_PURGE_JOB);
    const enqueued = (p: RunsPage) => p.items.filter((r) => r.trigger === 'enqueued');
    await eventually(
      () => runs(testApp(), admin, `?name=${OUTBOX_PURGE_JOB}`),
      (p) => enqueued(p).length > 0 && enqueued(p).every(finished),
    );
    // Time for a second worker or a second wrapper to record it again, were there one.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const page = await runs(testApp(), admin, `?name=${OUTBOX_PURGE_JOB}`);
    expect(enqueued(page)).toEqual([
      expect.objectContaining({ outcome: 'succeeded', counts: { purged: 0 }, instance, error: null }),
    ]);
  });

  it('every scheduled job of the API leaves a run of its own (BullMQ starts each schedule at once)', async () => {
    const admin = await signInAs(testApp(), ['admin']);
    const scheduled = testApp()
      .deps.jobs.registered()
      .filter((job) => job.everyMs !== null)
      .map((job) => job.name);
    expect(scheduled).toEqual(expect.arrayContaining([OUTBOX_DRAIN_JOB, JOB_RUNS_PURGE_JOB, 'files.scan']));
    const page = await eventually(
      () => runs(testApp(), admin, '?limit=100'),
      (p) => scheduled.every((name) => p.items.some((r) => r.name === name && r.trigger === 'schedule' && finished(r))),
    );
    const failed = page.items.filter((r) => r.outcome === 'failed');
    expect(failed).toEqual([]);
    expect(page.items.find((r) => r.name === OUTBOX_DRAIN_JOB && r.trigger === 'schedule')?.counts).toEqual({
      sent: 0,
      failed: 0,
      retried: 0,
    });
  });
});
