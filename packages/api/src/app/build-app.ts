import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import scalar from '@scalar/fastify-api-reference';
import { type FastifyTRPCPluginOptions, fastifyTRPCPlugin } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { LOCAL_BLOB_PATH } from '../files/storage/local-storage.js';
import { contentDisposition } from '../files/storage/storage.js';
import { describeError, errorResponse, pathOf, retryAfterOf } from '../http/errors.js';
import { approvalMetrics, metricsPlugin } from '../http/metrics.js';
import { API_PREFIX, isApiPath } from '../http/paths.js';
import { EXPORT_DOWNLOAD_PATH } from '../privacy/exports.service.js';
import { buildOpenApiDocument } from '../rest/openapi.js';
import { allowedMethods, restAdapter, restRoutes } from '../rest/rest-adapter.js';
import { createServices } from '../services.js';
import { contextFromFastify } from '../trpc/fastify-context.js';
import { type AppRouter, appRouter } from '../trpc/router.js';
import type { AppDeps } from './deps.js';

export interface BuildAppOptions {
  /** Fastify's logger setting; by default built from the config (pretty in development, JSON otherwise). */
  logger?: FastifyServerOptions['logger'];
  /** A pino logger made by the caller (main.ts logs before the app exists). */
  loggerInstance?: FastifyBaseLogger;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Query parameters never logged. */
const SECRET_QUERY = /([?&](?:connectionParams|token)=)[^&]*/g;
export const redactQuery = (url: string) => url.replace(SECRET_QUERY, '$1[redacted]');

/** Paths probes and scrapers hit often; never rate limited. */
const UNLIMITED = new Set([`${API_PREFIX}/health/live`, `${API_PREFIX}/health/ready`, '/metrics']);

export function loggerOptions(deps: Pick<AppDeps, 'config'>): FastifyServerOptions['logger'] {
  const { config } = deps;
  return {
    level: config.LOG_LEVEL,
    // ISO 8601 times, as the spec's log example shows.
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.passwordHash',
        '*.currentPassword',
        '*.newPassword',
        '*.mfaCode',
        '*.recoveryCodes',
        '*.token',
        '*.accessToken',
        '*.refreshToken',
        '*.secret',
      ],
      censor: '[redacted]',
    },
    serializers: {
      // The request line without secrets in its query (a subscription's connection parameters carry its token).
      req: (request) => ({
        method: request.method,
        url: redactQuery(request.url),
        host: request.host,
        remoteAddress: request.ip,
      }),
    },
    ...(config.LOG_PRETTY
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
  };
}

/**
 * Builds the server from its dependencies; used by main.ts, the tests, the
 * REPL and the benchmark, so all of them run exactly the production wiring.
 */
export async function buildApp(deps: AppDeps, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    ...(options.loggerInstance
      ? { loggerInstance: options.loggerInstance }
      : { logger: options.logger ?? loggerOptions(deps) }),
    // Accept the caller's request id when it is sane, else make one; echoed on every answer.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: config.BODY_LIMIT_BYTES,
    // Batched tRPC GETs put every procedure name in the path.
    routerOptions: { maxParamLength: 5_000, ignoreTrailingSlash: true },
    trustProxy: config.TRUST_PROXY,
    return503OnClosing: true,
  });

  const services = await createServices(deps);
  const cookies = { secure: config.COOKIE_SECURE, domain: config.COOKIE_DOMAIN };
  app.addHook('onClose', async () => {
    await services.close();
  });

  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  await app.register(helmet, {
    global: true,
    // The API serves JSON only: a document it returns may load nothing and be framed by nobody.
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] },
    },
    crossOriginResourcePolicy: { policy: 'same-site' },
  });
  const restMethods = allowedMethods(restRoutes(appRouter));
  await app.register(cors, {
    origin: config.CORS_ORIGINS,
    credentials: true,
    // Every method the REST surface answers (the default is GET, HEAD and POST only).
    methods: [...new Set([...restMethods.all, 'HEAD'])],
    // What browser code may read: the request id, when to retry, a download's file name.
    exposedHeaders: ['x-request-id', 'retry-after', 'content-disposition'],
    maxAge: 600,
  });
  await app.register(cookie, { secret: config.COOKIE_SECRET });
  await app.register(rateLimit, {
    global: true,
    max: config.RATE_LIMIT_MAX,
    timeWindow: config.RATE_LIMIT_WINDOW_MS,
    ...(deps.redis ? { redis: deps.redis, nameSpace: 'seed-pms:rl:' } : {}),
    allowList: (request) => UNLIMITED.has(pathOf(request.url)),
    errorResponseBuilder: (_request, context) =>
      // Retry-After is already on the reply; the error handler writes the envelope.
      Object.assign(new Error(`Too many requests; try again in ${context.after}`), { statusCode: 429 }),
  });
  await app.register(multipart, {
    limits: { fileSize: config.UPLOAD_MAX_BYTES, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 25 },
  });

  const procedures = new Set(Object.keys(appRouter._def.procedures));
  await app.register(metricsPlugin, {
    routeLabel: (request) => {
      if (!request.url.startsWith('/trpc/')) return undefined;
      const name = pathOf(request.url).slice('/trpc/'.length);
      if (name.includes(',')) return '/trpc/(batch)';
      return procedures.has(name) ? `/trpc/${name}` : '/trpc/(unknown)';
    },
    extend: approvalMetrics(services.approvals),
  });

  app.setErrorHandler((error, request, reply) => {
    const described = describeError(error);
    if (described.internal) request.log.error({ err: error }, 'request failed');
    else if (described.status >= 500) request.log.warn({ err: error }, 'dependency failed');
    const retryAfter = retryAfterOf(described);
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    void reply
      .code(described.status)
      .send(errorResponse(described, { requestId: request.id, path: pathOf(request.url) }));
  });
  // Answers carry personal data: no cache keeps them, unless a route says otherwise (signed images).
  app.addHook('onSend', async (request, reply, payload) => {
    if (!reply.hasHeader('cache-control') && isApiPath(pathOf(request.url)))
      void reply.header('cache-control', 'no-store');
    return payload;
  });

  // Unknown routes count against the rate limit too, so scanning for endpoints is throttled.
  app.setNotFoundHandler({ preHandler: app.rateLimit() }, (request, reply) => {
    const path = pathOf(request.url);
    const allow = restMethods.at(path);
    if (allow.length > 0) {
      // The path exists, the method does not: 405 with the methods it has.
      void reply
        .code(405)
        .header('allow', allow.join(', '))
        .send(
          errorResponse(
            {
              status: 405,
              code: 'METHOD_NOT_ALLOWED',
              message: `${request.method} is not served at ${path}; it answers ${allow.join(', ')}`,
              details: { allow },
              internal: false,
            },
            { requestId: request.id, path },
          ),
        );
      return;
    }
    void reply
      .code(404)
      .send(
        errorResponse(
          { status: 404, code: 'ROUTE_NOT_FOUND', message: `No route for ${request.method} ${path}`, internal: false },
          { requestId: request.id, path },
        ),
      );
  });

  // tRPC in its own encapsulated context (its body handling stays there).
  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      maxBatchSize: config.TRPC_MAX_BATCH_SIZE,
      // JSON bodies are limited by Fastify (BODY_LIMIT_BYTES); uploads reach tRPC raw, so limit them here.
      maxBodySize: config.UPLOAD_MAX_BYTES + 1024 * 1024,
      createContext: ({ req, res, info }) => {
        // A browser's EventSource cannot send headers: the subscription link sends the token as a connection parameter.
        const token = info.connectionParams?.token;
        if (token && !req.headers.authorization) req.headers.authorization = `Bearer ${token}`;
        return contextFromFastify(req, res, services, cookies, deps.clock()).ctx;
      },
      // A failure that says when to try again answers with Retry-After, as on REST.
      responseMeta: ({ errors }) => {
        const waits = errors.map((error) => retryAfterOf(describeError(error))).filter((s) => s !== undefined);
        return waits.length > 0 ? { headers: { 'retry-after': String(Math.max(...waits)) } } : {};
      },
      onError: ({ error, req, path }) => {
        const described = describeError(error);
        if (described.internal) req.log.error({ err: error, procedure: path }, 'procedure failed');
      },
    },
  } satisfies FastifyTRPCPluginOptions<AppRouter>);

  // The REST surface, generated from the same procedures.
  const openApiDocument = buildOpenApiDocument(appRouter);
  await app.register(
    async (rest) => {
      rest.get('/openapi.json', async () => openApiDocument);
      // Signed downloads of the local storage driver (S3 serves its own presigned URLs).
      rest.get(LOCAL_BLOB_PATH.slice(API_PREFIX.length), async (request, reply) => {
        const blob = await services.files.openBlob(request.query as Record<string, unknown>);
        return reply
          .header('content-type', blob.contentType)
          .header('content-disposition', contentDisposition(blob.fileName, blob.inline))
          .header('cache-control', 'private, max-age=300')
          .header('x-content-type-options', 'nosniff')
          .send(Readable.from(blob.stream));
      });
      // A personal-data export's ZIP by its signed link (no credentials; 410 EXPORT_EXPIRED after its 7 days).
      rest.get(EXPORT_DOWNLOAD_PATH.slice(API_PREFIX.length), { exposeHeadRoute: false }, async (request, reply) => {
        const zip = await services.exports.openDownload(request.query as Record<string, unknown>, {
          id: request.id,
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
        });
        if (zip.size !== null) void reply.header('content-length', String(zip.size));
        return reply
          .header('content-type', 'application/zip')
          .header('content-disposition', contentDisposition(zip.fileName))
          .header('cache-control', 'private, no-store')
          .header('x-content-type-options', 'nosniff')
          .send(Readable.from(zip.stream));
      });
      await restAdapter(rest, { router: appRouter, services, clock: deps.clock, cookies });
    },
    { prefix: API_PREFIX },
  );

  // Interactive documentation; its page needs scripts and styles from its own origin.
  await app.register(async (docs) => {
    docs.addHook('onSend', async (_request, reply, payload) => {
      void reply.header(
        'content-security-policy',
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
      );
      return payload;
    });
    await docs.register(scalar, {
      routePrefix: '/api/docs',
      configuration: { url: `${API_PREFIX}/openapi.json`, title: 'Seed PMS API' },
    });
  });

  return app;
}
