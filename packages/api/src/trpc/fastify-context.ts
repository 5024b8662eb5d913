import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { pathOf } from '../http/errors.js';
import type { Services } from '../services.js';
import type { Context } from './context.js';

export interface FastifyContextResult {
  ctx: Context;
  /** The status a procedure asked for with res.status(), if any. */
  successStatus(): number | undefined;
  /** Set when the procedure answered with a file download (res.download). */
  download(): { contentType: string; fileName: string } | undefined;
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
  let download: { contentType: string; fileName: string } | undefined;
  const path = pathOf(request.url);
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
      download(contentType, fileName) {
        download = { contentType, fileName };
      },
    },
    actor: null,
    services,
    now,
  };
  return { ctx, successStatus: () => status, download: () => download };
}
