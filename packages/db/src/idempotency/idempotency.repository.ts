import { createHash } from 'node:crypto';
import { DomainError } from '@seed-pms/domain';
import type { Collection } from 'mongodb';
import { isDuplicateKey } from '../errors.js';
import type { IdempotencyDoc } from './idempotency.doc.js';

export interface IdempotencyClaim {
  actorId: string;
  operation: string;
  key: string;
  /** A hash of the request input: the same key with other input is refused. */
  requestHash: string;
  now: Date;
  /** How long the first result is kept for replays. */
  ttlMs: number;
  /** How long a pending claim blocks repeats before it counts as abandoned. */
  lockMs: number;
}

export type IdempotencyOutcome<T> = { kind: 'claimed'; id: string } | { kind: 'replay'; response: T };

export function idempotencyId(actorId: string, operation: string, key: string): string {
  return createHash('sha256').update(`${actorId}\u0000${operation}\u0000${key}`).digest('hex');
}

export function hashRequest(input: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(input ?? null))
    .digest('hex');
}

/**
 * Idempotency keys' storage. A claim is one insert on the unique `_id` (a hash
 * of caller, operation and key), so of concurrent first attempts exactly one
 * wins; a takeover of an abandoned claim is one write conditional on its lock
 * having passed.
 */
export interface IdempotencyRepository {
  /**
   * Claims a key for a first attempt, or returns the stored result of an
   * earlier one. Outcomes: a new claim; a replay of the finished first attempt;
   * 409 IDEMPOTENCY_IN_PROGRESS while the first is still running; 422
   * IDEMPOTENCY_KEY_REUSED when the key was used with other input.
   */
  claim<T>(claim: IdempotencyClaim): Promise<IdempotencyOutcome<T>>;
  /** Stores the first attempt's result for replays. */
  complete(id: string, response: unknown): Promise<void>;
  /** A failed first attempt frees its key, so the client can retry with the same one. */
  release(id: string): Promise<void>;
  /** Removes keys expired by `now`; returns how many. */
  purgeExpired(now: Date): Promise<number>;
}

export function createIdempotencyRepository(collections: {
  idempotencyKeys: Collection<IdempotencyDoc>;
}): IdempotencyRepository {
  const keys = collections.idempotencyKeys;

  async function claimKey<T>(claim: IdempotencyClaim): Promise<IdempotencyOutcome<T>> {
    const id = idempotencyId(claim.actorId, claim.operation, claim.key);
    const fresh: IdempotencyDoc = {
      _id: id,
      actorId: claim.actorId,
      operation: claim.operation,
      requestHash: claim.requestHash,
      state: 'pending',
      responseJson: null,
      lockedUntil: new Date(claim.now.getTime() + claim.lockMs),
      createdAt: claim.now,
      expiresAt: new Date(claim.now.getTime() + claim.ttlMs),
    };
    try {
      await keys.insertOne(fresh);
      return { kind: 'claimed', id };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const existing = await keys.findOne({ _id: id });
    if (!existing || existing.expiresAt <= claim.now) {
      // Expired but not yet cleaned up (or removed just now): start over.
      await keys.deleteOne({ _id: id, expiresAt: { $lte: claim.now } });
      return claimKey<T>(claim);
    }
    if (existing.requestHash !== claim.requestHash) {
      throw new DomainError(
        'IDEMPOTENCY_KEY_REUSED',
        'This Idempotency-Key was already used with a different request',
        { key: claim.key },
      );
    }
    if (existing.state === 'done' && existing.responseJson !== null) {
      return { kind: 'replay', response: JSON.parse(existing.responseJson) as T };
    }
    // Pending: take over only a claim whose holder must have died.
    const takenOver = await keys.findOneAndUpdate(
      { _id: id, state: 'pending', lockedUntil: { $lte: claim.now } },
      { $set: { lockedUntil: fresh.lockedUntil } },
    );
    if (takenOver) return { kind: 'claimed', id };
    throw new DomainError('IDEMPOTENCY_IN_PROGRESS', 'A request with this Idempotency-Key is still being processed', {
      key: claim.key,
    });
  }

  return {
    claim: claimKey,
    async complete(id, response) {
      await keys.updateOne({ _id: id }, { $set: { state: 'done', responseJson: JSON.stringify(response ?? null) } });
    },
    async release(id) {
      await keys.deleteOne({ _id: id, state: 'pending' });
    },
    async purgeExpired(now) {
      const result = await keys.deleteMany({ expiresAt: { $lte: now } });
      return result.deletedCount;
    },
  };
}
