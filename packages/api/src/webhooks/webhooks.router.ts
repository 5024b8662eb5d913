import {
  CreatedWebhookView,
  CreateWebhookInput,
  DeleteWebhookInput,
  ListWebhookDeliveriesQuery,
  ListWebhooksQuery,
  RedeliverInput,
  UpdatedWebhookView,
  UpdateWebhookInput,
  WebhookDeliveryPageView,
  WebhookDeliveryView,
  WebhookPageView,
  WebhookParams,
} from '@seed-pms/domain';
import { z } from 'zod';
import { authedProcedure, router } from '../trpc/trpc.js';

const tags = ['webhooks'];
const TARGET_ERRORS = ['WEBHOOK_URL_NOT_ALLOWED', 'WEBHOOK_HTTPS_REQUIRED', 'WEBHOOK_HOST_UNRESOLVABLE'] as const;

/**
 * Signed webhooks (Admin). Not idempotent-wrapped: a create's answer carries
 * the plain secret, which must never be stored (an Idempotency-Key replay
 * would keep it for a day).
 */
export const webhooksRouter = router({
  list: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Webhook' },
      openapi: { method: 'GET', path: '/admin/webhooks', tags, summary: 'Webhook subscriptions, newest first (Admin)' },
    })
    .input(ListWebhooksQuery)
    .output(WebhookPageView)
    .query(({ ctx, input }) => ctx.services.webhooks.list(ctx, input)),

  create: authedProcedure
    .meta({
      access: { action: 'create', subject: 'Webhook' },
      errors: TARGET_ERRORS,
      openapi: {
        method: 'POST',
        path: '/admin/webhooks',
        successStatus: 201,
        tags,
        summary:
          'Subscribe a URL to event types (Admin); answers the signing secret once (generated unless given). A public address only, and https in production',
      },
    })
    .input(CreateWebhookInput)
    .output(CreatedWebhookView)
    .mutation(({ ctx, input }) => ctx.services.webhooks.create(ctx, input)),

  update: authedProcedure
    .meta({
      access: { action: 'update', subject: 'Webhook' },
      errors: TARGET_ERRORS,
      openapi: {
        method: 'PATCH',
        path: '/admin/webhooks/{id}',
        tags,
        summary:
          'Change the URL, events or description, re-enable (active=true) or pause, or rotate the secret (shown once), with version (Admin)',
      },
    })
    .input(UpdateWebhookInput)
    .output(UpdatedWebhookView)
    .mutation(({ ctx, input }) => ctx.services.webhooks.update(ctx, input)),

  delete: authedProcedure
    .meta({
      access: { action: 'delete', subject: 'Webhook' },
      openapi: {
        method: 'DELETE',
        path: '/admin/webhooks/{id}',
        successStatus: 204,
        tags,
        summary: 'Delete a subscription and its delivery log (Admin)',
      },
    })
    .input(DeleteWebhookInput)
    .output(z.void())
    .mutation(({ ctx, input }) => ctx.services.webhooks.delete(ctx, input)),

  deliveries: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Webhook' },
      openapi: {
        method: 'GET',
        path: '/admin/webhooks/{id}/deliveries',
        tags,
        summary: 'A subscription’s deliveries, newest first: status, attempts, last answer, next attempt (Admin)',
      },
    })
    .input(ListWebhookDeliveriesQuery)
    .output(WebhookDeliveryPageView)
    .query(({ ctx, input }) => ctx.services.webhooks.deliveries(ctx, input)),

  redeliver: authedProcedure
    .meta({
      access: { action: 'update', subject: 'Webhook' },
      errors: ['WEBHOOK_DISABLED', 'WEBHOOK_DELIVERY_IN_PROGRESS'],
      openapi: {
        method: 'POST',
        path: '/admin/webhooks/{id}/deliveries/{deliveryId}/redeliver',
        successStatus: 202,
        tags,
        summary: 'Send a delivery again now (a new day of retries); answers the delivery, due now (Admin)',
      },
    })
    .input(RedeliverInput)
    .output(WebhookDeliveryView)
    .mutation(({ ctx, input }) => ctx.services.webhooks.redeliver(ctx, input)),

  ping: authedProcedure
    .meta({
      access: { action: 'update', subject: 'Webhook' },
      errors: ['WEBHOOK_DISABLED'],
      openapi: {
        method: 'POST',
        path: '/admin/webhooks/{id}/ping',
        successStatus: 202,
        tags,
        summary: 'Queue a signed webhook.ping event to the subscription (Admin); answers its delivery',
      },
    })
    .input(WebhookParams)
    .output(WebhookDeliveryView)
    .mutation(({ ctx, input }) => ctx.services.webhooks.ping(ctx, input)),
});
