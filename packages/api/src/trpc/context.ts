import type { Actor } from '@seed-pms/domain';
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services.js';

/**
 * What a procedure may know about its request. Plain data and functions only:
 * this type is part of the published AppRouter type, so it must not mention
 * Fastify, the driver or anything else a frontend cannot install.
 */
export interface RequestInfo {
  readonly id: string;
  readonly ip: string;
  readonly userAgent: string | null;
  readonly method: string;
  /** The path as requested, without the query string. */
  readonly path: string;
  header(name: string): string | undefined;
  cookie(name: string): string | undefined;
}

export interface CookieOptions {
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: 'strict' | 'lax' | 'none';
  path?: string;
  domain?: string;
  maxAgeSeconds?: number;
}

export interface ResponseControl {
  /** The HTTP status of a successful REST answer (e.g. 201 for a create); tRPC answers 200. */
  status(code: number): void;
  header(name: string, value: string): void;
  setCookie(name: string, value: string, options: CookieOptions): void;
  clearCookie(name: string, options: Pick<CookieOptions, 'path' | 'domain'>): void;
}

export interface Context {
  readonly req: RequestInfo;
  readonly res: ResponseControl;
  /** The signed-in user, or null for anonymous requests. */
  readonly actor: Actor | null;
  readonly services: Services;
  /** The request's clock reading: every decision in one request sees the same instant. */
  readonly now: Date;
}

export interface FastifyContextResult {
  ctx: Context;
  /** The status a procedure asked for with res.status(), if any. */
  successStatus(): number | undefined;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function contextFromFastify(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  now: Date = new Date(),
): FastifyContextResult {
  let status: number | undefined;
  const path = request.url.split('?', 1)[0] ?? request.url;
  const ctx: Context = {
    req: {
      id: request.id,
      ip: request.ip,
      userAgent: first(request.headers['user-agent']) ?? null,
      method: request.method,
      path,
      header: (name) => first(request.headers[name.toLowerCase()]),
      cookie: (name) => request.cookies?.[name],
    },
    res: {
      status(code) {
        status = code;
      },
      header(name, value) {
        void reply.header(name, value);
      },
      setCookie(name, value, options) {
        void reply.setCookie(name, value, {
          httpOnly: options.httpOnly,
          secure: options.secure,
          sameSite: options.sameSite,
          path: options.path,
          domain: options.domain,
          ...(options.maxAgeSeconds === undefined ? {} : { maxAge: options.maxAgeSeconds }),
        });
      },
      clearCookie(name, options) {
        void reply.clearCookie(name, options);
      },
    },
    actor: null,
    services,
    now,
  };
  return { ctx, successStatus: () => status };
}
