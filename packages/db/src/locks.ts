import { DomainError } from '@seed-pms/domain';
import type { Collection } from 'mongodb';
import { defineCollection } from './collections.js';
import { isDuplicateKey } from './errors.js';
import { newId } from './ids.js';

/**
 * A named lease: one holder at a time across every process, taken with one
 * conditional single-document write and given up when done (or when it
 * expires, if the holder died). For check-then-write rules that span several
 * documents, such as "no reporting loops", which no single-document guard can
 * express.
 */
export interface LockDoc {
  _id: string;
  holder: string | null;
  until: Date;
}

export const locksCollection = defineCollection<LockDoc>('locks', []);

export interface LeaseOptions {
  /** How long the lease lasts if the holder dies without returning it (renewed while the work runs). */
  ttlMs?: number;
  /** How long to keep trying before giving up with 409 RESOURCE_BUSY (Retry-After). */
  waitMs?: number;
}

export async function withLease<T>(
  locks: Collection<LockDoc>,
  name: string,
  fn: () => Promise<T>,
  options: LeaseOptions = {},
): Promise<T> {
  const ttlMs = options.ttlMs ?? 10_000;
  const deadline = Date.now() + (options.waitMs ?? 5_000);
  const holder = newId().toHexString();
  for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
    const now = new Date();
    try {
      const taken = await locks.findOneAndUpdate(
        { _id: name, $or: [{ holder: null }, { until: { $lte: now } }] },
        { $set: { holder, until: new Date(now.getTime() + ttlMs) } },
        { upsert: true, returnDocument: 'after' },
      );
      if (taken?.holder === holder) break;
    } catch (error) {
      // The upsert lost a race for the lock document to another holder: it is taken.
      if (!isDuplicateKey(error)) throw error;
    }
    if (Date.now() >= deadline) {
      // The holder keeps the lease at most until its expiry (renewed while it works): a fair hint.
      throw new DomainError('RESOURCE_BUSY', 'Another change of the same kind is in progress; try again shortly', {
        lock: name,
        retryAfterSeconds: 1,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  // While the work runs the lease is renewed, so long work (archiving a large project)
  // keeps it; if this process dies, it lapses within ttlMs.
  const renew = setInterval(
    () => {
      void locks
        .updateOne({ _id: name, holder }, { $set: { until: new Date(Date.now() + ttlMs) } })
        .catch(() => undefined);
    },
    Math.max(ttlMs / 3, 10),
  );
  try {
    return await fn();
  } finally {
    clearInterval(renew);
    await locks.updateOne({ _id: name, holder }, { $set: { holder: null, until: new Date(0) } });
  }
}

/** Leases as the services see them: named, one holder at a time across processes. */
export interface LeaseRepository {
  /** Runs `fn` holding the named lease (409 RESOURCE_BUSY if it stays taken past the wait). */
  withLease<T>(name: string, fn: () => Promise<T>, options?: LeaseOptions): Promise<T>;
}

export function createLeaseRepository(collections: { locks: Collection<LockDoc> }): LeaseRepository {
  return { withLease: (name, fn, options) => withLease(collections.locks, name, fn, options) };
}
