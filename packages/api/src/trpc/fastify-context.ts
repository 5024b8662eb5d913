import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { pathOf } from '../http/errors.js';
import type { Services } from '../services.js';
import type { Context } from './context.js';

export interface FastifyContextResult {
  ctx: Context;
  /** Set when the procedure answered with a file download (res.download). */
  download(): { contentType: string; fileName: string } | undefined;
}

/** Cookie attributes set by the deployment (COOKIE_SECURE, COOKIE_DOMAIN), applied to every cookie set. */
export interface CookieDefaults {
  secure: boolean;
  domain?: string | undefined;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export function contextFromFastify(
  request: FastifyRequest,
  reply: FastifyReply,
  services: Services,
  cookieDefaults: CookieDefaults,
  now: Date = new Date(),
): FastifyContextResult {
  let download: { contentType: string; fileName: string } | undefined;
  const path = pathOf(request.url);
  const domain = cookieDefaults.domain ? { domain: cookieDefaults.domain } : {};
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
      header(name, value) {
        void reply.header(name, value);
      },
      setCookie(name, value, options) {
        void reply.setCookie(name, value, {
          ...domain,
          httpOnly: options.httpOnly,
          secure: options.secure ?? cookieDefaults.secure,
          sameSite: options.sameSite,
          path: options.path,
          ...(options.domain ? { domain: options.domain } : {}),
          ...(options.maxAgeSeconds === undefined ? {} : { maxAge: options.maxAgeSeconds }),
        });
      },
      clearCookie(name, options) {
        void reply.clearCookie(name, { ...domain, ...options });
      },
      download(contentType, fileName) {
        download = { contentType, fileName };
      },
    },
    actor: null,
    services,
    now,
  };
  return { ctx, download: () => download };
}
