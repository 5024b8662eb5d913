import type { NewEmail, OutboxEmail, RetryPolicy } from '@seed-pms/db';
import type { AppDeps, ServiceDeps } from '../app/deps.js';
import type { JobRunner } from '../jobs/jobs.js';
import type { Mailer } from './mailer.js';

/** 30 s, 1 min, 2 min … capped at 1 h: eight attempts span about two hours, enough to ride out a mail-server outage. */
export const OUTBOX_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 8,
  backoffMs: (attempt) => Math.min(30_000 * 2 ** Math.max(attempt - 1, 0), 3600_000),
};
/** Well beyond what one send can take with SMTP_TIMEOUTS, so a live sender's claim never expires under it. */
export const OUTBOX_LOCK_MS = 5 * 60_000;
/** Emails one drain sends at most; if more are due, it starts another drain rather than hold its job. */
export const OUTBOX_DRAIN_BATCH = 100;
/** Sent and failed emails (bodies already gone) are kept this long for support questions, then purged. */
export const OUTBOX_KEEP_MS = 30 * 24 * 3600_000;

export const OUTBOX_DRAIN_JOB = 'outbox.drain';
export const OUTBOX_PURGE_JOB = 'outbox.purge';

export interface OutboxDrainResult {
  sent: number;
  /** Given up on for good in this drain. */
  failed: number;
  /** Failed this time, tried again after a backoff. */
  retried: number;
}

export interface OutboxService {
  /** Stores the email and wakes the sender; delivery happens in the background, with retries. */
  enqueue(email: NewEmail, now: Date): Promise<void>;
  /** Several emails in one write, one wake-up. */
  enqueueMany(emails: readonly NewEmail[], now: Date): Promise<void>;
  /**
   * Sends due emails one by one until none is due (at most OUTBOX_DRAIN_BATCH).
   * `now` fixes the time for tests; jobs leave it out so every claim reads the clock.
   */
  drain(now?: Date): Promise<OutboxDrainResult>;
  /** Deletes sent and failed emails older than OUTBOX_KEEP_MS; returns how many. */
  purge(now: Date): Promise<number>;
}

export type OutboxDeps = Pick<ServiceDeps, 'jobs' | 'clock'> & { repos: Pick<ServiceDeps['repos'], 'outbox'> };

type OutboxLogger = Pick<AppDeps['logger'], 'info' | 'warn' | 'error'>;

const describeError = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function createOutboxService(deps: OutboxDeps, mailer: Mailer, logger: OutboxLogger): OutboxService {
  const { outbox } = deps.repos;

  /** Fire and forget: the email is stored already, and the scheduled drain picks it up if this wake-up is lost. */
  const wakeSender = () => {
    deps.jobs
      .enqueue(OUTBOX_DRAIN_JOB)
      .catch((error: unknown) =>
        logger.error({ err: error }, 'could not start the email sender; the scheduled drain will send'),
      );
  };

  const fail = async (email: OutboxEmail, reason: string, now: Date, result: OutboxDrainResult) => {
    const status = await outbox.markFailed(email.id, reason, now, OUTBOX_RETRY_POLICY);
    // Bodies never reach the log (they may hold tokens); the id and purpose are enough to find the document.
    const fields = { emailId: email.id, purpose: email.purpose, attempts: email.attempts, reason };
    if (status === 'pending') {
      result.retried += 1;
      logger.warn(fields, 'email not sent; will retry');
    } else if (status === 'failed') {
      result.failed += 1;
      logger.error(fields, 'email not sent; giving up');
    }
  };

  return {
    async enqueue(email, now) {
      await outbox.enqueue(email, now);
      wakeSender();
    },

    async enqueueMany(emails, now) {
      if (emails.length === 0) return;
      await outbox.enqueueMany(emails, now);
      wakeSender();
    },

    async drain(now) {
      const at = () => now ?? deps.clock();
      const result: OutboxDrainResult = { sent: 0, failed: 0, retried: 0 };
      for (let n = 0; n < OUTBOX_DRAIN_BATCH; n += 1) {
        const email = await outbox.claimNext(at(), OUTBOX_LOCK_MS);
        if (!email) return result;
        if (email.attempts > OUTBOX_RETRY_POLICY.maxAttempts) {
          // Claimed again after its last attempt's sender died: do not let it kill senders forever.
          await fail(email, 'the sender stopped during every attempt', at(), result);
          continue;
        }
        try {
          await mailer.send({ to: email.to, subject: email.subject, text: email.text ?? '', html: email.html });
        } catch (error) {
          await fail(email, describeError(error), at(), result);
          continue;
        }
        await outbox.markSent(email.id, at());
        result.sent += 1;
        logger.info({ emailId: email.id, purpose: email.purpose, attempts: email.attempts }, 'email sent');
      }
      wakeSender();
      return result;
    },

    purge: (now) => outbox.purgeFinished(new Date(now.getTime() - OUTBOX_KEEP_MS)),
  };
}

/**
 * The sender and the cleanup. The drain also runs on a schedule, which picks up
 * retries whose backoff has passed and emails whose wake-up was lost.
 */
export function registerOutboxJobs(jobs: JobRunner, outbox: OutboxService, clock: () => Date): void {
  jobs.register(
    OUTBOX_DRAIN_JOB,
    async () => {
      // No fixed `now`: a long drain must stamp each claim's lock with the time it was taken.
      const { sent, failed, retried } = await outbox.drain();
      return { sent, failed, retried };
    },
    { everyMs: 30_000 },
  );
  jobs.register(OUTBOX_PURGE_JOB, async () => ({ purged: await outbox.purge(clock()) }), { everyMs: 24 * 3600_000 });
}
