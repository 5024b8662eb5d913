import { catalogRef, type EmployeeCatalogField, isIdString } from '@seed-pms/db';
import {
  birthdayForColleagues,
  type CatalogItemRecord,
  type CatalogRef,
  consentCounts,
  dayInTimezone,
  decideManagerChange,
  decideProfileUpdate,
  EMPLOYEE_FIELDS,
  type EmployeeDirectoryRecord,
  type EmployeeProfile,
  type EmployeeProjectsView,
  type EmployeeRecord,
  type EmployeeStoredChanges,
  type EmployeeSummary,
  type ListEmployeesQuery,
  notFound,
  type Page,
  type ProfileImageView,
  type ProjectAssignmentView,
  profileFieldsOf,
  requireProfileFields,
  type UpdateEmployeeInput,
  userErased,
} from '@seed-pms/domain';
import { assertCan, assertCanFields, permittedFields } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';
import { dataBox } from '../auth/secrets.js';
import type { CatalogReferenceSource, CatalogsService } from '../catalogs/catalogs.service.js';
import type { FileOwnerAccess, FilesService, UploadedFile } from '../files/files.service.js';
import { createImageVisibility } from '../privacy/consents.visibility.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { UsersService } from '../users/users.service.js';
import { personalDataBox } from './personal-data.js';
import { processProfileImage } from './profile-image.js';

/**
 * How long the image URLs in profile and directory answers stay valid at
 * least (S3 presigned URLs cannot be revoked, so this is kept short).
 */
const IMAGE_URL_TTL_SECONDS = 15 * 60;
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

/** The object abilities are checked on: the person and their managers upwards. */
interface EmployeeSubject {
  id: string;
  managerChain: string[];
}

export function createEmployeesService(
  deps: Pick<ServiceDeps, 'repos' | 'config'>,
  services: {
    audit: AuditService;
    catalogs: CatalogsService;
    files: FilesService;
    settings: SettingsService;
    users: UsersService;
  },
): EmployeesInternals {
  const { employees, leases } = deps.repos;
  const { audit, catalogs, files, settings, users } = services;
  const personalData = personalDataBox(dataBox(deps.config));
  let projectHistory: (employeeId: string) => Promise<ProjectAssignmentView[]> = async () => [];
  const imageVisibility = createImageVisibility(deps.repos);

  const catalogReferences = (
    [
      ['skill', 'employees.skills', 'skills', 'Employee profiles listing the skill'],
      ['hobby', 'employees.hobbies', 'hobbies', 'Employee profiles listing the hobby'],
      ['role', 'employees.designation', 'designation', 'Employees with this designation'],
    ] as const satisfies readonly (readonly [string, string, EmployeeCatalogField, string])[]
  ).map(([type, place, field, description]) => ({
    type,
    place,
    description,
    count: (id: string) => employees.countCatalogReferences(field, id),
  }));
  const fileAccess: FileOwnerAccess = {
    // Profile images are part of the directory: everyone signed in may see them.
    // Colleagues see it with the person's consent (profile.image); the person, their managers, HR and admins always.
    canRead: async (ctx, ownerId) =>
      (await employees.exists(ownerId)) && (await imageVisibility.visibleAmong(ctx.actor, [ownerId])).has(ownerId),
  };

  /** The organisation's calendar day: date rules are relative to it. */
  const today = async (now: Date) => dayInTimezone(now, (await settings.current(now)).organization.timezone);

  async function load(id: string): Promise<EmployeeRecord> {
    const profile = await employees.get(id);
    if (!profile) throw notFound('Employee', id);
    return profile;
  }

  /** A profile to change: an erased person's is a pseudonym for good (409 USER_ERASED), like their account. */
  async function loadWritable(id: string): Promise<EmployeeRecord> {
    const [profile, account] = await Promise.all([load(id), deps.repos.users.get(id)]);
    if (account?.erasedAt) throw userErased(account.id, account.erasedAt);
    return profile;
  }

  async function subjectOf(profile: EmployeeRecord): Promise<EmployeeSubject> {
    if (!profile.managerId) return { id: profile.id, managerChain: [] };
    const line = await employees.reportingLine(profile.managerId);
    return { id: profile.id, managerChain: [profile.managerId, ...(line?.managers ?? [])] };
  }

  /** Catalog items, managers and image links for a set of profiles, each read once. */
  async function lookups(profiles: readonly (EmployeeDirectoryRecord & { hobbyIds?: string[] })[]) {
    const catalogIds = new Set<string>();
    const managerIds = new Set<string>();
    const imageIds: string[] = [];
    for (const profile of profiles) {
      if (profile.designationId) catalogIds.add(profile.designationId);
      for (const skill of profile.skills) catalogIds.add(skill.catalogId);
      for (const id of profile.hobbyIds ?? []) catalogIds.add(id);
      if (profile.managerId) managerIds.add(profile.managerId);
      if (profile.image) imageIds.push(profile.image.fileId, profile.image.thumbnailFileId);
    }
    const [items, managers, links] = await Promise.all([
      deps.repos.catalogs.getMany([...catalogIds]),
      employees.cards([...managerIds]),
      files.links(imageIds, IMAGE_URL_TTL_SECONDS),
    ]);
    return { items, managers, links };
  }

  type Lookups = Awaited<ReturnType<typeof lookups>>;

  function ref(items: Map<string, CatalogItemRecord>, id: string): CatalogRef {
    const item = items.get(id);
    // An item deleted under a record (the reference check raced a write) shows as such, never as an error.
    return item ? catalogRef(item) : { id, name: '(deleted)', active: false };
  }

  function imageOf(profile: EmployeeDirectoryRecord, links: Lookups['links']): ProfileImageView | null {
    if (!profile.image) return null;
    const full = links.get(profile.image.fileId);
    const thumb = links.get(profile.image.thumbnailFileId);
    if (!full || !thumb) return null;
    return { fileId: profile.image.fileId, url: full.url, thumbnailUrl: thumb.url, expiresAt: full.expiresAt };
  }

  function summaryOf(
    profile: EmployeeDirectoryRecord,
    { items, managers, links }: Lookups,
    showImage: boolean,
  ): EmployeeSummary {
    const { managerId } = profile;
    return {
      id: profile.id,
      name: profile.name,
      email: profile.email,
      designation: profile.designationId ? ref(items, profile.designationId) : null,
      department: profile.department,
      manager: managerId ? { id: managerId, name: managers.get(managerId)?.name ?? '(unknown)' } : null,
      workLocation: profile.workLocation,
      status: profile.status,
      skills: profile.skills.map((s) => ({ skill: ref(items, s.catalogId), level: s.level })),
      image: showImage ? imageOf(profile, links) : null,
      capacity: { ...profile.capacity },
    };
  }

  /** The profile as the actor may see it: personal fields only where the abilities allow. */
  async function profileFor(
    ctx: ActorContext,
    profile: EmployeeRecord,
    known?: EmployeeSubject,
  ): Promise<EmployeeProfile> {
    const subject = known ?? (await subjectOf(profile));
    const found = await lookups([profile]);
    const readable = new Set(permittedFields(ctx.actor, 'read', 'Employee', subject, EMPLOYEE_FIELDS));
    // Consents decide what colleagues see: the image, and the birthday as day and month only.
    const consented = new Set(
      (await deps.repos.consents.listFor(profile.id)).filter((c) => consentCounts(c)).map((c) => c.purpose),
    );
    const birthday = consented.has('profile.birthday')
      ? birthdayForColleagues(personalData.open(profile.personal).dateOfBirth)
      : null;
    return {
      ...summaryOf(profile, found, readable.has('personal') || consented.has('profile.image')),
      birthday,
      joinDate: profile.joinDate,
      workingHoursPerDay: profile.workingHoursPerDay,
      hobbies: profile.hobbyIds.map((id) => ref(found.items, id)),
      bio: profile.bio,
      contact: profile.contact,
      ...(readable.has('personal') ? { personal: personalData.open(profile.personal) } : {}),
      editableFields: permittedFields(ctx.actor, 'update', 'Employee', subject, EMPLOYEE_FIELDS),
      version: profile.version,
      createdAt: profile.createdAt.toISOString(),
      updatedAt: profile.updatedAt.toISOString(),
    };
  }

  /**
   * A rename is an account change: it goes through the account's own use case
   * (its version, its rules — HR cannot rename an admin — and its audit entry),
   * which copies the new name onto the profile.
   */
  async function rename(ctx: ActorContext, profile: EmployeeRecord, name: string): Promise<void> {
    const account = await users.get(ctx, profile.id);
    if (account.name === name) return;
    await users.update(ctx, { id: profile.id, version: account.version, name });
  }

  /**
   * Audits a profile change. Personal data stays out of the append-only trail
   * (it could never be erased from it): the entry names the personal fields
   * that changed, not their values. Returns the new profile as the actor sees it.
   */
  async function recorded(
    ctx: ActorContext,
    action: string,
    before: EmployeeRecord,
    after: EmployeeRecord,
    beforeSubject: EmployeeSubject,
  ): Promise<EmployeeProfile> {
    const [beforeView, afterView] = await Promise.all([profileFor(ctx, before, beforeSubject), profileFor(ctx, after)]);
    const { editableFields: _b, image: _bi, personal: _bp, birthday: _bb, ...beforeAudit } = beforeView;
    const { editableFields: _a, image: _ai, personal: _ap, birthday: _ab, ...afterAudit } = afterView;
    const [was, is] = [personalData.open(before.personal), personalData.open(after.personal)];
    const personalChanged = [...new Set([...Object.keys(was), ...Object.keys(is)])].filter(
      (key) =>
        JSON.stringify(was[key as keyof typeof was] ?? null) !== JSON.stringify(is[key as keyof typeof is] ?? null),
    );
    await audit.record(ctx, {
      action,
      resourceType: 'employee',
      resourceId: after.id,
      before: { ...beforeAudit, imageFileId: before.image?.fileId ?? null },
      after: { ...afterAudit, imageFileId: after.image?.fileId ?? null },
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

    async list(ctx, query) {
      const { designation, ...rest } = query;
      let designationId: string | undefined;
      if (designation !== undefined) {
        // An id is taken as it is; a name is looked up (a name naming no designation finds nobody).
        designationId = isIdString(designation)
          ? designation
          : (await deps.repos.catalogs.findByName('role', designation))?.id;
        if (!designationId) return { items: [], total: 0, page: query.page, limit: query.limit };
      }
      const page = await employees.directory({ ...rest, ...(designationId ? { designationId } : {}) });
      const [found, visible] = await Promise.all([
        lookups(page.items),
        imageVisibility.visibleAmong(
          ctx.actor,
          page.items.filter((entry) => entry.image).map((entry) => entry.id),
        ),
      ]);
      return { ...page, items: page.items.map((entry) => summaryOf(entry, found, visible.has(entry.id))) };
    },

    async get(ctx, id) {
      const profile = await load(id);
      const subject = await subjectOf(profile);
      assertCan(ctx.actor, 'read', 'Employee', subject);
      return profileFor(ctx, profile, subject);
    },

    async update(ctx, input) {
      const profile = await loadWritable(input.id);
      const subject = await subjectOf(profile);
      assertCan(ctx.actor, 'update', 'Employee', subject);
      const fields = profileFieldsOf(input);
      requireProfileFields(fields);
      assertCanFields(ctx.actor, 'update', 'Employee', subject, fields);
      const plan = decideProfileUpdate(profile, input, await today(ctx.now));
      const { personal, ...rest } = plan.changes;
      const changes: EmployeeStoredChanges = {
        ...rest,
        ...(personal !== undefined ? { personal: personalData.seal(personal) } : {}),
      };

      const apply = async () => {
        for (const a of plan.assignments) {
          await catalogs.resolveForAssignment(a.type, a.ids, new Set(a.current), a.field);
        }
        if (plan.newManager) {
          const [line, depth] = await Promise.all([
            employees.reportingLine(plan.newManager),
            employees.reportDepth(profile.id),
          ]);
          decideManagerChange(profile.id, plan.newManager, line, depth);
        }
        if (plan.rename !== undefined) await rename(ctx, profile, plan.rename);
        return employees.update(profile.id, input.version, changes, ctx.now);
      };
      // Checks that read other documents hold their lease until the write is done.
      const underReportingLease = () =>
        plan.newManager !== undefined ? leases.withLease(REPORTING_LINES_LOCK, apply) : apply();
      const updated =
        plan.assignments.length > 0 ? await catalogs.whileAssigning(underReportingLease) : await underReportingLease();
      return recorded(ctx, 'employee.update', profile, updated, subject);
    },

    async projects(ctx, id) {
      const profile = await load(id);
      assertCan(ctx.actor, 'read', 'Employee', await subjectOf(profile));
      return { items: await projectHistory(profile.id) };
    },

    async uploadImage(ctx, input) {
      const profile = await loadWritable(input.id);
      const subject = await subjectOf(profile);
      assertCanFields(ctx.actor, 'update', 'Employee', subject, ['image']);
      const owner = { type: 'employee' as const, id: profile.id };
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
      let updated: EmployeeRecord;
      try {
        updated = await employees.setImage(
          profile.id,
          profile.version,
          { fileId: stored.id, thumbnailFileId: thumb.id },
          ctx.now,
        );
      } catch (error) {
        // Another change of the profile won (e.g. a second upload): these files never became its image.
        await files.remove(ctx, [stored.id, thumb.id], 'upload lost to a concurrent change');
        throw error;
      }
      if (profile.image) {
        await files.remove(ctx, [profile.image.fileId, profile.image.thumbnailFileId], 'replaced');
      }
      return recorded(ctx, 'employee.image.update', profile, updated, subject);
    },

    async removeImage(ctx, id) {
      const profile = await load(id);
      const subject = await subjectOf(profile);
      assertCanFields(ctx.actor, 'update', 'Employee', subject, ['image']);
      if (!profile.image) return profileFor(ctx, profile, subject);
      const updated = await employees.setImage(profile.id, profile.version, null, ctx.now);
      await files.remove(ctx, [profile.image.fileId, profile.image.thumbnailFileId], 'removed');
      return recorded(ctx, 'employee.image.remove', profile, updated, subject);
    },
  };
}
