import { healthRouter } from '../health/health.router.js';
import { router } from './trpc.js';

/**
 * The whole API: one router per domain area. REST paths come from each
 * procedure's meta; see rest/rest-adapter.ts.
 */
export const appRouter = router({
  health: healthRouter,
});

export type AppRouter = typeof appRouter;
