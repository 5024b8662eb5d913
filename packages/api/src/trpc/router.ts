import { approvalPoliciesRouter, approvalsRouter } from '../approvals/approvals.router.js';
import { attendanceRouter } from '../attendance/attendance.router.js';
import { auditsRouter } from '../audit/audits.router.js';
import { authRouter } from '../auth/auth.router.js';
import { catalogsRouter } from '../catalogs/catalogs.router.js';
import { employeesRouter } from '../employees/employees.router.js';
import { expensesRouter } from '../expenses/expenses.router.js';
import { filesRouter } from '../files/files.router.js';
import { healthRouter } from '../health/health.router.js';
import { jobsRouter } from '../jobs/jobs.router.js';
import { leaveRouter } from '../leave/leave.router.js';
import { messagesRouter } from '../messaging/messaging.router.js';
import { notificationsRouter } from '../notifications/notifications.router.js';
import { privacyRouter } from '../privacy/privacy.router.js';
import { projectsRouter } from '../projects/projects.router.js';
import { reportsRouter } from '../reports/reports.router.js';
import { settingsRouter } from '../settings/settings.router.js';
import { usersRouter } from '../users/users.router.js';
import { webhooksRouter } from '../webhooks/webhooks.router.js';
import { workLocationRouter } from '../work-location/work-location.router.js';
import { router } from './trpc.js';

/**
 * The whole API: one router per domain area. REST paths come from each
 * procedure's meta; see rest/rest-adapter.ts.
 */
export const appRouter = router({
  health: healthRouter,
  auth: authRouter,
  users: usersRouter,
  employees: employeesRouter,
  catalogs: catalogsRouter,
  files: filesRouter,
  projects: projectsRouter,
  reports: reportsRouter,
  audits: auditsRouter,
  settings: settingsRouter,
  approvals: approvalsRouter,
  approvalPolicies: approvalPoliciesRouter,
  workLocation: workLocationRouter,
  leave: leaveRouter,
  attendance: attendanceRouter,
  expenses: expensesRouter,
  notifications: notificationsRouter,
  messages: messagesRouter,
  privacy: privacyRouter,
  jobs: jobsRouter,
  webhooks: webhooksRouter,
});

export type AppRouter = typeof appRouter;
