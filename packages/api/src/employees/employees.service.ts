import {
  type CatalogDoc,
  departmentKeyOf,
  directoryQuery,
  directorySort,
  type EmployeeDoc,
  findByIds,
  findCatalogItemByName,
  findCatalogItems,
  findPage,
  isIdString,
  managerChainAbove,
  nameKeyOf,
  ObjectId,
  parseId,
  syncEmployeeIdentity,
  toCatalogRef,
  updateVersioned,
  type WithId,
  withLease,
} from '@seed-pms/db';
import {
  type CatalogRef,
  checkReportingLine,
  DomainError,
  EMPLOYEE_FIELDS,
  EMPLOYEE_INPUT_FIELDS,
  type EmployeeField,
  type EmployeeProfile,
  type EmployeeProjectsView,
  type EmployeeSummary,
  type ListEmployeesQuery,
  MAX_REPORTING_DEPTH,
  notFound,
  type Page,
  type ProfileImageView,
  type ProjectAssignmentView,
  type UpdateEmployeeInput,
  versionConflict,
} from '@seed-pms/domain';
import { assertCan, assertCanFields, permittedFields } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { AppDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';
import type { CatalogReferenceSource, CatalogsService } from '../catalogs/catalogs.service.js';
import type { FileOwnerAccess, FilesService, UploadedFile } from '../files/files.service.js';
import { personalDataBox } from './personal-data.js';
import { processProfileImage } from './profile-image.js';

/**
 * How long the image URLs in profile and directory answers stay valid at
 * least (S3 presigned URLs cannot be revoked, so this is kept short).
 */
const IMAGE_URL_TTL_SECONDS = 15 * 60;
/** What a directory entry is made from (personal data, bio and contact stay in the database). */
const DIRECTORY_FIELDS = {
  name: 1,
  email: 1,
  status: 1,
  designationId: 1,
  department: 1,
  managerId: 1,
  workLocation: 1,
  skills: 1,
  skillIds: 1,
  image: 1,
  capacity: 1,
};
/** Reporting-line changes take this lease, so two concurrent changes cannot close a loop together. */
const REPORTING_LINES_LOCK = 'employees.reporting-lines';

export interface EmployeesService {
  list(ctx: ActorContext, query: ListEmployeesQuery): Promise<Page<EmployeeSummary>>;
  get(ctx: ActorContext, id: string): Promise<EmployeeProfile>;
  update(ctx: ActorContext, input: UpdateEmployeeInput): Promise<EmployeeProfile>;
  projects(ctx: ActorContext, id: string): Promise<EmployeeProjectsView>;
  uploadImage(ctx: ActorContext, input: { id: string; file: UploadedFile }): Promise<EmployeeProfile>;
  removeImage(ctx: ActorContext, id: string): Promise<EmployeeProfile>;
  /** The projects area supplies a person's assignment history. */
  setProjectHistory(source: (employeeId: string) => Promise<ProjectAssignmentView[]>): void;
}

/** What the people area offers other areas (wired in events/subscriptions.ts). */
export interface EmployeesInternals extends EmployeesService {
  /** Where profiles point at catalog items (skills, hobbies, designation). */
  readonly catalogReferences: readonly CatalogReferenceSource[];
  /** Who may read files owned by a profile (its image). */
  readonly fileAccess: FileOwnerAccess;
}

export function createEmployeesService(
  deps: AppDeps,
  services: { audit: AuditService; catalogs: CatalogsService; files: FilesService },
): EmployeesInternals {
  const { employees, users, locks } = deps.database.collections;
  const { audit, catalogs, files } = services;
  const personalData = personalDataBox(deps.config.DATA_ENCRYPTION_KEY);
  let projectHistory: (employeeId: string) => Promise<ProjectAssignmentView[]> = async () => [];

  const catalogReferences = (
    [
      ['skill', 'employees.skills', 'skillIds', 'Employee profiles listing the skill'],
      ['hobby', 'employees.hobbies', 'hobbyIds', 'Employee profiles listing the hobby'],
      ['role', 'employees.designation', 'designationId', 'Employees with this designation'],
    ] as const
  ).map(([type, place, field, description]) => ({
    type,
    place,
    description,
    count: (id: string) => employees.countDocuments({ [field]: new ObjectId(id) }),
  }));
  const fileAccess: FileOwnerAccess = {
    // Profile images are part of the directory: everyone signed in may see them.
    async canRead(_ctx, ownerId) {
      return (await employees.countDocuments({ _id: ObjectId.createFromHexString(ownerId) }, { limit: 1 })) > 0;
    },
  };

  async function load(id: string): Promise<WithId<EmployeeDoc>> {
    const doc = await employees.findOne({ _id: parseId(id, { resource: 'Employee' }) });
    if (!doc) throw notFound('Employee', id);
    return doc;
  }

  /** The object abilities are checked on: the person and their managers upwards. */
  async function subjectOf(doc: WithId<EmployeeDoc>) {
    const chain = doc.managerId ? [doc.managerId, ...(await managerChainAbove(employees, doc.managerId))] : [];
    return { id: doc._id.toHexString(), managerChain: chain.map((id) => id.toHexString()) };
  }

  /** Catalog items, managers and image links for a set of profiles, each read once. */
  async function lookups(docs: readonly WithId<EmployeeDoc>[], withHobbies: boolean) {
    const catalogIds = new Map<string, ObjectId>();
    const managerIds = new Map<string, ObjectId>();
    const imageIds: ObjectId[] = [];
    for (const doc of docs) {
      for (const id of [
        ...(doc.designationId ? [doc.designationId] : []),
        ...doc.skillIds,
        ...(withHobbies ? doc.hobbyIds : []),
      ]) {
        catalogIds.set(id.toHexString(), id);
      }
      if (doc.managerId) managerIds.set(doc.managerId.toHexString(), doc.managerId);
      if (doc.image) imageIds.push(doc.image.fileId, doc.image.thumbnailFileId);
    }
    const [items, managers, links] = await Promise.all([
      findCatalogItems(deps.database.collections.catalogs, [...catalogIds.values()]),
      findByIds(employees, [...managerIds.values()], { name: 1 }),
      files.links(
        imageIds.map((id) => id.toHexString()),
        IMAGE_URL_TTL_SECONDS,
      ),
    ]);
    const managerNames = new Map([...managers].map(([id, m]) => [id, m.name]));
    return { items, managerNames, links };
  }

  type Lookups = Awaited<ReturnType<typeof lookups>>;

  function ref(items: Map<string, WithId<CatalogDoc>>, id: ObjectId): CatalogRef {
    const item = items.get(id.toHexString());
    // An item deleted under a record (the reference check raced a write) shows as such, never as an error.
    return item ? toCatalogRef(item) : { id: id.toHexString(), name: '(deleted)', active: false };
  }

  function imageOf(doc: EmployeeDoc, links: Lookups['links']): ProfileImageView | null {
    if (!doc.image) return null;
    const full = links.get(doc.image.fileId.toHexString());
    const thumb = links.get(doc.image.thumbnailFileId.toHexString());
    if (!full || !thumb) return null;
    return {
      fileId: doc.image.fileId.toHexString(),
      url: full.url,
      thumbnailUrl: thumb.url,
      expiresAt: full.expiresAt,
    };
  }

  function summaryOf(doc: WithId<EmployeeDoc>, { items, managerNames, links }: Lookups): EmployeeSummary {
    const managerId = doc.managerId?.toHexString();
    return {
      id: doc._id.toHexString(),
      name: doc.name,
      email: doc.email,
      designation: doc.designationId ? ref(items, doc.designationId) : null,
      department: doc.department,
      manager: managerId ? { id: managerId, name: managerNames.get(managerId) ?? '(unknown)' } : null,
      workLocation: doc.workLocation,
      status: doc.status,
      skills: doc.skills.map((s) => ({ skill: ref(items, s.catalogId), level: s.level })),
      image: imageOf(doc, links),
      capacity: { allocationPercent: doc.capacity.allocationPercent, overAllocated: doc.capacity.overAllocated },
    };
  }

  /** The profile as the actor may see it: personal fields only where the abilities allow. */
  async function profileFor(
    ctx: ActorContext,
    doc: WithId<EmployeeDoc>,
    known?: Awaited<ReturnType<typeof subjectOf>>,
  ): Promise<EmployeeProfile> {
    const subject = known ?? (await subjectOf(doc));
    const found = await lookups([doc], true);
    const readable = new Set(permittedFields(ctx.actor, 'read', 'Employee', subject, EMPLOYEE_FIELDS));
    return {
      ...summaryOf(doc, found),
      joinDate: doc.joinDate,
      hobbies: doc.hobbyIds.map((id) => ref(found.items, id)),
      bio: doc.bio,
      contact: doc.contact,
      ...(readable.has('personal') ? { personal: personalData.open(doc.personal) } : {}),
      editableFields: permittedFields(ctx.actor, 'update', 'Employee', subject, EMPLOYEE_FIELDS),
      version: doc.version,
      createdAt: doc.createdAt.toISOString(),
      updatedAt: doc.updatedAt.toISOString(),
    };
  }

  async function directoryFilter(query: ListEmployeesQuery) {
    let designationId: ObjectId | undefined;
    if (query.designation !== undefined) {
      if (isIdString(query.designation)) designationId = parseId(query.designation, { in: 'body' });
      else {
        const item = await findCatalogItemByName(deps.database.collections.catalogs, 'role', query.designation);
        if (!item) return null; // no such designation: nobody has it
        designationId = item._id;
      }
    }
    return directoryQuery({
      status: query.status,
      ...(query.skills ? { skillIds: query.skills.map((id) => parseId(id, { in: 'body' })) } : {}),
      ...(designationId ? { designationId } : {}),
      ...(query.department ? { departmentKey: departmentKeyOf(query.department) ?? '' } : {}),
      ...(query.manager ? { managerId: parseId(query.manager, { in: 'body' }) } : {}),
      ...(query.q ? { q: query.q } : {}),
    });
  }

  /** The $set of an update, after checking every catalog id and the reporting line. */
  async function changesOf(doc: WithId<EmployeeDoc>, input: UpdateEmployeeInput) {
    const set: Partial<EmployeeDoc> = {};
    if (input.designationId !== undefined) {
      if (input.designationId === null) set.designationId = null;
      else {
        const current = new Set(doc.designationId ? [doc.designationId.toHexString()] : []);
        await catalogs.resolveForAssignment('role', [input.designationId], current, 'designation');
        set.designationId = new ObjectId(input.designationId);
      }
    }
    if (input.department !== undefined) {
      const department = input.department === null || input.department === '' ? null : input.department;
      set.department = department;
      set.departmentKey = departmentKeyOf(department);
    }
    if (input.joinDate !== undefined) set.joinDate = input.joinDate;
    if (input.workLocation !== undefined) set.workLocation = input.workLocation;
    if (input.skills !== undefined) {
      const current = new Set(doc.skillIds.map((id) => id.toHexString()));
      await catalogs.resolveForAssignment(
        'skill',
        input.skills.map((s) => s.catalogId),
        current,
        'skills',
      );
      set.skills = input.skills.map((s) => ({ catalogId: new ObjectId(s.catalogId), level: s.level }));
      set.skillIds = set.skills.map((s) => s.catalogId);
    }
    if (input.hobbies !== undefined) {
      const current = new Set(doc.hobbyIds.map((id) => id.toHexString()));
      await catalogs.resolveForAssignment('hobby', input.hobbies, current, 'hobbies');
      set.hobbyIds = input.hobbies.map((id) => new ObjectId(id));
    }
    if (input.bio !== undefined) set.bio = input.bio;
    if (input.contact !== undefined) set.contact = input.contact;
    if (input.personal !== undefined) set.personal = personalData.seal(input.personal);
    if (input.managerId !== undefined) set.managerId = input.managerId === null ? null : new ObjectId(input.managerId);
    return set;
  }

  /** How many levels of reports hang below the person (0 without reports), up to MAX_REPORTING_DEPTH. */
  async function depthBelow(id: ObjectId): Promise<number> {
    let frontier = [id];
    let depth = 0;
    while (depth < MAX_REPORTING_DEPTH) {
      const reports = await employees.find({ managerId: { $in: frontier } }, { projection: { _id: 1 } }).toArray();
      if (reports.length === 0) break;
      depth += 1;
      frontier = reports.map((r) => r._id);
    }
    return depth;
  }

  /** Refuses a manager who is unknown, archived, below the person (a loop), or too deep a line. */
  async function checkManager(doc: WithId<EmployeeDoc>, managerId: ObjectId): Promise<void> {
    const manager = await employees.findOne({ _id: managerId }, { projection: { status: 1, managerId: 1 } });
    if (!manager) {
      throw new DomainError('UNPROCESSABLE', 'The manager does not exist', { field: 'managerId' });
    }
    if (manager.status !== 'active') {
      throw new DomainError('UNPROCESSABLE', 'The manager is archived', { field: 'managerId' });
    }
    const chain = manager.managerId
      ? [manager.managerId, ...(await managerChainAbove(employees, manager.managerId))]
      : [];
    checkReportingLine(
      doc._id.toHexString(),
      managerId.toHexString(),
      chain.map((id) => id.toHexString()),
      await depthBelow(doc._id),
    );
  }

  /**
   * A rename is an account change: it goes through the account's own version
   * and rules (HR cannot rename an admin), and the profile takes the copy.
   */
  async function rename(ctx: ActorContext, doc: WithId<EmployeeDoc>, name: string): Promise<void> {
    const user = await users.findOne({ _id: doc._id });
    if (!user) throw notFound('User', doc._id.toHexString());
    assertCan(ctx.actor, 'update', 'User', { id: user._id.toHexString(), roles: user.roles });
    if (user.name === name) return;
    const renamed = await updateVersioned(
      users,
      user._id,
      user.version,
      { $set: { name, nameKey: nameKeyOf(name) } },
      { resource: 'User', now: ctx.now },
    );
    await syncEmployeeIdentity(employees, renamed, ctx.now);
  }

  /** Runs the profile's own write; the version was checked when the change began. */
  function write(ctx: ActorContext, doc: WithId<EmployeeDoc>, version: number, set: Partial<EmployeeDoc>) {
    return updateVersioned(employees, doc._id, version, { $set: set }, { resource: 'Employee', now: ctx.now });
  }

  /**
   * Audits a profile change. Personal data stays out of the append-only trail
   * (it could never be erased from it): the entry names the personal fields
   * that changed, not their values. Returns the new profile as the actor sees it.
   */
  async function recorded(
    ctx: ActorContext,
    action: string,
    before: WithId<EmployeeDoc>,
    after: WithId<EmployeeDoc>,
    beforeSubject: Awaited<ReturnType<typeof subjectOf>>,
  ): Promise<EmployeeProfile> {
    const [beforeView, afterView] = await Promise.all([profileFor(ctx, before, beforeSubject), profileFor(ctx, after)]);
    const { editableFields: _b, image: _bi, personal: _bp, ...beforeAudit } = beforeView;
    const { editableFields: _a, image: _ai, personal: _ap, ...afterAudit } = afterView;
    const [was, is] = [personalData.open(before.personal), personalData.open(after.personal)];
    const personalChanged = [...new Set([...Object.keys(was), ...Object.keys(is)])].filter(
      (key) =>
        JSON.stringify(was[key as keyof typeof was] ?? null) !== JSON.stringify(is[key as keyof typeof is] ?? null),
    );
    await audit.record(ctx, {
      action,
      resourceType: 'employee',
      resourceId: after._id.toHexString(),
      before: { ...beforeAudit, imageFileId: before.image?.fileId.toHexString() ?? null },
      after: { ...afterAudit, imageFileId: after.image?.fileId.toHexString() ?? null },
      ...(personalChanged.length > 0 ? { details: { personalFieldsChanged: personalChanged.sort() } } : {}),
    });
    return afterView;
  }

  return {
    catalogReferences,
    fileAccess,
    setProjectHistory(source) {
      projectHistory = source;
    },

    async list(_ctx, query) {
      const filter = await directoryFilter(query);
      if (!filter) return { items: [], total: 0, page: query.page, limit: query.limit };
      const page = await findPage(
        employees,
        filter,
        { page: query.page, limit: query.limit, sort: directorySort(query.sort), projection: DIRECTORY_FIELDS },
        (doc) => doc,
      );
      const found = await lookups(page.items, false);
      return { ...page, items: page.items.map((doc) => summaryOf(doc, found)) };
    },

    async get(ctx, id) {
      const doc = await load(id);
      const subject = await subjectOf(doc);
      assertCan(ctx.actor, 'read', 'Employee', subject);
      return profileFor(ctx, doc, subject);
    },

    async update(ctx, input) {
      const doc = await load(input.id);
      const fields = [
        ...new Set(
          (Object.keys(input) as (keyof UpdateEmployeeInput)[])
            .filter((key) => key !== 'id' && key !== 'version' && input[key] !== undefined)
            .map((key) => EMPLOYEE_INPUT_FIELDS[key as keyof typeof EMPLOYEE_INPUT_FIELDS]),
        ),
      ] as EmployeeField[];
      const subject = await subjectOf(doc);
      assertCan(ctx.actor, 'update', 'Employee', subject);
      if (fields.length === 0) {
        throw new DomainError('VALIDATION_FAILED', 'Nothing to change: name at least one field besides id and version');
      }
      assertCanFields(ctx.actor, 'update', 'Employee', subject, fields);
      if (input.version !== doc.version) {
        throw versionConflict('Employee', input.id, input.version, doc.version);
      }
      const managerChanges =
        input.managerId !== undefined && (input.managerId ?? null) !== (doc.managerId?.toHexString() ?? null);
      const assignsCatalogItems =
        input.designationId != null || input.skills !== undefined || input.hobbies !== undefined;

      const apply = async () => {
        const set = await changesOf(doc, input);
        if (managerChanges && set.managerId) await checkManager(doc, set.managerId);
        if (input.name !== undefined) await rename(ctx, doc, input.name);
        return write(ctx, doc, input.version, set);
      };
      // Checks that read other documents hold their lease until the write is done.
      const underReportingLease = () => (managerChanges ? withLease(locks, REPORTING_LINES_LOCK, apply) : apply());
      const updated = assignsCatalogItems
        ? await catalogs.whileAssigning(underReportingLease)
        : await underReportingLease();
      return recorded(ctx, 'employee.update', doc, updated, subject);
    },

    async projects(ctx, id) {
      const doc = await load(id);
      assertCan(ctx.actor, 'read', 'Employee', await subjectOf(doc));
      return { employeeId: doc._id.toHexString(), items: await projectHistory(doc._id.toHexString()) };
    },

    async uploadImage(ctx, input) {
      const doc = await load(input.id);
      const subject = await subjectOf(doc);
      assertCanFields(ctx.actor, 'update', 'Employee', subject, ['image']);
      const owner = { type: 'employee' as const, id: doc._id.toHexString() };
      const original = await files.readUpload('profile-image', input.file);
      const { image, thumbnail } = await processProfileImage(original.bytes, original.contentType);
      const stored = await files.store(ctx, {
        purpose: 'profile-image',
        owner,
        name: input.file.name,
        body: image.bytes,
      });
      const thumb = await files.store(ctx, {
        purpose: 'profile-image',
        owner,
        name: `thumbnail-${input.file.name}`,
        body: thumbnail.bytes,
        derivedFrom: stored.id,
      });
      let updated: WithId<EmployeeDoc>;
      try {
        updated = await updateVersioned(
          employees,
          doc._id,
          doc.version,
          {
            $set: {
              image: {
                fileId: ObjectId.createFromHexString(stored.id),
                thumbnailFileId: ObjectId.createFromHexString(thumb.id),
              },
            },
          },
          { resource: 'Employee', now: ctx.now },
        );
      } catch (error) {
        // Another change of the profile won (e.g. a second upload): these files never became its image.
        await files.remove(ctx, [stored.id, thumb.id], 'upload lost to a concurrent change');
        throw error;
      }
      if (doc.image)
        await files.remove(ctx, [doc.image.fileId.toHexString(), doc.image.thumbnailFileId.toHexString()], 'replaced');
      return recorded(ctx, 'employee.image.update', doc, updated, subject);
    },

    async removeImage(ctx, id) {
      const doc = await load(id);
      const subject = await subjectOf(doc);
      assertCanFields(ctx.actor, 'update', 'Employee', subject, ['image']);
      if (!doc.image) return profileFor(ctx, doc, subject);
      const updated = await updateVersioned(
        employees,
        doc._id,
        doc.version,
        { $set: { image: null } },
        { resource: 'Employee', now: ctx.now },
      );
      await files.remove(ctx, [doc.image.fileId.toHexString(), doc.image.thumbnailFileId.toHexString()], 'removed');
      return recorded(ctx, 'employee.image.remove', doc, updated, subject);
    },
  };
}
