import {
  AddCommentInput,
  AddRosterMemberInput,
  AddRosterMembersInput,
  ArchiveProjectInput,
  BulkRosterResult,
  CreateProjectInput,
  DeleteCommentInput,
  DeleteDocumentInput,
  EditCommentInput,
  GetDocumentInput,
  Id,
  ListCommentsQuery,
  ListDocumentsQuery,
  ListProjectsQuery,
  MAX_DOCUMENT_NAME,
  ProjectCommentView,
  ProjectDocumentDownloadView,
  ProjectDocumentView,
  ProjectSummary,
  ProjectView,
  pageOf,
  RemoveRosterMemberInput,
  RosterChangeResult,
  RosterQuery,
  RosterView,
  UpdateProjectInput,
  UpdateRosterMemberInput,
} from '@seed-pms/domain';
import { z } from 'zod';
import { multipartInput } from '../rest/multipart.js';
import { authedProcedure, idempotent, router, uploadProcedure } from '../trpc/trpc.js';

const tags = ['projects'];
const rosterTags = ['projects: roster'];
const collaborationTags = ['projects: comments and documents'];

export const projectsRouter = router({
  list: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Project' },
      openapi: {
        method: 'GET',
        path: '/projects',
        tags,
        summary: 'Projects, filtered by status (not archived by default), q, tag, type or member',
      },
    })
    .input(ListProjectsQuery)
    .output(pageOf(ProjectSummary))
    .query(({ ctx, input }) => ctx.services.projects.list(ctx, input)),

  create: authedProcedure
    .meta({
      access: { action: 'create', subject: 'Project' },
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/projects',
        tags,
        summary: 'Create a project (Manager and above)',
      },
    })
    .input(CreateProjectInput)
    .output(ProjectView)
    .mutation(idempotent(({ ctx, input }) => ctx.services.projects.create(ctx, input))),

  get: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Project' },
      openapi: { method: 'GET', path: '/projects/{id}', tags, summary: 'A project with its leads and head count' },
    })
    .input(z.strictObject({ id: Id }))
    .output(ProjectView)
    .query(({ ctx, input }) => ctx.services.projects.get(ctx, input.id)),

  update: authedProcedure
    .meta({
      access: { action: 'update', subject: 'Project' },
      openapi: {
        method: 'PATCH',
        path: '/projects/{id}',
        tags,
        summary: 'Change a project (its leads, Manager and above; with version); status moves by the lifecycle',
      },
    })
    .input(UpdateProjectInput)
    .output(ProjectView)
    .mutation(({ ctx, input }) => ctx.services.projects.update(ctx, input)),

  archive: authedProcedure
    .meta({
      access: { action: 'archive', subject: 'Project' },
      openapi: {
        method: 'DELETE',
        path: '/projects/{id}',
        tags,
        summary: 'Archive a project (Manager and above): it stays readable; its allocations end today',
      },
    })
    .input(ArchiveProjectInput)
    .output(ProjectView)
    .mutation(({ ctx, input }) => ctx.services.projects.archive(ctx, input)),

  roster: authedProcedure
    .meta({
      access: { action: 'read', subject: 'ProjectRoster' },
      openapi: {
        method: 'GET',
        path: '/projects/{id}/roster',
        tags: rosterTags,
        summary: 'The team with roles, allocations and each person’s over-allocation flag',
      },
    })
    .input(RosterQuery)
    .output(RosterView)
    .query(({ ctx, input }) => ctx.services.projects.roster(ctx, input)),

  addMember: authedProcedure
    .meta({
      access: { action: 'create', subject: 'ProjectRoster' },
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/projects/{id}/roster',
        tags: rosterTags,
        summary:
          'Add someone with a role and an allocation (leads, Manager and above); 409 CAPACITY_EXCEEDED past 100%',
      },
    })
    .input(AddRosterMemberInput)
    .output(RosterChangeResult)
    .mutation(idempotent(({ ctx, input }) => ctx.services.projects.addMember(ctx, input))),

  addMembers: authedProcedure
    .meta({
      access: { action: 'create', subject: 'ProjectRoster' },
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/projects/{id}/roster/bulk',
        tags: rosterTags,
        summary:
          'Add up to 50 people at once, each like a single addition; all are checked first and none is added if any is refused (422 ROSTER_BULK_REFUSED)',
      },
    })
    .input(AddRosterMembersInput)
    .output(BulkRosterResult)
    .mutation(idempotent(({ ctx, input }) => ctx.services.projects.addMembers(ctx, input))),

  updateMember: authedProcedure
    .meta({
      access: { action: 'update', subject: 'ProjectRoster' },
      openapi: {
        method: 'PATCH',
        path: '/projects/{id}/roster/{userId}',
        tags: rosterTags,
        summary: 'Change a member’s role, allocation or dates from a day on; earlier days keep their history',
      },
    })
    .input(UpdateRosterMemberInput)
    .output(RosterChangeResult)
    .mutation(({ ctx, input }) => ctx.services.projects.updateMember(ctx, input)),

  removeMember: authedProcedure
    .meta({
      access: { action: 'delete', subject: 'ProjectRoster' },
      openapi: {
        method: 'DELETE',
        path: '/projects/{id}/roster/{userId}',
        tags: rosterTags,
        summary: 'End a member’s time on the project (after lastDay, yesterday by default); history is kept',
      },
    })
    .input(RemoveRosterMemberInput)
    .output(RosterChangeResult)
    .mutation(({ ctx, input }) => ctx.services.projects.removeMember(ctx, input)),

  comments: authedProcedure
    .meta({
      access: { action: 'read', subject: 'ProjectComment' },
      openapi: {
        method: 'GET',
        path: '/projects/{id}/comments',
        tags: collaborationTags,
        summary: 'Comments (members, leads, Manager and above); bodies are plain text to be shown escaped',
      },
    })
    .input(ListCommentsQuery)
    .output(pageOf(ProjectCommentView))
    .query(({ ctx, input }) => ctx.services.collaboration.comments(ctx, input)),

  addComment: authedProcedure
    .meta({
      access: { action: 'create', subject: 'ProjectComment' },
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/projects/{id}/comments',
        tags: collaborationTags,
        summary: 'Comment',
      },
    })
    .input(AddCommentInput)
    .output(ProjectCommentView)
    .mutation(idempotent(({ ctx, input }) => ctx.services.collaboration.addComment(ctx, input))),

  editComment: authedProcedure
    .meta({
      access: { action: 'update', subject: 'ProjectComment' },
      openapi: {
        method: 'PATCH',
        path: '/projects/{id}/comments/{commentId}',
        tags: collaborationTags,
        summary: 'Edit your own comment (with version)',
      },
    })
    .input(EditCommentInput)
    .output(ProjectCommentView)
    .mutation(({ ctx, input }) => ctx.services.collaboration.editComment(ctx, input)),

  deleteComment: authedProcedure
    .meta({
      access: { action: 'delete', subject: 'ProjectComment' },
      openapi: {
        method: 'DELETE',
        path: '/projects/{id}/comments/{commentId}',
        tags: collaborationTags,
        summary: 'Delete a comment (its author, the project’s leads, Manager and above); kept for the audit trail',
      },
    })
    .input(DeleteCommentInput)
    .output(ProjectCommentView)
    .mutation(({ ctx, input }) => ctx.services.collaboration.deleteComment(ctx, input)),

  documents: authedProcedure
    .meta({
      access: { action: 'read', subject: 'ProjectDocument' },
      openapi: {
        method: 'GET',
        path: '/projects/{id}/documents',
        tags: collaborationTags,
        summary: 'Documents with their versions (members, leads, Manager and above)',
      },
    })
    .input(ListDocumentsQuery)
    .output(pageOf(ProjectDocumentView))
    .query(({ ctx, input }) => ctx.services.collaboration.documents(ctx, input)),

  uploadDocument: uploadProcedure
    .meta({
      access: { action: 'create', subject: 'ProjectDocument' },
      multipart: { file: 'The document: PDF, office formats, text, CSV or images (by content), at most 25 MB' },
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/projects/{id}/documents',
        contentTypes: ['multipart/form-data'],
        tags: collaborationTags,
        summary: 'Upload a document (field "file", optional "name"); a name already in use adds a version',
      },
    })
    .input(
      multipartInput({
        id: Id,
        name: z.string().trim().min(1).max(MAX_DOCUMENT_NAME).optional(),
      }),
    )
    .output(ProjectDocumentView)
    .mutation(({ ctx, input }) => ctx.services.collaboration.uploadDocument(ctx, input)),

  document: authedProcedure
    .meta({
      access: { action: 'read', subject: 'ProjectDocument' },
      openapi: {
        method: 'GET',
        path: '/projects/{id}/documents/{docId}',
        tags: collaborationTags,
        summary: 'A document with a 5-minute download link for its latest (or a given) version',
      },
    })
    .input(GetDocumentInput)
    .output(ProjectDocumentDownloadView)
    .query(({ ctx, input }) => ctx.services.collaboration.document(ctx, input)),

  deleteDocument: authedProcedure
    .meta({
      access: { action: 'delete', subject: 'ProjectDocument' },
      openapi: {
        method: 'DELETE',
        path: '/projects/{id}/documents/{docId}',
        tags: collaborationTags,
        summary: 'Delete a document and its versions (Manager and Admin); soft and audited',
      },
    })
    .input(DeleteDocumentInput)
    .output(ProjectDocumentView)
    .mutation(({ ctx, input }) => ctx.services.collaboration.deleteDocument(ctx, input)),
});
