import {
  CreateWorkLocationRequestInput,
  CurrentLocationQuery,
  CurrentLocationView,
  ListWorkLocationRequestsQuery,
  listOf,
  pageOf,
  UpdateWorkLocationRequestInput,
  WorkLocationRequestView,
} from '@seed-pms/domain';
import { authedProcedure, idempotent, router } from '../trpc/trpc.js';

const tags = ['work-location'];

export const workLocationRouter = router({
  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/work-location/requests',
        tags,
        summary: 'Your requests; approvers also those they were asked to decide; HR all',
      },
    })
    .input(ListWorkLocationRequestsQuery)
    .output(pageOf(WorkLocationRequestView))
    .query(({ ctx, input }) => ctx.services.workLocation.list(ctx, input)),

  submit: authedProcedure
    .meta({
      access: { action: 'create', subject: 'WorkLocationRequest' },
      errors: ['WORK_LOCATION_OVERLAP', 'INVALID_PERIOD', 'PERIOD_TOO_LONG', 'DAYS_IN_PAST', 'RESOURCE_BUSY'],
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/work-location/requests',
        tags,
        summary: 'Ask to work from home, the office or elsewhere from startDate to endDate (starts its approval)',
      },
    })
    .input(CreateWorkLocationRequestInput)
    .output(WorkLocationRequestView)
    .mutation(idempotent(({ ctx, input }) => ctx.services.workLocation.submit(ctx, input))),

  update: authedProcedure
    .meta({
      errors: [
        'NOT_AN_APPROVER',
        'SELF_APPROVAL',
        'ALREADY_DECIDED',
        'WORKFLOW_CLOSED',
        'REQUEST_NOT_PENDING',
        'VERSION_CONFLICT',
        'WORK_LOCATION_OVERLAP',
        'INVALID_PERIOD',
        'PERIOD_TOO_LONG',
        'DAYS_IN_PAST',
      ],
      openapi: {
        method: 'PATCH',
        path: '/work-location/requests/{id}',
        tags,
        summary:
          'Approve, reject (with a reason) or cancel through the approvals engine; or, the requester while pending, change it (with version; approval starts again)',
      },
    })
    .input(UpdateWorkLocationRequestInput)
    .output(WorkLocationRequestView)
    .mutation(({ ctx, input }) => ctx.services.workLocation.update(ctx, input)),

  current: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/work-location/current',
        tags,
        summary:
          'Where you work today (or on date): an approved request, else your profile’s default, else the office; scope=team for Managers; userId for HR and Directors',
      },
    })
    .input(CurrentLocationQuery)
    .output(listOf(CurrentLocationView))
    .query(({ ctx, input }) => ctx.services.workLocation.current(ctx, input)),
});
