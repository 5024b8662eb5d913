import { type Collection, ObjectId } from 'mongodb';
import type { OutboxDoc } from './outbox.doc.js';

export interface NewEmail {
  purpose: string;
  to: string;
  subject: string;
  text: string;
  html?: string | null;
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

export async function enqueueEmail(collection: Collection<OutboxDoc>, email: NewEmail, now: Date): Promise<OutboxDoc> {
  const doc: OutboxDoc = {
    _id: new ObjectId(),
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
  await collection.insertOne(doc);
  return doc;
}

/**
 * Takes one due email for sending, or null when none is due: a pending one whose
 * backoff has passed, or one left `sending` by a sender that died (its lock
 * expired). One conditional write, so two senders never get the same email.
 * The attempt is counted here rather than after sending, so an email that kills
 * its sender every time still runs out of attempts.
 */
export async function claimNextEmail(
  collection: Collection<OutboxDoc>,
  now: Date,
  lockMs: number,
): Promise<OutboxDoc | null> {
  return collection.findOneAndUpdate(
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
}

/**
 * Records a delivery and drops the bodies. Accepted from whichever state the
 * email is in but `sent`: a sender whose lock expired mid-send did deliver, and
 * recording that keeps the email from being sent once more.
 */
export async function markEmailSent(collection: Collection<OutboxDoc>, id: ObjectId, now: Date): Promise<boolean> {
  const result = await collection.updateOne(
    { _id: id, status: { $ne: 'sent' } },
    { $set: { status: 'sent', sentAt: now, lockedUntil: null, text: null, html: null, updatedAt: now } },
  );
  return result.modifiedCount === 1;
}

/**
 * Records a failed attempt: back to `pending` after the policy's backoff, or
 * `failed` (bodies dropped) once `maxAttempts` attempts have failed. Returns the
 * new status, or null when the claim was no longer the caller's (another sender
 * took the email over after the lock expired, and its outcome wins).
 */
export async function markEmailFailed(
  collection: Collection<OutboxDoc>,
  id: ObjectId,
  error: string,
  now: Date,
  policy: RetryPolicy,
): Promise<'pending' | 'failed' | null> {
  const current = await collection.findOne({ _id: id, status: 'sending' });
  if (!current) return null;
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
  const result = await collection.updateOne(
    { _id: id, status: 'sending', attempts: current.attempts },
    { $set: update },
  );
  if (result.modifiedCount !== 1) return null;
  return update.status;
}

/** Deletes sent and given-up emails last touched before `before`; the purge job calls it. */
export async function purgeSentEmails(collection: Collection<OutboxDoc>, before: Date): Promise<number> {
  const result = await collection.deleteMany({ status: { $in: ['sent', 'failed'] }, updatedAt: { $lt: before } });
  return result.deletedCount;
}
