import { z } from 'zod';
import { CursorQuery, cursorPageOf, Id, Instant, listOf, QueryText } from '../common/common.schemas.js';

export const JobRunOutcome = z
  .enum(['running', 'succeeded', 'failed'], { error: 'must be running, succeeded or failed' })
  .meta({
    id: 'JobRunOutcome',
    description:
      'running: started and not finished (a run whose process stopped mid-run stays so); succeeded; failed: the ' +
      'handler threw (BullMQ tries an enqueued job again, and each attempt is a run of its own).',
  });
export type JobRunOutcome = z.infer<typeof JobRunOutcome>;

export const JobTrigger = z.enum(['schedule', 'enqueued']).meta({
  id: 'JobTrigger',
  description:
    'schedule: the job’s period came round; enqueued: something asked for it (an upload, an email, start-up).',
});
export type JobTrigger = z.infer<typeof JobTrigger>;

const JobName = z.string().meta({ description: 'The job, as area.task.', example: 'outbox.drain' });

/** Counts a run reported, by what was counted. */
export const JobCounts = z.record(z.string(), z.number());
export type JobCounts = z.infer<typeof JobCounts>;

export const JobRunView = z
  .object({
    id: Id,
    name: JobName,
    trigger: JobTrigger,
    instance: z
      .string()
      .meta({ description: 'The process that ran it: host name and process id.', example: 'api-7f9c:4242' }),
    startedAt: Instant.meta({ description: 'When the run started.' }),
    finishedAt: Instant.nullable().meta({ description: 'When it ended; null while running.' }),
    durationMs: z
      .number()
      .int()
      .min(0)
      .nullable()
      .meta({ description: 'finishedAt − startedAt in milliseconds; null while running.' }),
    outcome: JobRunOutcome,
    counts: JobCounts.meta({
      description: 'What the run reported doing, by what it counted; empty when it reported nothing or failed.',
      example: { sent: 3, failed: 0, retried: 1 },
    }),
    error: z.string().nullable().meta({ description: 'The error message of a failed run; null otherwise.' }),
  })
  .meta({ id: 'JobRun' });
export type JobRunView = z.infer<typeof JobRunView>;

/** Query strings arrive as text and go through this schema as they are: no transforms. */
export const ListJobRunsQuery = CursorQuery.extend({
  name: QueryText(100).optional().meta({ description: 'Only runs of this job.', example: 'outbox.drain' }),
  outcome: JobRunOutcome.optional().meta({ description: 'Only runs with this outcome.' }),
}).strict();
export type ListJobRunsQuery = z.infer<typeof ListJobRunsQuery>;

/** A page of job runs, newest first. */
export const JobRunPageView = cursorPageOf(JobRunView);
export type JobRunPageView = z.infer<typeof JobRunPageView>;

export const RegisteredJobView = z
  .object({
    name: JobName,
    everyMs: z
      .number()
      .int()
      .min(1)
      .nullable()
      .meta({ description: 'Runs every so many milliseconds; null when it runs only when enqueued.', example: 30000 }),
  })
  .meta({ id: 'RegisteredJob' });
export type RegisteredJobView = z.infer<typeof RegisteredJobView>;

/** Every job the API runs, by name. */
export const RegisteredJobsView = listOf(RegisteredJobView);
export type RegisteredJobsView = z.infer<typeof RegisteredJobsView>;
