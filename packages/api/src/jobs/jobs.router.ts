import { JobRunPageView, ListJobRunsQuery, RegisteredJobsView } from '@seed-pms/domain';
import { z } from 'zod';
import { authedProcedure, router } from '../trpc/trpc.js';

const tags = ['admin'];

export const jobsRouter = router({
  runs: authedProcedure
    .meta({
      access: { action: 'read', subject: 'System' },
      openapi: {
        method: 'GET',
        path: '/admin/jobs',
        tags,
        summary: 'Background job runs, newest first, with outcome and counts (Admin)',
      },
    })
    .input(ListJobRunsQuery)
    .output(JobRunPageView)
    .query(({ ctx, input }) => ctx.services.jobRuns.runs(input)),

  registered: authedProcedure
    .meta({
      access: { action: 'read', subject: 'System' },
      openapi: {
        method: 'GET',
        path: '/admin/jobs/registered',
        tags,
        summary: 'Every background job the API runs, with its schedule (Admin)',
      },
    })
    .input(z.void())
    .output(RegisteredJobsView)
    .query(({ ctx }) => ctx.services.jobRuns.registered()),
});
