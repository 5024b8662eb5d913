import type { Collection } from 'mongodb';
import { isDuplicateKey } from '../errors.js';
import type { LoginFailureDoc } from './session.doc.js';

export function findLoginFailures(failures: Collection<LoginFailureDoc>, key: string): Promise<LoginFailureDoc | null> {
  return failures.findOne({ _id: key });
}

/**
 * Counts a failed login for a normalised email. When the count reaches the
 * threshold the entry is locked for `lockMs(locksSoFar + 1)` and the count
 * starts again; the lock is set by a write guarded on the count, so concurrent
 * failures lock once.
 */
export async function recordLoginFailure(
  failures: Collection<LoginFailureDoc>,
  key: string,
  now: Date,
  policy: { threshold: number; lockMs: (lockNumber: number) => number },
): Promise<LoginFailureDoc> {
  let after: LoginFailureDoc | null = null;
  for (let attempt = 0; attempt < 3 && !after; attempt += 1) {
    try {
      after = await failures.findOneAndUpdate(
        { _id: key },
        { $inc: { failures: 1 }, $set: { lastFailureAt: now }, $setOnInsert: { locks: 0, lockedUntil: null } },
        { upsert: true, returnDocument: 'after' },
      );
    } catch (error) {
      // Two first failures raced to create the entry; the loser counts again.
      if (!isDuplicateKey(error)) throw error;
    }
  }
  if (!after) throw new Error('could not record a login failure');
  if (after.failures < policy.threshold) return after;
  const locked = await failures.findOneAndUpdate(
    { _id: key, failures: after.failures },
    {
      $set: { failures: 0, lockedUntil: new Date(now.getTime() + policy.lockMs(after.locks + 1)) },
      $inc: { locks: 1 },
    },
    { returnDocument: 'after' },
  );
  return locked ?? after;
}

/** A successful login or an admin's unlock forgets the failures. */
export async function clearLoginFailures(failures: Collection<LoginFailureDoc>, key: string): Promise<void> {
  await failures.deleteOne({ _id: key });
}

/** Forgets entries idle since `before` whose lock has passed. */
export async function purgeLoginFailures(failures: Collection<LoginFailureDoc>, before: Date): Promise<number> {
  const result = await failures.deleteMany({
    lastFailureAt: { $lt: before },
    $or: [{ lockedUntil: null }, { lockedUntil: { $lt: before } }],
  });
  return result.deletedCount;
}
