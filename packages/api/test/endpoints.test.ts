import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { restRoutes } from '../src/rest/rest-adapter.js';
import { appRouter } from '../src/trpc/router.js';
import { useTestApp } from './support.js';

/**
 * The spec's 89 REST endpoints (a copy of shared/spec/endpoints.txt) and the
 * ledger of those not built yet. An issue that adds an endpoint removes its
 * line from pending-endpoints.txt; this test then insists it is served.
 */
const lines = (file: string) =>
  readFileSync(new URL(file, import.meta.url), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

const spec = lines('./spec-endpoints.txt');
const pending = new Set(lines('./pending-endpoints.txt'));

/** `GET /api/v1/projects/:id` in the spec's syntax for a route. */
const specLine = (method: string, path: string) => `${method} /api/v1${path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1')}`;
const served = new Map(restRoutes(appRouter).map((r) => [specLine(r.method, r.path), r]));

let lastRoute: string | undefined;
const testApp = useTestApp(import.meta.url, {
  extend: (app) =>
    app.addHook('onRequest', async (request) => {
      lastRoute = request.routeOptions.url;
    }),
});

describe('the spec endpoints', () => {
  it('the spec lists 89 endpoints', () => {
    expect(spec).toHaveLength(89);
    expect(new Set(spec).size).toBe(89);
  });

  it('every spec endpoint is served, or still listed as pending', () => {
    const missing = spec.filter((line) => !served.has(line) && !pending.has(line));
    expect(missing).toEqual([]);
  });

  it('no served endpoint is still listed as pending', () => {
    expect([...pending].filter((line) => served.has(line))).toEqual([]);
    expect([...pending].filter((line) => !spec.includes(line))).toEqual([]);
  });

  it('each served route reaches its own procedure (static paths win over parameterised siblings)', async () => {
    for (const route of served.values()) {
      const url = `/api/v1${route.path.replace(/\{[A-Za-z0-9_]+\}/g, '0123456789abcdef01234567')}`;
      lastRoute = undefined;
      await testApp().app.inject({ method: route.method, url, ...(route.method === 'GET' ? {} : { payload: {} }) });
      expect(lastRoute, `${route.method} ${url}`).toBe(`/api/v1${route.fastifyPath}`);
    }
  });
});
