import { AuditPageView, AuditVerifyView, CursorQuery, ListAuditsQuery } from '@seed-pms/domain';
import { z } from 'zod';
import { authedProcedure, router } from '../trpc/trpc.js';

const tags = ['audit'];

const ObjectAuditQuery = CursorQuery.extend({
  objectType: z.string().min(1).max(64).meta({ description: 'Resource type, e.g. user.' }),
  objectId: z.string().min(1).max(128).meta({ description: 'Resource id.' }),
}).strict();

export const auditsRouter = router({
  list: authedProcedure
    .meta({
      access: { action: 'read', subject: 'AuditLog' },
      openapi: { method: 'GET', path: '/audits', tags, summary: 'The audit trail, newest first (Admin, HR)' },
    })
    .input(ListAuditsQuery)
    .output(AuditPageView)
    .query(({ ctx, input }) => ctx.services.audit.list(input, ctx.now)),

  verify: authedProcedure
    .meta({
      access: { action: 'verify', subject: 'AuditLog' },
      openapi: {
        method: 'GET',
        path: '/audits/verify',
        tags,
        summary: 'Check the hash chain: every entry intact and none missing (Admin)',
      },
    })
    .input(z.void())
    .output(AuditVerifyView)
    .query(({ ctx }) => ctx.services.audit.verify()),

  forObject: authedProcedure
    .meta({
      access: { action: 'read', subject: 'AuditLog' },
      openapi: {
        method: 'GET',
        path: '/audits/{objectType}/{objectId}',
        tags,
        summary: 'The audit trail of one object, newest first (Admin, HR)',
      },
    })
    .input(ObjectAuditQuery)
    .output(AuditPageView)
    .query(({ ctx, input }) =>
      ctx.services.audit.list(
        {
          resourceType: input.objectType,
          resourceId: input.objectId,
          limit: input.limit,
          ...(input.cursor ? { cursor: input.cursor } : {}),
        },
        ctx.now,
      ),
    ),
});
