import type { AppDeps } from '../app/deps.js';
import { createIdempotencyService } from '../idempotency/idempotency.service.js';

/** Periodic housekeeping. Expiry is done here because not every supported server has TTL indexes. */
export function registerJobs(deps: AppDeps): void {
  const idempotency = createIdempotencyService(deps);
  deps.jobs.register(
    'idempotency.purge-expired',
    async () => {
      await idempotency.purgeExpired(deps.clock());
    },
    { everyMs: 60 * 60_000 },
  );
}
