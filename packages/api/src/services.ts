import { createRepositories } from '@seed-pms/db';
import type { AppDeps, ServiceDeps } from './app/deps.js';
import { type ApprovalsService, createApprovalsService } from './approvals/approvals.service.js';
import { type AttendanceService, createAttendanceService } from './attendance/attendance.service.js';
import { type AttendanceViews, createAttendanceViews } from './attendance/attendance-views.js';
import { type AuditService, createAuditService } from './audit/audit.service.js';
import { createAccessTokens } from './auth/access-tokens.js';
import { type AuthService, createAuthService } from './auth/auth.service.js';
import { dataBox } from './auth/secrets.js';
import { type CatalogsService, createCatalogsService } from './catalogs/catalogs.service.js';
import { createEmployeesService, type EmployeesService } from './employees/employees.service.js';
import { createEventBus, type EventBus } from './events/event-bus.js';
import { createLiveFeed, type LiveFeed } from './events/live-feed.js';
import { connectAreas } from './events/subscriptions.js';
import {
  createExpenseClaimsService,
  type ExpenseClaimsInternals,
  type ExpenseClaimsService,
} from './expenses/expense-claims.service.js';
import {
  createExpenseSetupService,
  type ExpenseSetupInternals,
  type ExpenseSetupService,
} from './expenses/expense-setup.service.js';
import { createFilesService, type FilesApi, type FilesService } from './files/files.service.js';
import { createHealthService, type HealthService } from './health/health.service.js';
import { createIdempotencyService, type IdempotencyService } from './idempotency/idempotency.service.js';
import { createJobRunsService, type JobRunsService } from './jobs/job-runs.service.js';
import { createLeaveService, type LeaveInternals, type LeaveService } from './leave/leave.service.js';
import { createLeaveSetupService, type LeaveSetupService } from './leave/leave-setup.service.js';
import { createMailer } from './mail/mailer.js';
import { createOutboxService, type OutboxService } from './mail/outbox.service.js';
import {
  createMessagingService,
  MESSAGING_CHANNEL,
  type MessagingFeedItem,
  type MessagingInternals,
  type MessagingService,
} from './messaging/messaging.service.js';
import { createNotificationFeed, type NotificationFeed } from './notifications/notification-feed.js';
import {
  createNotificationsService,
  type NotificationsInternals,
  type NotificationsService,
} from './notifications/notifications.service.js';
import { type ConsentsService, createConsentsService } from './privacy/consents.service.js';
import { createDataKeys } from './privacy/data-keys.js';
import { createErasureService, type ErasureService } from './privacy/erasure.service.js';
import { createExportsService, type ExportsService } from './privacy/exports.service.js';
import { createLegalHoldsService, type LegalHoldsService } from './privacy/legal-holds.service.js';
import { createRetentionService, type RetentionService } from './privacy/retention.service.js';
import { type CapacityApi, type CapacityService, createCapacityService } from './projects/capacity.service.js';
import { type CollaborationService, createCollaborationService } from './projects/collaboration.service.js';
import { createProjectsService, type ProjectsApi, type ProjectsService } from './projects/projects.service.js';
import { createSettingsService, type SettingsService } from './settings/settings.service.js';
import { createUsersService, type UsersService } from './users/users.service.js';
import { createWebhooksService, type WebhooksInternals, type WebhooksService } from './webhooks/webhooks.service.js';
import { createWorkLocationService, type WorkLocationService } from './work-location/work-location.service.js';

/**
 * The use cases, one group per domain area. Procedures call these and nothing
 * else; the types here use domain types only, since they reach the client's
 * AppRouter type through the tRPC context.
 */
export interface Services {
  health: HealthService;
  idempotency: IdempotencyService;
  audit: AuditService;
  settings: SettingsService;
  outbox: OutboxService;
  auth: AuthService;
  users: UsersService;
  catalogs: CatalogsService;
  employees: EmployeesService;
  files: FilesApi;
  capacity: CapacityApi;
  projects: ProjectsApi;
  collaboration: CollaborationService;
  /** The approvals engine: every request kind's workflows, the inbox and the policies. */
  approvals: ApprovalsService;
  workLocation: WorkLocationService;
  /** Leave types, holidays, balances (a ledger), requests through the engine, the calendar and the leave report. */
  leave: LeaveSetupService & LeaveService;
  /** The daily clock, today's workforce, corrections through the engine, locked months and the attendance report. */
  attendance: AttendanceService & AttendanceViews;
  /** Expense categories, the exchange-rate table, claims through Finance and the CEO, receipts and the expense report. */
  expenses: ExpenseSetupService & ExpenseClaimsService;
  /** In-app notifications, their preferences and the real-time feed. */
  notifications: NotificationsService;
  /** 1:1 message threads, read receipts and their live feed. */
  messages: MessagingService;
  /** Each person's consents to the optional purposes (privacy). */
  consents: ConsentsService;
  /** Legal holds: what erasure and retention must leave alone. */
  legalHolds: LegalHoldsService;
  /** The retention policy's dry run and its daily run. */
  retention: RetentionService;
  /** Personal-data exports: requested, built in the background as a ZIP, downloaded by a signed link, kept 7 days. */
  exports: ExportsService;
  /** Erasure requests through the approvals engine (HR, then an Admin), carried out by a job: pseudonymise, remove, shred. */
  erasure: ErasureService;
  /** Signed webhooks (Admin): subscriptions, the delivery log, redelivery. */
  webhooks: WebhooksService;
  /** The record of background job runs (job_runs) and the jobs this process runs. */
  jobRuns: JobRunsService;
  /** Areas react to each other's changes through these events (subscribed in events/subscriptions.ts). */
  events: EventBus;
  /** Closes what the services hold open (the revocation subscriber, the SMTP transport). */
  close(): Promise<void>;
}

const built = new WeakMap<AppDeps, Promise<Services>>();
/** Parts of the services that use server-only types, for the server's own wiring (jobs, the blob route). */
interface ServiceInternals {
  files: FilesService;
  capacity: CapacityService;
  projects: ProjectsService;
  notifications: NotificationsInternals;
  webhooks: WebhooksInternals;
  feed: NotificationFeed;
  leave: LeaveInternals;
  messaging: MessagingInternals;
  messagingFeed: LiveFeed<MessagingFeedItem>;
  expenseSetup: ExpenseSetupInternals;
}
const internals = new WeakMap<AppDeps, ServiceInternals>();

export async function serviceInternals(deps: AppDeps): Promise<ServiceInternals> {
  await createServices(deps);
  const found = internals.get(deps);
  if (!found) throw new Error('services were not built for these dependencies');
  return found;
}

/**
 * The services for a set of dependencies, made once: the server, the jobs and
 * the tests share one instance, so caches (the session check) and event
 * handlers are the same everywhere in the process.
 */
export function createServices(deps: AppDeps): Promise<Services> {
  let services = built.get(deps);
  if (!services) {
    services = build(deps);
    built.set(deps, services);
  }
  return services;
}

async function build(deps: AppDeps): Promise<Services> {
  const repos = createRepositories(deps.database);
  const serviceDeps: ServiceDeps = { ...deps, repos };
  const events = createEventBus(deps.logger);
  const dataKeys = createDataKeys(repos.dataKeys, dataBox(deps.config));
  const audit = createAuditService(serviceDeps, dataKeys);
  const settings = createSettingsService(serviceDeps, audit);
  const mailer = createMailer(deps.config, deps.logger);
  const outbox = createOutboxService(serviceDeps, mailer, deps.logger);
  const tokens = await createAccessTokens(deps.config);
  const auth = createAuthService(serviceDeps, { audit, settings, outbox, tokens });
  const users = createUsersService(serviceDeps, { audit, auth, events });
  const catalogs = createCatalogsService(serviceDeps, { audit });
  const files = createFilesService(serviceDeps, { audit });
  const employees = createEmployeesService(serviceDeps, { audit, catalogs, files, settings, users });
  const capacity = createCapacityService(serviceDeps, { settings });
  const projects = createProjectsService(serviceDeps, { audit, catalogs, settings, events });
  const collaboration = createCollaborationService(serviceDeps, { audit, files, projects, events });
  const approvals = createApprovalsService(serviceDeps, { audit, settings, events });
  const workLocation = createWorkLocationService(serviceDeps, { audit, settings, approvals });
  const leaveSetup = createLeaveSetupService(serviceDeps, { audit });
  const leave = createLeaveService(serviceDeps, { audit, settings, approvals, setup: leaveSetup, events });
  const attendance = createAttendanceService(serviceDeps, { audit, settings, approvals });
  const attendanceViews = createAttendanceViews(serviceDeps, { settings });
  const expenseSetup = createExpenseSetupService(serviceDeps, { audit, settings });
  const expenses: ExpenseClaimsInternals = createExpenseClaimsService(serviceDeps, {
    audit,
    settings,
    approvals,
    setup: expenseSetup,
    files,
    events,
  });
  const feed = createNotificationFeed(deps.redis, deps.logger);
  const notifications = createNotificationsService(serviceDeps, { outbox, approvals, settings, feed });
  const messagingFeed = createLiveFeed<MessagingFeedItem>(MESSAGING_CHANNEL, deps.redis, deps.logger);
  const messaging = createMessagingService(serviceDeps, { files, events, feed: messagingFeed });
  const webhooks = createWebhooksService(serviceDeps, { audit, events });
  const exports = createExportsService(serviceDeps, { audit, storage: files.storage });
  const consents = createConsentsService(serviceDeps, { audit });
  const legalHolds = createLegalHoldsService(serviceDeps, { audit });
  const retention = createRetentionService(serviceDeps, { audit, settings });
  const erasure = createErasureService(serviceDeps, {
    audit,
    approvals,
    auth,
    events,
    consents,
    exports,
    storage: files.storage,
    dataKeys,
  });
  connectAreas({
    events,
    catalogs,
    files,
    employees,
    projects,
    collaboration,
    approvals,
    workLocation,
    leave,
    attendance,
    expenses,
    capacity,
    notifications,
    webhooks,
    erasure,
  });
  internals.set(deps, {
    files,
    capacity,
    projects,
    notifications,
    webhooks,
    feed,
    leave,
    messaging,
    messagingFeed,
    expenseSetup,
  });
  return {
    health: createHealthService(deps),
    idempotency: createIdempotencyService(serviceDeps),
    audit,
    settings,
    outbox,
    auth,
    users,
    catalogs,
    employees,
    files,
    capacity,
    projects,
    collaboration,
    approvals,
    workLocation,
    leave: { ...leaveSetup, ...leave },
    attendance: { ...attendance, ...attendanceViews },
    expenses: { ...expenseSetup, ...expenses },
    notifications,
    messages: messaging,
    consents,
    legalHolds,
    retention,
    exports,
    erasure,
    webhooks,
    jobRuns: createJobRunsService(serviceDeps),
    events,
    async close() {
      await feed.close();
      await messagingFeed.close();
      await auth.sessionCheck.close();
      await mailer.close();
    },
  };
}
