import type { AppAbility, ProjectScope } from '../access/abilities.js';
import { mustBeAllowed } from '../access/checks.js';
import type { AuditEvent } from '../audit/audit.schemas.js';
import { addDays, dayNumber, endDayNumber, OPEN_END_DAY, overlaps, within } from '../common/calendar-days.js';
import { DomainError, notFound, validationFailed } from '../errors/domain-error.js';
import type { CapacityPolicy } from '../settings/settings.schemas.js';
import type { UserStatus } from '../users/user.schemas.js';
import { type AvailabilitySpan, type CapacityBreach, findCapacityBreach } from './capacity.js';
import type { CapacityLedgerRecord, LedgerSegment, ProjectRecord } from './project.records.js';
import {
  assertAllocatable,
  assertMayOverAllocate,
  assertNotPast,
  assertProjectOpen,
  runsEveryRoster,
} from './project.rules.js';
import type { CapacityBreachView, RosterRole } from './project.schemas.js';
import {
  changesPast,
  type MemberSegment,
  planRosterChange,
  type RosterChange,
  type RosterPlan,
} from './roster-plan.js';

/**
 * What someone asks of one person's place on one project. The first three are
 * requests from the API (with their defaults still to apply); `end` and `clip`
 * are what archiving a person or a project and a project's new period do.
 */
export type RosterRequest =
  | {
      kind: 'add';
      role: RosterRole;
      percent: number;
      /** The project's start (or today, if later) when absent. */
      startDate?: string | undefined;
      /** The project's end when absent; null: open-ended. */
      endDate?: string | null | undefined;
      allowOverAllocation?: boolean | undefined;
    }
  | {
      kind: 'update';
      role?: RosterRole | undefined;
      percent?: number | undefined;
      effectiveFrom?: string | undefined;
      startDate?: string | undefined;
      endDate?: string | null | undefined;
      allowOverAllocation?: boolean | undefined;
    }
  | { kind: 'remove' /** Yesterday when absent. */; lastDay?: string | undefined }
  | { kind: 'end'; lastDay: string }
  | { kind: 'clip'; first: string; last: string | null };

export interface RosterDecisionInput {
  /** The project as read under its lease (for `clip`, with its new period already). */
  project: Pick<ProjectRecord, 'id' | 'status' | 'startDate' | 'endDate'>;
  userId: string;
  /** For `add`: the person being allocated (null: nobody has that id). */
  person?: { status: UserStatus } | null | undefined;
  /** The person's whole ledger as read; their segments on this project are taken from it. */
  ledger: Pick<CapacityLedgerRecord, 'segments'>;
  change: RosterRequest;
  /**
   * The ability of the user asking. Null for the system (an event handler, the
   * hourly job): no authority or past-day checks, since it only ends what a
   * decision already ended.
   */
  ability: AppAbility | null;
  /** The asking user's roles on this project (from their own ledger), for the ability check. */
  scope: ProjectScope;
  /** Today in the organisation's timezone. */
  today: string;
  policy: CapacityPolicy;
  /** Names of the projects in the person's ledger (and this one), for the breach details. */
  projectNames: ReadonlyMap<string, string>;
  /** Ids for new segments (the caller's: tests make them deterministic). */
  newId: () => string;
  /** The person's availability from today on (approved leave); full where absent. */
  availability?: readonly AvailabilitySpan[] | undefined;
}

export interface RosterDecision {
  /** Which of the person's segments on the project stay, are retired and are created. */
  plan: RosterPlan;
  /** False for a change that changes nothing (an idempotent repeat): nothing is written. */
  changed: boolean;
  /** The person's ledger after the change, every project included: what the write stores. */
  ledgerAfter: LedgerSegment[];
  /** Above availability somewhere the change raised, accepted (warn policy or an override); else null. */
  breach: CapacityBreachView | null;
  /** The breach was accepted under the block policy by a Manager's override. */
  overridden: boolean;
  /** What the audit trail records for the change (none when nothing changes). */
  auditEvents: AuditEvent[];
}

const AUDIT_ACTIONS: Record<RosterRequest['kind'], string> = {
  add: 'project.roster.add',
  update: 'project.roster.update',
  remove: 'project.roster.remove',
  end: 'project.roster.end',
  clip: 'project.roster.clip',
};

const AUTHORITY: Partial<Record<RosterRequest['kind'], 'create' | 'update' | 'delete'>> = {
  add: 'create',
  update: 'update',
  remove: 'delete',
};

/**
 * Decides one roster change for one person on one project: every check
 * (rights, the project's state and period, days already past, overlaps, the
 * capacity policy) on the state the caller loaded, and the result as data.
 * Throws a DomainError with the rule's own code when the change is refused.
 * Pure: the caller loads, writes the ledger at the version it read (deciding
 * again on a lost race), then records the history, the halo and the audit
 * events.
 */
export function decideRosterChange(input: RosterDecisionInput): RosterDecision {
  const { project, change, ability, today, userId } = input;
  const current = input.ledger.segments.filter((s) => s.projectId === project.id).map(memberOf);

  if (change.kind === 'add' || change.kind === 'update') assertMayOverAllocate(ability, change.allowOverAllocation);
  if (
    change.kind === 'update' &&
    change.role === undefined &&
    change.percent === undefined &&
    change.startDate === undefined &&
    change.endDate === undefined
  ) {
    throw validationFailed('Send at least one of role, allocationPercent, startDate, endDate', [
      {
        path: '',
        message: 'send at least one of role, allocationPercent, startDate, endDate',
        code: 'nothing_to_change',
      },
    ]);
  }
  const action = AUTHORITY[change.kind];
  if (ability && action) mustBeAllowed(ability, action, 'ProjectRoster', { projectId: project.id, ...input.scope });
  if (action) assertProjectOpen(project, 'its roster');

  const planned = planOf(input, current);
  const plan = planRosterChange(current, planned, input.newId);
  const period = { start: project.startDate, end: project.endDate };
  for (const s of plan.create) {
    if (!within(s, period)) throw outsideProject(s, project);
  }
  if (change.kind === 'update' && plan.keep.length + plan.create.length === 0) {
    throw new DomainError(
      'ALLOCATION_WOULD_BE_EMPTY',
      'The new dates leave no day on the project; remove the member instead',
      { userId },
    );
  }
  // Whatever the request, only a Manager or above rewrites days before today.
  if (ability && changesPast(current, plan, today) && !runsEveryRoster(ability)) {
    throw new DomainError('PAST_DAYS_NEED_MANAGER', 'Only a Manager or above can change days already past', {
      userId,
    });
  }

  const changed = plan.create.length > 0 || plan.retire.length > 0;
  if (!changed) {
    return { plan, changed, ledgerAfter: input.ledger.segments, breach: null, overridden: false, auditEvents: [] };
  }
  const retired = new Set(plan.retire.map((s) => s.id));
  const created: LedgerSegment[] = plan.create.map((s) => ({ ...s, projectId: project.id }));
  const ledgerAfter = [...input.ledger.segments.filter((s) => !retired.has(s.id)), ...created];

  let breach: CapacityBreachView | null = null;
  let overridden = false;
  const from = created.reduce<string | null>((min, s) => (min === null || s.start < min ? s.start : min), null);
  const found = from
    ? findCapacityBreach(input.ledger.segments, ledgerAfter, { from, to: OPEN_END_DAY }, input.availability)
    : null;
  if (found) {
    breach = breachView(userId, found, ledgerAfter, input.projectNames);
    const override = (change.kind === 'add' || change.kind === 'update') && change.allowOverAllocation === true;
    if (input.policy === 'block' && !override) throw capacityExceeded(found, breach, input.policy);
    overridden = input.policy === 'block';
  }
  const auditEvents: AuditEvent[] = [
    {
      action: AUDIT_ACTIONS[change.kind],
      resourceType: 'project',
      resourceId: project.id,
      before: { userId, segments: plan.retire },
      after: { userId, segments: plan.create },
      ...(breach ? { details: { overAllocation: breach, overridden } } : {}),
    },
  ];
  return { plan, changed, ledgerAfter, breach, overridden, auditEvents };
}

const memberOf = ({ projectId: _projectId, ...segment }: LedgerSegment): MemberSegment => segment;

/** The request's checks that come before planning, and the plan's change with the defaults applied. */
function planOf(input: RosterDecisionInput, current: readonly MemberSegment[]): RosterChange {
  const { project, change, ability, today, userId } = input;
  const yesterday = addDays(today, -1);
  switch (change.kind) {
    case 'add': {
      assertAllocatable(input.person, userId);
      const start = change.startDate ?? (dayNumber(project.startDate) > dayNumber(today) ? project.startDate : today);
      const end = change.endDate !== undefined ? change.endDate : project.endDate;
      assertNotPast(ability, 'startDate', start, today);
      if (endDayNumber(end) < dayNumber(start)) {
        throw new DomainError('INVALID_PERIOD', `The allocation would end (${end}) before it starts (${start})`, {
          startDate: start,
          endDate: end,
        });
      }
      if (!within({ start, end }, { start: project.startDate, end: project.endDate })) {
        throw outsideProject({ start, end }, project);
      }
      const clash = current.find((s) => overlaps(s, { start, end }));
      if (clash) {
        throw new DomainError(
          'ROSTER_OVERLAP',
          `Already on the roster from ${clash.start} to ${clash.end ?? 'the end'}; change the allocation instead`,
          { userId, startDate: clash.start, endDate: clash.end },
        );
      }
      return { kind: 'add', role: change.role, percent: change.percent, start, end };
    }
    case 'update': {
      if (current.length === 0) throw notFound('Roster member', userId);
      const first = current.reduce((min, s) => (dayNumber(s.start) < dayNumber(min) ? s.start : min), OPEN_END_DAY);
      const last = current.reduce<string | null>(
        (max, s) => (endDayNumber(s.end) > endDayNumber(max) ? s.end : max),
        current[0]?.end ?? null,
      );
      if (change.startDate !== undefined && dayNumber(first) <= dayNumber(today)) {
        throw new DomainError('ALLOCATION_STARTED', `The allocation began on ${first}; only a planned start can move`, {
          startDate: first,
        });
      }
      // From the new first day when the start moves, else from today (or the first planned day).
      const from = change.effectiveFrom ?? change.startDate ?? (dayNumber(first) > dayNumber(today) ? first : today);
      if (change.role !== undefined || change.percent !== undefined) {
        assertNotPast(ability, 'effectiveFrom', from, today);
        const end = change.endDate !== undefined ? change.endDate : last;
        if (dayNumber(from) > endDayNumber(end)) {
          throw new DomainError('ALLOCATION_ENDED', `The allocation has ended by ${from}; nothing would change`, {
            effectiveFrom: from,
            endDate: last,
          });
        }
      }
      if (change.startDate !== undefined) assertNotPast(ability, 'startDate', change.startDate, today);
      if (change.endDate !== undefined && change.endDate !== null) {
        assertNotPast(ability, 'endDate', change.endDate, yesterday);
      }
      return {
        kind: 'update',
        from,
        role: change.role,
        percent: change.percent,
        start: change.startDate,
        end: change.endDate,
      };
    }
    case 'remove': {
      if (current.length === 0) throw notFound('Roster member', userId);
      const lastDay = change.lastDay ?? yesterday;
      assertNotPast(ability, 'lastDay', lastDay, yesterday);
      return { kind: 'end', lastDay };
    }
    case 'end':
      return { kind: 'end', lastDay: change.lastDay };
    case 'clip':
      return { kind: 'clip', first: change.first, last: change.last };
  }
}

function outsideProject(
  s: { start: string; end: string | null },
  project: Pick<ProjectRecord, 'startDate' | 'endDate'>,
): DomainError {
  return new DomainError(
    'OUTSIDE_PROJECT_PERIOD',
    `The allocation must lie within the project's period (${project.startDate} to ${project.endDate ?? 'open'})`,
    { startDate: s.start, endDate: s.end, projectStart: project.startDate, projectEnd: project.endDate },
  );
}

/** The breach as the API shows it: the first interval above availability and the allocations adding up to it. */
export function breachView(
  userId: string,
  breach: CapacityBreach,
  segments: readonly LedgerSegment[],
  projectNames: ReadonlyMap<string, string>,
): CapacityBreachView {
  const byId = new Map(segments.map((s) => [s.id, s]));
  const contributing = breach.segmentIds.map((id) => byId.get(id)).filter((s): s is LedgerSegment => !!s);
  return {
    userId,
    start: breach.start,
    end: breach.end === OPEN_END_DAY ? null : breach.end,
    totalPercent: breach.totalPercent,
    availablePercent: breach.availablePercent,
    allocations: contributing.map((s) => ({
      projectId: s.projectId,
      projectName: projectNames.get(s.projectId) ?? '(unknown project)',
      allocationPercent: s.percent,
      segmentId: s.id,
    })),
  };
}

function capacityExceeded(breach: CapacityBreach, view: CapacityBreachView, policy: CapacityPolicy): DomainError {
  const until = breach.end === OPEN_END_DAY ? ' on' : ` to ${breach.end}`;
  return new DomainError(
    'CAPACITY_EXCEEDED',
    `This would allocate ${breach.totalPercent}% of the person's time from ${breach.start}${until} (at most ${breach.availablePercent}%)`,
    {
      ...view,
      policy,
      hint: 'Lower the allocation or the other allocations on those days, or (Manager and above) send allowOverAllocation: true',
    },
  );
}
