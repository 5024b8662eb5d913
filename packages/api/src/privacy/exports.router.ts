import { ExportIdInput, ExportListView, ExportView, ListExportsQuery, RequestExportInput } from '@seed-pms/domain';
import { authedProcedure, idempotent } from '../trpc/trpc.js';

const tags = ['privacy'];

/** Personal-data exports (portability, spec §10.3): spread into the privacy router. */
export const exportProcedures = {
  requestExport: authedProcedure
    .meta({
      access: { action: 'create', subject: 'PrivacyExport' },
      errors: ['EXPORT_RATE_LIMITED'],
      openapi: {
        method: 'POST',
        path: '/privacy/exports',
        successStatus: 202,
        tags,
        summary:
          'Export your personal data (HR: anyone’s, with userId) as a ZIP, built in the background; an export already in progress is answered again. At most 3 a day per person; Idempotency-Key honoured',
      },
    })
    .input(RequestExportInput)
    .output(ExportView)
    .mutation(idempotent(({ ctx, input }) => ctx.services.exports.request(ctx, input))),

  export: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/privacy/exports/{id}',
        tags,
        summary:
          'An export’s progress (done/total/area) and, once ready, a signed download link valid for 15 minutes (the ZIP is kept 7 days)',
      },
    })
    .input(ExportIdInput)
    .output(ExportView)
    .query(({ ctx, input }) => ctx.services.exports.get(ctx, input)),

  exports: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/privacy/exports',
        tags,
        summary: 'Your exports and those you asked for, newest first (HR: anyone’s; userId for one person’s)',
      },
    })
    .input(ListExportsQuery)
    .output(ExportListView)
    .query(({ ctx, input }) => ctx.services.exports.list(ctx, input)),
};
