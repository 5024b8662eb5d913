import {
  type CursorPage,
  DEFAULT_PAGE_LIMIT,
  type JobCounts,
  type JobRunOutcome,
  type JobRunView,
  type JobTrigger,
  type ListJobRunsQuery,
  MAX_PAGE_LIMIT,
} from '@seed-pms/domain';
import type { Collection, Filter } from 'mongodb';
import { allOf } from '../filters.js';
import { newId, objectIdOf } from '../ids.js';
import { findKeysetPage } from '../pagination.js';
import type { JobRunDoc } from './job-run.doc.js';
import { storableCounts, storableError, toJobRunView } from './job-run.mapper.js';

export interface NewJobRun {
  name: string;
  trigger: JobTrigger;
  /** hostname:pid of the process running it. */
  instance: string;
}

export interface JobRunResult {
  outcome: Exclude<JobRunOutcome, 'running'>;
  counts: JobCounts;
  error: string | null;
}

/**
 * The record of every background job run (`job_runs`), an operational log:
 * one insert when a run starts and one write by `_id` when it ends, so keeping
 * it costs a job two small writes. Views out, string ids in and out.
 */
export interface JobRunRepository {
  /** Records a run as `running`; returns its id. */
  start(run: NewJobRun, now: Date): Promise<string>;
  /** Records how the run ended; false when no run has this id (purged meanwhile). */
  finish(id: string, result: JobRunResult, now: Date): Promise<boolean>;
  /** Newest first (by start, ties by id), keyset pages. */
  list(query: ListJobRunsQuery): Promise<CursorPage<JobRunView>>;
  /** Deletes runs started before `before`, whatever their outcome; returns how many. */
  purgeBefore(before: Date): Promise<number>;
}

export function createJobRunRepository(runs: Collection<JobRunDoc>): JobRunRepository {
  return {
    async start(run, now) {
      const _id = newId();
      await runs.insertOne({
        _id,
        name: run.name,
        trigger: run.trigger,
        instance: run.instance,
        startedAt: now,
        finishedAt: null,
        outcome: 'running',
        counts: {},
        error: null,
      });
      return _id.toHexString();
    },

    async finish(id, result, now) {
      const _id = objectIdOf(id);
      if (!_id) return false;
      // By _id alone: one process writes a run's start and end, so there is nothing to race.
      const written = await runs.updateOne(
        { _id },
        {
          $set: {
            outcome: result.outcome,
            counts: storableCounts(result.counts),
            error: storableError(result.error),
            finishedAt: now,
          },
        },
      );
      return written.matchedCount === 1;
    },

    list(query) {
      const clauses: Filter<JobRunDoc>[] = [];
      if (query.name !== undefined) clauses.push({ name: query.name });
      if (query.outcome !== undefined) clauses.push({ outcome: query.outcome });
      const limit = Math.min(Math.max(Math.trunc(query.limit) || DEFAULT_PAGE_LIMIT, 1), MAX_PAGE_LIMIT);
      return findKeysetPage(
        runs,
        allOf(clauses),
        { field: 'startedAt', direction: 'desc', limit, cursor: query.cursor },
        toJobRunView,
      );
    },

    async purgeBefore(before) {
      const result = await runs.deleteMany({ startedAt: { $lt: before } });
      return result.deletedCount;
    },
  };
}
