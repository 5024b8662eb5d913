import type { CatalogType } from '../catalogs/catalog.schemas.js';
import { DomainError, versionConflict } from '../errors/domain-error.js';
import type { EmployeeChanges, EmployeeRecord, ReportingLineRecord } from './employee.records.js';
import { checkProfileDates } from './employee.rules.js';
import type { UpdateEmployeeInput } from './employee.schemas.js';
import { checkReportingLine } from './reporting-lines.js';

/** Catalog items a change makes the profile point at: checked (exist, right type, usable) before the write. */
export interface CatalogAssignment {
  type: CatalogType;
  ids: string[];
  /** Ids the profile already has there (a deactivated one may stay). */
  current: string[];
  /** The input field, for the error's details. */
  field: 'designation' | 'skills' | 'hobbies';
}

/** What a profile change is, once decided: what to write and what to check against other records first. */
export interface ProfileUpdatePlan {
  changes: EmployeeChanges;
  assignments: CatalogAssignment[];
  /**
   * The manager the person is to report to, when the reporting line changes
   * (a string); null when the change removes the manager; absent when the
   * line stays as it is. A new manager is checked with decideManagerChange.
   */
  newManager?: string | null;
  /** A new name: an account change (the account's own rules and version), copied to the profile. */
  rename?: string;
}

/**
 * Decides a profile change on the loaded profile (after the caller's ability
 * to change each named field was checked): the version the client saw must be
 * current (409 VERSION_CONFLICT), dates must be within their bounds as of
 * `today` (400 VALIDATION_FAILED, see checkProfileDates). Returns the changes
 * and the checks the change needs against other records.
 */
export function decideProfileUpdate(
  profile: EmployeeRecord,
  input: UpdateEmployeeInput,
  today: string,
): ProfileUpdatePlan {
  if (input.version !== profile.version) {
    throw versionConflict('Employee', profile.id, input.version, profile.version);
  }
  checkProfileDates(input, today);
  const changes: EmployeeChanges = {};
  const assignments: CatalogAssignment[] = [];
  if (input.designationId !== undefined) {
    changes.designationId = input.designationId;
    if (input.designationId !== null) {
      assignments.push({
        type: 'role',
        ids: [input.designationId],
        current: profile.designationId ? [profile.designationId] : [],
        field: 'designation',
      });
    }
  }
  if (input.department !== undefined) {
    changes.department = input.department === null || input.department === '' ? null : input.department;
  }
  if (input.joinDate !== undefined) changes.joinDate = input.joinDate;
  if (input.workingHoursPerDay !== undefined) changes.workingHoursPerDay = input.workingHoursPerDay;
  if (input.workLocation !== undefined) changes.workLocation = input.workLocation;
  if (input.skills !== undefined) {
    changes.skills = input.skills.map((s) => ({ catalogId: s.catalogId, level: s.level }));
    assignments.push({
      type: 'skill',
      ids: changes.skills.map((s) => s.catalogId),
      current: profile.skills.map((s) => s.catalogId),
      field: 'skills',
    });
  }
  if (input.hobbies !== undefined) {
    changes.hobbyIds = [...input.hobbies];
    assignments.push({ type: 'hobby', ids: [...input.hobbies], current: profile.hobbyIds, field: 'hobbies' });
  }
  if (input.bio !== undefined) changes.bio = input.bio;
  if (input.contact !== undefined) changes.contact = input.contact;
  if (input.personal !== undefined) changes.personal = input.personal;
  if (input.managerId !== undefined) changes.managerId = input.managerId;
  const plan: ProfileUpdatePlan = { changes, assignments };
  if (input.managerId !== undefined && input.managerId !== profile.managerId) plan.newManager = input.managerId;
  if (input.name !== undefined) plan.rename = input.name;
  return plan;
}

/**
 * Decides whether `employeeId` may report to `managerId`, with the manager's
 * place in the reporting lines loaded (null when there is no such person) and
 * the levels of reports below the person: 422 REFERENCE_NOT_FOUND for nobody,
 * REFERENCE_INACTIVE for an archived person, REPORTING_CYCLE for a loop,
 * REPORTING_TOO_DEEP for a line past the limit (see checkReportingLine).
 */
export function decideManagerChange(
  employeeId: string,
  managerId: string,
  manager: ReportingLineRecord | null,
  depthBelow: number,
): void {
  if (!manager) {
    throw new DomainError('REFERENCE_NOT_FOUND', 'The manager does not exist', { field: 'managerId', id: managerId });
  }
  if (manager.status !== 'active') {
    throw new DomainError('REFERENCE_INACTIVE', 'The manager is archived', {
      field: 'managerId',
      id: managerId,
      status: manager.status,
    });
  }
  checkReportingLine(employeeId, managerId, manager.managers, depthBelow);
}
