import type { Actor } from '@seed-pms/domain';

/**
 * What a use case may know about the call it serves. This module imports
 * nothing of the server: services, the tRPC context, jobs and the REPL all
 * build on it, and it is part of the published AppRouter type, so it holds
 * plain data and functions only (no Fastify, no driver).
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
  /** Defaults to COOKIE_SECURE. */
  secure?: boolean;
  sameSite?: 'strict' | 'lax' | 'none';
  path?: string;
  /** Defaults to COOKIE_DOMAIN. */
  domain?: string;
  maxAgeSeconds?: number;
}

/** What the HTTP edge lets a procedure say about its answer beyond the body. */
export interface ResponseControl {
  header(name: string, value: string): void;
  setCookie(name: string, value: string, options: CookieOptions): void;
  clearCookie(name: string, options: Pick<CookieOptions, 'path' | 'domain'>): void;
  /**
   * The result is a file download (`{ body, … }`): REST answers with `body`
   * itself as `contentType`, as an attachment named `fileName`; tRPC callers
   * get the object.
   */
  download(contentType: string, fileName: string): void;
}

/** A call as a use case sees it: who asks (or nobody), the request's facts, and the one clock reading. */
export interface CallContext {
  readonly req: RequestInfo;
  /** The signed-in user, or null for anonymous requests and system work. */
  readonly actor: Actor | null;
  /** The request's clock reading: every decision in one call sees the same instant. */
  readonly now: Date;
}

/** A call by a signed-in user: what every authenticated use case takes. */
export interface ActorContext extends CallContext {
  readonly actor: Actor;
}

/** The call context of work no request started (a job, an event handler): its audit entries name the system. */
export function systemCallContext(jobId: string, now: Date): CallContext {
  return {
    req: {
      id: jobId,
      ip: '127.0.0.1',
      userAgent: 'seed-pms/job',
      method: 'JOB',
      path: '(job)',
      header: () => undefined,
      cookie: () => undefined,
    },
    now,
    actor: null,
  };
}
