import type { WebhookDeliveryStatus, WebhookDisabledReason, WebhookEventType } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/** A webhook subscription (Admin): where to POST which event types, signed with its secret. */
export interface WebhookDoc {
  _id: ObjectId;
  url: string;
  events: WebhookEventType[];
  description: string | null;
  /**
   * The signing secret, sealed under DATA_ENCRYPTION_KEY (see the api's auth/secrets.ts):
   * one field, so a re-seal job can re-wrap it under a new key
   * (listSealedSecrets / replaceSealedSecret).
   */
  secretSealed: string;
  active: boolean;
  disabledAt: Date | null;
  disabledReason: WebhookDisabledReason | null;
  /** Deliveries that failed in a row since the last success (each counted at its first failure). */
  consecutiveFailures: number;
  /** The first failed attempt since the last success. */
  failingSince: Date | null;
  createdBy: ObjectId | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * One event for one subscription: the outbox the delivery job drains. The body
 * is fixed when the event happens; `eventId` is derived from the event, so the
 * unique index keeps a replayed event to one delivery per subscription.
 */
export interface WebhookDeliveryDoc {
  _id: ObjectId;
  webhookId: ObjectId;
  eventId: string;
  eventType: string;
  body: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  /** Attempts made before the current series (0; `attempts` at a redelivery), so each series backs off from a minute. Absent on older documents: 0. */
  attemptsBefore?: number;
  firstAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  /** Due at this time while pending or failed; null once settled. */
  nextAttemptAt: Date | null;
  /** Set while an attempt runs (the claim's lease). */
  lockedUntil: Date | null;
  lastResponseCode: number | null;
  lastError: string | null;
  succeededAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const webhooksCollection = defineCollection<WebhookDoc>('webhooks', [
  { name: 'createdAt_id', key: { createdAt: -1, _id: -1 } },
  { name: 'active', key: { active: 1 } },
]);

export const webhookDeliveriesCollection = defineCollection<WebhookDeliveryDoc>('webhook_deliveries', [
  { name: 'webhookId_eventId_unique', key: { webhookId: 1, eventId: 1 }, unique: true },
  // The delivery log, newest first.
  { name: 'webhookId_createdAt_id', key: { webhookId: 1, createdAt: -1, _id: -1 } },
  // What the job finds due.
  { name: 'status_nextAttemptAt', key: { status: 1, nextAttemptAt: 1 } },
  // The purge of settled deliveries.
  { name: 'updatedAt', key: { updatedAt: 1 } },
]);
