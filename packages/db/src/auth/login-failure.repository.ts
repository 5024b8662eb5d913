import type { LoginFailureRecord, LoginFailureState } from '@seed-pms/domain';
import type { Collection } from 'mongodb';
import { isDuplicateKey } from '../errors.js';
import { toLoginFailureRecord } from './auth.mapper.js';
import type { LoginFailureDoc } from './session.doc.js';

/**
 * Failed sign-ins per normalised email. The rule (when to lock, for how long)
 * is domain/src/auth/lockout.ts; this only stores what it is told.
 *
 * Concurrent failures. Counting is one atomic `$inc` (upserted), never a read
 * then a write, so no failure is lost however many arrive together: each
 * caller gets the count including its own failure (on MongoDB `$inc` is
 * atomic; on FerretDB the per-collection write queue makes it so within the
 * process). The failure whose count reaches the threshold then stores the
 * lock with one write conditional on the count and lock number it saw: of
 * failures racing past the threshold, only the one whose count is still
 * current locks, and a failure counted after the lock landed counts toward the
 * next one. The last failure of a burst always sees the current count, so a
 * burst that reaches the threshold always locks, and locks once.
 */
export interface LoginFailureRepository {
  /** The failures of this email, or null when there are none. */
  get(emailKey: string): Promise<LoginFailureRecord | null>;
  /** Counts one failure (atomically) and returns the state with it counted. */
  countFailure(emailKey: string, now: Date): Promise<LoginFailureRecord>;
  /**
   * Stores the state a counted failure decided (the lock), only if the count
   * and lock number are still those of `counted`. False when another failure
   * came first (it decides instead).
   */
  store(emailKey: string, counted: LoginFailureState, next: LoginFailureState): Promise<boolean>;
  /** A successful sign-in or an unlock forgets the failures. */
  clear(emailKey: string): Promise<void>;
  /** Forgets entries idle since `before` whose lock has passed. */
  purgeIdle(before: Date): Promise<number>;
}

export function createLoginFailureRepository(collections: {
  loginFailures: Collection<LoginFailureDoc>;
}): LoginFailureRepository {
  const failures = collections.loginFailures;
  return {
    async get(emailKey) {
      const doc = await failures.findOne({ _id: emailKey });
      return doc ? toLoginFailureRecord(doc) : null;
    },

    async countFailure(emailKey, now) {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        try {
          const counted = await failures.findOneAndUpdate(
            { _id: emailKey },
            { $inc: { failures: 1 }, $set: { lastFailureAt: now }, $setOnInsert: { locks: 0, lockedUntil: null } },
            { upsert: true, returnDocument: 'after' },
          );
          if (counted) return toLoginFailureRecord(counted);
        } catch (error) {
          // Two first failures raced to create the entry; the loser counts again, on the winner's.
          if (!isDuplicateKey(error)) throw error;
        }
      }
      throw new Error('could not record a login failure');
    },

    async store(emailKey, counted, next) {
      const result = await failures.updateOne(
        { _id: emailKey, failures: counted.failures, locks: counted.locks },
        { $set: { failures: next.failures, locks: next.locks, lockedUntil: next.lockedUntil } },
      );
      return result.modifiedCount === 1;
    },

    async clear(emailKey) {
      await failures.deleteOne({ _id: emailKey });
    },

    async purgeIdle(before) {
      const result = await failures.deleteMany({
        lastFailureAt: { $lt: before },
        $or: [{ lockedUntil: null }, { lockedUntil: { $lt: before } }],
      });
      return result.deletedCount;
    },
  };
}
