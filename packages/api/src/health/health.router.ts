import { DeepHealthView, LiveView, ReadyView } from '@seed-pms/domain';
import { z } from 'zod';
import { authedProcedure, publicProcedure, router } from '../trpc/trpc.js';

export const healthRouter = router({
  live: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/health/live',
        tags: ['health'],
        protect: false,
        summary: 'Liveness: the process is up',
      },
    })
    .input(z.void())
    .output(LiveView)
    .query(({ ctx }) => ctx.services.health.live()),

  ready: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/health/ready',
        tags: ['health'],
        protect: false,
        summary: 'Readiness: the database (and Redis, when configured) answer; 503 otherwise',
      },
    })
    .input(z.void())
    .output(ReadyView)
    .query(({ ctx }) => ctx.services.health.ready()),

  deep: authedProcedure
    .meta({
      access: { action: 'read', subject: 'System' },
      openapi: {
        method: 'GET',
        path: '/health/deep',
        tags: ['health'],
        summary: 'Every component with its latency (Admin)',
      },
    })
    .input(z.void())
    .output(DeepHealthView)
    .query(({ ctx }) => ctx.services.health.deep()),
});
