import type { Collection } from 'mongodb';
import { newId, objectIdOf } from '../ids.js';
import { deletionTarget, type RetentionTarget } from '../privacy/retention-batches.js';
import type { OutboxDoc, OutboxStatus } from './outbox.doc.js';

export interface NewEmail {
  purpose: string;
  to: string;
  subject: string;
  text: string;
  html?: string | null;
}

/**
 * A stored email as the sender sees it (string id). No domain rule reads
 * emails, so the record lives here with its storage rather than in domain.
 */
export interface OutboxEmail {
  id: string;
  purpose: string;
  to: string;
  subject: string;
  /** Null once sent or given up on (the bodies may carry single-use tokens). */
  text: string | null;
  html: string | null;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  lockedUntil: Date | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

/** When a failed delivery is tried again, and when the outbox gives up. */
export interface RetryPolicy {
  /** After this many failed attempts the email is `failed` for good. */
  maxAttempts: number;
  /** The wait before attempt `attempt + 1`, given the number of attempts made so far (1 after the first). */
  backoffMs(attempt: number): number;
}

/** Enough of a delivery error to diagnose it without letting a chatty server bloat the document. */
export const LAST_ERROR_MAX_CHARS = 500;

/**
 * The email outbox: use cases enqueue, the sender claims, sends and records
 * the outcome. Each step is one write conditional on the state it expects
 * (a claim on due-or-abandoned, a failure on the claim's attempt count), so two
 * senders never hold the same email and a late report never overrides a newer
 * sender's outcome.
 */
export interface OutboxRepository {
  enqueue(email: NewEmail, now: Date): Promise<OutboxEmail>;
  /** Stores several at once (one write). */
  enqueueMany(emails: readonly NewEmail[], now: Date): Promise<void>;
  /**
   * Takes one due email for sending, or null when none is due: a pending one
   * whose backoff has passed, or one left `sending` by a sender that died (its
   * lock expired). The attempt is counted here rather than after sending, so
   * an email that kills its sender every time still runs out of attempts.
   */
  claimNext(now: Date, lockMs: number): Promise<OutboxEmail | null>;
  /**
   * Records a delivery and drops the bodies. Accepted from whichever state the
   * email is in but `sent`: a sender whose lock expired mid-send did deliver,
   * and recording that keeps the email from being sent once more.
   */
  markSent(id: string, now: Date): Promise<boolean>;
  /**
   * Records a failed attempt: back to `pending` after the policy's backoff, or
   * `failed` (bodies dropped) once `maxAttempts` attempts have failed. Returns
   * the new status, or null when the claim was no longer the caller's (another
   * sender took the email over after the lock expired, and its outcome wins).
   */
  markFailed(id: string, error: string, now: Date, policy: RetryPolicy): Promise<'pending' | 'failed' | null>;
  /** Deletes sent and given-up emails last touched before `before`; returns how many. */
  purgeFinished(before: Date): Promise<number>;
  /** Retention: emails sent or given up on before `cutoff`. */
  retentionOfFinished(cutoff: Date): RetentionTarget;
}

function toOutboxEmail(doc: OutboxDoc): OutboxEmail {
  return {
    id: doc._id.toHexString(),
    purpose: doc.purpose,
    to: doc.to,
    subject: doc.subject,
    text: doc.text,
    html: doc.html,
    status: doc.status,
    attempts: doc.attempts,
    nextAttemptAt: doc.nextAttemptAt,
    lockedUntil: doc.lockedUntil,
    lastError: doc.lastError,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    sentAt: doc.sentAt,
  };
}

function newEmailDoc(email: NewEmail, now: Date): OutboxDoc {
  return {
    _id: newId(),
    kind: 'email',
    purpose: email.purpose,
    to: email.to,
    subject: email.subject,
    text: email.text,
    html: email.html ?? null,
    status: 'pending',
    attempts: 0,
    nextAttemptAt: now,
    lockedUntil: null,
    lastError: null,
    createdAt: now,
    updatedAt: now,
    sentAt: null,
  };
}

export function createOutboxRepository(outbox: Collection<OutboxDoc>): OutboxRepository {
  return {
    async enqueueMany(emails, now) {
      if (emails.length > 0) await outbox.insertMany(emails.map((email) => newEmailDoc(email, now)));
    },
    async enqueue(email, now) {
      const doc = newEmailDoc(email, now);
      await outbox.insertOne(doc);
      return toOutboxEmail(doc);
    },

    async claimNext(now, lockMs) {
      const doc = await outbox.findOneAndUpdate(
        {
          $or: [
            { status: 'pending', nextAttemptAt: { $lte: now } },
            { status: 'sending', lockedUntil: { $lt: now } },
          ],
        },
        {
          $set: { status: 'sending', lockedUntil: new Date(now.getTime() + lockMs), updatedAt: now },
          $inc: { attempts: 1 },
        },
        { sort: { nextAttemptAt: 1 }, returnDocument: 'after' },
      );
      return doc ? toOutboxEmail(doc) : null;
    },

    async markSent(id, now) {
      const _id = objectIdOf(id);
      if (!_id) return false;
      const result = await outbox.updateOne(
        { _id, status: { $ne: 'sent' } },
        { $set: { status: 'sent', sentAt: now, lockedUntil: null, text: null, html: null, updatedAt: now } },
      );
      return result.modifiedCount === 1;
    },

    async markFailed(id, error, now, policy) {
      const _id = objectIdOf(id);
      const current = _id ? await outbox.findOne({ _id, status: 'sending' }) : null;
      if (!_id || !current) return null;
      const lastError = error.length > LAST_ERROR_MAX_CHARS ? `${error.slice(0, LAST_ERROR_MAX_CHARS - 1)}…` : error;
      const giveUp = current.attempts >= policy.maxAttempts;
      const update = giveUp
        ? { status: 'failed' as const, lockedUntil: null, lastError, text: null, html: null, updatedAt: now }
        : {
            status: 'pending' as const,
            lockedUntil: null,
            lastError,
            nextAttemptAt: new Date(now.getTime() + policy.backoffMs(current.attempts)),
            updatedAt: now,
          };
      // The attempt count in the guard is what identifies this claim: a takeover increments it.
      const result = await outbox.updateOne({ _id, status: 'sending', attempts: current.attempts }, { $set: update });
      if (result.modifiedCount !== 1) return null;
      return update.status;
    },

    async purgeFinished(before) {
      const result = await outbox.deleteMany({ status: { $in: ['sent', 'failed'] }, updatedAt: { $lt: before } });
      return result.deletedCount;
    },

    retentionOfFinished(cutoff) {
      return deletionTarget(outbox, { status: { $in: ['sent', 'failed'] }, updatedAt: { $lt: cutoff } });
    },
  };
}
