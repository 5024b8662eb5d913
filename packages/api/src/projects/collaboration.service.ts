import {
  type Collection,
  escapeRegex,
  type Filter,
  findByIds,
  findPage,
  isDuplicateKey,
  newId,
  ObjectId,
  type ProjectCommentDoc,
  type ProjectDoc,
  type ProjectDocumentDoc,
  parseId,
  projectKey,
  updateVersioned,
  type WithId,
} from '@seed-pms/db';
import {
  type AddCommentInput,
  type DeleteCommentInput,
  type DeleteDocumentInput,
  DomainError,
  type EditCommentInput,
  type GetDocumentInput,
  type ListCommentsQuery,
  type ListDocumentsQuery,
  MAX_DOCUMENT_NAME,
  notFound,
  type Page,
  type ProjectCommentView,
  type ProjectDocumentDownloadView,
  type ProjectDocumentView,
  tidyFileName,
} from '@seed-pms/domain';
import { assertCan, canOn } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { AppDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';
import type { FileOwnerAccess, FilesService, UploadedFile } from '../files/files.service.js';
import type { ProjectsService, ScopedProject } from './projects.service.js';

export interface CollaborationService {
  comments(ctx: ActorContext, query: ListCommentsQuery): Promise<Page<ProjectCommentView>>;
  addComment(ctx: ActorContext, input: AddCommentInput): Promise<ProjectCommentView>;
  editComment(ctx: ActorContext, input: EditCommentInput): Promise<ProjectCommentView>;
  deleteComment(ctx: ActorContext, input: DeleteCommentInput): Promise<ProjectCommentView>;
  documents(ctx: ActorContext, query: ListDocumentsQuery): Promise<Page<ProjectDocumentView>>;
  uploadDocument(
    ctx: ActorContext,
    input: { id: string; file: UploadedFile; name?: string | undefined },
  ): Promise<ProjectDocumentView>;
  document(ctx: ActorContext, input: GetDocumentInput): Promise<ProjectDocumentDownloadView>;
  deleteDocument(ctx: ActorContext, input: DeleteDocumentInput): Promise<ProjectDocumentView>;
}

/** What the collaboration area offers other areas (wired in events/subscriptions.ts). */
export interface CollaborationInternals extends CollaborationService {
  /** Who may read files owned by a project (its documents): whoever may read its documents. */
  readonly fileAccess: FileOwnerAccess;
}

function requireOpen(project: WithId<ProjectDoc>, what: string): void {
  if (project.status === 'archived') {
    throw new DomainError('INVALID_STATE', `The project is archived; ${what} can be read but not changed`, {
      projectId: project._id.toHexString(),
    });
  }
}

export function createCollaborationService(
  deps: AppDeps,
  services: { audit: AuditService; files: FilesService; projects: ProjectsService },
): CollaborationInternals {
  const { projectComments, projectDocuments, employees, files: fileRecords } = deps.database.collections;
  const { audit, files, projects } = services;

  const fileAccess: FileOwnerAccess = {
    async canRead(ctx, ownerId) {
      try {
        const { scope } = await projects.scoped(ctx, ownerId);
        return canOn(ctx.actor, 'read', 'ProjectDocument', { projectId: ownerId, ...scope });
      } catch {
        return false;
      }
    },
  };

  async function people(ids: readonly (ObjectId | null)[]) {
    const found = await findByIds(
      employees,
      ids.filter((id): id is ObjectId => id !== null),
      { name: 1 },
    );
    return (id: ObjectId | null) =>
      id === null ? null : { id: id.toHexString(), name: found.get(id.toHexString())?.name ?? '(unknown)' };
  }

  async function commentViews(docs: readonly WithId<ProjectCommentDoc>[]): Promise<ProjectCommentView[]> {
    const person = await people(docs.map((d) => d.authorId));
    return docs.map((doc) => ({
      id: doc._id.toHexString(),
      projectId: doc.projectId.toHexString(),
      author: person(doc.authorId) ?? { id: doc.authorId.toHexString(), name: '(unknown)' },
      body: doc.body,
      editedAt: doc.editedAt?.toISOString() ?? null,
      version: doc.version,
      createdAt: doc.createdAt.toISOString(),
    }));
  }

  /**
   * A comment or document of the project that is not deleted, by id: read by
   * `_id` alone (the one lookup FerretDB answers without a scan) and checked
   * here; 404 otherwise.
   */
  async function liveRecord<T extends { projectId: ObjectId; deletedAt: Date | null }>(
    collection: Collection<T>,
    scoped: ScopedProject,
    id: string,
    resource: string,
  ): Promise<WithId<T>> {
    const record = await collection.findOne({ _id: parseId(id, { resource }) } as Filter<T>);
    if (!record || !record.projectId.equals(scoped.project._id) || record.deletedAt !== null) {
      throw notFound(resource, id);
    }
    return record;
  }

  const commentSubject = (scoped: ScopedProject, authorId: string) => ({
    projectId: scoped.project._id.toHexString(),
    authorId,
    ...scoped.scope,
  });

  /** The comment an edit or delete names, once the caller may see it and may do this to it on an open project. */
  async function commentFor(ctx: ActorContext, input: { id: string; commentId: string }, action: 'update' | 'delete') {
    const scoped = await projects.scoped(ctx, input.id);
    // Whether a comment exists is for those who may read the project's comments.
    assertCan(ctx.actor, 'read', 'ProjectComment', commentSubject(scoped, ''));
    const comment = await liveRecord(projectComments, scoped, input.commentId, 'Comment');
    assertCan(ctx.actor, action, 'ProjectComment', commentSubject(scoped, comment.authorId.toHexString()));
    requireOpen(scoped.project, 'comments');
    return { scoped, comment };
  }

  async function documentViews(docs: readonly WithId<ProjectDocumentDoc>[]): Promise<ProjectDocumentView[]> {
    const fileIds = docs.flatMap((d) => d.versions.map((v) => v.fileId));
    const [found, person] = await Promise.all([
      findByIds(fileRecords, fileIds, { name: 1, contentType: 1, size: 1, status: 1 }),
      people(docs.flatMap((d) => d.versions.map((v) => v.uploadedBy))),
    ]);
    return docs.map((doc) => ({
      id: doc._id.toHexString(),
      projectId: doc.projectId.toHexString(),
      name: doc.name,
      latestVersion: doc.latestVersion,
      versions: [...doc.versions].reverse().map((v) => {
        const file = found.get(v.fileId.toHexString());
        return {
          version: v.version,
          fileId: v.fileId.toHexString(),
          fileName: file?.name ?? '',
          contentType: file?.contentType ?? 'application/octet-stream',
          size: file?.size ?? 0,
          status: file?.status ?? 'failed',
          uploadedBy: person(v.uploadedBy),
          uploadedAt: v.uploadedAt.toISOString(),
        };
      }),
      createdAt: doc.createdAt.toISOString(),
      updatedAt: doc.updatedAt.toISOString(),
    }));
  }

  const documentSubject = (scoped: ScopedProject) => ({ projectId: scoped.project._id.toHexString(), ...scoped.scope });

  /** Adds a version to the live document of that name, or creates it; two first uploads of one name make one document. */
  async function addVersion(
    ctx: ActorContext,
    projectId: ObjectId,
    name: string,
    fileId: ObjectId,
  ): Promise<{ doc: WithId<ProjectDocumentDoc>; created: boolean }> {
    const nameKey = projectKey(name);
    const by = ObjectId.createFromHexString(ctx.actor.id);
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const existing = await projectDocuments.findOne({ projectId, liveKey: nameKey });
      if (!existing) {
        const doc: ProjectDocumentDoc = {
          _id: newId(),
          projectId,
          name,
          nameKey,
          liveKey: nameKey,
          versions: [{ version: 1, fileId, uploadedBy: by, uploadedAt: ctx.now }],
          latestVersion: 1,
          deletedAt: null,
          deletedBy: null,
          version: 1,
          createdAt: ctx.now,
          updatedAt: ctx.now,
        };
        try {
          await projectDocuments.insertOne(doc);
          return { doc, created: true };
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          continue;
        }
      }
      const next = existing.latestVersion + 1;
      const updated = await projectDocuments.findOneAndUpdate(
        { _id: existing._id, version: existing.version, deletedAt: null },
        {
          $push: { versions: { version: next, fileId, uploadedBy: by, uploadedAt: ctx.now } },
          $set: { latestVersion: next, updatedAt: ctx.now },
          $inc: { version: 1 },
        },
        { returnDocument: 'after' },
      );
      if (updated) return { doc: updated, created: false };
    }
    throw new DomainError('CONFLICT', 'Too many simultaneous uploads of this document; try again');
  }

  return {
    fileAccess,
    async comments(ctx, query) {
      const scoped = await projects.scoped(ctx, query.id);
      assertCan(ctx.actor, 'read', 'ProjectComment', commentSubject(scoped, ''));
      const dir = query.order === 'newest' ? -1 : 1;
      const page = await findPage(
        projectComments,
        { projectId: scoped.project._id, deletedAt: null },
        { page: query.page, limit: query.limit, sort: { createdAt: dir, _id: dir } },
        (doc) => doc,
      );
      return { ...page, items: await commentViews(page.items) };
    },

    async addComment(ctx, input) {
      const scoped = await projects.scoped(ctx, input.id);
      assertCan(ctx.actor, 'create', 'ProjectComment', commentSubject(scoped, ctx.actor.id));
      requireOpen(scoped.project, 'comments');
      const doc: ProjectCommentDoc = {
        _id: newId(),
        projectId: scoped.project._id,
        authorId: ObjectId.createFromHexString(ctx.actor.id),
        body: input.body,
        editedAt: null,
        deletedAt: null,
        deletedBy: null,
        version: 1,
        createdAt: ctx.now,
        updatedAt: ctx.now,
      };
      await projectComments.insertOne(doc);
      const [after] = await commentViews([doc]);
      await audit.record(ctx, {
        action: 'project.comment.add',
        resourceType: 'project_comment',
        resourceId: doc._id.toHexString(),
        after,
      });
      return after as ProjectCommentView;
    },

    async editComment(ctx, input) {
      const { comment } = await commentFor(ctx, input, 'update');
      const updated = await updateVersioned(
        projectComments,
        comment._id,
        input.version,
        { $set: { body: input.body, editedAt: ctx.now } },
        { resource: 'Comment', now: ctx.now, where: { deletedAt: null } },
      );
      const [before, after] = await commentViews([comment, updated]);
      await audit.record(ctx, {
        action: 'project.comment.edit',
        resourceType: 'project_comment',
        resourceId: input.commentId,
        before,
        after,
      });
      return after as ProjectCommentView;
    },

    async deleteComment(ctx, input) {
      const { comment } = await commentFor(ctx, input, 'delete');
      const result = await projectComments.updateOne(
        { _id: comment._id, deletedAt: null },
        {
          $set: { deletedAt: ctx.now, deletedBy: ObjectId.createFromHexString(ctx.actor.id), updatedAt: ctx.now },
          $inc: { version: 1 },
        },
      );
      if (result.modifiedCount === 0) throw notFound('Comment', input.commentId);
      const [before] = await commentViews([comment]);
      await audit.record(ctx, {
        action: 'project.comment.delete',
        resourceType: 'project_comment',
        resourceId: input.commentId,
        before,
      });
      return before as ProjectCommentView;
    },

    async documents(ctx, query) {
      const scoped = await projects.scoped(ctx, query.id);
      assertCan(ctx.actor, 'read', 'ProjectDocument', documentSubject(scoped));
      const filter = {
        projectId: scoped.project._id,
        deletedAt: null,
        ...(query.q ? { nameKey: new RegExp(`^${escapeRegex(projectKey(query.q))}`) } : {}),
      };
      const page = await findPage(
        projectDocuments,
        filter,
        { page: query.page, limit: query.limit, sort: { nameKey: 1, _id: 1 } },
        (doc) => doc,
      );
      return { ...page, items: await documentViews(page.items) };
    },

    async uploadDocument(ctx, input) {
      const scoped = await projects.scoped(ctx, input.id);
      assertCan(ctx.actor, 'create', 'ProjectDocument', documentSubject(scoped));
      requireOpen(scoped.project, 'documents');
      const name = tidyFileName(input.name?.trim() || input.file.name).slice(0, MAX_DOCUMENT_NAME);
      if (!name)
        throw new DomainError('VALIDATION_FAILED', 'The document needs a name', [
          { path: 'name', message: 'required' },
        ]);
      const stored = await files.store(ctx, {
        purpose: 'project-document',
        owner: { type: 'project', id: scoped.project._id.toHexString() },
        name: input.file.name,
        body: Buffer.from(await input.file.arrayBuffer()),
      });
      const { doc, created } = await addVersion(
        ctx,
        scoped.project._id,
        name,
        ObjectId.createFromHexString(stored.id),
      ).catch(async (error) => {
        // The stored file belongs to no document: it is never served.
        await files.remove(ctx, [stored.id], 'project document upload failed');
        throw error;
      });
      const [after] = await documentViews([doc]);
      await audit.record(ctx, {
        action: created ? 'project.document.create' : 'project.document.version',
        resourceType: 'project_document',
        resourceId: doc._id.toHexString(),
        after,
        details: { version: doc.latestVersion, fileId: stored.id },
      });
      return after as ProjectDocumentView;
    },

    async document(ctx, input) {
      const scoped = await projects.scoped(ctx, input.id);
      assertCan(ctx.actor, 'read', 'ProjectDocument', documentSubject(scoped));
      const doc = await liveRecord(projectDocuments, scoped, input.docId, 'Document');
      const wanted = input.version ?? doc.latestVersion;
      const version = doc.versions.find((v) => v.version === wanted);
      if (!version) throw notFound('Document version', `${input.docId}@${wanted}`);
      const [base] = await documentViews([doc]);
      let download: ProjectDocumentDownloadView['download'] = null;
      try {
        download = await files.download(ctx, version.fileId.toHexString());
      } catch (error) {
        // A file still being scanned has no link yet; the answer says so with download: null.
        if (!(error instanceof DomainError) || error.code !== 'FILE_NOT_READY') throw error;
      }
      return { ...(base as ProjectDocumentView), version: wanted, download };
    },

    async deleteDocument(ctx, input) {
      const scoped = await projects.scoped(ctx, input.id);
      assertCan(ctx.actor, 'delete', 'ProjectDocument', documentSubject(scoped));
      requireOpen(scoped.project, 'documents');
      const doc = await liveRecord(projectDocuments, scoped, input.docId, 'Document');
      const deleted = await projectDocuments.findOneAndUpdate(
        { _id: doc._id, deletedAt: null },
        {
          $set: {
            deletedAt: ctx.now,
            deletedBy: ObjectId.createFromHexString(ctx.actor.id),
            liveKey: `~deleted~${doc._id.toHexString()}`,
            updatedAt: ctx.now,
          },
          $inc: { version: 1 },
        },
        { returnDocument: 'after' },
      );
      if (!deleted) throw notFound('Document', input.docId);
      await files.remove(
        ctx,
        doc.versions.map((v) => v.fileId.toHexString()),
        'project document deleted',
      );
      const [before] = await documentViews([doc]);
      await audit.record(ctx, {
        action: 'project.document.delete',
        resourceType: 'project_document',
        resourceId: input.docId,
        before,
      });
      return before as ProjectDocumentView;
    },
  };
}
