import { daysBetween, overlaps } from '../common/calendar-days.js';
import type { WorkLocation } from '../employees/employee.schemas.js';
import { DomainError } from '../errors/domain-error.js';
import type { WorkLocationRequestRecord } from './work-location.records.js';
import { MAX_WORK_LOCATION_DAYS, type WorkLocationType } from './work-location.schemas.js';

/** What a request asks for: the fields a submission or an edit sets. */
export interface WorkLocationAsk {
  type: WorkLocationType;
  startDate: string;
  endDate: string;
  note: string | null;
}

/**
 * The rules of a submission or edit: a real period of at most 366 days, not
 * wholly in the past (HR may record past days), a note for `other`, and no
 * day shared with the requester's own pending or approved requests (`own`,
 * the one being edited left out).
 */
export function decideWorkLocationAsk(input: {
  ask: WorkLocationAsk;
  own: readonly WorkLocationRequestRecord[];
  editing?: string | undefined;
  today: string;
  mayRecordPast: boolean;
}): WorkLocationAsk {
  const { ask, own, editing, today, mayRecordPast } = input;
  if (ask.endDate < ask.startDate) {
    throw new DomainError('INVALID_PERIOD', 'The end date is before the start date', {
      startDate: ask.startDate,
      endDate: ask.endDate,
    });
  }
  const days = daysBetween(ask.startDate, ask.endDate);
  if (days > MAX_WORK_LOCATION_DAYS) {
    throw new DomainError('PERIOD_TOO_LONG', `A request covers at most ${MAX_WORK_LOCATION_DAYS} days`, {
      maxDays: MAX_WORK_LOCATION_DAYS,
      days,
    });
  }
  if (ask.endDate < today && !mayRecordPast) {
    throw new DomainError('DAYS_IN_PAST', 'Every requested day is in the past; only HR records past days', {
      endDate: ask.endDate,
      today,
    });
  }
  if (ask.type === 'other' && !ask.note) {
    throw new DomainError('VALIDATION_FAILED', 'A request of type other needs a note', [
      { path: 'note', message: 'a request of type other needs a note', code: 'required' },
    ]);
  }
  const period = { start: ask.startDate, end: ask.endDate };
  const clash = own.find(
    (r) =>
      r.id !== editing &&
      (r.status === 'pending' || r.status === 'approved') &&
      overlaps(period, { start: r.startDate, end: r.endDate }),
  );
  if (clash) {
    throw new DomainError('WORK_LOCATION_OVERLAP', 'You already have a request for some of these days', {
      request: {
        id: clash.id,
        type: clash.type,
        startDate: clash.startDate,
        endDate: clash.endDate,
        status: clash.status,
      },
    });
  }
  return ask;
}

/** The requester changes their own request while it waits for a decision. */
export function assertEditable(request: WorkLocationRequestRecord, actorId: string): void {
  if (request.userId !== actorId) {
    throw new DomainError('FORBIDDEN', 'Only the requester can change a request', { requestId: request.id });
  }
  if (request.status !== 'pending') {
    throw new DomainError('REQUEST_NOT_PENDING', `The request is ${request.status}; submit a new one`, {
      status: request.status,
    });
  }
}

const LABEL: Record<WorkLocationType, string> = { wfh: 'WFH', wfo: 'WFO', other: 'Other location' };

/** The line an inbox shows: "WFH 2026-03-02 – 2026-03-06". */
export function workLocationSummary(ask: Pick<WorkLocationAsk, 'type' | 'startDate' | 'endDate'>): string {
  const days = ask.startDate === ask.endDate ? ask.startDate : `${ask.startDate} – ${ask.endDate}`;
  return `${LABEL[ask.type]} ${days}`;
}

/** Profile defaults as a location: remote works from home; office and hybrid from the office. */
const FROM_PROFILE: Record<WorkLocation, WorkLocationType> = { remote: 'wfh', office: 'wfo', hybrid: 'wfo' };

/**
 * Where someone works on a day: the approved request covering it, else their
 * profile's default, else the office.
 */
export function locationOn(
  day: string,
  approved: readonly WorkLocationRequestRecord[],
  profile: WorkLocation | null,
): { location: WorkLocationType; source: 'request' | 'profile' | 'default'; requestId: string | null } {
  const covering = approved.find((r) => r.status === 'approved' && r.startDate <= day && r.endDate >= day);
  if (covering) return { location: covering.type, source: 'request', requestId: covering.id };
  if (profile) return { location: FROM_PROFILE[profile], source: 'profile', requestId: null };
  return { location: 'wfo', source: 'default', requestId: null };
}
