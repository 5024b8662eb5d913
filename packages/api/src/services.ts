import type { AppDeps } from './app/deps.js';
import { createHealthService, type HealthService } from './health/health.service.js';
import { createIdempotencyService, type IdempotencyService } from './idempotency/idempotency.service.js';

/**
 * The use cases, one group per domain area. Procedures call these and nothing
 * else; the types here use domain types only, since they reach the client's
 * AppRouter type through the tRPC context.
 */
export interface Services {
  health: HealthService;
  idempotency: IdempotencyService;
}

export function createServices(deps: AppDeps): Services {
  return {
    health: createHealthService(deps),
    idempotency: createIdempotencyService(deps),
  };
}
