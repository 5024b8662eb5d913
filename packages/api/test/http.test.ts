import { DomainError } from '@seed-pms/domain';
import { describe, expect, it } from 'vitest';
import { bearer, createUser, login } from './auth-helpers.js';
import { useTestApp } from './support.js';

// Plain routes that exercise Fastify's own body handling and the error handler.
const testApp = useTestApp(import.meta.url, {
  extend: (app) => {
    app.post('/api/v1/test/echo', async (request) => request.body);
    app.get('/api/v1/test/boom', async () => {
      throw new Error('database password is hunter2');
    });
    app.get('/api/v1/test/conflict', async () => {
      throw new DomainError('CAPACITY_EXCEEDED', 'Allocation would exceed 100%', { peak: 120 });
    });
  },
});
const app = () => testApp().app;

/** A POST to the plain echo route, so Fastify's own body handling runs. */
const postEcho = (contentType: string, payload: string) =>
  app().inject({ method: 'POST', url: '/api/v1/test/echo', headers: { 'content-type': contentType }, payload });

describe('health', () => {
  it('GET /api/v1/health/live answers 200', async () => {
    const res = await app().inject({ method: 'GET', url: '/api/v1/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok' });
  });

  it('GET /api/v1/health/ready answers 200 with the database up and Redis disabled', async () => {
    const res = await app().inject({ method: 'GET', url: '/api/v1/health/ready' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', checks: { database: 'up', redis: 'disabled' } });
  });

  it('GET /api/v1/health/deep describes each component, to admins only', async () => {
    expect((await app().inject({ method: 'GET', url: '/api/v1/health/deep' })).statusCode).toBe(401);
    const employee = await login(app(), (await createUser(testApp())).email);
    const refused = await app().inject({ method: 'GET', url: '/api/v1/health/deep', headers: bearer(employee) });
    expect(refused.statusCode).toBe(403);
    const admin = await login(app(), (await createUser(testApp(), { roles: ['admin'] })).email);
    const res = await app().inject({ method: 'GET', url: '/api/v1/health/deep', headers: bearer(admin) });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.components.database.state).toBe('up');
    expect(body.components.database.latencyMs).toBeGreaterThanOrEqual(0);
    expect(body.components.jobs.detail).toBe('in-process');
  });

  it('the same procedure answers through /trpc', async () => {
    const res = await app().inject({ method: 'GET', url: '/trpc/health.live' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ result: { data: { status: 'ok' } } });
  });
});

describe('request ids and headers', () => {
  it('echoes a given x-request-id', async () => {
    const res = await app().inject({
      method: 'GET',
      url: '/api/v1/health/live',
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(res.headers['x-request-id']).toBe('abc-123');
  });

  it('makes one when none (or a malformed one) is given', async () => {
    const none = await app().inject({ method: 'GET', url: '/api/v1/health/live' });
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await app().inject({
      method: 'GET',
      url: '/api/v1/health/live',
      headers: { 'x-request-id': 'a b\u0000' },
    });
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sends standard security headers', async () => {
    const res = await app().inject({ method: 'GET', url: '/api/v1/health/live' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toContain('max-age=');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('answers CORS preflights for configured origins only', async () => {
    const allowed = await app().inject({
      method: 'OPTIONS',
      url: '/api/v1/health/live',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'GET' },
    });
    expect(allowed.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');
    const other = await app().inject({
      method: 'OPTIONS',
      url: '/api/v1/health/live',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('errors in the spec envelope', () => {
  it('an unknown route answers 404 with the envelope and the request id', async () => {
    const res = await app().inject({
      method: 'GET',
      url: '/api/v1/no-such-route?x=1',
      headers: { 'x-request-id': 'req-404' },
    });
    expect(res.statusCode).toBe(404);
    const body = res.json();
    expect(body).toEqual({
      success: false,
      error: {
        code: 'ROUTE_NOT_FOUND',
        message: 'No route for GET /api/v1/no-such-route',
        timestamp: expect.any(String),
        requestId: 'req-404',
        path: '/api/v1/no-such-route',
      },
    });
    expect(new Date(body.error.timestamp).toISOString()).toBe(body.error.timestamp);
    expect(res.headers['x-request-id']).toBe('req-404');
  });

  it('malformed JSON answers 400 MALFORMED_REQUEST', async () => {
    const res = await postEcho('application/json', '{"broken": ');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('MALFORMED_REQUEST');
    expect(res.json().success).toBe(false);
  });

  it('malformed JSON input to /trpc answers 400 with the envelope in data.error', async () => {
    const res = await app().inject({ method: 'GET', url: '/trpc/health.live?input=%7B' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.data.error.code).toBe('MALFORMED_REQUEST');
  });

  it('a tRPC batch larger than the limit is refused with 400', async () => {
    const names = Array.from({ length: 11 }, () => 'health.live').join(',');
    const res = await app().inject({ method: 'GET', url: `/trpc/${names}?batch=1` });
    expect(res.statusCode).toBe(400);
    const within = await app().inject({
      method: 'GET',
      url: `/trpc/${names.split(',').slice(0, 10).join(',')}?batch=1`,
    });
    expect(within.statusCode).toBe(200);
  });

  it('an unexpected error answers 500 INTERNAL_ERROR and leaks nothing', async () => {
    const res = await app().inject({ method: 'GET', url: '/api/v1/test/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.json().error.code).toBe('INTERNAL_ERROR');
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('stack');
    expect(res.body).not.toContain('.ts');
  });

  it('a domain error keeps its code, status and details', async () => {
    const res = await app().inject({ method: 'GET', url: '/api/v1/test/conflict' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'CAPACITY_EXCEEDED', details: { peak: 120 } });
  });

  it('a body over the limit answers 413 PAYLOAD_TOO_LARGE', async () => {
    const res = await postEcho('application/json', JSON.stringify({ blob: 'x'.repeat(1024 * 1024 + 10) }));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('an unsupported media type answers 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await postEcho('application/x-yaml', 'a: 1');
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('tRPC errors carry the same envelope in data.error', async () => {
    const res = await app().inject({
      method: 'GET',
      url: '/trpc/no.such.procedure',
      headers: { 'x-request-id': 'trpc-1' },
    });
    expect(res.statusCode).toBe(404);
    const body = res.json();
    expect(body.error.data).toMatchObject({
      success: false,
      code: 'NOT_FOUND',
      httpStatus: 404,
      error: { code: 'NOT_FOUND', requestId: 'trpc-1', path: '/trpc/no.such.procedure' },
    });
    expect(JSON.stringify(body)).not.toContain('stack');
  });
});

describe('metrics', () => {
  it('GET /metrics counts requests by route template and status, plus process metrics', async () => {
    await app().inject({ method: 'GET', url: '/api/v1/health/live' });
    await app().inject({ method: 'GET', url: '/api/v1/does-not-exist' });
    const res = await app().inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="\/api\/v1\/health\/live",status="200"\} \d+/);
    expect(res.body).toMatch(/http_requests_total\{method="GET",route="unmatched",status="404"\} \d+/);
    expect(res.body).toContain('http_request_duration_seconds_bucket');
    expect(res.body).toContain('process_resident_memory_bytes');
  });
});
