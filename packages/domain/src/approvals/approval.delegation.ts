import type { AuditEvent } from '../audit/audit.schemas.js';
import { addDays, daysBetween, overlaps } from '../common/calendar-days.js';
import { DomainError } from '../errors/domain-error.js';
import type { DelegationRecord } from './approval.records.js';
import type { ApprovalKind, DelegationState } from './approval.schemas.js';

/**
 * Delegation as pure decisions: "from day `from` to day `to`, the delegate
 * decides for me", optionally for some kinds only. The engine re-resolves the
 * pending stages of the delegator when a delegation starts and when it ends.
 */

/** A delegation covers at most a year. */
export const MAX_DELEGATION_DAYS = 366;

/** Where a delegation stands at `now`. */
export function delegationState(
  delegation: Pick<DelegationRecord, 'startsAt' | 'endsAt' | 'endedAt'>,
  now: Date,
): DelegationState {
  if (delegation.endedAt || delegation.endsAt <= now) return 'ended';
  return delegation.startsAt <= now ? 'active' : 'scheduled';
}

/** Does the delegation let its delegate decide a request of this kind now? */
export function delegationApplies(delegation: DelegationRecord, kind: ApprovalKind, now: Date): boolean {
  return (
    delegationState(delegation, now) === 'active' && (delegation.kinds === null || delegation.kinds.includes(kind))
  );
}

const kindsOverlap = (a: readonly ApprovalKind[] | null, b: readonly ApprovalKind[] | null) =>
  a === null || b === null || a.some((kind) => b.includes(kind));

export interface NewDelegationInput {
  actorId: string;
  /** The actor may set delegations of others (HR). */
  actorMaySetForOthers: boolean;
  delegatorId: string;
  delegateId: string;
  from: string;
  to: string;
  kinds: ApprovalKind[] | null;
  note: string | null;
  /** Whether the delegate's account can decide (exists and is active). */
  delegateActive: boolean;
  /** The delegator's delegations that have not ended. */
  current: readonly DelegationRecord[];
  /** Today in the organisation's timezone, and the instants its days start at. */
  today: string;
  startOfDay: (day: string) => Date;
  now: Date;
}

/** A new delegation, or the rule it breaks. */
export function decideDelegation(input: NewDelegationInput): {
  delegation: Omit<DelegationRecord, 'id' | 'version'>;
  audit: AuditEvent;
} {
  const { actorId, delegatorId, delegateId, from, to, now } = input;
  if (delegatorId !== actorId && !input.actorMaySetForOthers) {
    throw new DomainError('FORBIDDEN', 'Only HR sets the delegation of someone else', { delegatorId });
  }
  if (delegateId === delegatorId) {
    throw new DomainError('DELEGATION_TO_SELF', 'Nobody delegates their approvals to themself', { delegateId });
  }
  if (!input.delegateActive) {
    throw new DomainError('DELEGATE_UNAVAILABLE', 'The delegate is archived or unknown', { delegateId });
  }
  if (to < input.today) {
    throw new DomainError('DAYS_IN_PAST', 'A delegation cannot end before today', { to, today: input.today });
  }
  const days = daysBetween(from, to);
  if (days > MAX_DELEGATION_DAYS) {
    throw new DomainError('PERIOD_TOO_LONG', `A delegation covers at most ${MAX_DELEGATION_DAYS} days`, {
      maxDays: MAX_DELEGATION_DAYS,
      days,
    });
  }
  const kinds = input.kinds ? [...new Set(input.kinds)].sort() : null;
  const clash = input.current.find(
    (d) =>
      delegationState(d, now) !== 'ended' &&
      overlaps({ start: d.from, end: d.to }, { start: from, end: to }) &&
      kindsOverlap(d.kinds, kinds),
  );
  if (clash) {
    throw new DomainError('DELEGATION_OVERLAP', 'Another delegation covers some of these days and kinds', {
      delegation: { id: clash.id, delegateId: clash.delegateId, from: clash.from, to: clash.to, kinds: clash.kinds },
    });
  }
  // A delegation that starts today starts now (not at midnight gone by).
  const startsAt = from <= input.today ? now : input.startOfDay(from);
  const delegation: Omit<DelegationRecord, 'id' | 'version'> = {
    delegatorId,
    delegateId,
    from: from < input.today ? input.today : from,
    to,
    kinds,
    note: input.note,
    startsAt,
    endsAt: input.startOfDay(addDays(to, 1)),
    createdBy: actorId,
    createdAt: now,
    endedAt: null,
    startApplied: false,
    endApplied: false,
  };
  return {
    delegation,
    audit: {
      action: 'approval-delegation.create',
      resourceType: 'approval_delegation',
      resourceId: '',
      after: { delegatorId, delegateId, from: delegation.from, to, kinds },
    },
  };
}

/** Ending a delegation early: its delegator, whoever set it, or HR. */
export function endDelegation(input: {
  delegation: DelegationRecord;
  actorId: string;
  actorMaySetForOthers: boolean;
  now: Date;
}): AuditEvent {
  const { delegation, actorId, now } = input;
  const mine = delegation.delegatorId === actorId || delegation.createdBy === actorId;
  if (!mine && !input.actorMaySetForOthers) {
    throw new DomainError('FORBIDDEN', 'Only the delegator, whoever set it, or HR ends a delegation', {
      id: delegation.id,
    });
  }
  if (delegationState(delegation, now) === 'ended') {
    throw new DomainError('DELEGATION_ENDED', 'This delegation has ended already', {
      endedAt: (delegation.endedAt ?? delegation.endsAt).toISOString(),
    });
  }
  return {
    action: 'approval-delegation.end',
    resourceType: 'approval_delegation',
    resourceId: delegation.id,
    before: { from: delegation.from, to: delegation.to, delegateId: delegation.delegateId },
  };
}
