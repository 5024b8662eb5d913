import type { Actor } from '@seed-pms/domain';
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
  /**
   * The result is a file download (`{ body, … }`): REST answers with `body`
   * itself as `contentType`, as an attachment named `fileName`; tRPC callers
   * get the object.
   */
  download(contentType: string, fileName: string): void;
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
