import { ApiErrorResponse, httpStatusOf } from '@seed-pms/domain';
import type { AnyRouter } from '@trpc/server';
import { generateOpenApiDocument, type OpenApiMeta } from 'trpc-to-openapi';
import { z } from 'zod';
import { API_PREFIX } from '../http/paths.js';
import type { Meta } from '../trpc/trpc.js';
import { APP_VERSION } from '../version.js';

// Our Meta must stay usable where trpc-to-openapi expects its own.
type Assignable<T extends U, U> = T;
export type MetaIsOpenApiMeta = Assignable<Meta, OpenApiMeta>;

type OpenApiDocument = ReturnType<typeof generateOpenApiDocument>;

const STATUS_TEXT: Record<number, string> = {
  400: 'Validation failed or malformed request',
  401: 'Authentication required or failed',
  403: 'Not allowed, or a business rule forbids it',
  404: 'Not found',
  409: 'Conflicts with the current state (version, capacity, duplicates)',
  422: 'Well-formed, but refused by a business rule',
  429: 'Too many requests; see Retry-After',
  500: 'Unexpected server error',
  503: 'A dependency is unavailable',
};

/**
 * The OpenAPI 3 document for the REST surface, generated from the same zod
 * schemas that validate tRPC input. Every operation's error answers are the
 * spec's envelope (7.1), described once as a shared component.
 */
export function buildOpenApiDocument(router: AnyRouter, options: { serverUrl?: string } = {}): OpenApiDocument {
  const document = generateOpenApiDocument(router, {
    title: 'Seed PMS API',
    version: APP_VERSION,
    description:
      'Projects, people and operations. Every endpoint is also a tRPC procedure at /trpc. ' +
      'Errors use one envelope: `{ success: false, error: { code, message, details, timestamp, requestId, path } }`.',
    baseUrl: options.serverUrl ? `${options.serverUrl}${API_PREFIX}` : API_PREFIX,
    tags: ['health'],
  });

  // The envelope's named parts (ApiErrorResponse, ApiErrorBody) become shared components.
  const envelope = JSON.parse(
    JSON.stringify(z.toJSONSchema(ApiErrorResponse, { unrepresentable: 'any' })).replaceAll(
      '#/$defs/',
      '#/components/schemas/',
    ),
  ) as { $defs: NonNullable<NonNullable<OpenApiDocument['components']>['schemas']> };
  document.components ??= {};
  document.components.schemas = { ...(document.components.schemas ?? {}), ...envelope.$defs };
  document.components.responses = Object.fromEntries(
    Object.entries(STATUS_TEXT).map(([status, description]) => [
      `Error${status}`,
      { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiErrorResponse' } } } },
    ]),
  );

  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(
      pathItem as Record<string, { responses?: Record<string, unknown>; security?: unknown[] }>,
    )) {
      if (!operation || typeof operation !== 'object' || !operation.responses) continue;
      for (const status of Object.keys(operation.responses)) {
        if (status === 'default' || Number(status) >= 400) delete operation.responses[status];
      }
      const statuses = [400, 404, 429, 500];
      if (operation.security && operation.security.length > 0) statuses.push(401, 403);
      if (method !== 'get') statuses.push(409, 422);
      for (const status of statuses.sort()) {
        operation.responses[String(status)] = { $ref: `#/components/responses/Error${status}` };
      }
      operation.responses.default = { $ref: '#/components/responses/Error500' };
    }
  }
  for (const procedure of Object.values(router._def.procedures as Record<string, { _def: { meta?: Meta } }>)) {
    const meta = procedure._def.meta;
    if (!meta?.openapi) continue;
    const operation = (
      document.paths?.[meta.openapi.path] as Record<string, { responses?: Record<string, unknown> }> | undefined
    )?.[meta.openapi.method.toLowerCase()];
    const responses = operation?.responses;
    const ok = responses?.['200'] as { description?: string; content?: Record<string, unknown> } | undefined;
    if (!responses || !ok) continue;
    // Procedures that can answer a file (format=csv) say so beside the JSON answer.
    if (meta.download) {
      ok.content = { ...(ok.content ?? {}), [meta.download.contentType]: { schema: { type: 'string' } } };
      ok.description = `${ok.description ?? 'Successful response'}; ${meta.download.description}`;
    }
    // The rules' own codes, under their statuses (each status keeps the shared envelope).
    const byStatus = new Map<number, string[]>();
    for (const code of meta.errors ?? []) {
      const status = httpStatusOf(code);
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
    for (const [status, codes] of byStatus) {
      responses[String(status)] = {
        description: `${STATUS_TEXT[status] ?? 'Error'}. Codes: ${codes.join(', ')}`,
        'x-error-codes': codes,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiErrorResponse' } } },
      };
    }
    // A create answers 201 (and accepted work 202): the document shows the status the REST route answers.
    const status = meta.openapi.successStatus ?? 200;
    if (status !== 200 && operation) {
      const { '200': _ok, ...errors } = responses;
      // A 204 has no body.
      const answer = status === 204 ? { description: 'No content' } : ok;
      operation.responses = { [String(status)]: answer, ...errors };
    }
  }
  const ready = document.paths?.['/health/ready']?.get?.responses as Record<string, unknown> | undefined;
  if (ready) ready['503'] = { $ref: '#/components/responses/Error503' };
  return document;
}
