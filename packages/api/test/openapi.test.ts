import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/rest/openapi.js';
import { restRoutes } from '../src/rest/rest-adapter.js';
import { appRouter } from '../src/trpc/router.js';
import { useTestApp } from './support.js';

const testApp = useTestApp(import.meta.url);

describe('the OpenAPI document', () => {
  it('is served at GET /api/v1/openapi.json and is valid OpenAPI 3', async () => {
    const res = await testApp().app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const document = res.json();
    expect(document.openapi).toMatch(/^3\./);
    // A real validator: structure against the OpenAPI schema, and every $ref resolves.
    const validated = await SwaggerParser.validate(structuredClone(document));
    expect(Object.keys(validated.paths ?? {})).toContain('/health/ready');
  });

  it('documents every REST route, with the error envelope on its error answers', () => {
    const document = buildOpenApiDocument(appRouter);
    for (const route of restRoutes(appRouter)) {
      const operation = document.paths?.[route.path]?.[route.method.toLowerCase() as 'get'];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation?.responses?.['400']).toEqual({ $ref: '#/components/responses/Error400' });
    }
    const schema = document.components?.schemas?.ApiErrorResponse as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(['success', 'error']);
  });

  it('matches the reviewed snapshot (a diff here is an API change to review)', async () => {
    await expect(JSON.stringify(buildOpenApiDocument(appRouter), null, 2)).toMatchFileSnapshot(
      './__snapshots__/openapi.json',
    );
  });
});

describe('the interactive docs', () => {
  it('render at /api/docs from our own origin, pointing at the document', async () => {
    const bare = await testApp().app.inject({ method: 'GET', url: '/api/docs' });
    expect([200, 301, 302]).toContain(bare.statusCode);
    const page = await testApp().app.inject({ method: 'GET', url: '/api/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('/api/v1/openapi.json');
    const scripts = [...page.body.matchAll(/<script[^>]+src="([^"]+)"/g)].map((m) => m[1] ?? '');
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(/^[a-z]+:|^\/\//i.test(src), `script ${src} must be served locally (offline docs)`).toBe(false);
      const url = new URL(src, 'http://localhost/api/docs/').pathname;
      const asset = await testApp().app.inject({ method: 'GET', url });
      expect(asset.statusCode, url).toBe(200);
      expect(asset.body.length).toBeGreaterThan(10_000);
    }
  });
});
