import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './support.js';

// A low limit and a fresh key space, shared through the real Redis.
const env = { RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' };
const first = useTestApp(import.meta.url, { env, redis: true });
const second = useTestApp(`${import.meta.url}#2`, { env, redis: true });

/** Counts live in the shared Redis for a minute: each test uses an address no earlier run used. */
const freshIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

describe('rate limits', () => {
  it('answers 429 RATE_LIMITED in the envelope with Retry-After once the limit is used up', async () => {
    const ip = freshIp();
    const call = () => first().app.inject({ method: 'GET', url: '/api/v1/auth/jwks', remoteAddress: ip });
    for (let i = 0; i < 3; i += 1) expect((await call()).statusCode).toBe(200);
    const limited = await call();
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(limited.json().error).toMatchObject({ code: 'RATE_LIMITED', path: '/api/v1/auth/jwks' });
  });

  it('shares the count between instances through Redis', async () => {
    const ip = freshIp();
    const one = () => first().app.inject({ method: 'GET', url: '/api/v1/auth/jwks', remoteAddress: ip });
    const two = () => second().app.inject({ method: 'GET', url: '/api/v1/auth/jwks', remoteAddress: ip });
    expect((await one()).statusCode).toBe(200);
    expect((await two()).statusCode).toBe(200);
    expect((await one()).statusCode).toBe(200);
    expect((await two()).statusCode).toBe(429);
  });

  it('counts requests to unknown routes too, so endpoint scans are throttled', async () => {
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      statuses.push(
        (await first().app.inject({ method: 'GET', url: `/api/v1/scan-${i}`, remoteAddress: ip })).statusCode,
      );
    }
    expect(statuses).toEqual([404, 404, 404, 429]);
  });

  it('never limits the liveness and readiness probes', async () => {
    const ip = '10.7.7.7';
    for (let i = 0; i < 6; i += 1) {
      const res = await first().app.inject({ method: 'GET', url: '/api/v1/health/live', remoteAddress: ip });
      expect(res.statusCode).toBe(200);
    }
  });

  it('reports Redis in readiness when it is configured', async () => {
    const res = await first().app.inject({ method: 'GET', url: '/api/v1/health/ready' });
    expect(res.json()).toEqual({ status: 'ready', checks: { database: 'up', redis: 'up' } });
  });
});
