import { ApiErrorResponse, ERROR_CODES } from '@seed-pms/domain';
import type { AnyRouter } from '@trpc/server';
import { generateOpenApiDocument } from 'trpc-to-openapi';
import { z } from 'zod';
import { APP_VERSION } from '../version.js';

export const API_PREFIX = '/api/v1';

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

  const envelopeSchema = z.toJSONSchema(ApiErrorResponse, { target: 'openapi-3.0', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete envelopeSchema.$schema;
  document.components ??= {};
  document.components.schemas = { ...(document.components.schemas ?? {}), ApiErrorResponse: envelopeSchema };
  document.components.responses = Object.fromEntries(
    Object.entries(STATUS_TEXT).map(([status, description]) => [
      `Error${status}`,
      { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/ApiErrorResponse' } } } },
    ]),
  );

  const used = new Set(Object.values(ERROR_CODES));
  for (const pathItem of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(pathItem as Record<string, { responses?: Record<string, unknown> }>)) {
      if (!operation || typeof operation !== 'object' || !operation.responses) continue;
      for (const status of Object.keys(operation.responses)) {
        if (status !== 'default' && Number(status) >= 400) delete operation.responses[status];
      }
      delete operation.responses.default;
      for (const status of [400, 404, 429, 500]) {
        if (used.has(status as never)) operation.responses[String(status)] = { $ref: `#/components/responses/Error${status}` };
      }
      operation.responses.default = { $ref: '#/components/responses/Error500' };
    }
  }
  return document;
}
