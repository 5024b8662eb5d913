import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRepositories, webhookDeliveriesCollection } from '@seed-pms/db';
import { ObjectId } from '@seed-pms/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceInternals } from '../src/services.js';
import { addressProblem, checkTarget } from '../src/webhooks/ssrf-guard.js';
import { sendSigned } from '../src/webhooks/webhook-sender.js';
import { callAs, type RestMethod, type SignedIn, signInAgain, signInAs } from './auth-helpers.js';
import { testClock } from './clock.js';
import { type TestApp, useTestApp } from './support.js';

/**
 * Signed webhooks through the real server: a receiver on loopback (allowed by
 * WEBHOOK_ALLOW_PRIVATE_TARGETS), real events, the delivery job run by hand
 * against a fixed clock, and a second instance on the same database for the
 * claim race and the SSRF guard with the flag off.
 */
const clock = testClock();
const env = { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_DISABLE_AFTER_FAILURES: '3' };
const testApp = useTestApp(import.meta.url, { clock, env });
const other = useTestApp(`${import.meta.url}#other`, { clock, env, sameDatabaseAs: testApp });
const strict = useTestApp(`${import.meta.url}#strict`, { clock, sameDatabaseAs: testApp });

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver: records every request; each path answers its queued statuses in turn, then 200. */
const received: Received[] = [];
const answers = new Map<string, number[]>();
const always = new Map<string, number>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const queued = answers.get(path);
      const status = queued?.length ? (queued.shift() as number) : (always.get(path) ?? 200);
      res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

let pathCounter = 0;
const newPath = () => {
  pathCounter += 1;
  return `/hook-${pathCounter}`;
};
const at = (path: string) => received.filter((r) => r.path === path);

const call = (
  who: Pick<SignedIn, 'accessToken'> | null,
  method: RestMethod,
  url: string,
  payload?: unknown,
  app: () => TestApp = testApp,
) => callAs(app().app, who, method, url, payload);

let admin: SignedIn;
let hr: SignedIn;
let employee: SignedIn;

beforeAll(async () => {
  admin = await signInAs(testApp(), ['admin']);
  hr = await signInAs(testApp(), ['hr']);
  employee = await signInAs(testApp(), ['employee']);
});

let signedInAt = clock().getTime();
/** Signs the admin in again once the clock has moved past most of a token's life. */
async function keepSignedIn() {
  if (clock().getTime() - signedInAt < 10 * 60_000) return;
  admin = await signInAgain(testApp().app, admin);
  signedInAt = clock().getTime();
}

async function resign() {
  signedInAt = clock().getTime();
  admin = await signInAgain(testApp().app, admin);
  hr = await signInAgain(testApp().app, hr);
  employee = await signInAgain(testApp().app, employee);
}

async function createHook(events: string[], path = newPath(), extra: Record<string, unknown> = {}) {
  const response = await call(admin, 'POST', '/admin/webhooks', { url: `${base}${path}`, events, ...extra });
  expect(response.statusCode, response.body).toBe(201);
  return { ...(response.json() as { id: string; secret: string; version: number }), path };
}

const deliver = async (app: () => TestApp = testApp) => (await serviceInternals(app().deps)).webhooks.deliverDue();

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  lastResponseCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  firstAttemptAt: string | null;
  lastAttemptAt: string | null;
}

async function deliveriesOf(hookId: string, query = '') {
  await keepSignedIn();
  const response = await call(admin, 'GET', `/admin/webhooks/${hookId}/deliveries${query}`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { items: Delivery[]; total: number; page: number; limit: number };
}

/** Runs the delivery job until `done` holds (background wake-ups may send first: either way the outcome is the same). */
async function deliverUntil(hookId: string, done: (items: Delivery[]) => boolean): Promise<Delivery[]> {
  for (let i = 0; i < 100; i += 1) {
    await deliver();
    const { items } = await deliveriesOf(hookId, '?limit=100');
    if (done(items)) return items;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the deliveries never reached the expected state');
}

/** A subscription as the list shows it, once `ready` holds (the job records its health just after the delivery's outcome). */
async function hookWhen(id: string, ready: (view: Record<string, unknown>) => boolean) {
  for (let i = 0; i < 100; i += 1) {
    await keepSignedIn();
    const view = (await call(admin, 'GET', '/admin/webhooks?limit=100'))
      .json()
      .items.find((w: { id: string }) => w.id === id);
    if (view && ready(view)) return view;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the subscription never reached the expected state');
}

async function ping(hookId: string) {
  const response = await call(admin, 'POST', `/admin/webhooks/${hookId}/ping`);
  expect(response.statusCode, response.body).toBe(202);
  return response.json() as Delivery;
}

/** The receiver's check, written independently of src: HMAC-SHA256 over "<timestamp>.<body>", 5 minutes' tolerance. */
function verify(secret: string, headers: IncomingHttpHeaders, body: string, nowSeconds: number): boolean {
  const timestamp = Number(headers['webhook-timestamp']);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > 300) return false;
  const expected = Buffer.from(`v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`);
  const given = Buffer.from(String(headers['webhook-signature'] ?? ''));
  return given.length === expected.length && timingSafeEqual(given, expected);
}

describe('subscriptions', () => {
  it('creates a subscription with a generated secret shown once, stored sealed', async () => {
    const hook = await createHook(['user.created', 'user.created', 'user.archived'], newPath(), {
      description: 'HR system',
    });
    expect(hook.secret).toMatch(/^whsec_/);
    expect(hook).toMatchObject({
      events: ['user.created', 'user.archived'],
      active: true,
      description: 'HR system',
      version: 1,
    });
    const list = (await call(admin, 'GET', '/admin/webhooks?limit=100')).json();
    const listed = list.items.find((w: { id: string }) => w.id === hook.id);
    expect(listed).toBeDefined();
    expect(listed).not.toHaveProperty('secret');
    expect(Object.keys(list).sort()).toEqual(['items', 'limit', 'page', 'total']);
    const stored = await testApp()
      .database.collection('webhooks')
      .findOne({ _id: new ObjectId(hook.id) });
    expect(stored?.secretSealed).toMatch(/^v[12]\./);
    expect(JSON.stringify(stored)).not.toContain(hook.secret);

    // The audit trail names the subscription, never its secret.
    const audits = await call(hr, 'GET', `/audits?resourceId=${hook.id}`);
    expect(audits.statusCode).toBe(200);
    expect(audits.json().items.map((a: { action: string }) => a.action)).toContain('webhook.create');
    expect(audits.body).not.toContain(hook.secret);
  });

  it('takes a given secret, rotates it on request (shown once), and deletes with 204', async () => {
    const secret = 'a-shared-secret-of-enough-length-123';
    const hook = await createHook(['user.created'], newPath(), { secret });
    expect(hook.secret).toBe(secret);
    const rotated = await call(admin, 'PATCH', `/admin/webhooks/${hook.id}`, { version: 1, rotateSecret: true });
    expect(rotated.statusCode).toBe(200);
    expect(rotated.json().secret).toMatch(/^whsec_/);
    expect(rotated.json().version).toBe(2);
    const plain = await call(admin, 'PATCH', `/admin/webhooks/${hook.id}`, { version: 2, description: 'x' });
    expect(plain.json()).not.toHaveProperty('secret');

    // The new secret signs from now on.
    await ping(hook.id);
    await deliverUntil(hook.id, (items) => items.every((d) => d.status === 'succeeded'));
    const [request] = at(hook.path);
    expect(request).toBeDefined();
    const now = Math.floor(clock().getTime() / 1000);
    expect(verify(rotated.json().secret, request?.headers ?? {}, request?.body ?? '', now)).toBe(true);
    expect(verify(secret, request?.headers ?? {}, request?.body ?? '', now)).toBe(false);

    const stored = testApp().database.collection(webhookDeliveriesCollection);
    expect(await stored.countDocuments({ webhookId: new ObjectId(hook.id) })).toBe(1);
    const deleted = await call(admin, 'DELETE', `/admin/webhooks/${hook.id}`);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect((await call(admin, 'GET', `/admin/webhooks/${hook.id}/deliveries`)).statusCode).toBe(404);
    expect(
      await testApp()
        .database.collection(webhookDeliveriesCollection)
        .countDocuments({ webhookId: new ObjectId(hook.id) }),
    ).toBe(0);
  });

  it('refuses bad input with the envelope: URL, event types, secret, nothing to change, a stale version', async () => {
    const post = (body: unknown) => call(admin, 'POST', '/admin/webhooks', body);
    for (const url of ['not a url', 'ftp://example.com/x', 'https://user:pw@example.com/x', 'https://example.com/#x']) {
      const response = await post({ url, events: ['user.created'] });
      expect(response.statusCode, url).toBe(400);
      expect(response.json().error).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(response.json().error.details.map((d: { path: string }) => d.path)).toContain('url');
    }
    const unknown = await post({ url: `${base}/x`, events: ['user.deleted'] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details.map((d: { path: string }) => d.path)).toContain('events.0');
    expect((await post({ url: `${base}/x`, events: [] })).statusCode).toBe(400);
    expect((await post({ url: `${base}/x`, events: ['user.created'], secret: 'short' })).statusCode).toBe(400);

    const hook = await createHook(['user.created']);
    const nothing = await call(admin, 'PATCH', `/admin/webhooks/${hook.id}`, { version: 1 });
    expect(nothing.statusCode).toBe(400);
    expect(nothing.json().error.details[0].code).toBe('nothing_to_change');
    const stale = await call(admin, 'PATCH', `/admin/webhooks/${hook.id}`, { version: 7, description: 'x' });
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({ code: 'VERSION_CONFLICT', details: { currentVersion: 1 } });
    const missing = await call(admin, 'PATCH', `/admin/webhooks/${new ObjectId().toHexString()}`, {
      version: 1,
      description: 'x',
    });
    expect(missing.statusCode).toBe(404);
  });

  it('is for admins only', async () => {
    const hook = await createHook(['user.created']);
    for (const who of [hr, employee]) {
      expect((await call(who, 'GET', '/admin/webhooks')).statusCode).toBe(403);
      expect(
        (await call(who, 'POST', '/admin/webhooks', { url: `${base}/x`, events: ['user.created'] })).statusCode,
      ).toBe(403);
      expect((await call(who, 'GET', `/admin/webhooks/${hook.id}/deliveries`)).statusCode).toBe(403);
      expect((await call(who, 'DELETE', `/admin/webhooks/${hook.id}`)).statusCode).toBe(403);
    }
    expect((await call(null, 'GET', '/admin/webhooks')).statusCode).toBe(401);
    expect((await call(admin, 'GET', `/admin/webhooks/${new ObjectId().toHexString()}/deliveries`)).statusCode).toBe(
      404,
    );
  });
});

describe('deliveries', () => {
  it('delivers a signed user.created event to the subscriptions that asked for it, once each', async () => {
    const hook = await createHook(['user.created']);
    const bystander = await createHook(['user.archived']);
    const created = await call(hr, 'POST', '/users', {
      email: `webhook-${Date.now()}@example.com`,
      name: 'Webhook Person',
      password: 'a temporary password 123',
    });
    expect(created.statusCode, created.body).toBe(201);
    const userId = created.json().id as string;

    const [delivery] = await deliverUntil(hook.id, (items) => items[0]?.status === 'succeeded');
    expect(delivery).toMatchObject({
      eventType: 'user.created',
      status: 'succeeded',
      attempts: 1,
      lastResponseCode: 200,
    });
    const requests = at(hook.path);
    expect(requests).toHaveLength(1);
    const [request] = requests as [Received];
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toBe('SeedPMS-Webhooks/1');
    expect(request.headers['webhook-id']).toBe(delivery?.eventId);
    expect(Number(request.headers['webhook-timestamp'])).toBe(Math.floor(clock().getTime() / 1000));
    expect(verify(hook.secret, request.headers, request.body, Math.floor(clock().getTime() / 1000))).toBe(true);
    expect(verify(hook.secret, request.headers, `${request.body} `, Math.floor(clock().getTime() / 1000))).toBe(false);
    // Five minutes later the same request is too old for the receiver.
    expect(verify(hook.secret, request.headers, request.body, Math.floor(clock().getTime() / 1000) + 301)).toBe(false);

    const body = JSON.parse(request.body);
    expect(body).toEqual({
      id: delivery?.eventId,
      type: 'user.created',
      occurredAt: clock().toISOString(),
      data: { resource: { type: 'user', id: userId }, status: 'active' },
    });
    expect(request.body).not.toContain('Webhook Person');
    expect(request.body).not.toContain('@example.com');
    expect((await deliveriesOf(bystander.id)).total).toBe(0);

    // The user's archive is another event, for the other subscription (the reason stays out).
    const archived = await call(hr, 'POST', `/users/${userId}/archive`, { reason: 'left the company, personal note' });
    expect(archived.statusCode, archived.body).toBe(200);
    const [archive] = await deliverUntil(bystander.id, (items) => items[0]?.status === 'succeeded');
    expect(archive?.eventType).toBe('user.archived');
    expect(at(bystander.path)[0]?.body).not.toContain('personal note');
    expect((await deliveriesOf(hook.id)).total).toBe(1);
  });

  it('delivers request events: submitted, decided (approved), cancelled', async () => {
    const hook = await createHook([
      'work-location.request.submitted',
      'work-location.request.decided',
      'work-location.request.cancelled',
    ]);
    const manager = await signInAs(testApp(), ['manager']);
    const me = await signInAs(testApp(), ['employee'], { managerId: manager.id });
    const submit = (offset: number) =>
      call(me, 'POST', '/work-location/requests', {
        type: 'wfh',
        startDate: clock.day(offset),
        endDate: clock.day(offset),
      });
    const first = await submit(3);
    expect(first.statusCode, first.body).toBe(201);
    const approve = await call(manager, 'PATCH', `/work-location/requests/${first.json().id}`, { action: 'approve' });
    expect(approve.statusCode, approve.body).toBe(200);
    const second = await submit(5);
    expect(second.statusCode).toBe(201);
    expect(
      (await call(me, 'PATCH', `/work-location/requests/${second.json().id}`, { action: 'cancel' })).statusCode,
    ).toBe(200);

    const items = await deliverUntil(
      hook.id,
      (list) => list.length === 4 && list.every((d) => d.status === 'succeeded'),
    );
    expect(items.map((d) => d.eventType).sort()).toEqual([
      'work-location.request.cancelled',
      'work-location.request.decided',
      'work-location.request.submitted',
      'work-location.request.submitted',
    ]);
    const bodies = at(hook.path).map((r) => JSON.parse(r.body));
    const decided = bodies.find((b) => b.type === 'work-location.request.decided');
    expect(decided.data).toMatchObject({
      resource: { type: 'work-location-request', id: first.json().id },
      workflowId: first.json().workflowId,
      requesterId: me.id,
      state: 'approved',
    });
    expect(bodies.find((b) => b.type === 'work-location.request.cancelled').data.resource.id).toBe(second.json().id);
  });

  it('pages the delivery log newest first and redelivers a delivery with the same event id', async () => {
    const hook = await createHook(['user.created']);
    const pings = [await ping(hook.id), await ping(hook.id), await ping(hook.id)];
    await deliverUntil(hook.id, (items) => items.length === 3 && items.every((d) => d.status === 'succeeded'));
    const page1 = await deliveriesOf(hook.id, '?limit=2');
    expect(page1).toMatchObject({ total: 3, page: 1, limit: 2 });
    expect(page1.items.map((d) => d.id)).toEqual([pings[2]?.id, pings[1]?.id]);
    const page2 = await deliveriesOf(hook.id, '?limit=2&page=2');
    expect(page2.items.map((d) => d.id)).toEqual([pings[0]?.id]);
    expect((await deliveriesOf(hook.id, '?status=failed')).total).toBe(0);
    expect((await call(admin, 'GET', `/admin/webhooks/${hook.id}/deliveries?status=lost`)).statusCode).toBe(400);

    const first = pings[0] as Delivery;
    const again = await call(admin, 'POST', `/admin/webhooks/${hook.id}/deliveries/${first.id}/redeliver`);
    expect(again.statusCode, again.body).toBe(202);
    expect(again.json()).toMatchObject({ id: first.id, status: 'pending', attempts: 1 });
    const items = await deliverUntil(hook.id, (list) => {
      const d = list.find((x) => x.id === first.id);
      return d?.attempts === 2 && d.status === 'succeeded';
    });
    expect(items.find((d) => d.id === first.id)).toMatchObject({ status: 'succeeded', attempts: 2 });
    const sent = at(hook.path).filter((r) => r.headers['webhook-id'] === first.eventId);
    expect(sent).toHaveLength(2);
    expect(sent[0]?.body).toBe(sent[1]?.body);

    // Another subscription's delivery is not found under this one.
    const otherHook = await createHook(['user.created']);
    expect(
      (await call(admin, 'POST', `/admin/webhooks/${otherHook.id}/deliveries/${first.id}/redeliver`)).statusCode,
    ).toBe(404);
    const audits = (await call(hr, 'GET', `/audits?action=webhook.redeliver&resourceId=${hook.id}`)).json();
    expect(audits.items).toHaveLength(1);
  });

  it('claims each delivery once, however many senders race (two instances)', async () => {
    const hook = await createHook(['user.created']);
    const { webhookDeliveries } = createRepositories(testApp().database);
    // Queued straight into the outbox (no wake-up), so the senders below are the ones that race.
    for (let i = 0; i < 6; i += 1) {
      await webhookDeliveries.enqueue(
        [hook.id],
        { eventId: `evt_race_${i}`, eventType: 'webhook.ping', body: `{"n":${i}}` },
        clock(),
      );
    }
    // Five claims of one delivery read at the same version: one wins.
    const lone = await createHook(['user.created']);
    await webhookDeliveries.enqueue([lone.id], { eventId: 'evt_lone', eventType: 'webhook.ping', body: '{}' }, clock());
    const [target] = await webhookDeliveries
      .due(clock(), 100)
      .then((due) => due.filter((d) => d.webhookId === lone.id));
    if (!target) throw new Error('no delivery');
    const claims = await Promise.all(Array.from({ length: 5 }, () => webhookDeliveries.claim(target, clock(), 60_000)));
    expect(claims.filter((c) => c !== null)).toHaveLength(1);
    expect((await webhookDeliveries.get(target.id))?.attempts).toBe(1);

    const results = await Promise.all([deliver(), deliver(other), deliver(), deliver(other)]);
    const total = results.reduce((sum, r) => sum + r.succeeded, 0);
    await deliverUntil(hook.id, (items) => items.length === 6 && items.every((d) => d.status === 'succeeded'));
    const ids = at(hook.path).map((r) => r.headers['webhook-id']);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
    expect(total).toBeLessThanOrEqual(6);
    expect((await deliveriesOf(hook.id)).items.every((d) => d.attempts === 1)).toBe(true);
    // The lone delivery stays held by its claim: nobody sent it.
    expect(at(lone.path)).toHaveLength(0);
  });
});

describe('retries', () => {
  it('retries after a failure with backoff against the clock: 500 then 200 is two attempts, succeeded', async () => {
    const hook = await createHook(['user.created']);
    answers.set(hook.path, [500]);
    await ping(hook.id);
    const [failed] = await deliverUntil(hook.id, (items) => items[0]?.status === 'failed');
    const start = clock().getTime();
    expect(failed).toMatchObject({ attempts: 1, lastResponseCode: 500, firstAttemptAt: clock().toISOString() });
    expect(failed?.lastError).toContain('500');
    const next = new Date(failed?.nextAttemptAt ?? 0).getTime();
    expect(next - start).toBeGreaterThanOrEqual(60_000);
    expect(next - start).toBeLessThanOrEqual(66_000);
    expect(await hookWhen(hook.id, (w) => w.consecutiveFailures === 1)).toMatchObject({ active: true });

    clock.set(new Date(next - 1000));
    await deliver();
    expect((await deliveriesOf(hook.id)).items[0]).toMatchObject({ status: 'failed', attempts: 1 });
    clock.set(new Date(next));
    const [done] = await deliverUntil(hook.id, (items) => items[0]?.status === 'succeeded');
    expect(done).toMatchObject({ attempts: 2, lastResponseCode: 200, lastError: null, nextAttemptAt: null });
    expect(at(hook.path)).toHaveLength(2);
    await resign();
    expect(await hookWhen(hook.id, (w) => w.consecutiveFailures === 0)).toMatchObject({ failingSince: null });
  });

  it('doubles the wait (capped at an hour) and abandons a delivery a day after its first attempt', async () => {
    const hook = await createHook(['user.created']);
    always.set(hook.path, 503);
    await ping(hook.id);
    let [delivery] = await deliverUntil(hook.id, (items) => items[0]?.status === 'failed');
    const first = new Date(delivery?.firstAttemptAt ?? 0).getTime();
    const waits: number[] = [];
    while (delivery?.status === 'failed') {
      const previous = delivery.lastAttemptAt;
      const next = new Date(delivery.nextAttemptAt ?? 0).getTime();
      waits.push(next - clock().getTime());
      clock.set(new Date(next));
      // Settled (a claim counts the attempt first; its outcome stamps lastAttemptAt).
      [delivery] = await deliverUntil(hook.id, (items) => items[0]?.lastAttemptAt !== previous);
    }
    expect(delivery?.status).toBe('abandoned');
    expect(delivery?.nextAttemptAt).toBeNull();
    const last = new Date(delivery?.lastAttemptAt ?? 0).getTime();
    expect(last - first).toBeLessThanOrEqual(24 * 3600_000);
    expect(last - first).toBeGreaterThan(22 * 3600_000);
    // 1, 2, 4, 8 … minutes (plus at most 10% jitter), then an hour at most.
    for (const [i, wait] of waits.entries()) {
      const base = Math.min(60_000 * 2 ** i, 3600_000);
      expect(wait).toBeGreaterThanOrEqual(base);
      expect(wait).toBeLessThanOrEqual(base * 1.1 + 1);
    }
    expect(delivery?.attempts).toBe(waits.length + 1);
    expect(at(hook.path)).toHaveLength(waits.length + 1);
    // One delivery failing is one failure: the subscription stays on.
    await resign();
    expect(await hookWhen(hook.id, (w) => w.consecutiveFailures === 1)).toMatchObject({ active: true });
  });

  it('disables a subscription after deliveries in a row failed and tells every active admin', async () => {
    const secondAdmin = await signInAs(testApp(), ['admin']);
    const hook = await createHook(['user.created']);
    always.set(hook.path, 500);
    for (let i = 1; i <= 3; i += 1) {
      await ping(hook.id);
      await deliverUntil(hook.id, (items) => items.length === i && items.every((d) => d.status !== 'pending'));
    }
    const view = await hookWhen(hook.id, (w) => w.active === false);
    expect(view).toMatchObject({
      active: false,
      disabledReason: 'consecutive_failures',
      disabledAt: clock().toISOString(),
      consecutiveFailures: 3,
    });
    expect(at(hook.path)).toHaveLength(3);
    // Their retries fall due, but a disabled subscription is sent nothing: they are abandoned.
    clock.advance(10 * 60_000);
    const items = await deliverUntil(hook.id, (list) => list.every((d) => d.status === 'abandoned'));
    expect(items.map((d) => d.lastError)).toEqual(Array.from({ length: 3 }, () => 'the subscription is disabled'));
    expect(at(hook.path)).toHaveLength(3);

    for (const who of [admin, secondAdmin]) {
      const notes = (await call(who, 'GET', '/notifications?limit=100')).json().items;
      const note = notes.find(
        (n: { type: string; data: { webhookId?: string } }) =>
          n.type === 'webhook.disabled' && n.data.webhookId === hook.id,
      );
      expect(note).toMatchObject({ link: `/admin/webhooks/${hook.id}`, data: { reason: 'consecutive_failures' } });
    }
    expect(
      (await call(employee, 'GET', '/notifications?limit=100'))
        .json()
        .items.some((n: { type: string }) => n.type === 'webhook.disabled'),
    ).toBe(false);

    const refused = await call(admin, 'POST', `/admin/webhooks/${hook.id}/ping`);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error).toMatchObject({
      code: 'WEBHOOK_DISABLED',
      details: { webhookId: hook.id, disabledReason: 'consecutive_failures' },
    });
    const redeliver = await call(admin, 'POST', `/admin/webhooks/${hook.id}/deliveries/${items[0]?.id}/redeliver`);
    expect(redeliver.json().error.code).toBe('WEBHOOK_DISABLED');

    // Re-enabled, it starts over.
    always.delete(hook.path);
    const current = await hookWhen(hook.id, () => true);
    const enabled = await call(admin, 'PATCH', `/admin/webhooks/${hook.id}`, {
      version: current.version,
      active: true,
    });
    expect(enabled.json()).toMatchObject({
      active: true,
      consecutiveFailures: 0,
      disabledAt: null,
      disabledReason: null,
    });
    await ping(hook.id);
    await deliverUntil(hook.id, (list) => list.some((d) => d.status === 'succeeded'));
  });
});

describe('the SSRF guard', () => {
  it('refuses private, loopback, link-local and similar targets at create and update when not allowed', async () => {
    const strictAdmin = await signInAs(strict(), ['admin']);
    const cases: [string, string][] = [
      ['http://127.0.0.1/hook', 'loopback'],
      ['http://10.0.0.1/hook', 'private'],
      ['http://[::1]/hook', 'loopback'],
      ['http://169.254.169.254/latest/meta-data', 'link-local'],
      ['http://100.64.0.1/hook', 'cgnat'],
      ['http://[::ffff:127.0.0.1]/hook', 'loopback'],
      ['http://localhost/hook', 'localhost'],
      ['http://192.168.1.10:8080/hook', 'private'],
      ['http://[fd00::1]/hook', 'unique-local'],
      ['http://[fe80::1]/hook', 'link-local'],
      ['http://0.0.0.0/hook', 'unspecified'],
      ['http://2130706433/hook', 'loopback'],
      ['http://[64:ff9b::a00:1]/hook', 'private'],
    ];
    for (const [url, reason] of cases) {
      const response = await call(strictAdmin, 'POST', '/admin/webhooks', { url, events: ['user.created'] }, strict);
      expect(response.statusCode, url).toBe(422);
      expect(response.json().error, url).toMatchObject({ code: 'WEBHOOK_URL_NOT_ALLOWED', details: { url, reason } });
    }
    // An allowed subscription (made where private targets are allowed) cannot be moved onto one.
    const hook = await createHook(['user.created']);
    const moved = await call(
      strictAdmin,
      'PATCH',
      `/admin/webhooks/${hook.id}`,
      { version: 1, url: 'http://[::1]:9/x' },
      strict,
    );
    expect(moved.statusCode).toBe(422);
    expect(moved.json().error.code).toBe('WEBHOOK_URL_NOT_ALLOWED');
  });

  it('checks again at send time: an attempt to a refused target fails with the reason', async () => {
    const hook = await createHook(['user.created']);
    const { webhookDeliveries } = createRepositories(testApp().database);
    await webhookDeliveries.enqueue(
      [hook.id],
      { eventId: 'evt_sendtime', eventType: 'webhook.ping', body: '{}' },
      clock(),
    );
    // Only the strict instance runs the job here.
    for (let i = 0; i < 50; i += 1) {
      await deliver(strict);
      const [d] = (await deliveriesOf(hook.id)).items;
      if (d?.status !== 'pending' || i === 49) break;
    }
    const [delivery] = (await deliveriesOf(hook.id)).items;
    if (delivery?.status === 'failed') {
      expect(delivery.lastError).toContain('non-public address (loopback: 127.0.0.1)');
      expect(delivery.lastResponseCode).toBeNull();
      expect(at(hook.path)).toHaveLength(0);
    } else {
      // The permissive instance's background sender took it first: that is its right (allowed there).
      expect(delivery?.status).toBe('succeeded');
    }
  });

  it('connects to the address that was checked, whatever the name would resolve to now (pinning)', async () => {
    const path = newPath();
    const port = new URL(base).port;
    const result = await sendSigned({
      url: `http://receiver.invalid:${port}${path}`,
      body: '{"pinned":true}',
      eventId: 'evt_pinned',
      secret: 'a-secret-of-enough-length-for-this-test',
      timestamp: 1_700_000_000,
      address: '127.0.0.1',
      family: 4,
      timeoutMs: 5_000,
    });
    expect(result).toEqual({ ok: true, statusCode: 200 });
    expect(at(path)).toHaveLength(1);
    expect(at(path)[0]?.headers.host).toBe(`receiver.invalid:${port}`);
    // A redirect is not followed: it fails the attempt.
    answers.set(path, [302]);
    const redirected = await sendSigned({
      url: `http://receiver.invalid:${port}${path}`,
      body: '{}',
      eventId: 'evt_redirect',
      secret: 'a-secret-of-enough-length-for-this-test',
      timestamp: 1_700_000_000,
      address: '127.0.0.1',
      family: 4,
      timeoutMs: 5_000,
    });
    expect(redirected).toMatchObject({ ok: false, statusCode: 302 });
  });

  it('classifies addresses and names (unit): https only in production, every resolved address checked', async () => {
    for (const address of [
      '::ffff:7f00:1',
      '::ffff:10.1.2.3',
      '::ffff:0:127.0.0.1',
      '::ffff:0:a01:203',
      '64:ff9b::7f00:1',
      'ff02::1',
      '::',
      '224.0.0.1',
      '255.255.255.255',
      '2002:a00:1::1',
      'fec0::1',
    ]) {
      expect(addressProblem(address), address).not.toBeNull();
    }
    for (const address of ['93.184.216.34', '2606:4700:4700::1111', '8.8.8.8', '64:ff9b::5db8:d822']) {
      expect(addressProblem(address), address).toBeNull();
    }
    const publicDns = async () => [{ address: '93.184.216.34', family: 4 }];
    const production = { httpsOnly: true, allowPrivate: false, resolve: publicDns };
    expect(await checkTarget('http://hooks.example.com/x', production)).toMatchObject({
      ok: false,
      code: 'WEBHOOK_HTTPS_REQUIRED',
    });
    expect(await checkTarget('https://hooks.example.com/x', production)).toEqual({
      ok: true,
      address: '93.184.216.34',
      family: 4,
    });
    expect(await checkTarget('http://hooks.example.com/x', { ...production, httpsOnly: false })).toMatchObject({
      ok: true,
    });
    // A name that resolves to a private address (or to one among public ones) is refused, DNS rebinding included.
    const rebinding = async () => [
      { address: '93.184.216.34', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ];
    expect(await checkTarget('https://hooks.example.com/x', { ...production, resolve: rebinding })).toMatchObject({
      ok: false,
      code: 'WEBHOOK_URL_NOT_ALLOWED',
      reason: 'private',
      address: '10.0.0.5',
    });
    expect(await checkTarget('https://nowhere.invalid/x', { ...production, resolve: async () => [] })).toMatchObject({
      ok: false,
      code: 'WEBHOOK_HOST_UNRESOLVABLE',
      host: 'nowhere.invalid',
    });
    // Allowed by configuration: loopback passes (the tests' receiver).
    expect(await checkTarget('http://127.0.0.1:1/x', { httpsOnly: false, allowPrivate: true })).toMatchObject({
      ok: true,
    });
  });
});
