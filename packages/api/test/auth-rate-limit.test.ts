import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createUser, PASSWORD, uniqueEmail } from './auth-helpers.js';
import { useTestApp } from './support.js';

// Low limits, counted in the real Redis and shared by both instances.
const env = { AUTH_RATE_LIMIT_PER_ACCOUNT: '3', AUTH_RATE_LIMIT_PER_IP: '5', AUTH_RATE_LIMIT_WINDOW_MS: '60000' };
const one = useTestApp(import.meta.url, { env, redis: true });
const two = useTestApp(`${import.meta.url}#2`, { env, redis: true });

const freshIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
const attempt = (app: typeof one, email: string, ip: string, password = 'wrong password!') =>
  app().app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password }, remoteAddress: ip });

describe('auth rate limits', () => {
  it('limit attempts per account across addresses and instances, with Retry-After', async () => {
    const email = uniqueEmail('limited');
    expect((await attempt(one, email, freshIp())).statusCode).toBe(401);
    expect((await attempt(two, email, freshIp())).statusCode).toBe(401);
    expect((await attempt(one, email, freshIp())).statusCode).toBe(401);
    const limited = await attempt(two, email, freshIp());
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.json().error).toMatchObject({
      code: 'RATE_LIMITED',
      details: { retryAfterSeconds: expect.any(Number) },
    });
  });

  it('limit attempts per address across accounts', async () => {
    const ip = freshIp();
    for (let i = 0; i < 5; i += 1) expect((await attempt(one, uniqueEmail('spray'), ip)).statusCode).toBe(401);
    expect((await attempt(two, uniqueEmail('spray'), ip)).statusCode).toBe(429);
    // The right password does not get past the limit either.
    const user = await createUser(one());
    expect((await attempt(one, user.email, ip, PASSWORD)).statusCode).toBe(429);
    expect((await attempt(one, user.email, freshIp(), PASSWORD)).statusCode).toBe(200);
  });

  it('limit password-reset requests per account', async () => {
    const email = uniqueEmail('reset');
    const ask = () =>
      one().app.inject({
        method: 'POST',
        url: '/api/v1/auth/forgot-password',
        payload: { email },
        remoteAddress: freshIp(),
      });
    const codes = [];
    for (let i = 0; i < 4; i += 1) codes.push((await ask()).statusCode);
    expect(codes).toEqual([202, 202, 202, 429]);
  });
});
