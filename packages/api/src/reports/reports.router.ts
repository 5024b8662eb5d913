import {
  ApprovalReportQuery,
  ApprovalReportView,
  AttendanceReportQuery,
  AttendanceReportView,
  CapacityReportQuery,
  CapacityReportView,
  ExpenseReportQuery,
  ExpenseReportView,
  FileDownloadView,
  LeaveReportQuery,
  LeaveReportView,
} from '@seed-pms/domain';
import { authedProcedure, router } from '../trpc/trpc.js';

const tags = ['reports'];

export const reportsRouter = router({
  capacity: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Report' },
      download: { contentType: 'text/csv', description: 'with format=csv, a CSV attachment instead of JSON' },
      openapi: {
        method: 'GET',
        path: '/reports/capacity',
        tags,
        summary:
          'Capacity from..to (Manager and above): per-person average and peak, the over-allocated, per-project FTE; format=csv downloads a table',
      },
    })
    .input(CapacityReportQuery)
    .output(CapacityReportView.or(FileDownloadView))
    .query(async ({ ctx, input }) => {
      const report = await ctx.services.capacity.report(ctx, input);
      if ('body' in report) ctx.res.download(report.contentType, report.fileName);
      return report;
    }),

  leave: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Report' },
      download: { contentType: 'text/csv', description: 'with format=csv, a CSV attachment instead of JSON' },
      openapi: {
        method: 'GET',
        path: '/reports/leave',
        tags,
        summary:
          'Leave from..to (HR; Managers for their teams): per person and type taken, pending, balance and days off in the range; totals by type and department; format=csv downloads a table',
      },
    })
    .input(LeaveReportQuery)
    .output(LeaveReportView.or(FileDownloadView))
    .query(async ({ ctx, input }) => {
      const report = await ctx.services.leave.report(ctx, input);
      if ('body' in report) ctx.res.download(report.contentType, report.fileName);
      return report;
    }),

  attendance: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Report' },
      download: { contentType: 'text/csv', description: 'with format=csv, a CSV attachment instead of JSON' },
      openapi: {
        method: 'GET',
        path: '/reports/attendance',
        tags,
        summary:
          'Attendance from..to (HR and Directors: everyone; Managers: their teams): per person days worked, total and average hours, breaks, late starts, missing check-outs, corrections and location mismatches; totals; format=csv downloads a table',
      },
    })
    .input(AttendanceReportQuery)
    .output(AttendanceReportView.or(FileDownloadView))
    .query(async ({ ctx, input }) => {
      const report = await ctx.services.attendance.report(ctx, input);
      if ('body' in report) ctx.res.download(report.contentType, report.fileName);
      return report;
    }),

  approvals: authedProcedure
    .meta({
      access: { action: 'read', subject: 'Report' },
      download: { contentType: 'text/csv', description: 'with format=csv, a CSV attachment instead of JSON' },
      openapi: {
        method: 'GET',
        path: '/reports/approvals',
        tags,
        summary:
          'Approvals from..to (HR, Directors, Admin): per kind, stage and approver, decisions, median and p90 working hours to decision, rejection rate; pending by age and overdue',
      },
    })
    .input(ApprovalReportQuery)
    .output(ApprovalReportView.or(FileDownloadView))
    .query(async ({ ctx, input }) => {
      const report = await ctx.services.approvals.report(ctx, input);
      if ('body' in report) ctx.res.download(report.contentType, report.fileName);
      return report;
    }),

  expenses: authedProcedure
    .meta({
      access: { action: 'read', subject: 'ExpenseReport' },
      download: { contentType: 'text/csv', description: 'with format=csv, a CSV attachment instead of JSON' },
      openapi: {
        method: 'GET',
        path: '/reports/expenses',
        tags,
        summary:
          'Expenses spent from..to (Finance, the CEO, Admin) in the base currency: by category, department, project and month, pending against approved against reimbursed; format=csv downloads a table',
      },
    })
    .input(ExpenseReportQuery)
    .output(ExpenseReportView.or(FileDownloadView))
    .query(async ({ ctx, input }) => {
      const report = await ctx.services.expenses.report(ctx, input);
      if ('body' in report) ctx.res.download(report.contentType, report.fileName);
      return report;
    }),
});
