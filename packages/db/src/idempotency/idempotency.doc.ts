import { defineCollection } from '../collections.js';

/**
 * One use of an `Idempotency-Key`. `_id` is a hash of (who, which operation,
 * key), so the unique `_id` index is what makes two concurrent first attempts
 * race safely: exactly one insert wins.
 */
export interface IdempotencyDoc {
  _id: string;
  actorId: string;
  operation: string;
  requestHash: string;
  state: 'pending' | 'done';
  /** The first result, as JSON text (a stored sub-document could hold keys the server refuses). */
  responseJson: string | null;
  /** A pending claim older than this was abandoned by a crashed request and may be taken over. */
  lockedUntil: Date;
  createdAt: Date;
  /** Removed by the periodic cleanup after this (no TTL indexes on every server we support). */
  expiresAt: Date;
}

export const idempotencyCollection = defineCollection<IdempotencyDoc>('idempotency_keys', [
  { name: 'expiresAt', key: { expiresAt: 1 } },
]);
