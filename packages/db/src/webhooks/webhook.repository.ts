import type {
  DeliveryOutcome,
  ListWebhookDeliveriesQuery,
  ListWebhooksQuery,
  NewWebhook,
  Page,
  WebhookChanges,
  WebhookDeliveryRecord,
  WebhookDeliveryView,
  WebhookRecord,
  WebhookView,
} from '@seed-pms/domain';
import type { Collection, Filter, WithId } from 'mongodb';
import { insertUnlessPresent } from '../errors.js';
import { idOrNull, newId, objectIdOf, oid } from '../ids.js';
import { findPage } from '../pagination.js';
import { listSealedValues, replaceSealedValue, type SealedValue } from '../sealed-values.js';
import { initialVersion, updateVersioned } from '../versioning.js';
import type { WebhookDeliveryDoc, WebhookDoc } from './webhook.doc.js';

// ---------------------------------------------------------------------------
// Mappers: `_id` ⇄ `id` here and nowhere else; the sealed secret never leaves the repository but on request.

export function toWebhookRecord(doc: WithId<WebhookDoc>): WebhookRecord {
  return {
    id: doc._id.toHexString(),
    url: doc.url,
    events: doc.events,
    description: doc.description,
    active: doc.active,
    disabledAt: doc.disabledAt,
    disabledReason: doc.disabledReason,
    consecutiveFailures: doc.consecutiveFailures,
    failingSince: doc.failingSince,
    createdBy: idOrNull(doc.createdBy),
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export function webhookView(record: WebhookRecord): WebhookView {
  return {
    id: record.id,
    url: record.url,
    events: record.events,
    description: record.description,
    active: record.active,
    disabledAt: record.disabledAt?.toISOString() ?? null,
    disabledReason: record.disabledReason,
    consecutiveFailures: record.consecutiveFailures,
    failingSince: record.failingSince?.toISOString() ?? null,
    version: record.version,
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
  };
}

export function toWebhookDeliveryRecord(doc: WithId<WebhookDeliveryDoc>): WebhookDeliveryRecord {
  return {
    id: doc._id.toHexString(),
    webhookId: doc.webhookId.toHexString(),
    eventId: doc.eventId,
    eventType: doc.eventType,
    body: doc.body,
    status: doc.status,
    attempts: doc.attempts,
    attemptsBefore: doc.attemptsBefore ?? 0,
    firstAttemptAt: doc.firstAttemptAt,
    lastAttemptAt: doc.lastAttemptAt,
    nextAttemptAt: doc.nextAttemptAt,
    lockedUntil: doc.lockedUntil,
    lastResponseCode: doc.lastResponseCode,
    lastError: doc.lastError,
    succeededAt: doc.succeededAt,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export function webhookDeliveryView(record: WebhookDeliveryRecord): WebhookDeliveryView {
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: record.id,
    webhookId: record.webhookId,
    eventId: record.eventId,
    eventType: record.eventType,
    status: record.status,
    attempts: record.attempts,
    lastResponseCode: record.lastResponseCode,
    lastError: record.lastError,
    nextAttemptAt: iso(record.nextAttemptAt),
    firstAttemptAt: iso(record.firstAttemptAt),
    lastAttemptAt: iso(record.lastAttemptAt),
    succeededAt: iso(record.succeededAt),
    createdAt: record.createdAt.toISOString(),
  };
}

// ---------------------------------------------------------------------------
// Subscriptions

/**
 * Webhook subscriptions. Admin changes are conditional on the version read
 * (409 VERSION_CONFLICT); the delivery job's health changes too, but answer
 * null on a lost race (the job loads and decides again).
 */
export interface WebhookRepository {
  get(id: string): Promise<WebhookRecord | null>;
  list(query: ListWebhooksQuery): Promise<Page<WebhookView>>;
  /** Every active subscription (few: an event is fanned out to those that asked for its type). */
  active(): Promise<WebhookRecord[]>;
  insert(webhook: NewWebhook & { secretSealed: string }, now: Date): Promise<WebhookRecord>;
  /** At `expectedVersion` (409 VERSION_CONFLICT, 404 when gone). */
  update(
    id: string,
    expectedVersion: number,
    changes: WebhookChanges & { secretSealed?: string },
    now: Date,
  ): Promise<WebhookRecord>;
  /** The same write for the delivery job: null when the version moved (decide again on what is stored). */
  tryUpdate(id: string, expectedVersion: number, changes: WebhookChanges, now: Date): Promise<WebhookRecord | null>;
  /** Deletes it (at `expectedVersion` when given: 409 VERSION_CONFLICT); false when there was none. */
  delete(id: string, expectedVersion?: number): Promise<boolean>;
  /** The sealed signing secret, for the sender. */
  sealedSecretOf(id: string): Promise<string | null>;
  /**
   * Sealed secrets for a re-seal job (key rotation): up to `limit` after
   * `afterId` (null: from the first), in id order.
   */
  listSealedSecrets(afterId: string | null, limit: number): Promise<SealedValue[]>;
  /** Replaces a sealed secret only while it is still `from` (a rotation meanwhile wins); true when written. */
  replaceSealedSecret(id: string, from: string, to: string): Promise<boolean>;
}

export function createWebhookRepository(webhooks: Collection<WebhookDoc>): WebhookRepository {
  const set = (changes: WebhookChanges & { secretSealed?: string }) => {
    const out: Partial<WebhookDoc> = {};
    for (const [key, value] of Object.entries(changes)) {
      if (value !== undefined) (out as Record<string, unknown>)[key] = value;
    }
    return out;
  };
  return {
    async get(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await webhooks.findOne({ _id }) : null;
      return doc ? toWebhookRecord(doc) : null;
    },
    list(query) {
      const filter: Filter<WebhookDoc> = query.active === undefined ? {} : { active: query.active };
      return findPage(
        webhooks,
        filter,
        { page: query.page, limit: query.limit, sort: { createdAt: -1, _id: -1 }, projection: { secretSealed: 0 } },
        (doc) => webhookView(toWebhookRecord(doc)),
      );
    },
    async active() {
      const docs = await webhooks.find({ active: true }, { projection: { secretSealed: 0 } }).toArray();
      return docs.map(toWebhookRecord);
    },
    async insert(webhook, now) {
      const doc: WebhookDoc = {
        _id: newId(),
        url: webhook.url,
        events: webhook.events,
        description: webhook.description,
        secretSealed: webhook.secretSealed,
        active: true,
        disabledAt: null,
        disabledReason: null,
        consecutiveFailures: 0,
        failingSince: null,
        createdBy: objectIdOf(webhook.createdBy),
        ...initialVersion(now),
      };
      await webhooks.insertOne(doc);
      return toWebhookRecord(doc);
    },
    async update(id, expectedVersion, changes, now) {
      const _id = objectIdOf(id);
      if (!_id) throw new Error(`not an id: ${id}`);
      const updated = await updateVersioned(
        webhooks,
        _id,
        expectedVersion,
        { $set: set(changes) },
        { resource: 'Webhook', now },
      );
      return toWebhookRecord(updated);
    },
    async tryUpdate(id, expectedVersion, changes, now) {
      const updated = await webhooks.findOneAndUpdate(
        { _id: oid(id), version: expectedVersion },
        { $set: { ...set(changes), updatedAt: now }, $inc: { version: 1 } },
        { returnDocument: 'after' },
      );
      return updated ? toWebhookRecord(updated) : null;
    },
    async delete(id, expectedVersion) {
      const _id = objectIdOf(id);
      if (!_id) return false;
      const filter: Filter<WebhookDoc> = expectedVersion === undefined ? { _id } : { _id, version: expectedVersion };
      const { deletedCount } = await webhooks.deleteOne(filter);
      return deletedCount === 1;
    },
    async sealedSecretOf(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await webhooks.findOne({ _id }, { projection: { secretSealed: 1 } }) : null;
      return doc?.secretSealed ?? null;
    },
    listSealedSecrets: (afterId, limit) => listSealedValues(webhooks, 'secretSealed', afterId, limit),
    // Not versioned: re-wrapping the same secret under another key changes nothing anyone decides on.
    replaceSealedSecret: (id, from, to) => replaceSealedValue(webhooks, 'secretSealed', id, from, to),
  };
}

// ---------------------------------------------------------------------------
// Deliveries

export interface NewWebhookDelivery {
  eventId: string;
  eventType: string;
  body: string;
}

/**
 * The deliveries outbox. Every step is one write conditional on `_id` and
 * the version read: of two senders that found the same due delivery, one
 * claims it (the claim takes a lease and counts the attempt) and the other
 * moves on; an outcome is recorded only by the claim that made the attempt.
 */
export interface WebhookDeliveryRepository {
  /** One delivery per subscription; an event already queued for one (same eventId) is not queued twice. Returns how many were new. */
  enqueue(webhookIds: readonly string[], delivery: NewWebhookDelivery, now: Date): Promise<number>;
  get(id: string): Promise<WebhookDeliveryRecord | null>;
  /** A subscription's delivery of one event. */
  getByEvent(webhookId: string, eventId: string): Promise<WebhookDeliveryRecord | null>;
  /** A subscription's log, newest first. */
  list(query: ListWebhookDeliveriesQuery): Promise<Page<WebhookDeliveryView>>;
  /** Pending or failed deliveries due by `now` and not held by a live claim, oldest due first. */
  due(now: Date, limit: number): Promise<WebhookDeliveryRecord[]>;
  /** Takes the delivery for one attempt: null when another sender took it (or it changed) since it was read. */
  claim(delivery: WebhookDeliveryRecord, now: Date, leaseMs: number): Promise<WebhookDeliveryRecord | null>;
  /** Records the claimed attempt's outcome; false when the claim was lost (a takeover after the lease ran out). */
  settle(claimed: WebhookDeliveryRecord, outcome: DeliveryOutcome, now: Date): Promise<WebhookDeliveryRecord | null>;
  /**
   * Makes it due now as a new series (a day of retries from its next
   * attempt), unless an attempt holds it: null when it changed or is held.
   */
  redeliver(delivery: WebhookDeliveryRecord, now: Date): Promise<WebhookDeliveryRecord | null>;
  /** Removes a deleted subscription's deliveries. */
  deleteOfWebhook(webhookId: string): Promise<number>;
  /** Deletes settled (succeeded, abandoned) deliveries last touched before `before`. */
  purgeSettled(before: Date): Promise<number>;
}

export function createWebhookDeliveryRepository(deliveries: Collection<WebhookDeliveryDoc>): WebhookDeliveryRepository {
  return {
    async enqueue(webhookIds, delivery, now) {
      let inserted = 0;
      for (const webhookId of webhookIds) {
        const doc: WebhookDeliveryDoc = {
          _id: newId(),
          webhookId: oid(webhookId),
          eventId: delivery.eventId,
          eventType: delivery.eventType,
          body: delivery.body,
          status: 'pending',
          attempts: 0,
          attemptsBefore: 0,
          firstAttemptAt: null,
          lastAttemptAt: null,
          nextAttemptAt: now,
          lockedUntil: null,
          lastResponseCode: null,
          lastError: null,
          succeededAt: null,
          ...initialVersion(now),
        };
        if (await insertUnlessPresent(deliveries, doc)) inserted += 1;
      }
      return inserted;
    },
    async get(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await deliveries.findOne({ _id }) : null;
      return doc ? toWebhookDeliveryRecord(doc) : null;
    },
    async getByEvent(webhookId, eventId) {
      const _id = objectIdOf(webhookId);
      const doc = _id ? await deliveries.findOne({ webhookId: _id, eventId }) : null;
      return doc ? toWebhookDeliveryRecord(doc) : null;
    },
    list(query) {
      const filter: Filter<WebhookDeliveryDoc> = {
        webhookId: oid(query.id),
        ...(query.status ? { status: query.status } : {}),
      };
      return findPage(
        deliveries,
        filter,
        { page: query.page, limit: query.limit, sort: { createdAt: -1, _id: -1 }, projection: { body: 0 } },
        (doc) => webhookDeliveryView(toWebhookDeliveryRecord({ ...doc, body: '' })),
      );
    },
    async due(now, limit) {
      // Held deliveries (an attempt under way, or one whose sender stopped) are left out by the query itself,
      // so however many of them are oldest, the others due are found.
      const docs = await deliveries
        .find({
          status: { $in: ['pending', 'failed'] },
          nextAttemptAt: { $lte: now },
          $or: [{ lockedUntil: null }, { lockedUntil: { $lt: now } }],
        })
        .sort({ nextAttemptAt: 1, _id: 1 })
        .limit(limit)
        .toArray();
      return docs.map(toWebhookDeliveryRecord);
    },
    async claim(delivery, now, leaseMs) {
      const claimed = await deliveries.findOneAndUpdate(
        { _id: oid(delivery.id), version: delivery.version },
        {
          $set: { lockedUntil: new Date(now.getTime() + leaseMs), updatedAt: now },
          $inc: { attempts: 1, version: 1 },
        },
        { returnDocument: 'after' },
      );
      return claimed ? toWebhookDeliveryRecord(claimed) : null;
    },
    async settle(claimed, outcome, now) {
      const settled = await deliveries.findOneAndUpdate(
        { _id: oid(claimed.id), version: claimed.version },
        {
          $set: {
            status: outcome.status,
            nextAttemptAt: outcome.nextAttemptAt,
            lastResponseCode: outcome.lastResponseCode,
            lastError: outcome.lastError,
            succeededAt: outcome.succeededAt,
            firstAttemptAt: outcome.firstAttemptAt,
            lastAttemptAt: outcome.lastAttemptAt,
            lockedUntil: null,
            updatedAt: now,
          },
          $inc: { version: 1 },
        },
        { returnDocument: 'after' },
      );
      return settled ? toWebhookDeliveryRecord(settled) : null;
    },
    async redeliver(delivery, now) {
      if (delivery.lockedUntil && delivery.lockedUntil.getTime() >= now.getTime()) return null;
      const updated = await deliveries.findOneAndUpdate(
        { _id: oid(delivery.id), version: delivery.version },
        {
          $set: {
            status: 'pending',
            nextAttemptAt: now,
            // A new series: its backoff starts again from a minute, and it retries for a day from its first attempt.
            attemptsBefore: delivery.attempts,
            firstAttemptAt: null,
            lockedUntil: null,
            updatedAt: now,
          },
          $inc: { version: 1 },
        },
        { returnDocument: 'after' },
      );
      return updated ? toWebhookDeliveryRecord(updated) : null;
    },
    async deleteOfWebhook(webhookId) {
      const _id = objectIdOf(webhookId);
      if (!_id) return 0;
      const { deletedCount } = await deliveries.deleteMany({ webhookId: _id });
      return deletedCount;
    },
    async purgeSettled(before) {
      const { deletedCount } = await deliveries.deleteMany({
        status: { $in: ['succeeded', 'abandoned'] },
        updatedAt: { $lt: before },
      });
      return deletedCount;
    },
  };
}
