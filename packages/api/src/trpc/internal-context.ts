import type { Actor } from '@seed-pms/domain';
import type { Services } from '../services.js';
import type { Context } from './context.js';

export interface InternalContextOptions {
  services: Services;
  actor: Actor | null;
  now?: Date;
  /** Headers the call should see, e.g. an Idempotency-Key. */
  headers?: Record<string, string>;
  /** Shown as the request id in audit entries and errors. */
  requestId?: string;
}

/**
 * A context for calling procedures without HTTP: the REPL, scripts and
 * use-case tests. It has no cookies and ignores headers and cookies set on the
 * response.
 */
export function internalContext(options: InternalContextOptions): Context {
  const headers = Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    req: {
      id: options.requestId ?? `internal-${Date.now().toString(36)}`,
      ip: '127.0.0.1',
      userAgent: 'seed-pms/internal',
      method: 'CALL',
      path: '(internal)',
      header: (name) => headers[name.toLowerCase()],
      cookie: () => undefined,
    },
    res: {
      header: () => undefined,
      setCookie: () => undefined,
      clearCookie: () => undefined,
      download: () => undefined,
    },
    actor: options.actor,
    services: options.services,
    now: options.now ?? new Date(),
  };
}
