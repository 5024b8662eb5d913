import { subject } from '@casl/ability';
import type { AppAbility } from '../access/abilities.js';
import { dayNumber } from '../common/calendar-days.js';
import { DomainError } from '../errors/domain-error.js';
import type { UserStatus } from '../users/user.schemas.js';
import type { ProjectRecord } from './project.records.js';

/**
 * The checks the projects area's deciders share. Each failure has its own
 * code (packages/domain/src/errors/error-codes.ts) and details a client can
 * act on.
 */

/** Managers and above run every roster (a rule without project conditions): they may also correct the past. */
export function runsEveryRoster(ability: AppAbility): boolean {
  return ability.can('update', subject('ProjectRoster', { projectId: '', leadIds: [], memberIds: [] }));
}

/** May the actor accept an allocation above availability under the block policy? */
export function mayOverAllocate(ability: AppAbility): boolean {
  return ability.can('create', 'OverAllocation');
}

/** 403 OVER_ALLOCATION_NEEDS_MANAGER when `allowOverAllocation` is asked for by someone below Manager. */
export function assertMayOverAllocate(ability: AppAbility | null, requested: boolean | undefined): void {
  if (!requested || !ability || mayOverAllocate(ability)) return;
  throw new DomainError(
    'OVER_ALLOCATION_NEEDS_MANAGER',
    'Only a Manager or above can accept an allocation above 100%',
    {
      field: 'allowOverAllocation',
    },
  );
}

/** 422 PROJECT_ARCHIVED: an archived project (and its roster, comments and documents) is read-only. */
export function assertProjectOpen(project: Pick<ProjectRecord, 'id' | 'status'>, what = 'it'): void {
  if (project.status !== 'archived') return;
  throw new DomainError('PROJECT_ARCHIVED', `The project is archived; ${what} can be read but no longer changed`, {
    projectId: project.id,
    status: project.status,
  });
}

/**
 * 403 PAST_DAYS_NEED_MANAGER when a field would change a day before `earliest`
 * and the actor does not run every roster. `details` name the field and the day.
 */
export function assertNotPast(ability: AppAbility | null, field: string, day: string, earliest: string): void {
  if (!ability || dayNumber(day) >= dayNumber(earliest) || runsEveryRoster(ability)) return;
  throw new DomainError(
    'PAST_DAYS_NEED_MANAGER',
    `Only a Manager or above can change days already past (${field}: ${day})`,
    {
      field,
      day,
    },
  );
}

/** 422 REFERENCE_NOT_FOUND / REFERENCE_INACTIVE: only people who exist and are active are allocated. */
export function assertAllocatable(
  person: { status: UserStatus } | null | undefined,
  userId: string,
  field = 'userId',
): void {
  if (!person) throw new DomainError('REFERENCE_NOT_FOUND', 'No such employee', { field, id: userId });
  if (person.status !== 'active') {
    throw new DomainError('REFERENCE_INACTIVE', 'Only active employees can be allocated', {
      field,
      id: userId,
      status: person.status,
    });
  }
}
