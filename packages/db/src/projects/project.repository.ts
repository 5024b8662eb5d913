import {
  DomainError,
  type ListProjectsQuery,
  type Page,
  type ProjectChanges,
  type ProjectRecord,
  type ProjectStatus,
  searchTermsOf,
} from '@seed-pms/domain';
import type { Filter, Sort } from 'mongodb';
import type { Collections } from '../connection.js';
import { isDuplicateKey } from '../errors.js';
import { allOf } from '../filters.js';
import { newIdString, objectIdOf, objectIdsOf, oid } from '../ids.js';
import { findByIds } from '../lookups.js';
import { findPage } from '../pagination.js';
import { escapeRegex } from '../regex.js';
import { repairSearchKeys } from '../search-keys.js';
import { initialVersion, updateVersioned } from '../versioning.js';
import type { ProjectDoc } from './project.doc.js';
import { projectKey, projectKeyFields, projectSearchKeys, toProjectDoc, toProjectRecord } from './project.mapper.js';

/** What a new project holds; the repository gives it its id, version and timestamps. */
export interface NewProject {
  name: string;
  code: string | null;
  description: string;
  status: ProjectStatus;
  startDate: string;
  endDate: string | null;
  tags: string[];
  typeId: string | null;
  createdBy: string | null;
}

export interface ProjectListFilter {
  statuses: readonly ProjectStatus[];
  q?: string | undefined;
  tag?: string | undefined;
  typeId?: string | undefined;
  /** Only these projects (a member's). */
  ids?: readonly string[] | undefined;
  page: number;
  limit: number;
  sort: ListProjectsQuery['sort'];
}

/**
 * Projects' storage: string ids and records in and out. Names and codes are
 * unique among projects not archived (a unique index on their live keys);
 * every change is one write conditional on the version, refused once the
 * project is archived.
 */
export interface ProjectRepository {
  /** The project, or null (a malformed id names none). */
  get(id: string): Promise<ProjectRecord | null>;
  /** Project names by id (one `_id` read each); unknown ids are absent. */
  names(ids: readonly string[]): Promise<Map<string, string>>;
  list(filter: ProjectListFilter): Promise<Page<ProjectRecord>>;
  /** 409 ALREADY_EXISTS (details.field: name or code) when a live project has the name or code. */
  insert(project: NewProject, now: Date): Promise<ProjectRecord>;
  /**
   * Writes the changes at `expectedVersion` (409 VERSION_CONFLICT, 404 when
   * gone, 422 PROJECT_ARCHIVED once archived, 409 ALREADY_EXISTS on a taken name or code).
   */
  update(project: ProjectRecord, expectedVersion: number, changes: ProjectChanges, now: Date): Promise<ProjectRecord>;
  /** Archives it at its version (its name and code are free again); the same errors as update. */
  archive(project: ProjectRecord, by: string, now: Date): Promise<ProjectRecord>;
  /** How many projects are of this catalog type (the catalog's reference count). */
  countOfType(typeId: string): Promise<number>;
  /** For seeding: the name and code keys live projects hold. */
  liveKeys(): Promise<Set<string>>;
  /** For seeding: projects with ids drawn by `newIdString`, written in bulk. */
  insertMany(projects: readonly ProjectRecord[]): Promise<void>;
  /**
   * Rewrites stored search keys that differ from what the name and code give
   * today (written before accents were folded). Derived data: neither the
   * version nor updatedAt moves. Returns how many projects it changed.
   */
  repairSearchKeys(): Promise<number>;
}

const PROJECT_SORTS: Record<ListProjectsQuery['sort'], Sort> = {
  name: { nameKey: 1, _id: 1 },
  '-name': { nameKey: -1, _id: -1 },
  startDate: { startDate: 1, _id: 1 },
  '-startDate': { startDate: -1, _id: -1 },
  createdAt: { createdAt: 1, _id: 1 },
  '-createdAt': { createdAt: -1, _id: -1 },
};

function listQuery(filter: ProjectListFilter): Filter<ProjectDoc> {
  const clauses: Filter<ProjectDoc>[] = [
    filter.statuses.length === 1 ? { status: filter.statuses[0] } : { status: { $in: [...filter.statuses] } },
  ];
  if (filter.tag) clauses.push({ tagKeys: projectKey(filter.tag) });
  if (filter.typeId) clauses.push({ typeId: objectIdOf(filter.typeId) });
  if (filter.ids) clauses.push({ _id: { $in: objectIdsOf(filter.ids) } });
  for (const term of filter.q ? searchTermsOf(filter.q) : []) {
    clauses.push({ searchKeys: new RegExp(`^${escapeRegex(term)}`) });
  }
  return allOf(clauses);
}

const archivedError = (project: ProjectRecord) =>
  new DomainError('PROJECT_ARCHIVED', 'The project is archived; it can be read but no longer changed', {
    projectId: project.id,
    status: 'archived',
  });

export function createProjectRepository(collections: Pick<Collections, 'projects'>): ProjectRepository {
  const { projects } = collections;

  /**
   * Runs a write that may set a name or code; a clash with a live project
   * becomes 409 ALREADY_EXISTS naming the field (told apart by looking, since
   * servers word duplicate-key errors differently).
   */
  async function withUniqueName<T>(id: string, name: string, code: string | null, write: () => Promise<T>) {
    try {
      return await write();
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const onCode =
        code !== null && (await projects.countDocuments({ liveCodeKey: projectKey(code), _id: { $ne: oid(id) } })) > 0;
      throw new DomainError(
        'ALREADY_EXISTS',
        onCode ? `A project with the code "${code}" already exists` : `A project named "${name}" already exists`,
        { field: onCode ? 'code' : 'name' },
      );
    }
  }

  /** updateVersioned on a live project: its guard miss (archived meanwhile) answers PROJECT_ARCHIVED. */
  async function updateLive(project: ProjectRecord, expectedVersion: number, set: Partial<ProjectDoc>, now: Date) {
    return updateVersioned(
      projects,
      oid(project.id),
      expectedVersion,
      { $set: set },
      { resource: 'Project', now, where: { status: { $ne: 'archived' } }, guardError: () => archivedError(project) },
    );
  }

  return {
    async get(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await projects.findOne({ _id }) : null;
      return doc ? toProjectRecord(doc) : null;
    },

    async names(ids) {
      const found = await findByIds(projects, objectIdsOf(ids), { name: 1 });
      return new Map([...found].map(([id, doc]) => [id, doc.name]));
    },

    list: (filter) =>
      findPage(
        projects,
        listQuery(filter),
        { page: filter.page, limit: filter.limit, sort: PROJECT_SORTS[filter.sort] },
        toProjectRecord,
      ),

    async insert(project, now) {
      const record: ProjectRecord = {
        ...project,
        id: newIdString(),
        archivedAt: null,
        archivedBy: null,
        ...initialVersion(now),
      };
      await withUniqueName(record.id, record.name, record.code, () => projects.insertOne(toProjectDoc(record)));
      return record;
    },

    async update(project, expectedVersion, changes, now) {
      const name = changes.name ?? project.name;
      const code = changes.code !== undefined ? changes.code : project.code;
      const set: Partial<ProjectDoc> = { name, code, ...projectKeyFields(project.id, name, code, false) };
      if (changes.description !== undefined) set.description = changes.description;
      if (changes.status !== undefined) set.status = changes.status;
      if (changes.startDate !== undefined) set.startDate = changes.startDate;
      if (changes.endDate !== undefined) set.endDate = changes.endDate;
      if (changes.tags !== undefined) {
        set.tags = changes.tags;
        set.tagKeys = changes.tags.map(projectKey);
      }
      if (changes.typeId !== undefined) set.typeId = changes.typeId === null ? null : oid(changes.typeId);
      const updated = await withUniqueName(project.id, name, code, () =>
        updateLive(project, expectedVersion, set, now),
      );
      return toProjectRecord(updated);
    },

    async archive(project, by, now) {
      const set: Partial<ProjectDoc> = {
        status: 'archived',
        archivedAt: now,
        archivedBy: oid(by),
        ...projectKeyFields(project.id, project.name, project.code, true),
      };
      return toProjectRecord(await updateLive(project, project.version, set, now));
    },

    countOfType: async (typeId) => {
      const _id = objectIdOf(typeId);
      return _id ? projects.countDocuments({ typeId: _id }) : 0;
    },

    async liveKeys() {
      const keys = new Set<string>();
      for await (const doc of projects.find({}, { projection: { liveNameKey: 1, liveCodeKey: 1 } })) {
        keys.add(doc.liveNameKey).add(doc.liveCodeKey);
      }
      return keys;
    },

    repairSearchKeys: () =>
      repairSearchKeys(projects, ['name', 'code'], (doc) => projectSearchKeys(doc.name, doc.code)),

    async insertMany(records) {
      if (records.length) await projects.insertMany(records.map(toProjectDoc));
    },
  };
}
