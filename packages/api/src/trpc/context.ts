import type { CallContext, ResponseControl } from '../app/call-context.js';
import type { Services } from '../services.js';

export type { CallContext, CookieOptions, RequestInfo, ResponseControl } from '../app/call-context.js';

/**
 * What a procedure has: the neutral call context every use case takes, what
 * it may say about the HTTP answer, and the services. This type is part of the
 * published AppRouter type, so it must not mention Fastify, the driver or
 * anything else a frontend cannot install.
 */
export interface Context extends CallContext {
  readonly res: ResponseControl;
  readonly services: Services;
}
