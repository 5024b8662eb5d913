import { router } from '../trpc/trpc.js';
import { consentProcedures } from './consents.router.js';
import { erasureProcedures } from './erasure.router.js';
import { exportProcedures } from './exports.router.js';

/**
 * Privacy (spec §10.3): consents, legal holds and retention, personal-data
 * exports and erasure requests. Each part keeps its procedures in its own
 * file as a plain record; they meet here as one router.
 */
export const privacyRouter = router({
  ...consentProcedures,
  ...exportProcedures,
  ...erasureProcedures,
});
