import { notFound, type Page, type ProjectCommentRecord, type ProjectDocumentRecord } from '@seed-pms/domain';
import type { Collection, Filter, UpdateFilter } from 'mongodb';
import type { Collections } from '../connection.js';
import { isDuplicateKey } from '../errors.js';
import { newId, objectIdOf, oid } from '../ids.js';
import { findPage } from '../pagination.js';
import { escapeRegex } from '../regex.js';
import { initialVersion, updateVersioned } from '../versioning.js';
import type { ProjectCommentDoc, ProjectDocumentDoc } from './project.doc.js';
import { projectKey, toCommentRecord, toDocumentRecord } from './project.mapper.js';

/**
 * Comments and documents of projects. Both are read by `_id` alone and checked
 * here (FerretDB answers only exact `_id` lookups from an index; see the
 * README's design note), and change only through updateVersioned, guarded on
 * not being deleted.
 */
export interface ProjectCommentRepository {
  /** The comment of this project that is not deleted, or null. */
  getLive(projectId: string, id: string): Promise<ProjectCommentRecord | null>;
  list(
    projectId: string,
    options: { page: number; limit: number; order: 'newest' | 'oldest' },
  ): Promise<Page<ProjectCommentRecord>>;
  insert(comment: { projectId: string; authorId: string; body: string }, now: Date): Promise<ProjectCommentRecord>;
  /** At `expectedVersion` (409 VERSION_CONFLICT); 404 when deleted meanwhile. */
  edit(comment: ProjectCommentRecord, expectedVersion: number, body: string, now: Date): Promise<ProjectCommentRecord>;
  /** Soft delete at `expectedVersion` (409 VERSION_CONFLICT when edited meanwhile; 404 when already deleted). */
  delete(comment: ProjectCommentRecord, expectedVersion: number, by: string, now: Date): Promise<ProjectCommentRecord>;
}

export interface NewDocumentVersion {
  fileId: string;
  uploadedBy: string | null;
}

export interface ProjectDocumentRepository {
  /** The document of this project that is not deleted, or null. */
  getLive(projectId: string, id: string): Promise<ProjectDocumentRecord | null>;
  /** The live document of this project with that name (any case or spacing), or null. */
  findLiveByName(projectId: string, name: string): Promise<ProjectDocumentRecord | null>;
  list(
    projectId: string,
    options: { q?: string | undefined; page: number; limit: number },
  ): Promise<Page<ProjectDocumentRecord>>;
  /** A new document with its first version; null when a live document took the name first. */
  create(projectId: string, name: string, first: NewDocumentVersion, now: Date): Promise<ProjectDocumentRecord | null>;
  /** The next version, at the document's version (409 VERSION_CONFLICT; 404 when deleted meanwhile). */
  addVersion(doc: ProjectDocumentRecord, next: NewDocumentVersion, now: Date): Promise<ProjectDocumentRecord>;
  /** Soft delete at `expectedVersion`; the name is free again (409 VERSION_CONFLICT; 404 when already deleted). */
  delete(doc: ProjectDocumentRecord, expectedVersion: number, by: string, now: Date): Promise<ProjectDocumentRecord>;
}

/** Reads by `_id` alone, then checks the project and that it is not deleted. */
async function live<T extends { projectId: ReturnType<typeof oid>; deletedAt: Date | null }>(
  collection: Collection<T>,
  projectId: string,
  id: string,
) {
  const _id = objectIdOf(id);
  const doc = _id ? await collection.findOne({ _id } as Filter<T>) : null;
  return doc && doc.projectId.toHexString() === projectId && doc.deletedAt === null ? doc : null;
}

/** updateVersioned on a live record: a guard miss (deleted meanwhile) answers 404. */
async function updateLive<T extends ProjectCommentDoc | ProjectDocumentDoc>(
  collection: Collection<T>,
  id: string,
  expectedVersion: number,
  update: UpdateFilter<T>,
  resource: string,
  now: Date,
) {
  return updateVersioned(collection, oid(id), expectedVersion, update, {
    resource,
    now,
    where: { deletedAt: null } as Filter<T>,
    guardError: () => notFound(resource, id),
  });
}

export function createProjectCommentRepository(
  collections: Pick<Collections, 'projectComments'>,
): ProjectCommentRepository {
  const { projectComments: comments } = collections;
  return {
    async getLive(projectId, id) {
      const doc = await live(comments, projectId, id);
      return doc ? toCommentRecord(doc) : null;
    },

    list(projectId, options) {
      const dir = options.order === 'newest' ? -1 : 1;
      return findPage(
        comments,
        { projectId: oid(projectId), deletedAt: null },
        { page: options.page, limit: options.limit, sort: { createdAt: dir, _id: dir } },
        toCommentRecord,
      );
    },

    async insert(comment, now) {
      const doc: ProjectCommentDoc = {
        _id: newId(),
        projectId: oid(comment.projectId),
        authorId: oid(comment.authorId),
        body: comment.body,
        editedAt: null,
        deletedAt: null,
        deletedBy: null,
        ...initialVersion(now),
      };
      await comments.insertOne(doc);
      return toCommentRecord(doc);
    },

    async edit(comment, expectedVersion, body, now) {
      const update = { $set: { body, editedAt: now } };
      return toCommentRecord(await updateLive(comments, comment.id, expectedVersion, update, 'Comment', now));
    },

    async delete(comment, expectedVersion, by, now) {
      const update = { $set: { deletedAt: now, deletedBy: oid(by) } };
      return toCommentRecord(await updateLive(comments, comment.id, expectedVersion, update, 'Comment', now));
    },
  };
}

export function createProjectDocumentRepository(
  collections: Pick<Collections, 'projectDocuments'>,
): ProjectDocumentRepository {
  const { projectDocuments: documents } = collections;
  return {
    async getLive(projectId, id) {
      const doc = await live(documents, projectId, id);
      return doc ? toDocumentRecord(doc) : null;
    },

    async findLiveByName(projectId, name) {
      const doc = await documents.findOne({ projectId: oid(projectId), liveKey: projectKey(name) });
      return doc ? toDocumentRecord(doc) : null;
    },

    list(projectId, options) {
      const filter: Filter<ProjectDocumentDoc> = {
        projectId: oid(projectId),
        deletedAt: null,
        ...(options.q ? { nameKey: new RegExp(`^${escapeRegex(projectKey(options.q))}`) } : {}),
      };
      return findPage(
        documents,
        filter,
        { page: options.page, limit: options.limit, sort: { nameKey: 1, _id: 1 } },
        toDocumentRecord,
      );
    },

    async create(projectId, name, first, now) {
      const nameKey = projectKey(name);
      const doc: ProjectDocumentDoc = {
        _id: newId(),
        projectId: oid(projectId),
        name,
        nameKey,
        liveKey: nameKey,
        versions: [
          {
            version: 1,
            fileId: oid(first.fileId),
            uploadedBy: first.uploadedBy === null ? null : oid(first.uploadedBy),
            uploadedAt: now,
          },
        ],
        latestVersion: 1,
        deletedAt: null,
        deletedBy: null,
        ...initialVersion(now),
      };
      try {
        await documents.insertOne(doc);
      } catch (error) {
        if (isDuplicateKey(error)) return null;
        throw error;
      }
      return toDocumentRecord(doc);
    },

    async addVersion(doc, next, now) {
      const version = doc.latestVersion + 1;
      const update: UpdateFilter<ProjectDocumentDoc> = {
        $push: {
          versions: {
            version,
            fileId: oid(next.fileId),
            uploadedBy: next.uploadedBy === null ? null : oid(next.uploadedBy),
            uploadedAt: now,
          },
        },
        $set: { latestVersion: version },
      };
      return toDocumentRecord(await updateLive(documents, doc.id, doc.version, update, 'Document', now));
    },

    async delete(doc, expectedVersion, by, now) {
      const update = { $set: { deletedAt: now, deletedBy: oid(by), liveKey: `~deleted~${doc.id}` } };
      return toDocumentRecord(await updateLive(documents, doc.id, expectedVersion, update, 'Document', now));
    },
  };
}
