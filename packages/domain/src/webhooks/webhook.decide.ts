import type { ApprovalEvent } from '../approvals/approval.decide.js';
import type { WorkflowRecord } from '../approvals/approval.records.js';
import type { AuditEvent } from '../audit/audit.schemas.js';
import { validationFailed, versionConflict } from '../errors/domain-error.js';
import {
  type CreateWebhookInput,
  type UpdateWebhookInput,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_PING_TYPE,
  WEBHOOK_REQUEST_KINDS,
  type WebhookDeliveryStatus,
  type WebhookDisabledReason,
  type WebhookEventType,
} from './webhook.schemas.js';

/**
 * The webhooks area's decisions as pure functions: what a subscription looks
 * like after a create or an update, which webhook events an approvals or
 * domain event gives, what an attempt's outcome does to its delivery (retry
 * with backoff for a day, then give up) and to its subscription (disabled
 * after repeated failure). No clock, no randomness: `now`, the jitter and
 * secrets come in.
 */

/** A subscription as the rules read it (the sealed secret stays in db and the service). */
export interface WebhookRecord {
  id: string;
  url: string;
  events: WebhookEventType[];
  description: string | null;
  active: boolean;
  disabledAt: Date | null;
  disabledReason: WebhookDisabledReason | null;
  consecutiveFailures: number;
  failingSince: Date | null;
  createdBy: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookDeliveryRecord {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  /** The JSON body, fixed when the event happened: every attempt sends the same bytes (and a new signature). */
  body: string;
  status: WebhookDeliveryStatus;
  /** Every attempt, across redeliveries. */
  attempts: number;
  /** Attempts made before the current series began (0 until a redelivery): the backoff counts from there. */
  attemptsBefore: number;
  /** The first attempt of the current series (a redelivery starts a new one): retries stop a day after it. */
  firstAttemptAt: Date | null;
  lastAttemptAt: Date | null;
  nextAttemptAt: Date | null;
  /** While an attempt runs: after this the sender is taken to have died and another may claim it. */
  lockedUntil: Date | null;
  lastResponseCode: number | null;
  lastError: string | null;
  succeededAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Retries: 1 min, 2, 4, … doubled up to an hour between attempts, for 24 hours after the first. */
export const WEBHOOK_RETRY = {
  firstDelayMs: 60_000,
  maxDelayMs: 3_600_000,
  retryForMs: 24 * 3_600_000,
  /** The jitter the service adds is at most this share of the delay. */
  jitterRatio: 0.1,
} as const;

/** After this many deliveries in a row fail (the default of WEBHOOK_DISABLE_AFTER_FAILURES). */
export const WEBHOOK_DISABLE_AFTER_FAILURES = 10;
/** A subscription whose every attempt failed this long is disabled whatever the count. */
export const WEBHOOK_FAILING_FOR_MS = 24 * 3_600_000;

/** Attempts of the delivery's current series (a redelivery starts a new one), this one included once claimed. */
export function seriesAttempts(delivery: Pick<WebhookDeliveryRecord, 'attempts' | 'attemptsBefore'>): number {
  return delivery.attempts - delivery.attemptsBefore;
}

/** The wait after `attempts` failed attempts of a series (1 after the first), before jitter. */
export function retryDelayMs(attempts: number): number {
  return Math.min(WEBHOOK_RETRY.firstDelayMs * 2 ** Math.max(attempts - 1, 0), WEBHOOK_RETRY.maxDelayMs);
}

// ---------------------------------------------------------------------------
// Subscriptions

/** The event types as stored: each once, in the order of WEBHOOK_EVENT_TYPES. */
function tidyEvents(events: readonly WebhookEventType[]): WebhookEventType[] {
  const wanted = new Set(events);
  return WEBHOOK_EVENT_TYPES.filter((type) => wanted.has(type));
}

/** What the audit trail shows of a subscription: never its secret. */
export function webhookAuditView(webhook: WebhookRecord) {
  return {
    id: webhook.id,
    url: webhook.url,
    events: webhook.events,
    description: webhook.description,
    active: webhook.active,
    disabledReason: webhook.disabledReason,
  };
}

export interface NewWebhook {
  url: string;
  events: WebhookEventType[];
  description: string | null;
  createdBy: string;
}

export function decideCreateWebhook(input: { create: CreateWebhookInput; actorId: string }): NewWebhook {
  const { create, actorId } = input;
  return {
    url: create.url,
    events: tidyEvents(create.events),
    description: create.description ? create.description : null,
    createdBy: actorId,
  };
}

export interface WebhookChanges {
  url?: string;
  events?: WebhookEventType[];
  description?: string | null;
  active?: boolean;
  disabledAt?: Date | null;
  disabledReason?: WebhookDisabledReason | null;
  consecutiveFailures?: number;
  failingSince?: Date | null;
}

/**
 * An admin's change: at the version they read (409 VERSION_CONFLICT), naming
 * something (400 nothing_to_change). Re-enabling starts the failure count
 * over; pausing records who paused it. `rotateSecret` is the service's (it
 * draws the secret); it counts as a change here.
 */
export function decideUpdateWebhook(input: { webhook: WebhookRecord; update: UpdateWebhookInput; now: Date }): {
  changes: WebhookChanges;
  rotateSecret: boolean;
} {
  const { webhook, update, now } = input;
  if (update.version !== webhook.version) throw versionConflict('Webhook', webhook.id, update.version, webhook.version);
  const changes: WebhookChanges = {};
  if (update.url !== undefined) changes.url = update.url;
  if (update.events !== undefined) changes.events = tidyEvents(update.events);
  if (update.description !== undefined) changes.description = update.description ? update.description : null;
  if (update.active === true && !webhook.active) {
    Object.assign(changes, {
      active: true,
      disabledAt: null,
      disabledReason: null,
      consecutiveFailures: 0,
      failingSince: null,
    });
  }
  if (update.active === false && webhook.active) {
    Object.assign(changes, { active: false, disabledAt: now, disabledReason: 'by_admin' });
  }
  const rotateSecret = update.rotateSecret === true;
  const named = ['url', 'events', 'description', 'active', 'rotateSecret'].some(
    (key) => update[key as keyof UpdateWebhookInput] !== undefined,
  );
  if (!named) {
    throw validationFailed('Nothing to change: name at least one field besides id and version', [
      { path: '', message: 'name at least one field besides id and version', code: 'nothing_to_change' },
    ]);
  }
  return { changes, rotateSecret };
}

/** The audit entry of an update (the secret's rotation noted, never the secret). */
export function webhookUpdateAudit(before: WebhookRecord, after: WebhookRecord, rotated: boolean): AuditEvent {
  return {
    action: 'webhook.update',
    resourceType: 'webhook',
    resourceId: after.id,
    before: webhookAuditView(before),
    after: webhookAuditView(after),
    ...(rotated ? { details: { rotatedSecret: true } } : {}),
  };
}

// ---------------------------------------------------------------------------
// Events

/** A webhook event before it has an id: the service derives the id from `dedupeKey`, so a replay is the same event. */
export interface WebhookEvent {
  /** Names the event uniquely and stably (a handler run twice gives the same key, hence one delivery). */
  dedupeKey: string;
  type: WebhookEventType | typeof WEBHOOK_PING_TYPE;
  occurredAt: Date;
  /** Ids and states only: never personal free text (names, reasons, comments, descriptions). */
  data: { resource: { type: string; id: string } } & Record<string, unknown>;
}

/**
 * The webhook events one approvals event gives: `submitted` when a round's
 * first stage starts (submission or resubmission after an edit), `decided`
 * when the workflow closes approved or rejected (plus `leave.approved` and
 * `attendance.correction.approved` for those kinds' approvals), `cancelled`
 * when the requester withdraws. Stage decisions and re-resolved approvers are
 * internal and give nothing.
 */
export function webhookEventsForApproval(event: ApprovalEvent, workflow: WorkflowRecord): WebhookEvent[] {
  const { name: kind, resource: resourceType } = WEBHOOK_REQUEST_KINDS[workflow.kind];
  const resource = { type: resourceType, id: workflow.subject.id };
  const base = { resource, workflowId: workflow.id, requesterId: workflow.requesterId, round: workflow.round };
  const key = (what: string) => `approval:${workflow.id}:${workflow.round}:${what}`;
  if (event.type === 'approval.requested') {
    const round = workflow.decisions.some((d) => d.round === workflow.round);
    if (event.stage !== 0 || round) return [];
    return [
      {
        dedupeKey: key('submitted'),
        type: `${kind}.request.submitted`,
        occurredAt: workflow.stages[0]?.startedAt ?? workflow.updatedAt,
        data: { ...base, state: 'pending' },
      },
    ];
  }
  if (event.type !== 'approval.closed') return [];
  const occurredAt = workflow.closedAt ?? workflow.updatedAt;
  if (event.state === 'cancelled') {
    return [
      {
        dedupeKey: key('cancelled'),
        type: `${kind}.request.cancelled`,
        occurredAt,
        data: { ...base, state: 'cancelled' },
      },
    ];
  }
  const out: WebhookEvent[] = [
    { dedupeKey: key('decided'), type: `${kind}.request.decided`, occurredAt, data: { ...base, state: event.state } },
  ];
  if (event.state === 'approved' && workflow.kind === 'leave') {
    out.push({
      dedupeKey: key('leave.approved'),
      type: 'leave.approved',
      occurredAt,
      data: { ...base, state: 'approved' },
    });
  }
  if (event.state === 'approved' && workflow.kind === 'timeChange') {
    out.push({
      dedupeKey: key('correction.approved'),
      type: 'attendance.correction.approved',
      occurredAt,
      data: { ...base, state: 'approved' },
    });
  }
  return out;
}

/** What the other areas' events say, as the webhooks area hears them (plain data, from events/subscriptions.ts). */
export type WebhookSource =
  | { event: 'user.created'; userId: string; at: Date }
  | { event: 'user.archived'; userId: string; at: Date }
  | { event: 'capacity.overallocated'; userIds: string[]; projectId: string; leaveRequestId?: string; at: Date }
  | {
      event: 'expense.reimbursed';
      expenseId: string;
      userId: string;
      amount: { minor: number; currency: string };
      paidOn: string;
      at: Date;
    };

/** The webhook event another area's event gives (the archive reason, a claim's description stay out). */
export function webhookEventFor(source: WebhookSource): WebhookEvent {
  const at = source.at.toISOString();
  switch (source.event) {
    case 'user.created':
      return {
        dedupeKey: `user.created:${source.userId}`,
        type: 'user.created',
        occurredAt: source.at,
        data: { resource: { type: 'user', id: source.userId }, status: 'active' },
      };
    case 'user.archived':
      return {
        dedupeKey: `user.archived:${source.userId}:${at}`,
        type: 'user.archived',
        occurredAt: source.at,
        data: { resource: { type: 'user', id: source.userId }, status: 'archived' },
      };
    case 'capacity.overallocated': {
      const userIds = [...new Set(source.userIds)].sort();
      return {
        dedupeKey: `capacity.overallocated:${source.projectId}:${source.leaveRequestId ?? ''}:${userIds.join(',')}:${at}`,
        type: 'allocation.overbooked',
        occurredAt: source.at,
        data: {
          resource: { type: 'project', id: source.projectId },
          userIds,
          leaveRequestId: source.leaveRequestId ?? null,
        },
      };
    }
    case 'expense.reimbursed':
      return {
        dedupeKey: `expense.reimbursed:${source.expenseId}`,
        type: 'expense.reimbursed',
        occurredAt: source.at,
        data: {
          resource: { type: 'expense', id: source.expenseId },
          userId: source.userId,
          status: 'reimbursed',
          amount: { minor: source.amount.minor, currency: source.amount.currency },
          paidOn: source.paidOn,
        },
      };
  }
}

/** The test event of a ping: `nonce` (drawn by the service) makes each ping its own event. */
export function pingEvent(webhookId: string, nonce: string, now: Date): WebhookEvent {
  return {
    dedupeKey: `ping:${webhookId}:${nonce}`,
    type: WEBHOOK_PING_TYPE,
    occurredAt: now,
    data: { resource: { type: 'webhook', id: webhookId } },
  };
}

/** The subscriptions an event goes to: active ones that asked for its type (a ping goes to its own). */
export function subscribersOf(
  event: Pick<WebhookEvent, 'type'>,
  webhooks: readonly Pick<WebhookRecord, 'id' | 'active' | 'events'>[],
): string[] {
  return webhooks.filter((w) => w.active && (w.events as readonly string[]).includes(event.type)).map((w) => w.id);
}

/** The body every attempt of a delivery sends: `{ id, type, occurredAt, data }` as JSON. */
export function webhookBody(eventId: string, event: Pick<WebhookEvent, 'type' | 'occurredAt' | 'data'>): string {
  return JSON.stringify({
    id: eventId,
    type: event.type,
    occurredAt: event.occurredAt.toISOString(),
    data: event.data,
  });
}

// ---------------------------------------------------------------------------
// Attempts

/** What one attempt came to: a 2xx answer, another answer, or no answer (refused target, timeout, network). */
export type AttemptResult = { ok: true; statusCode: number } | { ok: false; statusCode: number | null; error: string };

export interface DeliveryOutcome {
  status: Exclude<WebhookDeliveryStatus, 'pending'>;
  nextAttemptAt: Date | null;
  lastResponseCode: number | null;
  lastError: string | null;
  succeededAt: Date | null;
  firstAttemptAt: Date;
  lastAttemptAt: Date;
}

/**
 * A claimed delivery's next state after an attempt (`attempts` already
 * counts it). A 2xx succeeds; otherwise the next attempt follows after
 * retryDelayMs plus the jitter the caller drew, unless that falls more than a
 * day after the series' first attempt: then the delivery is abandoned.
 */
export function decideAttemptOutcome(input: {
  delivery: Pick<WebhookDeliveryRecord, 'attempts' | 'attemptsBefore' | 'firstAttemptAt'>;
  result: AttemptResult;
  now: Date;
  /** 0 ≤ jitterMs ≤ jitterRatio × the delay; drawn outside. */
  jitterMs: number;
}): DeliveryOutcome {
  const { delivery, result, now } = input;
  const firstAttemptAt = delivery.firstAttemptAt ?? now;
  const common = { firstAttemptAt, lastAttemptAt: now, lastResponseCode: result.statusCode };
  if (result.ok) {
    return { ...common, status: 'succeeded', nextAttemptAt: null, lastError: null, succeededAt: now };
  }
  const delay = retryDelayMs(seriesAttempts(delivery));
  const jitter = Math.min(Math.max(input.jitterMs, 0), delay * WEBHOOK_RETRY.jitterRatio);
  const next = new Date(now.getTime() + delay + Math.floor(jitter));
  const lastError = result.error.length > 500 ? `${result.error.slice(0, 499)}…` : result.error;
  if (next.getTime() > firstAttemptAt.getTime() + WEBHOOK_RETRY.retryForMs) {
    return { ...common, status: 'abandoned', nextAttemptAt: null, lastError, succeededAt: null };
  }
  return { ...common, status: 'failed', nextAttemptAt: next, lastError, succeededAt: null };
}

/**
 * A subscription's health after one attempt of one of its deliveries: a
 * success clears the failure count; a delivery's first failure (since it was
 * queued or redelivered) counts one more; the subscription is disabled once
 * `disableAfter` deliveries in a row failed, or every attempt has failed for
 * a day. Null when nothing changes.
 */
export function decideWebhookHealth(input: {
  webhook: Pick<WebhookRecord, 'active' | 'consecutiveFailures' | 'failingSince'>;
  outcome: DeliveryOutcome['status'];
  /** The delivery was not failing before this attempt (pending: first attempt or a redelivery). */
  newlyFailing: boolean;
  now: Date;
  disableAfter: number;
}): { changes: WebhookChanges; disabled: WebhookDisabledReason | null } | null {
  const { webhook, outcome, newlyFailing, now, disableAfter } = input;
  if (outcome === 'succeeded') {
    if (webhook.consecutiveFailures === 0 && webhook.failingSince === null) return null;
    return { changes: { consecutiveFailures: 0, failingSince: null }, disabled: null };
  }
  const consecutiveFailures = webhook.consecutiveFailures + (newlyFailing ? 1 : 0);
  const failingSince = webhook.failingSince ?? now;
  const changes: WebhookChanges = { consecutiveFailures, failingSince };
  let disabled: WebhookDisabledReason | null = null;
  if (webhook.active) {
    if (consecutiveFailures >= disableAfter) disabled = 'consecutive_failures';
    else if (now.getTime() - failingSince.getTime() >= WEBHOOK_FAILING_FOR_MS) disabled = 'failing_for_a_day';
  }
  if (disabled) Object.assign(changes, { active: false, disabledAt: now, disabledReason: disabled });
  if (
    !disabled &&
    consecutiveFailures === webhook.consecutiveFailures &&
    webhook.failingSince !== null &&
    webhook.failingSince.getTime() === failingSince.getTime()
  ) {
    return null;
  }
  return { changes, disabled };
}
