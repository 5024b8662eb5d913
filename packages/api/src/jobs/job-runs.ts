import { hostname } from 'node:os';
import type { JobRunRepository, JobRunResult } from '@seed-pms/db';
import type { JobCounts } from '@seed-pms/domain';
import type { FastifyBaseLogger } from 'fastify';
import type { JobRunner } from './jobs.js';

/** The process a run record names: host and process id, which is what an operator looks for in the logs. */
export const JOB_INSTANCE = `${hostname()}:${process.pid}`;

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * A runner whose every registered handler leaves a record in `job_runs`:
 * `running` before the handler starts, then `succeeded` with the counts it
 * returned or `failed` with the error's message. The error is thrown on, so
 * BullMQ still retries and the in-process runner still logs it. The record is
 * bookkeeping: when it cannot be written the job runs all the same and the
 * failure is logged. Enqueueing, starting and stopping are the runner's own.
 */
export function recordingRuns(
  runner: JobRunner,
  runs: Pick<JobRunRepository, 'start' | 'finish'>,
  clock: () => Date,
  logger: Pick<FastifyBaseLogger, 'error'>,
  instance = JOB_INSTANCE,
): JobRunner {
  return {
    mode: runner.mode,
    register(name, handler, options) {
      runner.register(
        name,
        async (data, context) => {
          let id: string | null = null;
          try {
            id = await runs.start({ name, trigger: context.trigger, instance }, clock());
          } catch (error) {
            logger.error({ err: error, job: name }, 'could not record the start of a job run; running it unrecorded');
          }
          const finish = async (result: JobRunResult) => {
            if (id === null) return;
            try {
              await runs.finish(id, result, clock());
            } catch (error) {
              logger.error({ err: error, job: name, runId: id }, 'could not record the end of a job run');
            }
          };
          let counts: JobCounts;
          try {
            counts = (await handler(data, context)) ?? {};
          } catch (error) {
            await finish({ outcome: 'failed', counts: {}, error: messageOf(error) });
            throw error;
          }
          await finish({ outcome: 'succeeded', counts, error: null });
          return counts;
        },
        options,
      );
    },
    registered: () => runner.registered(),
    enqueue: (name, data) => runner.enqueue(name, data),
    start: () => runner.start(),
    stop: () => runner.stop(),
  };
}
