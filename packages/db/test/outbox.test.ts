import { ObjectId } from 'mongodb';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureIndexes } from '../src/indexes.js';
import { outboxCollection } from '../src/outbox/outbox.doc.js';
import { createOutboxRepository, LAST_ERROR_MAX_CHARS, type RetryPolicy } from '../src/outbox/outbox.repository.js';
import { useTestDatabase } from '../src/testing/vitest.js';

const database = useTestDatabase(import.meta.url);
const outbox = () => database().collection(outboxCollection);
const repo = () => createOutboxRepository(outbox());
const byId = (id: string) => outbox().findOne({ _id: ObjectId.createFromHexString(id) });

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
    const queued = await repo().enqueue({ ...email(), html: undefined }, t0);
    expect(queued).toMatchObject({ status: 'pending', attempts: 0, html: null, nextAttemptAt: t0, lockedUntil: null });

    const claimed = await repo().claimNext(t0, LOCK_MS);
    expect(claimed?.id).toBe(queued.id);
    expect(claimed).toMatchObject({ status: 'sending', attempts: 1, lockedUntil: at(LOCK_MS), text: email().text });
    expect(await repo().claimNext(at(1_000), LOCK_MS)).toBeNull();
  });

  it('does not claim an email before it is due', async () => {
    await repo().enqueue(email(), at(5_000));
    expect(await repo().claimNext(at(4_999), LOCK_MS)).toBeNull();
    expect(await repo().claimNext(at(5_000), LOCK_MS)).not.toBeNull();
  });

  it('never hands the same email to two parallel claims', async () => {
    for (let n = 0; n < 8; n += 1) await repo().enqueue(email(n), t0);
    const claims = await Promise.all(Array.from({ length: 16 }, () => repo().claimNext(t0, LOCK_MS)));
    const ids = claims.filter((c) => c !== null).map((c) => c.id);
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
    const docs = await outbox().find({}).toArray();
    expect(docs.every((d) => d.status === 'sending' && d.attempts === 1)).toBe(true);
  });

  it('reclaims an email whose sender died once its lock has expired, and ignores the dead sender afterwards', async () => {
    const queued = await repo().enqueue(email(), t0);
    await repo().claimNext(t0, LOCK_MS);
    expect(await repo().claimNext(at(LOCK_MS - 1), LOCK_MS)).toBeNull();

    const retaken = await repo().claimNext(at(LOCK_MS + 1), LOCK_MS);
    expect(retaken?.id).toBe(queued.id);
    expect(retaken?.attempts).toBe(2);
    expect(retaken?.lockedUntil).toEqual(at(2 * LOCK_MS + 1));

    // The new holder fails; a late report from the first sender cannot then claim the outcome...
    expect(await repo().markFailed(queued.id, 'refused', at(LOCK_MS + 2), policy)).toBe('pending');
    expect(await repo().markFailed(queued.id, 'late report', at(LOCK_MS + 3), policy)).toBeNull();
    expect(await byId(queued.id)).toMatchObject({ status: 'pending', lastError: 'refused' });
  });

  it('backs off after a failure and gives up after maxAttempts, dropping the bodies', async () => {
    const queued = await repo().enqueue(email(), t0);
    let now = t0;
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      const claimed = await repo().claimNext(now, LOCK_MS);
      expect(claimed?.attempts).toBe(attempt);
      expect(await repo().markFailed(queued.id, `550 rejected ${attempt}`, now, policy)).toBe('pending');
      const stored = await byId(queued.id);
      expect(stored).toMatchObject({ status: 'pending', lockedUntil: null, lastError: `550 rejected ${attempt}` });
      expect(stored?.nextAttemptAt).toEqual(new Date(now.getTime() + attempt * 1_000));
      expect(stored?.text).toBe(email().text);
      // Not due before the backoff has passed.
      expect(await repo().claimNext(new Date(now.getTime() + attempt * 1_000 - 1), LOCK_MS)).toBeNull();
      now = new Date(now.getTime() + attempt * 1_000);
    }

    expect((await repo().claimNext(now, LOCK_MS))?.attempts).toBe(3);
    const longError = 'x'.repeat(5_000);
    expect(await repo().markFailed(queued.id, longError, now, policy)).toBe('failed');
    const failed = await byId(queued.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, text: null, html: null, lockedUntil: null });
    expect(failed?.lastError).toHaveLength(LAST_ERROR_MAX_CHARS);
    expect(failed?.to).toBe(email().to);
    expect(await repo().claimNext(at(365 * 24 * 3600_000), LOCK_MS)).toBeNull();
  });

  it('records a delivery once and drops the bodies, which may carry single-use tokens', async () => {
    const queued = await repo().enqueue(email(), t0);
    await repo().claimNext(t0, LOCK_MS);
    expect(await repo().markSent(queued.id, at(500))).toBe(true);
    const sent = await byId(queued.id);
    expect(sent).toMatchObject({ status: 'sent', sentAt: at(500), text: null, html: null, lockedUntil: null });
    expect(sent?.subject).toBe(email().subject);
    expect(await repo().markSent(queued.id, at(600))).toBe(false);
    // A failure reported after the delivery was recorded changes nothing.
    expect(await repo().markFailed(queued.id, 'late', at(700), policy)).toBeNull();
    expect(await repo().claimNext(at(10 * LOCK_MS), LOCK_MS)).toBeNull();
  });

  it('purges sent and failed emails older than the cut-off, and keeps the rest', async () => {
    const sentOld = await repo().enqueue(email('sent-old'), t0);
    const failedOld = await repo().enqueue(email('failed-old'), t0);
    const pendingOld = await repo().enqueue(email('pending-old'), at(1));
    await repo().claimNext(t0, LOCK_MS);
    await repo().claimNext(t0, LOCK_MS);
    await repo().markSent(sentOld.id, t0);
    await repo().markFailed(failedOld.id, 'refused', t0, { ...policy, maxAttempts: 1 });
    const sentRecent = await repo().enqueue(email('sent-recent'), at(10_000));
    await repo().claimNext(at(10_000), LOCK_MS);
    await repo().markSent(sentRecent.id, at(10_000));

    expect(await repo().purgeFinished(at(5_000))).toBe(2);
    const left = (await outbox().find({}).toArray()).map((d) => d._id.toHexString()).sort();
    expect(left).toEqual([pendingOld.id, sentRecent.id].sort());
  });
});
