import type { JobRunView } from '@seed-pms/domain';
import type { WithId } from 'mongodb';
import type { JobRunDoc } from './job-run.doc.js';

export function toJobRunView(doc: WithId<JobRunDoc>): JobRunView {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    trigger: doc.trigger,
    instance: doc.instance,
    startedAt: doc.startedAt.toISOString(),
    finishedAt: doc.finishedAt ? doc.finishedAt.toISOString() : null,
    durationMs: doc.finishedAt ? Math.max(doc.finishedAt.getTime() - doc.startedAt.getTime(), 0) : null,
    outcome: doc.outcome,
    counts: doc.counts,
    error: doc.error,
  };
}

/** Enough of an error message to diagnose a run without letting a chatty one bloat the document. */
export const JOB_RUN_ERROR_MAX_CHARS = 1000;

/** Counts as they can be stored on every supported server: plain names, finite numbers (no NaN, no Infinity). */
export function storableCounts(counts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(counts).filter(
      ([key, value]) => key !== '' && !key.includes('.') && !key.startsWith('$') && Number.isFinite(value),
    ),
  );
}

export function storableError(error: string | null): string | null {
  if (error === null || error.length <= JOB_RUN_ERROR_MAX_CHARS) return error;
  return `${error.slice(0, JOB_RUN_ERROR_MAX_CHARS - 1)}…`;
}
