import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../src/indexes.js';
import { outboxCollection } from '../src/outbox/outbox.doc.js';
import {
  claimNextEmail,
  enqueueEmail,
  LAST_ERROR_MAX_CHARS,
  markEmailFailed,
  markEmailSent,
  purgeSentEmails,
  type RetryPolicy,
} from '../src/outbox/outbox.repository.js';
import { useTestDatabase } from '../src/testing/vitest.js';

const database = useTestDatabase(import.meta.url);
const outbox = () => database().collection(outboxCollection);

const t0 = new Date('2026-03-01T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const LOCK_MS = 60_000;
const policy: RetryPolicy = { maxAttempts: 3, backoffMs: (attempt) => attempt * 1_000 };

const email = (n: number | string = 1) => ({
  purpose: 'auth.password-reset',
  to: `user${n}@example.com`,
  subject: `Reset your password ${n}`,
  text: `https://pms.example.com/reset?token=secret-${n}`,
  html: `<a href="https://pms.example.com/reset?token=secret-${n}">reset</a>`,
});

beforeAll(async () => {
  // The collection is not in ALL_COLLECTIONS yet when this runs on its own; this also proves the indexes are portable.
  await ensureIndexes(database().db, [outboxCollection]);
});

beforeEach(async () => {
  await outbox().deleteMany({});
});

describe('the email outbox', () => {
  it('enqueues a pending email and claims it once, counting the attempt', async () => {
    const queued = await enqueueEmail(outbox(), { ...email(), html: undefined }, t0);
    expect(queued).toMatchObject({ status: 'pending', attempts: 0, html: null, nextAttemptAt: t0, lockedUntil: null });

    const claimed = await claimNextEmail(outbox(), t0, LOCK_MS);
    expect(claimed?._id.equals(queued._id)).toBe(true);
    expect(claimed).toMatchObject({ status: 'sending', attempts: 1, lockedUntil: at(LOCK_MS), text: email().text });
    expect(await claimNextEmail(outbox(), at(1_000), LOCK_MS)).toBeNull();
  });

  it('does not claim an email before it is due', async () => {
    await enqueueEmail(outbox(), email(), at(5_000));
    expect(await claimNextEmail(outbox(), at(4_999), LOCK_MS)).toBeNull();
    expect(await claimNextEmail(outbox(), at(5_000), LOCK_MS)).not.toBeNull();
  });

  it('never hands the same email to two parallel claims', async () => {
    for (let n = 0; n < 8; n += 1) await enqueueEmail(outbox(), email(n), t0);
    const claims = await Promise.all(Array.from({ length: 16 }, () => claimNextEmail(outbox(), t0, LOCK_MS)));
    const ids = claims.filter((c) => c !== null).map((c) => c._id.toHexString());
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
    const docs = await outbox().find({}).toArray();
    expect(docs.every((d) => d.status === 'sending' && d.attempts === 1)).toBe(true);
  });

  it('reclaims an email whose sender died once its lock has expired, and ignores the dead sender afterwards', async () => {
    const queued = await enqueueEmail(outbox(), email(), t0);
    await claimNextEmail(outbox(), t0, LOCK_MS);
    expect(await claimNextEmail(outbox(), at(LOCK_MS - 1), LOCK_MS)).toBeNull();

    const retaken = await claimNextEmail(outbox(), at(LOCK_MS + 1), LOCK_MS);
    expect(retaken?._id.equals(queued._id)).toBe(true);
    expect(retaken?.attempts).toBe(2);
    expect(retaken?.lockedUntil).toEqual(at(2 * LOCK_MS + 1));

    // The new holder fails; a late report from the first sender cannot then claim the outcome...
    expect(await markEmailFailed(outbox(), queued._id, 'refused', at(LOCK_MS + 2), policy)).toBe('pending');
    expect(await markEmailFailed(outbox(), queued._id, 'late report', at(LOCK_MS + 3), policy)).toBeNull();
    expect(await outbox().findOne({ _id: queued._id })).toMatchObject({ status: 'pending', lastError: 'refused' });
  });

  it('backs off after a failure and gives up after maxAttempts, dropping the bodies', async () => {
    const queued = await enqueueEmail(outbox(), email(), t0);
    let now = t0;
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      const claimed = await claimNextEmail(outbox(), now, LOCK_MS);
      expect(claimed?.attempts).toBe(attempt);
      expect(await markEmailFailed(outbox(), queued._id, `550 rejected ${attempt}`, now, policy)).toBe('pending');
      const stored = await outbox().findOne({ _id: queued._id });
      expect(stored).toMatchObject({ status: 'pending', lockedUntil: null, lastError: `550 rejected ${attempt}` });
      expect(stored?.nextAttemptAt).toEqual(new Date(now.getTime() + attempt * 1_000));
      expect(stored?.text).toBe(email().text);
      // Not due before the backoff has passed.
      expect(await claimNextEmail(outbox(), new Date(now.getTime() + attempt * 1_000 - 1), LOCK_MS)).toBeNull();
      now = new Date(now.getTime() + attempt * 1_000);
    }

    expect((await claimNextEmail(outbox(), now, LOCK_MS))?.attempts).toBe(3);
    const longError = 'x'.repeat(5_000);
    expect(await markEmailFailed(outbox(), queued._id, longError, now, policy)).toBe('failed');
    const failed = await outbox().findOne({ _id: queued._id });
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, text: null, html: null, lockedUntil: null });
    expect(failed?.lastError).toHaveLength(LAST_ERROR_MAX_CHARS);
    expect(failed?.to).toBe(email().to);
    expect(await claimNextEmail(outbox(), at(365 * 24 * 3600_000), LOCK_MS)).toBeNull();
  });

  it('records a delivery once and drops the bodies, which may carry single-use tokens', async () => {
    const queued = await enqueueEmail(outbox(), email(), t0);
    await claimNextEmail(outbox(), t0, LOCK_MS);
    expect(await markEmailSent(outbox(), queued._id, at(500))).toBe(true);
    const sent = await outbox().findOne({ _id: queued._id });
    expect(sent).toMatchObject({ status: 'sent', sentAt: at(500), text: null, html: null, lockedUntil: null });
    expect(sent?.subject).toBe(email().subject);
    expect(await markEmailSent(outbox(), queued._id, at(600))).toBe(false);
    // A failure reported after the delivery was recorded changes nothing.
    expect(await markEmailFailed(outbox(), queued._id, 'late', at(700), policy)).toBeNull();
    expect(await claimNextEmail(outbox(), at(10 * LOCK_MS), LOCK_MS)).toBeNull();
  });

  it('purges sent and failed emails older than the cut-off, and keeps the rest', async () => {
    const sentOld = await enqueueEmail(outbox(), email('sent-old'), t0);
    const failedOld = await enqueueEmail(outbox(), email('failed-old'), t0);
    const pendingOld = await enqueueEmail(outbox(), email('pending-old'), at(1));
    await claimNextEmail(outbox(), t0, LOCK_MS);
    await claimNextEmail(outbox(), t0, LOCK_MS);
    await markEmailSent(outbox(), sentOld._id, t0);
    await markEmailFailed(outbox(), failedOld._id, 'refused', t0, { ...policy, maxAttempts: 1 });
    const sentRecent = await enqueueEmail(outbox(), email('sent-recent'), at(10_000));
    await claimNextEmail(outbox(), at(10_000), LOCK_MS);
    await markEmailSent(outbox(), sentRecent._id, at(10_000));

    expect(await purgeSentEmails(outbox(), at(5_000))).toBe(2);
    const left = (await outbox().find({}).toArray()).map((d) => d._id.toHexString()).sort();
    expect(left).toEqual([pendingOld._id.toHexString(), sentRecent._id.toHexString()].sort());
  });
});
