import { commentView, documentReferences, documentView } from '@seed-pms/db';
import {
  type AddCommentInput,
  assertProjectOpen,
  type DeleteCommentInput,
  type DeleteDocumentInput,
  DomainError,
  type EditCommentInput,
  type GetDocumentInput,
  isDomainError,
  type ListCommentsQuery,
  type ListDocumentsQuery,
  notFound,
  type Page,
  type ProjectCommentRecord,
  type ProjectCommentView,
  type ProjectDocumentDownloadView,
  type ProjectDocumentRecord,
  type ProjectDocumentView,
  tidyFileName,
  validationFailed,
} from '@seed-pms/domain';
import { assertCan, assertCanSee, canOn } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';
import type { EventBus } from '../events/event-bus.js';
import type { FileOwnerAccess, FilesService, UploadedFile } from '../files/files.service.js';
import type { ProjectsService, ScopedProject } from './projects.service.js';

/** Attempts at a document or comment racing other changes of it before giving up. */
const ATTEMPTS = 20;

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

const isVersionConflict = (error: unknown) => isDomainError(error) && error.code === 'VERSION_CONFLICT';

const busy = (what: string) =>
  new DomainError('RESOURCE_BUSY', `Too many simultaneous changes of this ${what}; try again`, {
    retryAfterSeconds: 1,
  });

export function createCollaborationService(
  deps: Pick<ServiceDeps, 'repos'>,
  services: { audit: AuditService; files: FilesService; projects: ProjectsService; events?: EventBus },
): CollaborationInternals {
  const { projectComments: comments, projectDocuments: documents, employees, files: fileRecords } = deps.repos;
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

  async function commentViews(records: readonly ProjectCommentRecord[]): Promise<ProjectCommentView[]> {
    const people = await employees.cards(records.map((c) => c.authorId));
    return records.map((c) => commentView(c, people));
  }

  async function documentViews(records: readonly ProjectDocumentRecord[]): Promise<ProjectDocumentView[]> {
    const refs = documentReferences(records);
    const [found, people] = await Promise.all([fileRecords.getMany(refs.fileIds), employees.cards(refs.people)]);
    return records.map((d) => documentView(d, found, people));
  }

  const one = async <T>(views: Promise<T[]>): Promise<T> => (await views)[0] as T;

  const commentSubject = (scoped: ScopedProject, authorId: string) => ({
    projectId: scoped.project.id,
    authorId,
    ...scoped.scope,
  });
  const documentSubject = (scoped: ScopedProject) => ({ projectId: scoped.project.id, ...scoped.scope });

  /** The comment an edit or delete names, once the caller may see it and may do this to it on an open project. */
  async function commentFor(
    ctx: ActorContext,
    scoped: ScopedProject,
    commentId: string,
    action: 'update' | 'delete',
  ): Promise<ProjectCommentRecord> {
    // Whether a comment exists is for those who may read the project's comments: 404 for anyone else.
    assertCanSee(ctx.actor, 'ProjectComment', commentSubject(scoped, ''), 'Comment', commentId);
    const comment = await comments.getLive(scoped.project.id, commentId);
    if (!comment) throw notFound('Comment', commentId);
    assertCan(ctx.actor, action, 'ProjectComment', commentSubject(scoped, comment.authorId));
    assertProjectOpen(scoped.project, 'its comments');
    return comment;
  }

  async function liveDocument(scoped: ScopedProject, docId: string): Promise<ProjectDocumentRecord> {
    const doc = await documents.getLive(scoped.project.id, docId);
    if (!doc) throw notFound('Document', docId);
    return doc;
  }

  /** Adds a version to the live document of that name, or creates it; two first uploads of one name make one document. */
  async function addVersion(ctx: ActorContext, projectId: string, name: string, fileId: string) {
    const next = { fileId, uploadedBy: ctx.actor.id };
    for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
      const existing = await documents.findLiveByName(projectId, name);
      if (!existing) {
        const created = await documents.create(projectId, name, next, ctx.now);
        if (created) return { doc: created, created: true };
        continue;
      }
      try {
        return { doc: await documents.addVersion(existing, next, ctx.now), created: false };
      } catch (error) {
        // Another upload added a version (or deleted it) first: read it again.
        if (!isVersionConflict(error) && !(isDomainError(error) && error.code === 'NOT_FOUND')) throw error;
      }
    }
    throw busy('document');
  }

  return {
    fileAccess,

    async comments(ctx, query) {
      const scoped = await projects.scoped(ctx, query.id);
      assertCan(ctx.actor, 'read', 'ProjectComment', commentSubject(scoped, ''));
      const page = await comments.list(scoped.project.id, query);
      return { ...page, items: await commentViews(page.items) };
    },

    async addComment(ctx, input) {
      const scoped = await projects.scoped(ctx, input.id);
      assertCan(ctx.actor, 'create', 'ProjectComment', commentSubject(scoped, ctx.actor.id));
      assertProjectOpen(scoped.project, 'its comments');
      const comment = await comments.insert(
        { projectId: scoped.project.id, authorId: ctx.actor.id, body: input.body },
        ctx.now,
      );
      const after = await one(commentViews([comment]));
      await audit.record(ctx, {
        action: 'project.comment.add',
        resourceType: 'project_comment',
        resourceId: comment.id,
        after,
      });
      await services.events?.publish('project.comment-saved', {
        projectId: scoped.project.id,
        commentId: comment.id,
        authorId: ctx.actor.id,
        body: input.body,
        at: ctx.now,
      });
      return after;
    },

    async editComment(ctx, input) {
      const scoped = await projects.scoped(ctx, input.id);
      const comment = await commentFor(ctx, scoped, input.commentId, 'update');
      const updated = await comments.edit(comment, input.version, input.body, ctx.now);
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
      const scoped = await projects.scoped(ctx, input.id);
      let comment = await commentFor(ctx, scoped, input.commentId, 'delete');
      // No version is sent: the comment as it is now is deleted (an edit racing the delete is read again).
      for (let attempt = 1; ; attempt += 1) {
        try {
          await comments.delete(comment, comment.version, ctx.actor.id, ctx.now);
          break;
        } catch (error) {
          if (!isVersionConflict(error)) throw error;
          if (attempt >= ATTEMPTS) throw busy('comment');
          comment = await commentFor(ctx, scoped, input.commentId, 'delete');
        }
      }
      const before = await one(commentViews([comment]));
      await audit.record(ctx, {
        action: 'project.comment.delete',
        resourceType: 'project_comment',
        resourceId: input.commentId,
        before,
      });
      return before;
    },

    async documents(ctx, query) {
      const scoped = await projects.scoped(ctx, query.id);
      assertCan(ctx.actor, 'read', 'ProjectDocument', documentSubject(scoped));
      const page = await documents.list(scoped.project.id, query);
      return { ...page, items: await documentViews(page.items) };
    },

    async uploadDocument(ctx, input) {
      const scoped = await projects.scoped(ctx, input.id);
      assertCan(ctx.actor, 'create', 'ProjectDocument', documentSubject(scoped));
      assertProjectOpen(scoped.project, 'its documents');
      const name = tidyFileName(input.name?.trim() || input.file.name);
      if (!name) {
        throw validationFailed('The document needs a name', [{ path: 'name', message: 'required', code: 'required' }]);
      }
      const stored = await files.store(ctx, {
        purpose: 'project-document',
        owner: { type: 'project', id: scoped.project.id },
        name: input.file.name,
        body: Buffer.from(await input.file.arrayBuffer()),
      });
      const { doc, created } = await addVersion(ctx, scoped.project.id, name, stored.id).catch(async (error) => {
        // The stored file belongs to no document: it is never served.
        await files.remove(ctx, [stored.id], 'project document upload failed');
        throw error;
      });
      const after = await one(documentViews([doc]));
      await audit.record(ctx, {
        action: created ? 'project.document.create' : 'project.document.version',
        resourceType: 'project_document',
        resourceId: doc.id,
        after,
        details: { version: doc.latestVersion, fileId: stored.id },
      });
      return after;
    },

    async document(ctx, input) {
      const scoped = await projects.scoped(ctx, input.id);
      // As through GET /files/:id: who may not read the project's documents learns nothing of this one.
      assertCanSee(ctx.actor, 'ProjectDocument', documentSubject(scoped), 'Document', input.docId);
      const doc = await liveDocument(scoped, input.docId);
      const wanted = input.version ?? doc.latestVersion;
      const version = doc.versions.find((v) => v.version === wanted);
      if (!version) throw notFound('Document version', `${input.docId}@${wanted}`);
      const base = await one(documentViews([doc]));
      let download: ProjectDocumentDownloadView['download'] = null;
      try {
        download = await files.download(ctx, version.fileId);
      } catch (error) {
        // A file still being scanned has no link yet; the answer says so with download: null.
        if (!(error instanceof DomainError) || error.code !== 'FILE_NOT_READY') throw error;
      }
      return { ...base, version: wanted, download };
    },

    async deleteDocument(ctx, input) {
      const scoped = await projects.scoped(ctx, input.id);
      assertCanSee(ctx.actor, 'ProjectDocument', documentSubject(scoped), 'Document', input.docId);
      assertCan(ctx.actor, 'delete', 'ProjectDocument', documentSubject(scoped));
      assertProjectOpen(scoped.project, 'its documents');
      let doc = await liveDocument(scoped, input.docId);
      // The document as it is now is deleted (a version added meanwhile is read again and goes too).
      for (let attempt = 1; ; attempt += 1) {
        try {
          await documents.delete(doc, doc.version, ctx.actor.id, ctx.now);
          break;
        } catch (error) {
          if (!isVersionConflict(error)) throw error;
          if (attempt >= ATTEMPTS) throw busy('document');
          doc = await liveDocument(scoped, input.docId);
        }
      }
      await files.remove(
        ctx,
        doc.versions.map((v) => v.fileId),
        'project document deleted',
      );
      const before = await one(documentViews([doc]));
      await audit.record(ctx, {
        action: 'project.document.delete',
        resourceType: 'project_document',
        resourceId: input.docId,
        before,
      });
      return before;
    },
  };
}
