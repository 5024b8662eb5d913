import { type AddressInfo, createServer, type Socket } from 'node:net';
import { createRepositories, type OutboxDoc, outboxCollection } from '@seed-pms/db';
import { useTestDatabase } from '@seed-pms/db/testing/vitest';
import type { AddressObject } from 'mailparser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInProcessJobRunner, type JobRunner } from '../src/jobs/jobs.js';
import { createLogMailer, createMailer, createSmtpMailer, SMTP_TIMEOUTS } from '../src/mail/mailer.js';
import {
  createOutboxService,
  OUTBOX_DRAIN_JOB,
  OUTBOX_RETRY_POLICY,
  type OutboxService,
  registerOutboxJobs,
} from '../src/mail/outbox.service.js';
import { type ReceivedMail, type SmtpSink, startSmtpSink } from './smtp-sink.js';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const MAIL_FROM = 'Seed PMS <no-reply@seed-pms.test>';

const database = useTestDatabase(import.meta.url);
const outbox = () => database().collection(outboxCollection);

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const firstAddress = (value: AddressObject | AddressObject[] | undefined) =>
  (Array.isArray(value) ? value[0] : value)?.value[0];

/** A job runner whose drain job only counts wake-ups, so tests drive `drain(now)` with times of their choosing. */
function idleJobs(): { jobs: JobRunner; wakeUps: () => number } {
  const jobs = createInProcessJobRunner(quiet);
  let wakeUps = 0;
  jobs.register(OUTBOX_DRAIN_JOB, async () => {
    wakeUps += 1;
  });
  return { jobs, wakeUps: () => wakeUps };
}

describe('the email outbox over a real SMTP server', () => {
  let smtp: SmtpSink;

  beforeAll(async () => {
    smtp = await startSmtpSink();
  });
  afterAll(async () => {
    await smtp?.close();
  });
  beforeEach(async () => {
    smtp.received.length = 0;
    smtp.reject.clear();
    await outbox().deleteMany({});
  });

  const service = (jobs: JobRunner, clock: () => Date = () => new Date()): OutboxService =>
    createOutboxService(
      { repos: createRepositories(database()), jobs, clock },
      createSmtpMailer(smtp.url, MAIL_FROM),
      quiet,
    );

  it('delivers an enqueued email with its sender, recipient, subject and bodies, then drops the bodies', async () => {
    const jobs = createInProcessJobRunner(quiet);
    const clock = () => new Date();
    const mail = service(jobs, clock);
    registerOutboxJobs(jobs, mail, clock);
    await jobs.start();
    // Longer than a mail line, so it must survive quoted-printable folding intact.
    const link = `https://pms.example.com/reset-password?token=${'t0k3n'.repeat(20)}`;
    try {
      await mail.enqueue(
        {
          purpose: 'auth.password-reset',
          to: 'ada@example.com',
          subject: 'Reset your Seed PMS password',
          text: `Hello Ada,\n\nOpen ${link} to choose a new password.`,
          html: `<p>Hello Ada,</p><p><a href="${link}">Choose a new password</a></p>`,
        },
        clock(),
      );
      // No explicit drain: the enqueue wakes the sender job.
      await until(() => smtp.received.length === 1);
      await until(async () => (await outbox().findOne({}))?.status === 'sent');
    } finally {
      await jobs.stop();
    }

    const [{ mail: message, envelope }] = smtp.received as [ReceivedMail];
    expect(firstAddress(message.from)).toEqual({ address: 'no-reply@seed-pms.test', name: 'Seed PMS' });
    expect(firstAddress(message.to)?.address).toBe('ada@example.com');
    expect(envelope.rcptTo.map((r) => r.address)).toEqual(['ada@example.com']);
    expect(message.subject).toBe('Reset your Seed PMS password');
    expect(message.text?.trim()).toBe(`Hello Ada,\n\nOpen ${link} to choose a new password.`);
    expect(message.html).toContain(`<a href="${link}">`);

    const stored = await outbox().findOne({});
    expect(stored).toMatchObject({ status: 'sent', attempts: 1, text: null, html: null, lastError: null });
    expect(stored?.sentAt).toBeInstanceOf(Date);
    expect(smtp.received).toHaveLength(1);
  });

  it('retries a refused recipient with growing backoff, keeps the error, and gives up after 8 attempts', async () => {
    const { jobs, wakeUps } = idleJobs();
    const mail = service(jobs);
    const t0 = new Date();
    await mail.enqueue({ purpose: 'test', to: 'nobody@example.com', subject: 'Bounce', text: 'secret-1' }, t0);
    await mail.enqueue({ purpose: 'test', to: 'ada@example.com', subject: 'Fine', text: 'hello' }, t0);
    smtp.reject.add('nobody@example.com');
    await until(() => wakeUps() === 2);

    // One refused email does not hold up the others.
    expect(await mail.drain(t0)).toEqual({ sent: 1, failed: 0, retried: 1 });
    expect(smtp.received.map((r) => r.mail.subject)).toEqual(['Fine']);
    let bounced = (await outbox().findOne({ subject: 'Bounce' })) as OutboxDoc;
    expect(bounced).toMatchObject({ status: 'pending', attempts: 1, text: 'secret-1' });
    expect(bounced.lastError).toMatch(/550/);
    expect(bounced.nextAttemptAt).toEqual(new Date(t0.getTime() + 30_000));
    expect(await mail.drain(new Date(t0.getTime() + 29_999))).toEqual({ sent: 0, failed: 0, retried: 0 });

    const waits: number[] = [];
    for (let attempt = 2; attempt <= OUTBOX_RETRY_POLICY.maxAttempts; attempt += 1) {
      const now = bounced.nextAttemptAt;
      const outcome = await mail.drain(now);
      bounced = (await outbox().findOne({ _id: bounced._id })) as OutboxDoc;
      expect(bounced.attempts).toBe(attempt);
      if (attempt < OUTBOX_RETRY_POLICY.maxAttempts) {
        expect(outcome).toEqual({ sent: 0, failed: 0, retried: 1 });
        waits.push(bounced.nextAttemptAt.getTime() - now.getTime());
      } else {
        expect(outcome).toEqual({ sent: 0, failed: 1, retried: 0 });
      }
    }
    expect(waits).toEqual([60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000]);
    expect(OUTBOX_RETRY_POLICY.backoffMs(8)).toBe(3_600_000);
    expect(bounced).toMatchObject({ status: 'failed', attempts: 8, text: null, html: null, lockedUntil: null });
    expect(bounced.lastError).toMatch(/550/);
    expect(await mail.drain(new Date(t0.getTime() + 365 * 24 * 3600_000))).toEqual({ sent: 0, failed: 0, retried: 0 });
    expect(smtp.received).toHaveLength(1);
    await jobs.stop();
  });

  it('delivers each email exactly once when two senders drain at the same time', async () => {
    const { jobs } = idleJobs();
    const first = service(jobs);
    const second = service(jobs);
    const t0 = new Date();
    const subjects = Array.from({ length: 12 }, (_, n) => `Invitation ${n}`);
    for (const subject of subjects) {
      await first.enqueue({ purpose: 'users.invite', to: 'team@example.com', subject, text: subject }, t0);
    }

    const [a, b] = await Promise.all([first.drain(t0), second.drain(t0)]);
    expect(a.sent + b.sent).toBe(12);
    expect(a.failed + a.retried + b.failed + b.retried).toBe(0);
    expect(smtp.received.map((r) => r.mail.subject).sort()).toEqual([...subjects].sort());
    expect(await outbox().countDocuments({ status: 'sent', attempts: 1 })).toBe(12);
    await jobs.stop();
  });

  it('purges finished emails after 30 days', async () => {
    const { jobs } = idleJobs();
    const mail = service(jobs);
    const t0 = new Date('2026-01-01T00:00:00Z');
    await mail.enqueue({ purpose: 'test', to: 'ada@example.com', subject: 'Old', text: 'x' }, t0);
    await mail.drain(t0);
    await mail.enqueue({ purpose: 'test', to: 'ada@example.com', subject: 'Waiting', text: 'y' }, t0);
    expect(await mail.purge(new Date(t0.getTime() + 29 * 24 * 3600_000))).toBe(0);
    expect(await mail.purge(new Date(t0.getTime() + 31 * 24 * 3600_000))).toBe(1);
    expect((await outbox().find({}).toArray()).map((d) => d.subject)).toEqual(['Waiting']);
    await jobs.stop();
  });
});

describe('a mail server that is down', () => {
  it('fails at once when nothing listens, and the outbox keeps the email for a retry', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const mailer = createSmtpMailer(`smtp://127.0.0.1:${port}`, MAIL_FROM);
    const started = Date.now();
    await expect(mailer.send({ to: 'ada@example.com', subject: 'Hi', text: 'x' })).rejects.toThrow(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(3_000);

    await outbox().deleteMany({});
    const { jobs } = idleJobs();
    const mail = createOutboxService(
      { repos: createRepositories(database()), jobs, clock: () => new Date() },
      mailer,
      quiet,
    );
    const t0 = new Date();
    await mail.enqueue({ purpose: 'test', to: 'ada@example.com', subject: 'Hi', text: 'x' }, t0);
    expect(await mail.drain(t0)).toEqual({ sent: 0, failed: 0, retried: 1 });
    expect(await outbox().findOne({})).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: expect.stringMatching(/ECONNREFUSED/),
    });
    await jobs.stop();
    await mailer.close();
  });

  it('gives up within the connection timeout on a server that accepts but never answers', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const mailer = createSmtpMailer(`smtp://127.0.0.1:${port}`, MAIL_FROM);
    const started = Date.now();
    try {
      await expect(mailer.send({ to: 'ada@example.com', subject: 'Hi', text: 'x' })).rejects.toMatchObject({
        code: 'ETIMEDOUT',
      });
      expect(Date.now() - started).toBeLessThan(SMTP_TIMEOUTS.connectionTimeout + 2_000);
      expect(sockets.size).toBe(1);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
      await mailer.close();
    }
  }, 20_000);
});

describe('choosing a mailer', () => {
  const capture = () => {
    const lines: { level: 'info' | 'warn'; fields: unknown; message: string }[] = [];
    const logger = {
      info: (fields: unknown, message = '') => void lines.push({ level: 'info', fields, message }),
      warn: (fields: unknown, message = '') => void lines.push({ level: 'warn', fields, message }),
    };
    return { lines, logger };
  };
  const email = { to: 'ada@example.com', subject: 'Reset', text: 'https://pms.example.com/reset?token=abc' };

  it('uses SMTP when SMTP_URL is set', async () => {
    const mailer = createMailer(
      { SMTP_URL: 'smtp://127.0.0.1:2525', MAIL_FROM, NODE_ENV: 'production' },
      capture().logger,
    );
    expect(mailer.kind).toBe('smtp');
    await mailer.close();
  });

  it('logs the body in development, so the link can be followed from the console', async () => {
    const { lines, logger } = capture();
    const mailer = createMailer({ SMTP_URL: undefined, MAIL_FROM, NODE_ENV: 'development' }, logger);
    expect(mailer.kind).toBe('log');
    await mailer.send(email);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.fields).toEqual({ to: 'ada@example.com', subject: 'Reset' });
    expect(lines[0]?.message).toContain('token=abc');
  });

  it('in production without SMTP logs only recipient and subject, with a warning that nothing was delivered', async () => {
    const { lines, logger } = capture();
    const mailer = createMailer({ SMTP_URL: undefined, MAIL_FROM, NODE_ENV: 'production' }, logger);
    await mailer.send(email);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe('warn');
    expect(lines[0]?.message).toMatch(/not delivered/i);
    expect(JSON.stringify(lines)).not.toContain('token=abc');
    expect(createLogMailer(logger, { includeBodies: false }).kind).toBe('log');
  });
});
