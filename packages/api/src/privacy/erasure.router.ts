import {
  CreateErasureRequestInput,
  ErasureRequestIdInput,
  ErasureRequestView,
  ListErasureRequestsQuery,
  pageOf,
} from '@seed-pms/domain';
import { authedProcedure, idempotent } from '../trpc/trpc.js';

const tags = ['privacy'];

/** Erasure requests (right to erasure, spec §10.3): spread into the privacy router. */
export const erasureProcedures = {
  requestErasure: authedProcedure
    .meta({
      access: { action: 'create', subject: 'ErasureRequest' },
      errors: ['USER_ERASED', 'LEGAL_HOLD_ACTIVE', 'ERASURE_REQUEST_PENDING'],
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/privacy/erasure-requests',
        tags,
        summary:
          'Ask to erase your personal data (HR: anyone’s): decided by HR, then an Admin; carried out once approved unless the person is under legal hold',
      },
    })
    .input(CreateErasureRequestInput)
    .output(ErasureRequestView)
    .mutation(idempotent(({ ctx, input }) => ctx.services.erasure.request(ctx, input))),

  erasureRequests: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/privacy/erasure-requests',
        tags,
        summary: 'Erasure requests: your own and those you are asked to decide (HR: all), newest first',
      },
    })
    .input(ListErasureRequestsQuery)
    .output(pageOf(ErasureRequestView))
    .query(({ ctx, input }) => ctx.services.erasure.list(ctx, input)),

  cancelErasureRequest: authedProcedure
    .meta({
      errors: ['REQUEST_NOT_PENDING', 'WORKFLOW_CLOSED'],
      openapi: {
        method: 'DELETE',
        path: '/privacy/erasure-requests/{id}',
        tags,
        summary:
          'Withdraw a pending erasure request: the person, or whoever asked for it on their behalf; answers it cancelled',
      },
    })
    .input(ErasureRequestIdInput)
    .output(ErasureRequestView)
    .mutation(({ ctx, input }) => ctx.services.erasure.cancel(ctx, input.id)),

  erasureRequest: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/privacy/erasure-requests/{id}',
        tags,
        summary:
          'An erasure request: its workflow, whether a legal hold holds it back, and what it changed once completed',
      },
    })
    .input(ErasureRequestIdInput)
    .output(ErasureRequestView)
    .query(({ ctx, input }) => ctx.services.erasure.get(ctx, input.id)),
};
