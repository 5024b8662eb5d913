import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

/**
 * An email a use case asked to send. Use cases only insert here; a sender job
 * drains the collection, so a slow or dead mail server never fails or slows a
 * request, and a failed delivery is retried with backoff.
 *
 * Delivery is at least once: a sender that dies after the server accepted a
 * message but before it recorded `sent` leaves it `sending`, and it is sent
 * again once `lockedUntil` has passed.
 */
export interface OutboxDoc {
  _id: ObjectId;
  kind: 'email';
  /** What the email is for, e.g. 'auth.password-reset': for logs and support, never shown to the recipient. */
  purpose: string;
  to: string;
  subject: string;
  /**
   * The bodies, removed once the email is sent or given up on: they may carry
   * single-use tokens (reset links, invites) that must not outlive delivery.
   */
  text: string | null;
  html: string | null;
  status: OutboxStatus;
  /** Delivery attempts started so far (counted when claimed, so a sender that died counts too). */
  attempts: number;
  /** A pending email is not claimed before this (backoff after a failure). */
  nextAttemptAt: Date;
  /** While `sending`: after this the sender is taken to have died and another may claim the email. */
  lockedUntil: Date | null;
  /** The last delivery error, shortened. */
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

export const outboxCollection = defineCollection<OutboxDoc>('outbox', [
  // The claim query: due pending emails, and `sending` ones whose sender died.
  { name: 'status_nextAttemptAt', key: { status: 1, nextAttemptAt: 1 } },
  { name: 'status_lockedUntil', key: { status: 1, lockedUntil: 1 } },
  // The purge of finished emails.
  { name: 'status_updatedAt', key: { status: 1, updatedAt: 1 } },
]);
