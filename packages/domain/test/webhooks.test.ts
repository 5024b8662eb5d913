import { describe, expect, it } from 'vitest';
import {
  CreateWebhookInput,
  decideAttemptOutcome,
  decideUpdateWebhook,
  decideWebhookHealth,
  retryDelayMs,
  subscribersOf,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_REQUEST_KINDS,
  type WebhookRecord,
  webhookEventFor,
} from '../src/index.js';

const NOW = new Date('2026-03-02T10:00:00.000Z');
const MIN = 60_000;

const webhook = (over: Partial<WebhookRecord> = {}): WebhookRecord => ({
  id: 'aaaaaaaaaaaaaaaaaaaaaaaa',
  url: 'https://hooks.example.com/x',
  events: ['user.created'],
  description: null,
  active: true,
  disabledAt: null,
  disabledReason: null,
  consecutiveFailures: 0,
  failingSince: null,
  createdBy: null,
  version: 3,
  createdAt: NOW,
  updatedAt: NOW,
  ...over,
});

describe('event types', () => {
  it('has three per request kind, derived from one constant, and the others', () => {
    expect(WEBHOOK_EVENT_TYPES).toHaveLength(Object.keys(WEBHOOK_REQUEST_KINDS).length * 3 + 6);
    expect(WEBHOOK_EVENT_TYPES).toContain('attendance-correction.request.decided');
    expect(WEBHOOK_EVENT_TYPES).toContain('allocation.overbooked');
    expect(CreateWebhookInput.safeParse({ url: 'https://x.example/h', events: ['nope'] }).success).toBe(false);
  });

  it('keeps free text out of event bodies and fans out to active subscribers of the type', () => {
    const event = webhookEventFor({
      event: 'expense.reimbursed',
      expenseId: 'e1',
      userId: 'u1',
      amount: { minor: 1250, currency: 'EUR' },
      paidOn: '2026-03-01',
      at: NOW,
    });
    expect(event.data).toEqual({
      resource: { type: 'expense', id: 'e1' },
      userId: 'u1',
      status: 'reimbursed',
      amount: { minor: 1250, currency: 'EUR' },
      paidOn: '2026-03-01',
    });
    const hooks = [
      webhook({ id: 'a', events: ['expense.reimbursed'] }),
      webhook({ id: 'b', events: ['expense.reimbursed'], active: false }),
      webhook({ id: 'c', events: ['user.created'] }),
    ];
    expect(subscribersOf(event, hooks)).toEqual(['a']);
  });
});

describe('attempts', () => {
  it('backs off 1, 2, 4 … minutes, capped at an hour, with the jitter given', () => {
    expect([1, 2, 3, 4, 7, 8, 20].map(retryDelayMs)).toEqual([1, 2, 4, 8, 60, 60, 60].map((m) => m * MIN));
    const failed = decideAttemptOutcome({
      delivery: { attempts: 2, attemptsBefore: 0, firstAttemptAt: new Date(NOW.getTime() - MIN) },
      result: { ok: false, statusCode: 500, error: 'HTTP 500' },
      now: NOW,
      jitterMs: 5_000,
    });
    expect(failed).toMatchObject({ status: 'failed', lastResponseCode: 500, lastError: 'HTTP 500' });
    expect(failed.nextAttemptAt?.getTime()).toBe(NOW.getTime() + 2 * MIN + 5_000);
    // Jitter is capped at a tenth of the delay.
    const capped = decideAttemptOutcome({
      delivery: { attempts: 1, attemptsBefore: 0, firstAttemptAt: NOW },
      result: { ok: false, statusCode: null, error: 'timeout' },
      now: NOW,
      jitterMs: 60_000,
    });
    expect(capped.nextAttemptAt?.getTime()).toBe(NOW.getTime() + MIN + 6_000);
    // A redelivery starts a new series: its first failure waits a minute again, not an hour.
    const redelivered = decideAttemptOutcome({
      delivery: { attempts: 13, attemptsBefore: 12, firstAttemptAt: NOW },
      result: { ok: false, statusCode: 503, error: 'HTTP 503' },
      now: NOW,
      jitterMs: 0,
    });
    expect(redelivered.nextAttemptAt?.getTime()).toBe(NOW.getTime() + MIN);
  });

  it('succeeds on 2xx and abandons once the next attempt would fall a day after the first', () => {
    expect(
      decideAttemptOutcome({
        delivery: { attempts: 1, attemptsBefore: 0, firstAttemptAt: null },
        result: { ok: true, statusCode: 204 },
        now: NOW,
        jitterMs: 0,
      }),
    ).toMatchObject({ status: 'succeeded', succeededAt: NOW, firstAttemptAt: NOW, nextAttemptAt: null });
    const first = new Date(NOW.getTime() - 23.5 * 3600_000);
    expect(
      decideAttemptOutcome({
        delivery: { attempts: 20, attemptsBefore: 0, firstAttemptAt: first },
        result: { ok: false, statusCode: 502, error: 'HTTP 502' },
        now: NOW,
        jitterMs: 0,
      }),
    ).toMatchObject({ status: 'abandoned', nextAttemptAt: null, lastResponseCode: 502 });
  });
});

describe('subscription health', () => {
  it('counts a delivery once, disables after the limit, and clears on success', () => {
    const after = (w: WebhookRecord, newlyFailing: boolean) =>
      decideWebhookHealth({ webhook: w, outcome: 'failed', newlyFailing, now: NOW, disableAfter: 3 });
    expect(after(webhook(), true)?.changes).toMatchObject({ consecutiveFailures: 1, failingSince: NOW });
    expect(after(webhook({ consecutiveFailures: 1, failingSince: NOW }), false)).toBeNull();
    expect(after(webhook({ consecutiveFailures: 2, failingSince: NOW }), true)).toMatchObject({
      disabled: 'consecutive_failures',
      changes: { active: false, disabledAt: NOW, disabledReason: 'consecutive_failures' },
    });
    expect(
      after(webhook({ consecutiveFailures: 1, failingSince: new Date(NOW.getTime() - 24 * 3600_000) }), false),
    ).toMatchObject({ disabled: 'failing_for_a_day' });
    const ok = (w: WebhookRecord) =>
      decideWebhookHealth({ webhook: w, outcome: 'succeeded', newlyFailing: false, now: NOW, disableAfter: 3 });
    expect(ok(webhook())).toBeNull();
    expect(ok(webhook({ consecutiveFailures: 2, failingSince: NOW }))?.changes).toEqual({
      consecutiveFailures: 0,
      failingSince: null,
    });
  });

  it('an update needs the version read and something to change; re-enabling starts over', () => {
    const disabled = webhook({
      active: false,
      disabledAt: NOW,
      disabledReason: 'consecutive_failures',
      consecutiveFailures: 3,
    });
    expect(() => decideUpdateWebhook({ webhook: disabled, update: { id: disabled.id, version: 2 }, now: NOW })).toThrow(
      expect.objectContaining({ code: 'VERSION_CONFLICT' }),
    );
    expect(() => decideUpdateWebhook({ webhook: disabled, update: { id: disabled.id, version: 3 }, now: NOW })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
    expect(
      decideUpdateWebhook({ webhook: disabled, update: { id: disabled.id, version: 3, active: true }, now: NOW })
        .changes,
    ).toEqual({ active: true, disabledAt: null, disabledReason: null, consecutiveFailures: 0, failingSince: null });
  });
});
