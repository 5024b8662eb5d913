import { assignmentView, projectSummaryView, projectView } from '@seed-pms/db';
import {
  type AddRosterMemberInput,
  type AddRosterMembersInput,
  type ArchiveProjectInput,
  addDays,
  type BulkRosterResult,
  type CatalogItemRecord,
  type CreateProjectInput,
  dayNumber,
  decideProjectArchive,
  decideProjectCreate,
  decideProjectUpdate,
  endDayNumber,
  type ListProjectsQuery,
  movesPeriod,
  notFound,
  type Page,
  PROJECT_STATUSES,
  type ProjectAssignmentView,
  type ProjectRecord,
  type ProjectSummary,
  type ProjectView,
  type RemoveRosterMemberInput,
  type RosterChangeResult,
  type RosterQuery,
  type RosterView,
  type UpdateProjectInput,
  type UpdateRosterMemberInput,
} from '@seed-pms/domain';
import { abilityFor } from '../access/ability.js';
import { type ActorContext, type CallContext, systemCallContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';
import type { CatalogReferenceSource, CatalogsService } from '../catalogs/catalogs.service.js';
import type { DomainEvents, EventBus } from '../events/event-bus.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { AvailabilitySource } from './capacity.service.js';
import type { ProjectTurns } from './project-turns.js';
import { type AppliedChange, createRosterService, type ScopedProject } from './roster.service.js';

export type { ScopedProject } from './roster.service.js';

/** What procedures use: plain types only (this reaches the client's AppRouter type). */
export interface ProjectsApi {
  list(ctx: ActorContext, query: ListProjectsQuery): Promise<Page<ProjectSummary>>;
  create(ctx: ActorContext, input: CreateProjectInput): Promise<ProjectView>;
  get(ctx: ActorContext, id: string): Promise<ProjectView>;
  update(ctx: ActorContext, input: UpdateProjectInput): Promise<ProjectView>;
  archive(ctx: ActorContext, input: ArchiveProjectInput): Promise<ProjectView>;
  roster(ctx: ActorContext, query: RosterQuery): Promise<RosterView>;
  addMember(ctx: ActorContext, input: AddRosterMemberInput): Promise<RosterChangeResult>;
  addMembers(ctx: ActorContext, input: AddRosterMembersInput): Promise<BulkRosterResult>;
  updateMember(ctx: ActorContext, input: UpdateRosterMemberInput): Promise<RosterChangeResult>;
  removeMember(ctx: ActorContext, input: RemoveRosterMemberInput): Promise<RosterChangeResult>;
}

export interface ProjectsService extends ProjectsApi {
  /**
   * Ends the allocations archived people still have after their archive day
   * (the archive event's work, when it failed or raced an addition). Returns
   * how many people it touched.
   */
  endAllocationsOfArchived(now: Date): Promise<number>;
  /** The project (404 when unknown) and the actor's roles on it. */
  scoped(ctx: ActorContext, id: string): Promise<ScopedProject>;
  /** Where projects point at catalog items (the project type), for the catalog's reference counts. */
  readonly catalogReferences: readonly CatalogReferenceSource[];
  /** A person's allocations on every project, newest first (their profile's project list). */
  assignmentsOf(employeeId: string): Promise<ProjectAssignmentView[]>;
  /** Where availability comes from (the leave area), for the block policy and the halos. */
  setAvailability(source: AvailabilitySource): void;
  /** `user.archived`: the archive day is their last day on every project. */
  onUserArchived(event: DomainEvents['user.archived']): Promise<void>;
}

const NO_SCOPE = { leadIds: [], memberIds: [] };

/**
 * Projects: their lifecycle and period (decided by project.decide.ts), and
 * the roster (roster.service.ts). Changes of a project's period, archiving and
 * roster changes take turns per project (project-turns.ts).
 */
export function createProjectsService(
  deps: Pick<ServiceDeps, 'repos' | 'clock'>,
  services: {
    audit: AuditService;
    catalogs: CatalogsService;
    settings: SettingsService;
    turns?: ProjectTurns;
    events?: EventBus;
  },
): ProjectsService {
  const { projects, capacity, assignments, users, catalogs: catalogItems } = deps.repos;
  const { audit, catalogs } = services;
  const rosters = createRosterService(deps, services);
  const { today, scoped } = rosters;

  async function types(records: readonly ProjectRecord[]): Promise<Map<string, CatalogItemRecord>> {
    const ids = records.map((p) => p.typeId).filter((id): id is string => id !== null);
    return ids.length ? catalogItems.getMany(ids) : new Map();
  }

  async function view(project: ProjectRecord, day: string): Promise<ProjectView> {
    const [typeMap, roster] = await Promise.all([types([project]), rosters.entriesOf(project.id, day)]);
    return projectView(project, typeMap, roster, day);
  }

  const summary = async (project: ProjectRecord) => projectSummaryView(project, await types([project]));

  /** The project ids a person has segments in force on, ending on `fromDay` or later. */
  async function projectsOf(userId: string, fromDay: string): Promise<string[]> {
    const { segments } = await capacity.get(userId);
    const from = dayNumber(fromDay);
    return [...new Set(segments.filter((s) => endDayNumber(s.end) >= from).map((s) => s.projectId))];
  }

  /** Ends a person's allocations after `lastDay` on every project (idempotent): archiving a person. */
  async function endAllocationsOf(ctx: CallContext, userId: string, lastDay: string, by: string | null) {
    const [day, policy] = await Promise.all([today(ctx.now), rosters.policy(ctx.now)]);
    for (const projectId of await projectsOf(userId, addDays(lastDay, 1))) {
      const applied = await rosters.inTurn(projectId, async () => {
        const project = await projects.get(projectId);
        if (!project) return null;
        const terms = { ability: null, scope: NO_SCOPE, today: day, policy };
        return rosters.apply(ctx, project, userId, { kind: 'end', lastDay }, terms);
      });
      if (applied) await rosters.settle(ctx, [applied], day, by ? { actorId: by } : undefined);
    }
  }

  async function checkType(typeId: string | null | undefined, current: string | null) {
    if (!typeId) return;
    await catalogs.resolveForAssignment('project', [typeId], new Set(current ? [current] : []), 'typeId');
  }

  async function updateProject(ctx: ActorContext, input: UpdateProjectInput): Promise<ProjectView> {
    const ability = abilityFor(ctx.actor);
    const [day, policy] = await Promise.all([today(ctx.now), rosters.policy(ctx.now)]);
    const { project, updated, clipped } = await rosters.inTurn(input.id, async () => {
      const { project, scope } = await scoped(ctx, input.id);
      const members = movesPeriod(input) ? await capacity.membersOf(project.id) : [];
      const decision = decideProjectUpdate({ project, request: input, ability, scope, today: day, members });
      const write = () => projects.update(project, input.version, decision.changes, ctx.now);
      // The catalog lease only when the project starts pointing at another type.
      const updated = decision.typeChanges
        ? await catalogs.whileAssigning(async () => {
            await checkType(input.typeId, project.typeId);
            return write();
          })
        : await write();
      // The new period is written first; then allocations are cut to it (a retry with the
      // same dates finishes an interrupted cut).
      const clipped: AppliedChange[] = [];
      for (const clip of decision.clips) {
        const terms = { ability, scope, today: day, policy };
        const change = { kind: 'clip', first: clip.first, last: clip.last } as const;
        clipped.push(await rosters.apply(ctx, updated, clip.userId, change, terms));
      }
      return { project, updated, clipped };
    });
    await rosters.settle(ctx, clipped, day);
    const before = await summary(project);
    const after = await view(updated, day);
    await audit.record(ctx, { action: 'project.update', resourceType: 'project', resourceId: after.id, before, after });
    return after;
  }

  async function archiveProject(ctx: ActorContext, input: ArchiveProjectInput): Promise<ProjectView> {
    const ability = abilityFor(ctx.actor);
    const [day, policy] = await Promise.all([today(ctx.now), rosters.policy(ctx.now)]);
    const { archived, ended } = await rosters.inTurn(input.id, async () => {
      const project = await projects.get(input.id);
      if (!project) throw notFound('Project', input.id);
      const members = await capacity.membersOf(project.id);
      const decision = decideProjectArchive({ project, ability, expectedVersion: input.version, members, today: day });
      let archived = project;
      if (decision.archive) {
        archived = await projects.archive(project, ctx.actor.id, ctx.now);
        await audit.record(ctx, {
          action: 'project.archive',
          resourceType: 'project',
          resourceId: project.id,
          before: await summary(project),
          after: await summary(archived),
        });
      }
      // Also on a repeated DELETE, so an archive interrupted half-way is finished.
      const ended: AppliedChange[] = [];
      for (const userId of decision.endAllocationsOf) {
        const terms = { ability, scope: NO_SCOPE, today: day, policy };
        ended.push(await rosters.apply(ctx, archived, userId, { kind: 'end', lastDay: day }, terms));
      }
      return { archived, ended };
    });
    await rosters.settle(ctx, ended, day);
    return view(archived, day);
  }

  return {
    setAvailability: (source) => rosters.setAvailability(source),
    scoped,

    catalogReferences: [
      {
        type: 'project',
        place: 'projects.type',
        description: 'Projects of this kind',
        count: (id) => projects.countOfType(id),
      },
    ],

    async assignmentsOf(employeeId) {
      const records = await assignments.ofPerson(employeeId);
      const names = await projects.names(records.map((r) => r.projectId));
      const day = await today(deps.clock());
      return records
        .map((r) => assignmentView(r, names.get(r.projectId) ?? '(unknown)', day))
        .sort((a, b) => b.startDate.localeCompare(a.startDate) || a.projectName.localeCompare(b.projectName));
    },

    async onUserArchived({ userId, at, by }) {
      // A failure here (a busy project) is logged by the event bus; the hourly job
      // finishes it (endAllocationsOfArchived).
      const ctx = systemCallContext(`event:user.archived:${userId}`, at);
      await endAllocationsOf(ctx, userId, await today(at), by);
    },

    async endAllocationsOfArchived(now) {
      const ctx = systemCallContext('projects.refresh-capacity', now);
      let touched = 0;
      for (const user of await users.archived()) {
        const lastDay = await today(user.archivedAt ?? now);
        if ((await projectsOf(user.id, addDays(lastDay, 1))).length === 0) continue;
        await endAllocationsOf(ctx, user.id, lastDay, null);
        touched += 1;
      }
      return touched;
    },

    async list(ctx, query) {
      const ids = query.member ? await projectsOf(query.member, await today(ctx.now)) : undefined;
      const page = await projects.list({
        statuses: query.status ?? PROJECT_STATUSES.filter((s) => s !== 'archived'),
        q: query.q,
        tag: query.tag,
        typeId: query.type,
        ids,
        page: query.page,
        limit: query.limit,
        sort: query.sort,
      });
      const typeMap = await types(page.items);
      return { ...page, items: page.items.map((p) => projectSummaryView(p, typeMap)) };
    },

    async create(ctx, input) {
      decideProjectCreate(abilityFor(ctx.actor));
      const insert = () =>
        projects.insert(
          {
            name: input.name,
            code: input.code ?? null,
            description: input.description,
            status: input.status,
            startDate: input.startDate,
            endDate: input.endDate ?? null,
            tags: input.tags,
            typeId: input.typeId ?? null,
            createdBy: ctx.actor.id,
          },
          ctx.now,
        );
      const project = input.typeId
        ? await catalogs.whileAssigning(async () => {
            await checkType(input.typeId, null);
            return insert();
          })
        : await insert();
      const after = await view(project, await today(ctx.now));
      await audit.record(ctx, { action: 'project.create', resourceType: 'project', resourceId: after.id, after });
      return after;
    },

    async get(ctx, id) {
      const { project, today: day } = await scoped(ctx, id);
      return view(project, day);
    },

    update: updateProject,
    archive: archiveProject,
    roster: rosters.roster,
    addMember: rosters.addMember,
    addMembers: rosters.addMembers,
    updateMember: rosters.updateMember,
    removeMember: rosters.removeMember,
  };
}
