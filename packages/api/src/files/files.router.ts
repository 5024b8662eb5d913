import { DownloadLinkView, FileStatus, FileView, Id, PageQuery, pageOf } from '@seed-pms/domain';
import { z } from 'zod';
import { authedProcedure, router } from '../trpc/trpc.js';

const tags = ['files'];
const IdInput = z.strictObject({ id: Id });

export const filesRouter = router({
  get: authedProcedure
    .meta({
      access: { action: 'read', subject: 'File' },
      openapi: {
        method: 'GET',
        path: '/files/{id}',
        tags,
        summary: 'A file’s metadata and scan status (for those who may read the record that owns it)',
      },
    })
    .input(IdInput)
    .output(FileView)
    .query(({ ctx, input }) => ctx.services.files.get(ctx, input.id)),

  download: authedProcedure
    .meta({
      access: { action: 'read', subject: 'File' },
      openapi: {
        method: 'GET',
        path: '/files/{id}/download',
        tags,
        summary:
          'A signed URL valid for five minutes; 409 FILE_NOT_READY while scanning, 422 FILE_QUARANTINED if infected',
      },
    })
    .input(IdInput)
    .output(DownloadLinkView)
    .query(({ ctx, input }) => ctx.services.files.download(ctx, input.id)),

  list: authedProcedure
    .meta({
      access: { action: 'read', subject: 'File', every: true },
      openapi: { method: 'GET', path: '/files', tags, summary: 'Stored files by status, newest first (HR, Admin)' },
    })
    .input(PageQuery.extend({ status: FileStatus.optional() }).strict())
    .output(pageOf(FileView))
    .query(({ ctx, input }) => ctx.services.files.list(ctx, input)),

  rescan: authedProcedure
    .meta({
      access: { action: 'manage', subject: 'File', every: true },
      openapi: { method: 'POST', path: '/files/{id}/rescan', tags, summary: 'Scan a file again (Admin)' },
    })
    .input(IdInput)
    .output(FileView)
    .mutation(({ ctx, input }) => ctx.services.files.rescan(ctx, input.id)),
});
