import type { JobRunPageView, ListJobRunsQuery, RegisteredJobsView } from '@seed-pms/domain';
import type { ServiceDeps } from '../app/deps.js';

/** Job runs are kept this long (a purge job removes older ones daily). */
export const JOB_RUNS_KEEP_MS = 14 * 24 * 3600_000;

/** The record of background work, for admins (the access check is the procedure's). */
export interface JobRunsService {
  /** Runs newest first, by name and outcome. */
  runs(query: ListJobRunsQuery): Promise<JobRunPageView>;
  /** Every job this process runs, by name, with its schedule. */
  registered(): RegisteredJobsView;
  /** Deletes runs started more than JOB_RUNS_KEEP_MS before `now`; returns how many. */
  purge(now: Date): Promise<number>;
}

export function createJobRunsService(deps: Pick<ServiceDeps, 'repos' | 'jobs'>): JobRunsService {
  const { jobRuns } = deps.repos;
  return {
    runs: (query) => jobRuns.list(query),
    registered: () => ({ items: deps.jobs.registered().sort((a, b) => a.name.localeCompare(b.name)) }),
    purge: (now) => jobRuns.purgeBefore(new Date(now.getTime() - JOB_RUNS_KEEP_MS)),
  };
}
