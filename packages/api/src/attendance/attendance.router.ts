import {
  AttendanceDayView,
  AttendanceLockView,
  AttendanceRecordsQuery,
  CorrectionView,
  CreateCorrectionInput,
  CreateLockInput,
  ListCorrectionsQuery,
  LockParams,
  listOf,
  MyStatusView,
  PunchInput,
  type PunchType,
  pageOf,
  TodayQuery,
  TodayView,
  UpdateCorrectionInput,
} from '@seed-pms/domain';
import { z } from 'zod';
import { authedProcedure, idempotent, router } from '../trpc/trpc.js';

const tags = ['attendance'];

const PUNCH_ERRORS = ['ATTENDANCE_INVALID_TRANSITION', 'LOCATION_NOT_ALLOWED'] as const;

/** One punch procedure: no body needed; the instant is the server's. */
function punch(type: PunchType, summary: string) {
  return authedProcedure
    .meta({
      errors: PUNCH_ERRORS,
      openapi: { method: 'POST', successStatus: 200, path: `/attendance/${type}`, tags, summary },
    })
    .input(PunchInput)
    .output(MyStatusView)
    .mutation(({ ctx, input }) => ctx.services.attendance.punch(ctx, type, input));
}

export const attendanceRouter = router({
  start: punch('start', 'Start your work day (or, with multiple sessions allowed, start again)'),
  break: punch('break', 'Start a break'),
  resume: punch('resume', 'End the break and work on'),
  end: punch('end', 'End your work day'),

  myStatus: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/attendance/my-status',
        tags,
        summary: 'Your day so far: state, punches, worked and break minutes, work location and warnings',
      },
    })
    .input(z.void())
    .output(MyStatusView)
    .query(({ ctx }) => ctx.services.attendance.myStatus(ctx)),

  today: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Workforce' },
      openapi: {
        method: 'GET',
        path: '/attendance/today',
        tags,
        summary:
          'Today’s workforce: each person’s state (working, on break, done, not started, on leave, holiday, day off), location and start, with counts per state; Managers see their reports down the chain, HR, Directors and Admins everyone',
      },
    })
    .input(TodayQuery)
    .output(TodayView)
    .query(({ ctx, input }) => ctx.services.attendance.today(ctx, input)),

  records: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/attendance/records',
        tags,
        summary:
          'A person’s days from..to (you; your reports; HR anyone): the punches as punched, the day as it counts after approved corrections, and who approved them',
      },
    })
    .input(AttendanceRecordsQuery)
    .output(listOf(AttendanceDayView))
    .query(({ ctx, input }) => ctx.services.attendance.records(ctx, input)),

  submitCorrection: authedProcedure
    .meta({
      access: { action: 'create', subject: 'AttendanceCorrection' },
      errors: [
        'CORRECTION_OUTSIDE_WINDOW',
        'CORRECTION_INVALID_PUNCHES',
        'CORRECTION_PENDING',
        'ATTENDANCE_PERIOD_LOCKED',
        'RESOURCE_BUSY',
      ],
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/attendance/corrections',
        tags,
        summary:
          'Ask for a day to read differently (today or a past day within the window): the punches as they should be; starts its approval',
      },
    })
    .input(CreateCorrectionInput)
    .output(CorrectionView)
    .mutation(idempotent(({ ctx, input }) => ctx.services.attendance.submitCorrection(ctx, input))),

  corrections: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/attendance/corrections',
        tags,
        summary: 'Your corrections; approvers also those they were asked to decide; HR all',
      },
    })
    .input(ListCorrectionsQuery)
    .output(pageOf(CorrectionView))
    .query(({ ctx, input }) => ctx.services.attendance.corrections(ctx, input)),

  updateCorrection: authedProcedure
    .meta({
      errors: [
        'NOT_AN_APPROVER',
        'SELF_APPROVAL',
        'ALREADY_DECIDED',
        'WORKFLOW_CLOSED',
        'REQUEST_CHANGED',
        'ATTENDANCE_PERIOD_LOCKED',
      ],
      openapi: {
        method: 'PATCH',
        path: '/attendance/corrections/{id}',
        tags,
        summary: 'Approve, reject (with a reason) or cancel (the requester) through the approvals engine',
      },
    })
    .input(UpdateCorrectionInput)
    .output(CorrectionView)
    .mutation(({ ctx, input }) => ctx.services.attendance.updateCorrection(ctx, input)),

  locks: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/attendance/locks', tags, summary: 'The locked months' } })
    .input(z.void())
    .output(listOf(AttendanceLockView))
    .query(({ ctx }) => ctx.services.attendance.locks()),

  lock: authedProcedure
    .meta({
      access: { action: 'create', subject: 'AttendancePeriod' },
      errors: ['ATTENDANCE_PERIOD_LOCKED', 'ATTENDANCE_MONTH_OPEN'],
      openapi: {
        method: 'POST',
        successStatus: 201,
        path: '/attendance/locks',
        tags,
        summary: 'Lock a month that has ended (HR): no correction or automatic deduction changes its days',
      },
    })
    .input(CreateLockInput)
    .output(AttendanceLockView)
    .mutation(({ ctx, input }) => ctx.services.attendance.lock(ctx, input.month)),

  unlock: authedProcedure
    .meta({
      access: { action: 'delete', subject: 'AttendancePeriod' },
      openapi: {
        method: 'DELETE',
        path: '/attendance/locks/{month}',
        tags,
        summary: 'Unlock a month (Admin only); answers the lock removed',
      },
    })
    .input(LockParams)
    .output(AttendanceLockView)
    .mutation(({ ctx, input }) => ctx.services.attendance.unlock(ctx, input.month)),
});
