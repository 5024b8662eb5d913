import { DomainError, type FieldIssue, validationFailed } from '@seed-pms/domain';
import type { AnyRouter } from '@trpc/server';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { z } from 'zod';
import { describeError } from '../http/errors.js';
import { API_PREFIX } from '../http/paths.js';
import type { Services } from '../services.js';
import { type CookieDefaults, contextFromFastify } from '../trpc/fastify-context.js';
import type { Meta } from '../trpc/trpc.js';
import { createCallerFactory } from '../trpc/trpc.js';
import { formFromMultipart } from './multipart.js';

export interface RestRoute {
  method: HTTPMethods;
  /** OpenAPI path under the prefix, e.g. /projects/{id}. */
  path: string;
  /** The same path in Fastify's syntax, e.g. /projects/:id. */
  fastifyPath: string;
  procedure: string;
  takesInput: boolean;
  /** An upload: the body is multipart/form-data (see multipart.ts). */
  multipart: boolean;
  /** The status of a successful answer, from the procedure's meta. */
  successStatus: number;
  /** Query parameters that take a list (so may be repeated: `skills=a&skills=b`). */
  listParams: ReadonlySet<string>;
}

interface ProcedureDef {
  _def: { type: 'query' | 'mutation' | 'subscription'; meta?: Meta; inputs: unknown[] };
}

/** Does this JSON Schema (of one property) accept an array? */
function acceptsArray(schema: unknown): boolean {
  if (!schema || typeof schema !== 'object') return false;
  const s = schema as { type?: unknown; anyOf?: unknown[]; oneOf?: unknown[]; allOf?: unknown[] };
  if (s.type === 'array' || (Array.isArray(s.type) && s.type.includes('array'))) return true;
  return [...(s.anyOf ?? []), ...(s.oneOf ?? []), ...(s.allOf ?? [])].some(acceptsArray);
}

/** The input properties that accept a list, read from the input schemas as clients send them. */
function listParamsOf(inputs: readonly unknown[]): Set<string> {
  const keys = new Set<string>();
  for (const input of inputs) {
    try {
      const json = z.toJSONSchema(input as z.ZodType, { io: 'input', unrepresentable: 'any' }) as {
        properties?: Record<string, unknown>;
      };
      for (const [key, property] of Object.entries(json.properties ?? {})) if (acceptsArray(property)) keys.add(key);
    } catch {
      // Not a zod object (e.g. a form): no query parameters to speak of.
    }
  }
  return keys;
}

/**
 * A query parameter given more than once where the schema takes one value
 * (`limit=2&limit=3`): refused with a message that says so, rather than
 * whatever the schema makes of a list.
 */
function refuseRepeated(query: Record<string, unknown>, listParams: ReadonlySet<string>): void {
  const repeated = Object.entries(query)
    .filter(([key, value]) => Array.isArray(value) && !listParams.has(key))
    .map(([key]) => key);
  if (repeated.length === 0) return;
  throw validationFailed(
    `Give each of these query parameters once: ${repeated.join(', ')}`,
    repeated.map((key) => ({ path: key, message: 'was given more than once', code: 'repeated_parameter' })),
  );
}

function isVoidSchema(schema: unknown): boolean {
  const def = (schema as { _zod?: { def?: { type?: string } } })?._zod?.def;
  return def?.type === 'void' || def?.type === 'undefined';
}

/** Every procedure with an `openapi` meta block, as a REST route. */
export function restRoutes(router: AnyRouter): RestRoute[] {
  const procedures = router._def.procedures as Record<string, ProcedureDef>;
  const routes: RestRoute[] = [];
  for (const [name, procedure] of Object.entries(procedures)) {
    const openapi = procedure._def.meta?.openapi;
    if (!openapi || openapi.enabled === false || procedure._def.type === 'subscription') continue;
    routes.push({
      method: openapi.method as HTTPMethods,
      path: openapi.path,
      fastifyPath: openapi.path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1'),
      procedure: name,
      takesInput: procedure._def.inputs.length > 0 && !procedure._def.inputs.every(isVoidSchema),
      multipart: procedure._def.meta?.multipart !== undefined,
      successStatus: openapi.successStatus ?? 200,
      listParams: listParamsOf(procedure._def.inputs),
    });
  }
  return routes;
}

export interface AllowedMethods {
  /** Every method some REST route answers. */
  all: string[];
  /** The methods answered at a concrete path (e.g. /api/v1/employees/abc), HEAD with GET; none for unknown paths. */
  at(path: string): string[];
}

/** Which methods the REST surface answers where: the 405 answer's Allow header and the CORS preflight's methods. */
export function allowedMethods(routes: readonly RestRoute[]): AllowedMethods {
  const segment = (part: string) => (/^\{\w+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'));
  const patterns = routes.map((route) => ({
    method: route.method as string,
    regex: new RegExp(`^${API_PREFIX}${route.path.split('/').map(segment).join('/')}/?$`),
  }));
  return {
    all: [...new Set(patterns.map((p) => p.method))],
    at(path) {
      const methods = new Set(patterns.filter((p) => p.regex.test(path)).map((p) => p.method));
      if (methods.has('GET')) methods.add('HEAD');
      return ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => methods.has(m));
    },
  };
}

/**
 * A path naming something that cannot exist (a malformed id) answers 404 like
 * an unknown one, not 400: the input schema refuses it, but the caller asked
 * for a resource, not sent a body (and learns nothing about id formats).
 */
function pathParamsNotFound(error: unknown, params: Record<string, string>): DomainError | undefined {
  const described = describeError(error);
  if (described.code !== 'VALIDATION_FAILED' || !Array.isArray(described.details)) return undefined;
  const issues = described.details as FieldIssue[];
  const names = Object.keys(params);
  if (issues.length === 0 || !issues.every((issue) => names.includes(issue.path.split('.')[0] ?? ''))) return undefined;
  return new DomainError('NOT_FOUND', 'Not found', { params });
}

export interface RestAdapterOptions {
  router: AnyRouter;
  services: Services;
  clock: () => Date;
  cookies: CookieDefaults;
}

/**
 * Serves each procedure at its REST method and path. Routes are ordinary
 * Fastify routes, so Fastify's router picks a static path over a parameterised
 * sibling whatever the declaration order, Fastify parses and limits the body,
 * and failures go through the one error handler that writes the spec's
 * envelope. The procedure itself runs through a tRPC caller: the same input
 * validation, middleware and output schema as /trpc.
 */
export async function restAdapter(app: FastifyInstance, options: RestAdapterOptions): Promise<void> {
  const createCaller = createCallerFactory(options.router) as (ctx: unknown) => unknown;
  for (const route of restRoutes(options.router)) {
    const segments = route.procedure.split('.');
    app.route({
      method: route.method,
      url: route.fastifyPath,
      handler: async (request, reply) => {
        let input: Record<string, unknown> | FormData | undefined;
        if (route.multipart) {
          input = await formFromMultipart(request, request.params as Record<string, string>);
        } else if (route.takesInput) {
          const fromQuery = route.method === 'GET' || route.method === 'DELETE';
          if (fromQuery) refuseRepeated(request.query as Record<string, unknown>, route.listParams);
          const source = fromQuery ? request.query : request.body;
          if (source !== undefined && source !== null && (typeof source !== 'object' || Array.isArray(source))) {
            throw validationFailed('The request body must be a JSON object', [
              { path: '', message: 'must be a JSON object', code: 'invalid_type' },
            ]);
          }
          input = {
            ...((source as Record<string, unknown> | undefined) ?? {}),
            ...(request.params as Record<string, string>),
          };
        }
        const { ctx, download } = contextFromFastify(
          request,
          reply,
          options.services,
          options.cookies,
          options.clock(),
        );
        let target: unknown = createCaller(ctx);
        for (const segment of segments) target = (target as Record<string, unknown>)[segment];
        const data = await (target as (input: unknown) => Promise<unknown>)(input).catch((error: unknown) => {
          throw pathParamsNotFound(error, request.params as Record<string, string>) ?? error;
        });
        void reply.code(route.successStatus);
        const file = download();
        if (file) {
          const name = file.fileName.replace(/[^\w.-]/g, '_');
          void reply
            .type(file.contentType)
            .header('content-disposition', `attachment; filename="${name}"`)
            .header('cache-control', 'no-store');
          return (data as { body: string }).body;
        }
        return data ?? null;
      },
    });
  }
}
