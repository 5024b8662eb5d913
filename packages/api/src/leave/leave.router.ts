import {
  AdjustBalanceInput,
  BalanceQuery,
  CreateHolidayCalendarInput,
  CreateLeaveRequestInput,
  CreateLeaveTypeInput,
  HolidayCalendarView,
  Id,
  LeaveApprovalItem,
  LeaveApprovalsQuery,
  LeaveBalancesView,
  LeaveDecisionInput,
  LeaveRejectInput,
  LeaveRequestDetailView,
  LeaveRequestView,
  LeaveTypeView,
  ListHolidayCalendarsQuery,
  ListLeaveRequestsQuery,
  ListLeaveTypesQuery,
  listOf,
  pageOf,
  UpdateHolidayCalendarInput,
  UpdateLeaveRequestInput,
  UpdateLeaveTypeInput,
  UserBalanceQuery,
} from '@seed-pms/domain';
import { z } from 'zod';
import { authedProcedure, idempotent, router } from '../trpc/trpc.js';

const tags = ['leave'];
const ASK_ERRORS = [
  'INSUFFICIENT_BALANCE',
  'LEAVE_OVERLAP',
  'LEAVE_TYPE_ARCHIVED',
  'LEAVE_NOTICE_TOO_SHORT',
  'LEAVE_TOO_LONG',
  'LEAVE_SERVICE_TOO_SHORT',
  'LEAVE_DOCUMENT_REQUIRED',
  'LEAVE_NO_WORKING_DAYS',
  'LEAVE_CROSSES_YEAR',
  'INVALID_PERIOD',
  'PERIOD_TOO_LONG',
  'DAYS_IN_PAST',
  'REFERENCE_NOT_FOUND',
  'RESOURCE_BUSY',
] as const;
const DECISION_ERRORS = [
  'NOT_AN_APPROVER',
  'SELF_APPROVAL',
  'ALREADY_DECIDED',
  'WORKFLOW_CLOSED',
  'REQUEST_CHANGED',
] as const;

export const leaveRouter = router({
  types: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/leave/types',
        tags,
        summary: 'Leave types (archived ones with includeArchived)',
      },
    })
    .input(ListLeaveTypesQuery)
    .output(listOf(LeaveTypeView))
    .query(({ ctx, input }) => ctx.services.leave.types(ctx, input)),

  createType: authedProcedure
    .meta({
      access: { action: 'create', subject: 'LeaveType' },
      errors: ['ALREADY_EXISTS'],
      openapi: { method: 'POST', successStatus: 201, path: '/leave/types', tags, summary: 'Add a leave type (Admin)' },
    })
    .input(CreateLeaveTypeInput)
    .output(LeaveTypeView)
    .mutation(({ ctx, input }) => ctx.services.leave.createType(ctx, input)),

  updateType: authedProcedure
    .meta({
      access: { action: 'update', subject: 'LeaveType' },
      errors: ['ALREADY_EXISTS', 'VERSION_CONFLICT', 'IN_USE'],
      openapi: {
        method: 'PATCH',
        path: '/leave/types/{id}',
        tags,
        summary: 'Change a leave type, or archive it (archived: true) instead of deleting it (Admin)',
      },
    })
    .input(UpdateLeaveTypeInput)
    .output(LeaveTypeView)
    .mutation(({ ctx, input }) => ctx.services.leave.updateType(ctx, input)),

  calendars: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/holidays/calendars',
        tags,
        summary: 'Holiday calendars with their days (the default first)',
      },
    })
    .input(ListHolidayCalendarsQuery)
    .output(listOf(HolidayCalendarView))
    .query(({ ctx, input }) => ctx.services.leave.calendars(ctx, input)),

  createCalendar: authedProcedure
    .meta({
      access: { action: 'create', subject: 'HolidayCalendar' },
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/holidays/calendars',
        tags,
        summary: 'Add a holiday calendar (Admin)',
      },
    })
    .input(CreateHolidayCalendarInput)
    .output(HolidayCalendarView)
    .mutation(({ ctx, input }) => ctx.services.leave.createCalendar(ctx, input)),

  updateCalendar: authedProcedure
    .meta({
      access: { action: 'update', subject: 'HolidayCalendar' },
      errors: ['VERSION_CONFLICT'],
      openapi: {
        method: 'PATCH',
        path: '/holidays/calendars/{id}',
        tags,
        summary: 'Change a holiday calendar or its days (Admin)',
      },
    })
    .input(UpdateHolidayCalendarInput)
    .output(HolidayCalendarView)
    .mutation(({ ctx, input }) => ctx.services.leave.updateCalendar(ctx, input)),

  deleteCalendar: authedProcedure
    .meta({
      access: { action: 'delete', subject: 'HolidayCalendar' },
      errors: ['HOLIDAY_CALENDAR_DEFAULT', 'VERSION_CONFLICT'],
      openapi: {
        method: 'DELETE',
        path: '/holidays/calendars/{id}',
        tags,
        summary: 'Delete a holiday calendar other than the default (Admin)',
      },
    })
    .input(
      z.strictObject({
        id: Id,
        version: z.coerce
          .number()
          .int()
          .min(1)
          .optional()
          .meta({ description: 'Refuse if the calendar changed since.' }),
      }),
    )
    .output(HolidayCalendarView)
    .mutation(({ ctx, input }) => ctx.services.leave.deleteCalendar(ctx, input)),

  myBalances: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/leave/balances/me',
        tags,
        summary: 'Your balances per type for the leave year of asOf (default today), as they will stand that day',
      },
    })
    .input(BalanceQuery)
    .output(LeaveBalancesView)
    .query(({ ctx, input }) => ctx.services.leave.myBalances(ctx, input)),

  balances: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/leave/balances/{userId}',
        tags,
        summary: 'Someone’s balances (HR; their managers up the chain)',
      },
    })
    .input(UserBalanceQuery)
    .output(LeaveBalancesView)
    .query(({ ctx, input }) => ctx.services.leave.balances(ctx, input)),

  adjustBalance: authedProcedure
    .meta({
      access: { action: 'update', subject: 'LeaveBalance' },
      errors: ['REFERENCE_NOT_FOUND'],
      openapi: {
        method: 'PATCH',
        path: '/leave/balances/{userId}',
        tags,
        summary: 'Add an adjustment entry to a balance, with a reason (HR; never overwrites)',
      },
    })
    .input(AdjustBalanceInput)
    .output(LeaveBalancesView)
    .mutation(idempotent(({ ctx, input }) => ctx.services.leave.adjustBalance(ctx, input))),

  requests: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/leave/requests',
        tags,
        summary: 'Your leave requests; approvers also those they were asked to decide; HR all',
      },
    })
    .input(ListLeaveRequestsQuery)
    .output(pageOf(LeaveRequestView))
    .query(({ ctx, input }) => ctx.services.leave.requests(ctx, input)),

  submit: authedProcedure
    .meta({
      access: { action: 'create', subject: 'LeaveRequest' },
      errors: [...ASK_ERRORS],
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/leave/requests',
        tags,
        summary: 'Ask for leave: the days move from available to pending and the approval starts',
      },
    })
    .input(CreateLeaveRequestInput)
    .output(LeaveRequestView)
    .mutation(idempotent(({ ctx, input }) => ctx.services.leave.submit(ctx, input))),

  request: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/leave/requests/{id}',
        tags,
        summary: 'A leave request with its days, its approval timeline and the capacity impact',
      },
    })
    .input(z.strictObject({ id: Id }))
    .output(LeaveRequestDetailView)
    .query(({ ctx, input }) => ctx.services.leave.request(ctx, input.id)),

  update: authedProcedure
    .meta({
      errors: [...ASK_ERRORS, 'REQUEST_NOT_PENDING', 'VERSION_CONFLICT', 'WORKFLOW_CLOSED'],
      openapi: {
        method: 'PATCH',
        path: '/leave/requests/{id}',
        tags,
        summary: 'Change your pending request (with version): checked and held again, approval starts again',
      },
    })
    .input(UpdateLeaveRequestInput)
    .output(LeaveRequestView)
    .mutation(({ ctx, input }) => ctx.services.leave.update(ctx, input)),

  cancel: authedProcedure
    .meta({
      errors: ['REQUEST_NOT_PENDING', 'LEAVE_ALREADY_STARTED', 'WORKFLOW_CLOSED', 'VERSION_CONFLICT'],
      openapi: {
        method: 'DELETE',
        path: '/leave/requests/{id}',
        tags,
        summary:
          'Cancel: pending (hold released); approved and not begun (days given back); begun: HR only, the days from today given back',
      },
    })
    .input(z.strictObject({ id: Id }))
    .output(LeaveRequestView)
    .mutation(({ ctx, input }) => ctx.services.leave.cancel(ctx, input.id)),

  approve: authedProcedure
    .meta({
      errors: [...DECISION_ERRORS],
      openapi: {
        method: 'POST',
        path: '/leave/requests/{id}/approve',
        tags,
        summary: 'Approve through the approvals engine',
      },
    })
    .input(LeaveDecisionInput)
    .output(LeaveRequestView)
    .mutation(({ ctx, input }) => ctx.services.leave.approve(ctx, input)),

  reject: authedProcedure
    .meta({
      errors: [...DECISION_ERRORS],
      openapi: {
        method: 'POST',
        path: '/leave/requests/{id}/reject',
        tags,
        summary: 'Reject, with a reason, through the approvals engine',
      },
    })
    .input(LeaveRejectInput)
    .output(LeaveRequestView)
    .mutation(({ ctx, input }) => ctx.services.leave.reject(ctx, input)),

  approvals: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/leave/approvals',
        tags,
        summary: 'Leave requests you may decide now, each with its capacity impact',
      },
    })
    .input(LeaveApprovalsQuery)
    .output(pageOf(LeaveApprovalItem))
    .query(({ ctx, input }) => ctx.services.leave.approvals(ctx, input)),
});
