import { z } from 'zod';
import type { ApprovalKind } from '../approvals/approval.schemas.js';
import { ExpectedVersion, Id, Instant, PageQuery, pageOf, QueryFlag } from '../common/common.schemas.js';
import { singleLine } from '../common/text.js';

/**
 * Signed webhooks: an admin subscribes a URL to event types; each matching
 * event becomes one delivery (an outbox row) that a job POSTs, signed with the
 * subscription's secret, retried with backoff for a day.
 */

/**
 * The request kinds of the approvals engine as webhook events name them: the
 * event types' prefix (`leave.request.submitted`) and the resource the events
 * are about. One entry per approvals kind: a kind added to APPROVAL_KINDS must
 * be named here, or this does not compile.
 */
export const WEBHOOK_REQUEST_KINDS = {
  workLocation: { name: 'work-location', resource: 'work-location-request' },
  leave: { name: 'leave', resource: 'leave-request' },
  timeChange: { name: 'attendance-correction', resource: 'attendance-correction' },
  expense: { name: 'expense', resource: 'expense' },
  erasure: { name: 'erasure', resource: 'erasure-request' },
} as const satisfies Record<ApprovalKind, { name: string; resource: string }>;
export type WebhookRequestKind = (typeof WEBHOOK_REQUEST_KINDS)[keyof typeof WEBHOOK_REQUEST_KINDS]['name'];

/** What happens to a request, as webhook event types name it. */
export const WEBHOOK_REQUEST_STEPS = ['submitted', 'decided', 'cancelled'] as const;
export type WebhookRequestStep = (typeof WEBHOOK_REQUEST_STEPS)[number];

/** The event types not about a request's steps. */
export const WEBHOOK_OTHER_EVENT_TYPES = [
  'allocation.overbooked',
  'leave.approved',
  'attendance.correction.approved',
  'user.created',
  'user.archived',
  'expense.reimbursed',
] as const;

export type WebhookEventType =
  | `${WebhookRequestKind}.request.${WebhookRequestStep}`
  | (typeof WEBHOOK_OTHER_EVENT_TYPES)[number];

/** Every event type a subscription may ask for: three per request kind, then the others. */
export const WEBHOOK_EVENT_TYPES = [
  ...Object.values(WEBHOOK_REQUEST_KINDS).flatMap(({ name }) =>
    WEBHOOK_REQUEST_STEPS.map((step) => `${name}.request.${step}` as const),
  ),
  ...WEBHOOK_OTHER_EVENT_TYPES,
] as unknown as readonly [WebhookEventType, ...WebhookEventType[]];

export const WebhookEventType = z.enum(WEBHOOK_EVENT_TYPES).meta({
  id: 'WebhookEventType',
  description:
    '`<kind>.request.submitted|decided|cancelled` per request kind (work-location, leave, attendance-correction, expense, erasure), `allocation.overbooked`, `leave.approved`, `attendance.correction.approved`, `user.created`, `user.archived`, `expense.reimbursed`.',
});

/** The type of a test delivery (`POST /admin/webhooks/:id/ping`); nobody subscribes to it. */
export const WEBHOOK_PING_TYPE = 'webhook.ping';

/** The longest URL a subscription takes. */
export const MAX_WEBHOOK_URL_LENGTH = 2000;

/**
 * A receiver's URL: absolute http or https, without credentials or a fragment.
 * Whether it may be called (https in production, no private addresses) is
 * checked with the configuration and DNS, and answers 422.
 */
export const WebhookUrl = singleLine(z.string().trim().min(1).max(MAX_WEBHOOK_URL_LENGTH))
  .superRefine((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: 'invalid_format', format: 'url', message: 'must be an absolute http or https URL' });
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      ctx.addIssue({ code: 'invalid_format', format: 'url', message: 'must start with https:// (or http://)' });
    }
    if (url.username || url.password) {
      ctx.addIssue({ code: 'invalid_format', format: 'url', message: 'must not carry a user name or password' });
    }
    if (url.hash) ctx.addIssue({ code: 'invalid_format', format: 'url', message: 'must not have a #fragment' });
  })
  .meta({ description: 'Where deliveries are POSTed: https (http outside production), a public address.' });

/** A shared secret given by the admin: 24 to 200 printable characters. */
export const WebhookSecret = z
  .string()
  .min(24, { error: 'must be at least 24 characters' })
  .max(200)
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  .meta({ description: 'The signing secret; generated when omitted. Shown once.' });

const Events = z
  .array(WebhookEventType)
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .meta({ description: 'The event types to deliver (each once).' });

const Description = z.string().trim().max(500);

export const CreateWebhookInput = z.strictObject({
  url: WebhookUrl,
  events: Events,
  description: Description.optional(),
  secret: WebhookSecret.optional(),
});
export type CreateWebhookInput = z.infer<typeof CreateWebhookInput>;

export const UpdateWebhookInput = z.strictObject({
  id: Id,
  version: ExpectedVersion,
  url: WebhookUrl.optional(),
  events: Events.optional(),
  description: Description.nullable().optional(),
  active: z
    .boolean()
    .optional()
    .meta({ description: 'true re-enables a disabled subscription (its failure count starts over); false pauses it.' }),
  rotateSecret: z
    .boolean()
    .optional()
    .meta({ description: 'true: a new secret, shown once in this answer; the old one stops signing at once.' }),
});
export type UpdateWebhookInput = z.infer<typeof UpdateWebhookInput>;

export const WebhookParams = z.strictObject({ id: Id });

export const DeleteWebhookInput = z.strictObject({
  id: Id,
  version: z.coerce.number().int().min(1).optional().meta({ description: 'Refuse if the subscription changed since.' }),
});
export type DeleteWebhookInput = z.infer<typeof DeleteWebhookInput>;

export const ListWebhooksQuery = PageQuery.extend({
  active: QueryFlag.optional().meta({ description: 'Only active (true) or disabled (false) subscriptions.' }),
}).strict();
export type ListWebhooksQuery = z.infer<typeof ListWebhooksQuery>;

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'failed', 'succeeded', 'abandoned'] as const;
export const WebhookDeliveryStatus = z.enum(WEBHOOK_DELIVERY_STATUSES).meta({
  id: 'WebhookDeliveryStatus',
  description:
    'pending: not attempted yet (or redelivery asked); failed: the last attempt failed, another follows at nextAttemptAt; succeeded: a 2xx answer; abandoned: retried for a day without success, or the subscription is disabled.',
});
export type WebhookDeliveryStatus = z.infer<typeof WebhookDeliveryStatus>;

export const ListWebhookDeliveriesQuery = PageQuery.extend({
  id: Id,
  status: WebhookDeliveryStatus.optional(),
}).strict();
export type ListWebhookDeliveriesQuery = z.infer<typeof ListWebhookDeliveriesQuery>;

export const RedeliverInput = z.strictObject({ id: Id, deliveryId: Id });
export type RedeliverInput = z.infer<typeof RedeliverInput>;

export const WEBHOOK_DISABLED_REASONS = ['consecutive_failures', 'failing_for_a_day', 'by_admin'] as const;
export const WebhookDisabledReason = z.enum(WEBHOOK_DISABLED_REASONS).meta({
  id: 'WebhookDisabledReason',
  description:
    'consecutive_failures: that many deliveries in a row failed; failing_for_a_day: every attempt failed for 24 hours; by_admin: paused with active=false.',
});
export type WebhookDisabledReason = z.infer<typeof WebhookDisabledReason>;

export const WebhookView = z
  .object({
    id: Id,
    url: z.string(),
    events: z.array(WebhookEventType),
    description: z.string().nullable(),
    active: z.boolean(),
    disabledAt: Instant.nullable(),
    disabledReason: WebhookDisabledReason.nullable(),
    consecutiveFailures: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'Deliveries that failed in a row since the last success.' }),
    failingSince: Instant.nullable().meta({ description: 'The first failed attempt since the last success.' }),
    version: z.number().int(),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'Webhook' });
export type WebhookView = z.infer<typeof WebhookView>;

export const WebhookPageView = pageOf(WebhookView);

/** A create's answer: the subscription and its secret, shown this once. */
export const CreatedWebhookView = WebhookView.extend({
  secret: z.string().meta({ description: 'The signing secret. Shown only now: store it.' }),
}).meta({ id: 'CreatedWebhook' });
export type CreatedWebhookView = z.infer<typeof CreatedWebhookView>;

/** An update's answer: with `secret` only when rotateSecret was asked. */
export const UpdatedWebhookView = WebhookView.extend({
  secret: z.string().optional().meta({ description: 'The new signing secret (rotateSecret only). Shown only now.' }),
}).meta({ id: 'UpdatedWebhook' });
export type UpdatedWebhookView = z.infer<typeof UpdatedWebhookView>;

export const WebhookDeliveryView = z
  .object({
    id: Id,
    webhookId: Id,
    eventId: z.string().meta({ description: 'The event’s id (the Webhook-Id header): the same on every attempt.' }),
    eventType: z.string().meta({ description: 'A WebhookEventType, or webhook.ping.' }),
    status: WebhookDeliveryStatus,
    attempts: z.number().int().min(0),
    lastResponseCode: z.number().int().nullable().meta({ description: 'The last answer’s HTTP status (null: none).' }),
    lastError: z.string().nullable().meta({ description: 'Why the last attempt failed (null after a success).' }),
    nextAttemptAt: Instant.nullable().meta({ description: 'When the next attempt is due (null: none is).' }),
    firstAttemptAt: Instant.nullable(),
    lastAttemptAt: Instant.nullable(),
    succeededAt: Instant.nullable(),
    createdAt: Instant,
  })
  .meta({ id: 'WebhookDelivery' });
export type WebhookDeliveryView = z.infer<typeof WebhookDeliveryView>;

export const WebhookDeliveryPageView = pageOf(WebhookDeliveryView);
