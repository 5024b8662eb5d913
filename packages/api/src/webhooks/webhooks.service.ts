import { createHash, randomBytes, randomInt } from 'node:crypto';
import { webhookDeliveryView, webhookView } from '@seed-pms/db';
import {
  type ApprovalEvent,
  type AttemptResult,
  type CreatedWebhookView,
  type CreateWebhookInput,
  type DeleteWebhookInput,
  DomainError,
  decideAttemptOutcome,
  decideCreateWebhook,
  decideUpdateWebhook,
  decideWebhookHealth,
  type ListWebhookDeliveriesQuery,
  type ListWebhooksQuery,
  notFound,
  type Page,
  pingEvent,
  type RedeliverInput,
  retryDelayMs,
  seriesAttempts,
  subscribersOf,
  type UpdatedWebhookView,
  type UpdateWebhookInput,
  versionConflict,
  WEBHOOK_RETRY,
  type WebhookDeliveryRecord,
  type WebhookDeliveryView,
  type WebhookEvent,
  type WebhookRecord,
  type WebhookSource,
  type WebhookView,
  type WorkflowRecord,
  webhookAuditView,
  webhookBody,
  webhookEventFor,
  webhookEventsForApproval,
  webhookUpdateAudit,
} from '@seed-pms/domain';
import { assertCan } from '../access/ability.js';
import { type ActorContext, systemCallContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';
import { dataBox } from '../auth/secrets.js';
import type { EventBus } from '../events/event-bus.js';
import { checkTarget, refusalMessage, type TargetPolicy, type TargetRefusal } from './ssrf-guard.js';
import { sendSigned } from './webhook-sender.js';

export const WEBHOOKS_DELIVER_JOB = 'webhooks.deliver';
export const WEBHOOKS_PURGE_JOB = 'webhooks.purge-deliveries';
/** Deliveries one run sends at most; more due start another run. */
export const WEBHOOKS_DELIVER_BATCH = 50;
/** Attempts running at once in one run. */
const CONCURRENCY = 4;
/** Settled deliveries (succeeded, abandoned) are kept this long in the log. */
export const WEBHOOK_DELIVERIES_KEEP_MS = 30 * 24 * 3600_000;

export interface WebhookDeliverResult {
  succeeded: number;
  /** Failed this time; another attempt follows. */
  failed: number;
  abandoned: number;
  /** Claimed by another sender first. */
  skipped: number;
}

export interface WebhooksService {
  list(ctx: ActorContext, query: ListWebhooksQuery): Promise<Page<WebhookView>>;
  create(ctx: ActorContext, input: CreateWebhookInput): Promise<CreatedWebhookView>;
  update(ctx: ActorContext, input: UpdateWebhookInput): Promise<UpdatedWebhookView>;
  delete(ctx: ActorContext, input: DeleteWebhookInput): Promise<void>;
  deliveries(ctx: ActorContext, query: ListWebhookDeliveriesQuery): Promise<Page<WebhookDeliveryView>>;
  redeliver(ctx: ActorContext, input: RedeliverInput): Promise<WebhookDeliveryView>;
  ping(ctx: ActorContext, input: { id: string }): Promise<WebhookDeliveryView>;
}

/** What the webhooks area takes from the others (wired in events/subscriptions.ts) and gives the jobs. */
export interface WebhooksInternals extends WebhooksService {
  onApprovalEvent(event: ApprovalEvent, workflow: WorkflowRecord): Promise<void>;
  onEvent(source: WebhookSource): Promise<void>;
  /**
   * Sends due deliveries until none is due (at most WEBHOOKS_DELIVER_BATCH).
   * `now` fixes the time for tests; the job leaves it out so every claim reads the clock.
   */
  deliverDue(now?: Date): Promise<WebhookDeliverResult>;
  /** Deletes settled deliveries older than WEBHOOK_DELIVERIES_KEEP_MS. */
  purge(now: Date): Promise<number>;
}

/** A secret as we generate it: 32 random bytes, recognisable by its prefix. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64url')}`;
/** An event's id from its key: a replayed event keeps its id, so receivers (and our unique index) see it once. */
const eventIdOf = (dedupeKey: string) => `evt_${createHash('sha256').update(dedupeKey).digest('hex').slice(0, 32)}`;

function refusalError(refusal: TargetRefusal): DomainError {
  const { code, ...details } = refusal;
  return new DomainError(code, refusalMessage(refusal), details);
}

export function createWebhooksService(
  deps: Pick<ServiceDeps, 'repos' | 'logger' | 'config' | 'jobs' | 'clock'>,
  services: { audit: AuditService; events: EventBus },
): WebhooksInternals {
  const { webhooks, webhookDeliveries } = deps.repos;
  const { audit, events } = services;
  const box = dataBox(deps.config);
  const policy: TargetPolicy = {
    httpsOnly: deps.config.NODE_ENV === 'production',
    allowPrivate: deps.config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
  };
  const leaseMs = Math.max(deps.config.WEBHOOK_TIMEOUT_MS * 3, 60_000);

  /** Fire and forget: the deliveries are stored, and the scheduled run sends them if this wake-up is lost. */
  const wakeSender = () => {
    deps.jobs
      .enqueue(WEBHOOKS_DELIVER_JOB)
      .catch((error: unknown) =>
        deps.logger.error({ err: error }, 'could not start the webhook sender; the scheduled run will send'),
      );
  };

  async function load(ctx: ActorContext, action: 'read' | 'update' | 'delete', id: string): Promise<WebhookRecord> {
    const webhook = await webhooks.get(id);
    if (!webhook) throw notFound('Webhook', id);
    assertCan(ctx.actor, action, 'Webhook', {});
    return webhook;
  }

  async function assertTarget(url: string): Promise<void> {
    const check = await checkTarget(url, policy);
    if (!check.ok) throw refusalError(check);
  }

  /** The outbox write: one delivery per subscriber; nothing calls a receiver here. */
  async function publish(event: WebhookEvent, to: readonly string[], now: Date): Promise<number> {
    if (to.length === 0) return 0;
    const eventId = eventIdOf(event.dedupeKey);
    const queued = await webhookDeliveries.enqueue(
      to,
      { eventId, eventType: event.type, body: webhookBody(eventId, event) },
      now,
    );
    if (queued > 0) wakeSender();
    return queued;
  }

  async function fanOut(list: readonly WebhookEvent[]): Promise<void> {
    if (list.length === 0) return;
    const active = await webhooks.active();
    for (const event of list) await publish(event, subscribersOf(event, active), deps.clock());
  }

  /** A subscription's health after an attempt, written at the version read (a lost race decides again). */
  async function recordHealth(
    webhookId: string,
    outcome: 'succeeded' | 'failed' | 'abandoned',
    newlyFailing: boolean,
    now: Date,
  ): Promise<void> {
    for (let round = 0; round < 5; round += 1) {
      const webhook = await webhooks.get(webhookId);
      if (!webhook) return;
      const decision = decideWebhookHealth({
        webhook,
        outcome,
        newlyFailing,
        now,
        disableAfter: deps.config.WEBHOOK_DISABLE_AFTER_FAILURES,
      });
      if (!decision) return;
      const saved = await webhooks.tryUpdate(webhook.id, webhook.version, decision.changes, now);
      if (!saved) continue;
      if (decision.disabled && decision.disabled !== 'by_admin') {
        deps.logger.warn(
          { webhookId: saved.id, reason: decision.disabled, failures: saved.consecutiveFailures },
          'webhook subscription disabled after repeated failure',
        );
        await audit.record(systemCallContext(WEBHOOKS_DELIVER_JOB, now), {
          action: 'webhook.disable',
          resourceType: 'webhook',
          resourceId: saved.id,
          before: webhookAuditView(webhook),
          after: webhookAuditView(saved),
          details: { reason: decision.disabled, failures: saved.consecutiveFailures },
        });
        await events.publish('webhook.disabled', {
          webhookId: saved.id,
          url: saved.url,
          reason: decision.disabled,
          failures: saved.consecutiveFailures,
          at: now,
        });
      }
      return;
    }
    deps.logger.warn({ webhookId }, 'webhook health not recorded: the subscription kept changing');
  }

  /** Opens the secret and sends; a secret no key opens fails the attempt (and is logged). */
  async function sendWith(sealed: string, send: (secret: string) => Promise<AttemptResult>): Promise<AttemptResult> {
    let secret: string;
    try {
      secret = box.open(sealed);
    } catch (error) {
      deps.logger.error({ err: error }, 'a webhook secret could not be opened');
      return { ok: false, statusCode: null, error: 'the signing secret could not be read' };
    }
    return send(secret);
  }

  /** One claimed delivery: its subscription and target checked, the signed POST, the outcome recorded. */
  async function attempt(claimed: WebhookDeliveryRecord, at: () => Date, result: WebhookDeliverResult): Promise<void> {
    const webhook = await webhooks.get(claimed.webhookId);
    const newlyFailing = claimed.status === 'pending';
    const settle = async (outcome: ReturnType<typeof decideAttemptOutcome>) => {
      const settled = await webhookDeliveries.settle(claimed, outcome, at());
      if (!settled) {
        result.skipped += 1;
        return;
      }
      result[outcome.status] += 1;
      if (webhook?.active) await recordHealth(webhook.id, outcome.status, newlyFailing, at());
    };
    if (!webhook || !webhook.active) {
      const now = at();
      await settle({
        status: 'abandoned',
        nextAttemptAt: null,
        lastResponseCode: null,
        lastError: webhook ? 'the subscription is disabled' : 'the subscription was deleted',
        succeededAt: null,
        firstAttemptAt: claimed.firstAttemptAt ?? now,
        lastAttemptAt: now,
      });
      return;
    }
    const sealed = await webhooks.sealedSecretOf(webhook.id);
    const check = await checkTarget(webhook.url, policy);
    let outcomeResult: AttemptResult;
    if (!check.ok) {
      outcomeResult = { ok: false, statusCode: null, error: refusalMessage(check) };
    } else if (!sealed) {
      outcomeResult = { ok: false, statusCode: null, error: 'the subscription has no secret' };
    } else {
      outcomeResult = await sendWith(sealed, (secret) =>
        sendSigned({
          url: webhook.url,
          body: claimed.body,
          eventId: claimed.eventId,
          secret,
          timestamp: Math.floor(at().getTime() / 1000),
          address: check.address,
          family: check.family,
          timeoutMs: deps.config.WEBHOOK_TIMEOUT_MS,
        }),
      );
    }
    const now = at();
    const delay = retryDelayMs(seriesAttempts(claimed));
    const outcome = decideAttemptOutcome({
      delivery: claimed,
      result: outcomeResult,
      now,
      jitterMs: randomInt(0, Math.floor(delay * WEBHOOK_RETRY.jitterRatio) + 1),
    });
    const log = { webhookId: webhook.id, deliveryId: claimed.id, attempts: claimed.attempts, status: outcome.status };
    if (outcome.status === 'succeeded') deps.logger.info(log, 'webhook delivered');
    else deps.logger.warn({ ...log, error: outcome.lastError }, 'webhook delivery failed');
    await settle(outcome);
  }

  return {
    list: (_ctx, query) => webhooks.list(query),

    async create(ctx, input) {
      assertCan(ctx.actor, 'create', 'Webhook', {});
      await assertTarget(input.url);
      const secret = input.secret ?? newSecret();
      const created = await webhooks.insert(
        { ...decideCreateWebhook({ create: input, actorId: ctx.actor.id }), secretSealed: box.seal(secret) },
        ctx.now,
      );
      await audit.record(ctx, {
        action: 'webhook.create',
        resourceType: 'webhook',
        resourceId: created.id,
        after: webhookAuditView(created),
        details: { secretGenerated: input.secret === undefined },
      });
      return { ...webhookView(created), secret };
    },

    async update(ctx, input) {
      const webhook = await load(ctx, 'update', input.id);
      const { changes, rotateSecret } = decideUpdateWebhook({ webhook, update: input, now: ctx.now });
      if (changes.url !== undefined && changes.url !== webhook.url) await assertTarget(changes.url);
      const secret = rotateSecret ? newSecret() : undefined;
      const saved = await webhooks.update(
        webhook.id,
        input.version,
        { ...changes, ...(secret ? { secretSealed: box.seal(secret) } : {}) },
        ctx.now,
      );
      await audit.record(ctx, webhookUpdateAudit(webhook, saved, rotateSecret));
      return { ...webhookView(saved), ...(secret ? { secret } : {}) };
    },

    async delete(ctx, input) {
      const webhook = await load(ctx, 'delete', input.id);
      if (input.version !== undefined && input.version !== webhook.version) {
        throw versionConflict('Webhook', webhook.id, input.version, webhook.version);
      }
      const deleted = await webhooks.delete(webhook.id, webhook.version);
      if (!deleted) {
        const current = await webhooks.get(webhook.id);
        if (!current) throw notFound('Webhook', webhook.id);
        throw versionConflict('Webhook', webhook.id, webhook.version, current.version);
      }
      await webhookDeliveries.deleteOfWebhook(webhook.id);
      await audit.record(ctx, {
        action: 'webhook.delete',
        resourceType: 'webhook',
        resourceId: webhook.id,
        before: webhookAuditView(webhook),
      });
    },

    async deliveries(ctx, query) {
      await load(ctx, 'read', query.id);
      return webhookDeliveries.list(query);
    },

    async redeliver(ctx, input) {
      const webhook = await load(ctx, 'update', input.id);
      const delivery = await webhookDeliveries.get(input.deliveryId);
      if (!delivery || delivery.webhookId !== webhook.id) throw notFound('Webhook delivery', input.deliveryId);
      if (!webhook.active) {
        throw new DomainError('WEBHOOK_DISABLED', 'The subscription is disabled: re-enable it first', {
          webhookId: webhook.id,
          disabledAt: webhook.disabledAt?.toISOString() ?? null,
          disabledReason: webhook.disabledReason,
        });
      }
      const queued = await webhookDeliveries.redeliver(delivery, ctx.now);
      if (!queued) {
        const current = await webhookDeliveries.get(delivery.id);
        // Gone meanwhile (the subscription was deleted): not found, like any delivery that is not there.
        if (!current) throw notFound('Webhook delivery', delivery.id);
        throw new DomainError('WEBHOOK_DELIVERY_IN_PROGRESS', 'An attempt of this delivery is running; try again', {
          deliveryId: delivery.id,
          lockedUntil: current?.lockedUntil?.toISOString() ?? null,
        });
      }
      await audit.record(ctx, {
        action: 'webhook.redeliver',
        resourceType: 'webhook',
        resourceId: webhook.id,
        details: { deliveryId: delivery.id, eventId: delivery.eventId, eventType: delivery.eventType },
      });
      wakeSender();
      return webhookDeliveryView(queued);
    },

    async ping(ctx, input) {
      const webhook = await load(ctx, 'update', input.id);
      if (!webhook.active) {
        throw new DomainError('WEBHOOK_DISABLED', 'The subscription is disabled: re-enable it first', {
          webhookId: webhook.id,
          disabledAt: webhook.disabledAt?.toISOString() ?? null,
          disabledReason: webhook.disabledReason,
        });
      }
      const event = pingEvent(webhook.id, randomBytes(12).toString('hex'), ctx.now);
      const eventId = eventIdOf(event.dedupeKey);
      await webhookDeliveries.enqueue(
        [webhook.id],
        { eventId, eventType: event.type, body: webhookBody(eventId, event) },
        ctx.now,
      );
      await audit.record(ctx, {
        action: 'webhook.ping',
        resourceType: 'webhook',
        resourceId: webhook.id,
        details: { eventId },
      });
      wakeSender();
      const made = await webhookDeliveries.getByEvent(webhook.id, eventId);
      // Deleted meanwhile (its deliveries go with it): as if it had never been there.
      if (!made) throw notFound('Webhook', webhook.id);
      return webhookDeliveryView(made);
    },

    async onApprovalEvent(event, workflow) {
      await fanOut(webhookEventsForApproval(event, workflow));
    },

    async onEvent(source) {
      await fanOut([webhookEventFor(source)]);
    },

    async deliverDue(now) {
      const at = () => now ?? deps.clock();
      const result: WebhookDeliverResult = { succeeded: 0, failed: 0, abandoned: 0, skipped: 0 };
      let handled = 0;
      while (handled < WEBHOOKS_DELIVER_BATCH) {
        const due = await webhookDeliveries.due(at(), Math.min(CONCURRENCY, WEBHOOKS_DELIVER_BATCH - handled));
        if (due.length === 0) return result;
        handled += due.length;
        await Promise.all(
          due.map(async (delivery) => {
            const claimed = await webhookDeliveries.claim(delivery, at(), leaseMs);
            if (!claimed) {
              result.skipped += 1;
              return;
            }
            try {
              await attempt(claimed, at, result);
            } catch (error) {
              // The claim's lease runs out and another run tries again.
              deps.logger.error({ err: error, deliveryId: claimed.id }, 'a webhook attempt broke');
            }
          }),
        );
      }
      wakeSender();
      return result;
    },

    purge: (now) => webhookDeliveries.purgeSettled(new Date(now.getTime() - WEBHOOK_DELIVERIES_KEEP_MS)),
  };
}
