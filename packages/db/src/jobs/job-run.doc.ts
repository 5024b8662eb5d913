import type { JobRunOutcome, JobTrigger } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/**
 * One run of a background job: inserted `running` when the handler starts,
 * finished once with its outcome. Each attempt is a run of its own (BullMQ
 * tries a failed enqueued job again). A run whose process died stays
 * `running`; every run is purged 14 days after it started.
 */
export interface JobRunDoc {
  _id: ObjectId;
  name: string;
  trigger: JobTrigger;
  /** hostname:pid of the process that ran it. */
  instance: string;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: JobRunOutcome;
  /** What the handler reported; keys are plain names (no '.' or leading '$'), values finite numbers. */
  counts: Record<string, number>;
  /** The error message of a failed run, shortened. */
  error: string | null;
}

/** Newest first, all runs or one job's or one outcome's (keyset on startedAt, ties by _id); the purge by startedAt. */
export const jobRunsCollection = defineCollection<JobRunDoc>('job_runs', [
  { name: 'startedAt', key: { startedAt: -1, _id: -1 } },
  { name: 'name_startedAt', key: { name: 1, startedAt: -1, _id: -1 } },
  { name: 'outcome_startedAt', key: { outcome: 1, startedAt: -1, _id: -1 } },
]);
