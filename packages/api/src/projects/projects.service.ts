import {
  type AssignmentDoc,
  type CatalogDoc,
  findByIds,
  findCatalogItems,
  findPage,
  ledgerMembers,
  newId,
  ObjectId,
  type ProjectDoc,
  parseId,
  projectKey,
  projectKeyFields,
  projectListQuery,
  projectSort,
  toCatalogRef,
  updateVersioned,
  versionConflictOrGone,
  type WithId,
  withLease,
  withUniqueProjectName,
} from '@seed-pms/db';
import {
  type Actor,
  type AddRosterMemberInput,
  type ArchiveProjectInput,
  addDays,
  type CreateProjectInput,
  canMoveProject,
  changesPast,
  DomainError,
  dayNumber,
  endDayNumber,
  type ListProjectsQuery,
  type MemberSegment,
  notFound,
  OPEN_END_DAY,
  type Page,
  PROJECT_STATUSES,
  PROJECT_TRANSITIONS,
  type ProjectAssignmentView,
  type ProjectScope,
  type ProjectSummary,
  type ProjectView,
  type RemoveRosterMemberInput,
  type RosterChange,
  type RosterChangeResult,
  type RosterEntryView,
  type RosterPlan,
  type RosterQuery,
  type RosterView,
  type UpdateProjectInput,
  type UpdateRosterMemberInput,
} from '@seed-pms/domain';
import { assertCan, canOn } from '../access/ability.js';
import { type ActorContext, type CallContext, systemCallContext } from '../app/call-context.js';
import type { AppDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';
import type { CatalogReferenceSource, CatalogsService } from '../catalogs/catalogs.service.js';
import type { DomainEvents } from '../events/event-bus.js';
import { type CapacityService, mayOverAllocate } from './capacity.service.js';

export interface ScopedProject {
  project: WithId<ProjectDoc>;
  /** The actor's project-scoped roles, for ability checks. */
  scope: ProjectScope;
  today: string;
}

/** What procedures use: plain types only (this reaches the client's AppRouter type). */
export interface ProjectsApi {
  list(ctx: ActorContext, query: ListProjectsQuery): Promise<Page<ProjectSummary>>;
  create(ctx: ActorContext, input: CreateProjectInput): Promise<ProjectView>;
  get(ctx: ActorContext, id: string): Promise<ProjectView>;
  update(ctx: ActorContext, input: UpdateProjectInput): Promise<ProjectView>;
  archive(ctx: ActorContext, input: ArchiveProjectInput): Promise<ProjectView>;
  roster(ctx: ActorContext, query: RosterQuery): Promise<RosterView>;
  addMember(ctx: ActorContext, input: AddRosterMemberInput): Promise<RosterChangeResult>;
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
  scoped(ctx: ActorContext, id: string | ObjectId): Promise<ScopedProject>;
  /** Where projects point at catalog items (the project type), for the catalog's reference counts. */
  readonly catalogReferences: readonly CatalogReferenceSource[];
  /** A person's allocations on every project, newest first (their profile's project list). */
  assignmentsOf(employeeId: string): Promise<ProjectAssignmentView[]>;
  /** `user.archived`: the archive day is their last day on every project. */
  onUserArchived(event: DomainEvents['user.archived']): Promise<void>;
}

function requireLive(project: WithId<ProjectDoc>): void {
  if (project.status === 'archived') {
    throw new DomainError('INVALID_STATE', 'The project is archived; it can be read but no longer changed', {
      projectId: project._id.toHexString(),
      status: project.status,
    });
  }
}

/** Every planned segment must lie inside the project's period. */
function insideProject(project: WithId<ProjectDoc>, segments: readonly MemberSegment[]): void {
  for (const s of segments) {
    if (dayNumber(s.start) < dayNumber(project.startDate) || endDayNumber(s.end) > endDayNumber(project.endDate)) {
      throw new DomainError(
        'UNPROCESSABLE',
        `The allocation must lie within the project's period (${project.startDate} to ${project.endDate ?? 'open'})`,
        { startDate: s.start, endDate: s.end, projectStart: project.startDate, projectEnd: project.endDate },
      );
    }
  }
}

interface Member {
  userId: ObjectId;
  segments: AssignmentDoc[];
}

function entryState(segments: readonly Pick<AssignmentDoc, 'startDate' | 'endDate'>[], today: string) {
  const t = dayNumber(today);
  if (segments.some((s) => dayNumber(s.startDate) <= t && endDayNumber(s.endDate) >= t)) return 'current' as const;
  if (segments.every((s) => dayNumber(s.startDate) > t)) return 'planned' as const;
  if (segments.every((s) => endDayNumber(s.endDate) < t)) return 'past' as const;
  return 'planned' as const;
}

export function createProjectsService(
  deps: AppDeps,
  services: {
    audit: AuditService;
    catalogs: CatalogsService;
    capacity: CapacityService;
  },
): ProjectsService {
  const {
    projects,
    assignments,
    employees,
    users,
    capacityLedgers,
    locks,
    catalogs: catalogItems,
  } = deps.database.collections;
  const { audit, catalogs, capacity } = services;

  async function load(id: string | ObjectId): Promise<WithId<ProjectDoc>> {
    const _id = typeof id === 'string' ? parseId(id, { resource: 'Project' }) : id;
    const project = await projects.findOne({ _id });
    if (!project) throw notFound('Project', _id.toHexString());
    return project;
  }

  async function scopeOf(actor: Actor, projectId: ObjectId, today: string): Promise<ProjectScope> {
    const own = await capacity.memberSegments(ObjectId.createFromHexString(actor.id), projectId);
    const ahead = own.filter((s) => endDayNumber(s.end) >= dayNumber(today));
    return {
      memberIds: ahead.length > 0 ? [actor.id] : [],
      leadIds: ahead.some((s) => s.role === 'lead') ? [actor.id] : [],
    };
  }

  async function scoped(ctx: ActorContext, id: string | ObjectId): Promise<ScopedProject> {
    const project = await load(id);
    const today = await capacity.today(ctx.now);
    return { project, scope: await scopeOf(ctx.actor, project._id, today), today };
  }

  /**
   * Roster changes, archiving and changes of a project's period take turns
   * per project (a lease), so a check of the period or status and the write
   * it allows are never split by another such change. Whatever runs inside
   * reads the project afresh.
   */
  function lockProject<T>(id: string | ObjectId, fn: () => Promise<T>): Promise<T> {
    const _id = typeof id === 'string' ? parseId(id, { resource: 'Project' }) : id;
    return withLease(locks, `project:${_id.toHexString()}`, fn);
  }

  /** Leads and members change days from today on; days already past only a Manager or above. */
  /** Managers and above run every roster (a rule without project conditions). */
  function runsEveryRoster(actor: Actor): boolean {
    return canOn(actor, 'update', 'ProjectRoster', { projectId: '', leadIds: [], memberIds: [] });
  }

  function assertNotPast(ctx: ActorContext, field: string, day: string, earliest: string) {
    if (dayNumber(day) >= dayNumber(earliest) || runsEveryRoster(ctx.actor)) return;
    throw new DomainError('FORBIDDEN', `Only a Manager or above can change days already past (${field}: ${day})`, {
      field,
      day,
    });
  }

  async function typeRefs(docs: readonly ProjectDoc[]) {
    const ids = docs.map((d) => d.typeId).filter((id): id is ObjectId => id !== null);
    return ids.length ? findCatalogItems(catalogItems, ids) : new Map();
  }

  function summary(doc: WithId<ProjectDoc>, types: Map<string, WithId<CatalogDoc>>): ProjectSummary {
    const type = doc.typeId ? types.get(doc.typeId.toHexString()) : undefined;
    return {
      id: doc._id.toHexString(),
      name: doc.name,
      code: doc.code,
      description: doc.description,
      status: doc.status,
      startDate: doc.startDate,
      endDate: doc.endDate,
      tags: doc.tags,
      type: doc.typeId
        ? type
          ? toCatalogRef(type)
          : { id: doc.typeId.toHexString(), name: '(deleted)', active: false }
        : null,
      archivedAt: doc.archivedAt?.toISOString() ?? null,
      version: doc.version,
      createdAt: doc.createdAt.toISOString(),
      updatedAt: doc.updatedAt.toISOString(),
    };
  }

  async function members(projectId: ObjectId, history: boolean): Promise<Member[]> {
    const docs = await assignments
      .find(history ? { projectId } : { projectId, supersededAt: null })
      .sort({ startDate: 1, _id: 1 })
      .toArray();
    const byUser = new Map<string, Member>();
    for (const doc of docs) {
      const key = doc.userId.toHexString();
      const member = byUser.get(key) ?? { userId: doc.userId, segments: [] };
      member.segments.push(doc);
      byUser.set(key, member);
    }
    return [...byUser.values()];
  }

  async function entries(list: readonly Member[], today: string): Promise<RosterEntryView[]> {
    const people = await findByIds(
      employees,
      list.map((m) => m.userId),
      { name: 1, email: 1, capacity: 1 },
    );
    const t = dayNumber(today);
    return list
      .map((member): RosterEntryView | null => {
        const live = member.segments.filter((s) => s.supersededAt === null);
        if (live.length === 0) return null;
        const person = people.get(member.userId.toHexString());
        const now =
          live.find((s) => dayNumber(s.startDate) <= t && endDayNumber(s.endDate) >= t) ??
          live.find((s) => dayNumber(s.startDate) > t) ??
          (live.at(-1) as AssignmentDoc);
        return {
          userId: member.userId.toHexString(),
          name: person?.name ?? '(unknown)',
          email: person?.email ?? '',
          role: now.role,
          allocationPercent: now.percent,
          startDate: live[0]?.startDate ?? now.startDate,
          endDate: live.some((s) => s.endDate === null) ? null : (live.at(-1)?.endDate ?? null),
          state: entryState(live, today),
          capacity: {
            allocationPercent: person?.capacity.allocationPercent ?? 0,
            overAllocated: person?.capacity.overAllocated ?? false,
          },
          segments: member.segments.map((s) => ({
            id: s._id.toHexString(),
            role: s.role,
            allocationPercent: s.percent,
            startDate: s.startDate,
            endDate: s.endDate,
            recordedAt: s.recordedAt.toISOString(),
            recordedBy: s.recordedBy?.toHexString() ?? null,
            supersededAt: s.supersededAt?.toISOString() ?? null,
          })),
        };
      })
      .filter((e): e is RosterEntryView => e !== null)
      .sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
  }

  async function view(doc: WithId<ProjectDoc>, today: string): Promise<ProjectView> {
    const roster = (await entries(await members(doc._id, false), today)).filter((e) => e.state !== 'past');
    return {
      ...summary(doc, await typeRefs([doc])),
      leads: roster
        .filter((e) => e.segments.some((s) => s.role === 'lead' && endDayNumber(s.endDate) >= dayNumber(today)))
        .map((e) => ({ id: e.userId, name: e.name })),
      memberCount: roster.length,
    };
  }

  async function entryFor(projectId: ObjectId, userId: ObjectId, today: string): Promise<RosterEntryView | null> {
    const docs = await assignments.find({ projectId, supersededAt: null, userId }).sort({ startDate: 1 }).toArray();
    return (await entries([{ userId, segments: docs }], today))[0] ?? null;
  }

  async function checkType(typeId: string | null | undefined, current: ObjectId | null) {
    if (!typeId) return;
    const already = new Set(current ? [current.toHexString()] : []);
    await catalogs.resolveForAssignment('project', [typeId], already, 'typeId');
  }

  /** Runs a roster change and records it: the shared path of add, update, remove and archiving. */
  async function rosterChange(
    ctx: CallContext,
    project: WithId<ProjectDoc>,
    userId: ObjectId,
    change: RosterChange,
    options: {
      action: string;
      allowOverAllocation?: boolean | undefined;
      validate?: (plan: RosterPlan, current: readonly MemberSegment[]) => void;
      auditAs?: { actorId: string } | undefined;
      /** Build the person's roster entry for the answer (bulk changes skip it). */
      entry?: boolean;
    },
  ): Promise<RosterChangeResult> {
    const today = await capacity.today(ctx.now);
    const outcome = await capacity.changeRoster(ctx, {
      project,
      userId,
      change,
      allowOverAllocation: options.allowOverAllocation ?? false,
      validate: (plan, current) => {
        insideProject(project, plan.create);
        options.validate?.(plan, current);
        // Whatever the request, only a Manager or above rewrites days before today.
        const actor = ctx.actor;
        if (actor && changesPast(current, plan, today) && !runsEveryRoster(actor)) {
          throw new DomainError('FORBIDDEN', 'Only a Manager or above can change days already past', {
            userId: userId.toHexString(),
          });
        }
      },
    });
    const entry = options.entry === false ? null : await entryFor(project._id, userId, today);
    const changed = outcome.plan.create.length > 0 || outcome.plan.retire.length > 0;
    if (changed) {
      await audit.record(
        ctx,
        {
          action: options.action,
          resourceType: 'project',
          resourceId: project._id.toHexString(),
          before: { userId: userId.toHexString(), segments: outcome.plan.retire },
          after: { userId: userId.toHexString(), segments: outcome.plan.create },
          ...(outcome.warning ? { details: { overAllocation: outcome.warning, overridden: outcome.overridden } } : {}),
        },
        options.auditAs,
      );
    }
    return { entry, warning: outcome.warning };
  }

  async function endAllocations(
    ctx: CallContext,
    project: WithId<ProjectDoc>,
    userId: ObjectId,
    lastDay: string,
    action: string,
    options: { auditAs?: { actorId: string } | undefined; entry?: boolean } = {},
  ) {
    return rosterChange(ctx, project, userId, { kind: 'end', lastDay }, { action, ...options });
  }

  /** Ends an archived person's allocations after `lastDay` on every project (idempotent). */
  async function endAllocationsOf(ctx: CallContext, userId: ObjectId, lastDay: string, by: string | null) {
    for (const projectId of await capacity.projectsOf(userId, addDays(lastDay, 1))) {
      await lockProject(projectId, async () => {
        const project = await projects.findOne({ _id: projectId });
        if (!project) return;
        await endAllocations(ctx, project, userId, lastDay, 'project.roster.end', {
          auditAs: by ? { actorId: by } : undefined,
          entry: false,
        });
      });
    }
  }

  async function assignmentsOf(employeeId: string): Promise<ProjectAssignmentView[]> {
    const userId = ObjectId.createFromHexString(employeeId);
    const docs = await assignments.find({ userId, supersededAt: null }).toArray();
    const names = await findByIds(
      projects,
      docs.map((d) => d.projectId),
      { name: 1 },
    );
    const t = dayNumber(await capacity.today(deps.clock()));
    return docs
      .map(
        (d): ProjectAssignmentView => ({
          projectId: d.projectId.toHexString(),
          projectName: names.get(d.projectId.toHexString())?.name ?? '(unknown)',
          role: d.role,
          allocationPercent: d.percent,
          startDate: d.startDate,
          endDate: d.endDate,
          current: dayNumber(d.startDate) <= t && endDayNumber(d.endDate) >= t,
        }),
      )
      .sort((a, b) => b.startDate.localeCompare(a.startDate) || a.projectName.localeCompare(b.projectName));
  }

  async function activeEmployee(userId: ObjectId) {
    const person = await employees.findOne({ _id: userId }, { projection: { status: 1 } });
    if (!person) throw new DomainError('UNPROCESSABLE', 'No such employee', { field: 'userId' });
    if (person.status !== 'active') {
      throw new DomainError('UNPROCESSABLE', 'Only active employees can be allocated', {
        field: 'userId',
        status: person.status,
      });
    }
  }

  function assertOverride(ctx: ActorContext, requested: boolean | undefined) {
    if (requested && !mayOverAllocate(ctx.actor)) {
      throw new DomainError('FORBIDDEN', 'Only a Manager or above can accept an allocation above 100%', {
        field: 'allowOverAllocation',
      });
    }
  }

  async function updateProject(ctx: ActorContext, input: UpdateProjectInput): Promise<ProjectView> {
    const { project, scope, today } = await scoped(ctx, input.id);
    assertCan(ctx.actor, 'update', 'Project', { id: input.id, ...scope });
    requireLive(project);
    if (input.status && !canMoveProject(project.status, input.status)) {
      throw new DomainError('INVALID_STATE', `A ${project.status} project cannot become ${input.status}`, {
        from: project.status,
        to: input.status,
        allowed: PROJECT_TRANSITIONS[project.status],
      });
    }
    const startDate = input.startDate ?? project.startDate;
    const endDate = input.endDate !== undefined ? input.endDate : project.endDate;
    if (endDayNumber(endDate) < dayNumber(startDate)) {
      throw new DomainError('VALIDATION_FAILED', 'endDate must not be before startDate', [
        { path: 'endDate', message: 'must not be before startDate' },
      ]);
    }
    let toClip: Awaited<ReturnType<typeof ledgerMembers>> = [];
    if (input.startDate !== undefined || input.endDate !== undefined) {
      const outside = (await ledgerMembers(capacityLedgers, project._id)).filter((m) =>
        m.segments.some(
          (s) => dayNumber(s.start) < dayNumber(startDate) || endDayNumber(s.end) > endDayNumber(endDate),
        ),
      );
      if (outside.length > 0 && !input.adjustAllocations) {
        throw new DomainError(
          'UNPROCESSABLE',
          'Some allocations lie outside the new period; send adjustAllocations: true to shorten them, or change them first',
          {
            members: outside.flatMap((m) =>
              m.segments.map((s) => ({ userId: m.userId.toHexString(), startDate: s.start, endDate: s.end })),
            ),
          },
        );
      }
      if (outside.length > 0) {
        // Cutting days already past is a correction for Managers and above.
        for (const s of outside.flatMap((m) => m.segments)) {
          if (dayNumber(s.start) < dayNumber(startDate)) assertNotPast(ctx, 'startDate', s.start, today);
          if (endDate !== null && endDayNumber(s.end) > endDayNumber(endDate)) {
            assertNotPast(ctx, 'endDate', endDate, addDays(today, -1));
          }
        }
      }
      toClip = outside;
    }
    const name = input.name ?? project.name;
    const code = input.code !== undefined ? input.code : project.code;
    const set: Partial<ProjectDoc> = {
      name,
      code,
      ...projectKeyFields(project._id, name, code, false),
      startDate,
      endDate,
    };
    if (input.description !== undefined) set.description = input.description;
    if (input.status !== undefined) set.status = input.status;
    if (input.tags !== undefined) {
      set.tags = input.tags;
      set.tagKeys = input.tags.map(projectKey);
    }
    if (input.typeId !== undefined) set.typeId = input.typeId ? ObjectId.createFromHexString(input.typeId) : null;
    const write = () =>
      withUniqueProjectName(projects, project._id, name, code, () =>
        updateVersioned(
          projects,
          project._id,
          input.version,
          { $set: set },
          {
            resource: 'Project',
            now: ctx.now,
            where: { status: { $ne: 'archived' } },
          },
        ),
      );
    // The catalog lease only when the project starts pointing at another type.
    const typeChanges = input.typeId !== undefined && input.typeId !== (project.typeId?.toHexString() ?? null);
    const updated = typeChanges
      ? await catalogs.whileAssigning(async () => {
          await checkType(input.typeId, project.typeId);
          return write();
        })
      : await write();
    // The new period is written first; then allocations are cut to it (a retry with the
    // same dates finishes an interrupted cut).
    for (const member of toClip) {
      await rosterChange(
        ctx,
        updated,
        member.userId,
        { kind: 'clip', first: startDate, last: endDate },
        { action: 'project.roster.clip', entry: false },
      );
    }
    const before = summary(project, await typeRefs([project]));
    const after = await view(updated, today);
    await audit.record(ctx, {
      action: 'project.update',
      resourceType: 'project',
      resourceId: after.id,
      before,
      after,
    });
    return after;
  }

  async function archiveProject(ctx: ActorContext, input: ArchiveProjectInput): Promise<ProjectView> {
    const { project, today } = await scoped(ctx, input.id);
    assertCan(ctx.actor, 'archive', 'Project', { id: input.id, leadIds: [], memberIds: [] });
    if (input.version !== undefined && input.version !== project.version) {
      throw await versionConflictOrGone(projects, project._id, input.version, 'Project');
    }
    let archived = project;
    if (project.status !== 'archived') {
      archived = await updateVersioned(
        projects,
        project._id,
        project.version,
        {
          $set: {
            status: 'archived',
            archivedAt: ctx.now,
            archivedBy: ObjectId.createFromHexString(ctx.actor.id),
            ...projectKeyFields(project._id, project.name, project.code, true),
          },
        },
        { resource: 'Project', now: ctx.now, where: { status: { $ne: 'archived' } } },
      );
      await audit.record(ctx, {
        action: 'project.archive',
        resourceType: 'project',
        resourceId: input.id,
        before: summary(project, new Map()),
        after: summary(archived, new Map()),
      });
    }
    // Also on a repeated DELETE, so an archive interrupted half-way is finished.
    for (const member of await ledgerMembers(capacityLedgers, project._id)) {
      if (member.segments.some((s) => endDayNumber(s.end) > dayNumber(today))) {
        await endAllocations(ctx, archived, member.userId, today, 'project.roster.end', { entry: false });
      }
    }
    return view(archived, today);
  }

  return {
    scoped,

    catalogReferences: [
      {
        type: 'project',
        place: 'projects.type',
        description: 'Projects of this kind',
        count: (id) => projects.countDocuments({ typeId: new ObjectId(id) }),
      },
    ],

    assignmentsOf,

    async onUserArchived({ userId, at, by }) {
      // A failure here (a busy project) is logged by the event bus; the hourly job
      // finishes it (endAllocationsOfArchived).
      const ctx = systemCallContext(`event:user.archived:${userId}`, at);
      await endAllocationsOf(ctx, ObjectId.createFromHexString(userId), await capacity.today(at), by);
    },

    async endAllocationsOfArchived(now) {
      const ctx = systemCallContext('projects.refresh-capacity', now);
      let touched = 0;
      for await (const user of users.find({ status: 'archived' }, { projection: { archivedAt: 1 } })) {
        const lastDay = await capacity.today(user.archivedAt ?? now);
        if ((await capacity.projectsOf(user._id, addDays(lastDay, 1))).length === 0) continue;
        await endAllocationsOf(ctx, user._id, lastDay, null);
        touched += 1;
      }
      return touched;
    },

    async list(ctx, query) {
      let ids: ObjectId[] | undefined;
      if (query.member) {
        const member = parseId(query.member, { in: 'body', resource: 'Employee' });
        ids = await capacity.projectsOf(member, await capacity.today(ctx.now));
      }
      const filter = projectListQuery({
        statuses: query.status ?? PROJECT_STATUSES.filter((s) => s !== 'archived'),
        q: query.q,
        tag: query.tag,
        typeId: query.type ? parseId(query.type, { in: 'body', resource: 'Catalog item' }) : undefined,
        ids,
      });
      const page = await findPage(
        projects,
        filter,
        { page: query.page, limit: query.limit, sort: projectSort(query.sort) },
        (doc) => doc,
      );
      const types = await typeRefs(page.items);
      return { ...page, items: page.items.map((doc) => summary(doc, types)) };
    },

    async create(ctx, input) {
      assertCan(ctx.actor, 'create', 'Project', { id: '', leadIds: [], memberIds: [] });
      const _id = newId();
      const code = input.code ?? null;
      const doc: ProjectDoc = {
        _id,
        name: input.name,
        ...projectKeyFields(_id, input.name, code, false),
        code,
        description: input.description,
        status: input.status,
        startDate: input.startDate,
        endDate: input.endDate ?? null,
        tags: input.tags,
        tagKeys: input.tags.map(projectKey),
        typeId: input.typeId ? ObjectId.createFromHexString(input.typeId) : null,
        archivedAt: null,
        archivedBy: null,
        createdBy: ObjectId.createFromHexString(ctx.actor.id),
        version: 1,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      };
      const insert = () => withUniqueProjectName(projects, _id, input.name, code, () => projects.insertOne(doc));
      if (input.typeId) {
        await catalogs.whileAssigning(async () => {
          await checkType(input.typeId, null);
          await insert();
        });
      } else {
        await insert();
      }
      const after = await view(doc, await capacity.today(ctx.now));
      await audit.record(ctx, { action: 'project.create', resourceType: 'project', resourceId: after.id, after });
      return after;
    },

    async get(ctx, id) {
      const { project, today } = await scoped(ctx, id);
      return view(project, today);
    },

    update: (ctx, input) => lockProject(input.id, () => updateProject(ctx, input)),

    archive: (ctx, input) => lockProject(input.id, () => archiveProject(ctx, input)),

    async roster(ctx, query) {
      const { project, today } = await scoped(ctx, query.id);
      const list = await entries(await members(project._id, query.include === 'history'), today);
      return {
        projectId: query.id,
        items: query.include === 'current' ? list.filter((e) => e.state !== 'past') : list,
      };
    },

    addMember(ctx, input) {
      assertOverride(ctx, input.allowOverAllocation);
      const userId = parseId(input.userId, { in: 'body', resource: 'Employee' });
      return lockProject(input.id, async () => {
        const { project, scope, today } = await scoped(ctx, input.id);
        assertCan(ctx.actor, 'create', 'ProjectRoster', { projectId: input.id, ...scope });
        requireLive(project);
        await activeEmployee(userId);
        const start = input.startDate ?? (dayNumber(project.startDate) > dayNumber(today) ? project.startDate : today);
        const end = input.endDate !== undefined ? input.endDate : project.endDate;
        assertNotPast(ctx, 'startDate', start, today);
        if (endDayNumber(end) < dayNumber(start)) {
          throw new DomainError('UNPROCESSABLE', `The allocation would end (${end}) before it starts (${start})`, {
            startDate: start,
            endDate: end,
          });
        }
        return rosterChange(
          ctx,
          project,
          userId,
          { kind: 'add', role: input.role, percent: input.allocationPercent, start, end },
          {
            action: 'project.roster.add',
            allowOverAllocation: input.allowOverAllocation,
            validate: (_plan, current) => {
              const clash = current.find(
                (s) => dayNumber(s.start) <= endDayNumber(end) && dayNumber(start) <= endDayNumber(s.end),
              );
              if (clash) {
                throw new DomainError(
                  'ALREADY_EXISTS',
                  `Already on the roster from ${clash.start} to ${clash.end ?? 'the end'}; change the allocation instead`,
                  { userId: input.userId, startDate: clash.start, endDate: clash.end },
                );
              }
            },
          },
        );
      });
    },

    updateMember(ctx, input) {
      assertOverride(ctx, input.allowOverAllocation);
      const userId = parseId(input.userId, { resource: 'Roster member' });
      if (
        input.role === undefined &&
        input.allocationPercent === undefined &&
        input.startDate === undefined &&
        input.endDate === undefined
      ) {
        throw new DomainError('VALIDATION_FAILED', 'Send at least one of role, allocationPercent, startDate, endDate');
      }
      return lockProject(input.id, async () => {
        const { project, scope, today } = await scoped(ctx, input.id);
        assertCan(ctx.actor, 'update', 'ProjectRoster', { projectId: input.id, ...scope });
        requireLive(project);
        const current = await capacity.memberSegments(userId, project._id);
        if (current.length === 0) throw notFound('Roster member', input.userId);
        const first = current.reduce((min, s) => (dayNumber(s.start) < dayNumber(min) ? s.start : min), OPEN_END_DAY);
        const last = current.reduce(
          (max, s) => (endDayNumber(s.end) > endDayNumber(max) ? s.end : max),
          current[0]?.end ?? null,
        );
        if (input.startDate !== undefined && dayNumber(first) <= dayNumber(today)) {
          throw new DomainError('INVALID_STATE', `The allocation began on ${first}; only a planned start can move`, {
            startDate: first,
          });
        }
        // From the new first day when the start moves, else from today (or the first planned day).
        const from = input.effectiveFrom ?? input.startDate ?? (dayNumber(first) > dayNumber(today) ? first : today);
        if (input.role !== undefined || input.allocationPercent !== undefined) {
          assertNotPast(ctx, 'effectiveFrom', from, today);
          if (dayNumber(from) > endDayNumber(input.endDate !== undefined ? input.endDate : last)) {
            throw new DomainError('UNPROCESSABLE', `The allocation has ended by ${from}; nothing would change`, {
              effectiveFrom: from,
              endDate: last,
            });
          }
        }
        if (input.startDate !== undefined) assertNotPast(ctx, 'startDate', input.startDate, today);
        if (input.endDate !== undefined && input.endDate !== null) {
          assertNotPast(ctx, 'endDate', input.endDate, addDays(today, -1));
        }
        return rosterChange(
          ctx,
          project,
          userId,
          {
            kind: 'update',
            from,
            role: input.role,
            percent: input.allocationPercent,
            start: input.startDate,
            end: input.endDate,
          },
          {
            action: 'project.roster.update',
            allowOverAllocation: input.allowOverAllocation,
            validate: (plan) => {
              if (plan.keep.length + plan.create.length === 0) {
                throw new DomainError(
                  'UNPROCESSABLE',
                  'The new dates leave no day on the project; remove the member instead',
                );
              }
            },
          },
        );
      });
    },

    removeMember(ctx, input) {
      const userId = parseId(input.userId, { resource: 'Roster member' });
      return lockProject(input.id, async () => {
        const { project, scope, today } = await scoped(ctx, input.id);
        assertCan(ctx.actor, 'delete', 'ProjectRoster', { projectId: input.id, ...scope });
        requireLive(project);
        const current = await capacity.memberSegments(userId, project._id);
        if (current.length === 0) throw notFound('Roster member', input.userId);
        const yesterday = addDays(today, -1);
        const lastDay = input.lastDay ?? yesterday;
        assertNotPast(ctx, 'lastDay', lastDay, yesterday);
        return endAllocations(ctx, project, userId, lastDay, 'project.roster.remove');
      });
    },
  };
}
