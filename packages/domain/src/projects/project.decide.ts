import type { AppAbility, ProjectScope } from '../access/abilities.js';
import { mustBeAllowed } from '../access/checks.js';
import { addDays, dayNumber, endDayNumber, within } from '../common/calendar-days.js';
import { DomainError, versionConflict } from '../errors/domain-error.js';
import type { ProjectRecord } from './project.records.js';
import { assertNotPast, assertProjectOpen } from './project.rules.js';
import { canMoveProject, PROJECT_TRANSITIONS, type ProjectStatus } from './project.schemas.js';
import type { MemberSegment } from './roster-plan.js';

/** A person's segments in force on the project (from their ledger). */
export interface ProjectMember {
  userId: string;
  segments: readonly MemberSegment[];
}

/** What a PATCH of a project may ask (absent: unchanged; null clears). */
export interface ProjectUpdateRequest {
  name?: string | undefined;
  code?: string | null | undefined;
  description?: string | undefined;
  status?: Exclude<ProjectStatus, 'archived'> | undefined;
  startDate?: string | undefined;
  endDate?: string | null | undefined;
  tags?: string[] | undefined;
  typeId?: string | null | undefined;
  /** Shorten allocations the new period leaves outside instead of refusing. */
  adjustAllocations?: boolean | undefined;
}

/** The new values of the fields a change sets. */
export interface ProjectChanges {
  name?: string;
  code?: string | null;
  description?: string;
  status?: ProjectStatus;
  startDate?: string;
  endDate?: string | null;
  tags?: string[];
  typeId?: string | null;
}

export interface ProjectUpdateDecision {
  changes: ProjectChanges;
  /** People whose allocations are cut to the new period, after the project is written (audited as roster changes). */
  clips: { userId: string; first: string; last: string | null }[];
  /** The project points at another catalog item (checked under the catalog lease). */
  typeChanges: boolean;
}

/** Does the request move the project's dates (so its members' allocations must be read)? */
export function movesPeriod(request: ProjectUpdateRequest): boolean {
  return request.startDate !== undefined || request.endDate !== undefined;
}

/** May the actor create projects? (Managers and above.) */
export function decideProjectCreate(ability: AppAbility): void {
  mustBeAllowed(ability, 'create', 'Project', { id: '', leadIds: [], memberIds: [] });
}

/**
 * Decides a change of a project: rights (its leads, Managers and above), the
 * lifecycle, the period, and what the new period does to allocations
 * (`members`: the project's members, needed when the dates move). Pure; the
 * service writes the changes at the version the client saw, then cuts the
 * allocations.
 */
export function decideProjectUpdate(input: {
  project: ProjectRecord;
  request: ProjectUpdateRequest;
  ability: AppAbility;
  scope: ProjectScope;
  today: string;
  members: readonly ProjectMember[];
}): ProjectUpdateDecision {
  const { project, request, ability, today } = input;
  mustBeAllowed(ability, 'update', 'Project', { id: project.id, ...input.scope });
  assertProjectOpen(project);
  if (request.status && !canMoveProject(project.status, request.status)) {
    throw new DomainError('INVALID_TRANSITION', `A ${project.status} project cannot become ${request.status}`, {
      from: project.status,
      to: request.status,
      allowed: PROJECT_TRANSITIONS[project.status],
    });
  }
  const startDate = request.startDate ?? project.startDate;
  const endDate = request.endDate !== undefined ? request.endDate : project.endDate;
  if (endDayNumber(endDate) < dayNumber(startDate)) {
    throw new DomainError('INVALID_PERIOD', `The project would end (${endDate}) before it starts (${startDate})`, {
      startDate,
      endDate,
    });
  }
  const clips: ProjectUpdateDecision['clips'] = [];
  if (movesPeriod(request)) {
    const period = { start: startDate, end: endDate };
    const outside = input.members.filter((m) => m.segments.some((s) => !within(s, period)));
    if (outside.length > 0 && !request.adjustAllocations) {
      throw new DomainError(
        'ALLOCATIONS_OUTSIDE_PERIOD',
        'Some allocations lie outside the new period; send adjustAllocations: true to shorten them, or change them first',
        {
          members: outside.flatMap((m) =>
            m.segments.map((s) => ({ userId: m.userId, startDate: s.start, endDate: s.end })),
          ),
        },
      );
    }
    // Cutting days already past is a correction for Managers and above.
    for (const s of outside.flatMap((m) => m.segments)) {
      if (dayNumber(s.start) < dayNumber(startDate)) assertNotPast(ability, 'startDate', s.start, today);
      if (endDate !== null && endDayNumber(s.end) > endDayNumber(endDate)) {
        assertNotPast(ability, 'endDate', endDate, addDays(today, -1));
      }
    }
    for (const m of outside) clips.push({ userId: m.userId, first: startDate, last: endDate });
  }
  const changes: ProjectChanges = {
    name: request.name ?? project.name,
    code: request.code !== undefined ? request.code : project.code,
    startDate,
    endDate,
  };
  if (request.description !== undefined) changes.description = request.description;
  if (request.status !== undefined) changes.status = request.status;
  if (request.tags !== undefined) changes.tags = request.tags;
  if (request.typeId !== undefined) changes.typeId = request.typeId;
  const typeChanges = request.typeId !== undefined && request.typeId !== project.typeId;
  return { changes, clips, typeChanges };
}

/**
 * Decides an archive (Managers and above; at `expectedVersion` when given).
 * Archiving is final and may be repeated: a repeat finishes ending the
 * allocations an interrupted one left (`endAllocationsOf`).
 */
export function decideProjectArchive(input: {
  project: ProjectRecord;
  ability: AppAbility;
  expectedVersion?: number | undefined;
  members: readonly ProjectMember[];
  today: string;
}): { archive: boolean; endAllocationsOf: string[] } {
  const { project, ability, expectedVersion, today } = input;
  mustBeAllowed(ability, 'archive', 'Project', { id: project.id, leadIds: [], memberIds: [] });
  if (expectedVersion !== undefined && expectedVersion !== project.version) {
    throw versionConflict('Project', project.id, expectedVersion, project.version);
  }
  return {
    archive: project.status !== 'archived',
    endAllocationsOf: runningAfter(input.members, today),
  };
}

/** Members with days on the project after `day`. */
export function runningAfter(members: readonly ProjectMember[], day: string): string[] {
  return members.filter((m) => m.segments.some((s) => endDayNumber(s.end) > dayNumber(day))).map((m) => m.userId);
}
