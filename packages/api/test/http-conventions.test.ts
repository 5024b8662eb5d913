import { describe, expect, it } from 'vitest';
import { restRoutes } from '../src/rest/rest-adapter.js';
import { appRouter } from '../src/trpc/router.js';
import { bearer, createUser, login } from './auth-helpers.js';
import { useTestApp } from './support.js';

/** The conventions every answer of the REST surface keeps: methods, CORS, caching. */
const testApp = useTestApp(import.meta.url);
const app = () => testApp().app;
const origin = 'http://localhost:5173';
const routes = restRoutes(appRouter);
const concrete = (path: string) => `/api/v1${path.replace(/\{[A-Za-z0-9_]+\}/g, '0123456789abcdef01234567')}`;

describe('regression: a browser could not update or delete through REST (CORS preflight allowed GET, HEAD, POST only)', () => {
  it('a real preflight of every method the REST surface uses is allowed, with the headers clients send', async () => {
    const methods = [...new Set(routes.map((r) => r.method))];
    expect(methods).toEqual(expect.arrayContaining(['GET', 'POST', 'PATCH', 'DELETE']));
    for (const route of routes) {
      const res = await app().inject({
        method: 'OPTIONS',
        url: concrete(route.path),
        headers: {
          origin,
          'access-control-request-method': route.method,
          'access-control-request-headers': 'authorization, content-type, idempotency-key, x-csrf-token',
        },
      });
      expect(res.statusCode, `${route.method} ${route.path}`).toBe(204);
      expect(res.headers['access-control-allow-origin']).toBe(origin);
      expect(String(res.headers['access-control-allow-methods']).split(/,\s*/)).toContain(route.method);
      expect(String(res.headers['access-control-allow-headers'])).toContain('idempotency-key');
    }
  });

  it('browser code may read a download’s file name, the request id and Retry-After', async () => {
    const res = await app().inject({ method: 'GET', url: '/api/v1/health/live', headers: { origin } });
    const exposed = String(res.headers['access-control-expose-headers']).split(/,\s*/);
    expect(exposed).toEqual(expect.arrayContaining(['content-disposition', 'x-request-id', 'retry-after']));
  });
});

describe('regression: an unsupported method on an existing path answered 404', () => {
  it('answers 405 METHOD_NOT_ALLOWED with Allow naming the methods the path has', async () => {
    const res = await app().inject({ method: 'PUT', url: '/api/v1/employees/0123456789abcdef01234567' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, PATCH');
    expect(res.json().error).toMatchObject({
      code: 'METHOD_NOT_ALLOWED',
      details: { allow: ['GET', 'HEAD', 'PATCH'] },
    });
  });

  it('still answers 404 ROUTE_NOT_FOUND for a path that does not exist at all', async () => {
    const res = await app().inject({ method: 'PUT', url: '/api/v1/no-such-thing/1' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('ROUTE_NOT_FOUND');
  });
});

describe('regression: answers carrying personal data had no Cache-Control', () => {
  it('signed-in answers, anonymous answers and errors are no-store', async () => {
    const user = await login(app(), (await createUser(testApp())).email);
    const me = await app().inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer(user) });
    expect(me.statusCode).toBe(200);
    expect(me.headers['cache-control']).toBe('no-store');
    const profile = await app().inject({
      method: 'GET',
      url: `/api/v1/employees/${me.json().user.id}`,
      headers: bearer(user),
    });
    expect(profile.headers['cache-control']).toBe('no-store');
    const trpc = await app().inject({ method: 'GET', url: '/trpc/auth.me', headers: bearer(user) });
    expect(trpc.headers['cache-control']).toBe('no-store');
    const refused = await app().inject({ method: 'GET', url: '/api/v1/auth/me' });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['cache-control']).toBe('no-store');
  });
});
