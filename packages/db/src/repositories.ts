import {
  approvalLinksCollection,
  approvalPoliciesCollection,
  delegationsCollection,
  workflowsCollection,
} from './approvals/approval.doc.js';
import { type ApprovalLinkRepository, createApprovalLinkRepository } from './approvals/approval-link.repository.js';
import {
  type ApprovalPolicyRepository,
  createApprovalPolicyRepository,
} from './approvals/approval-policy.repository.js';
import {
  type ApprovalWorkflowRepository,
  createApprovalWorkflowRepository,
} from './approvals/approval-workflow.repository.js';
import { createDelegationRepository, type DelegationRepository } from './approvals/delegation.repository.js';
import {
  attendanceLocksCollection,
  attendanceRecordsCollection,
  timeChangeRequestsCollection,
} from './attendance/attendance.doc.js';
import {
  type AttendanceLockRepository,
  type AttendanceRecordRepository,
  type CorrectionRepository,
  createAttendanceLockRepository,
  createAttendanceRecordRepository,
  createCorrectionRepository,
} from './attendance/attendance.repository.js';
import { auditCollection } from './audit/audit.doc.js';
import { type AuditRepository, createAuditRepository } from './audit/audit.repository.js';
import { type AuthTokenRepository, createAuthTokenRepository } from './auth/auth-token.repository.js';
import { createLoginFailureRepository, type LoginFailureRepository } from './auth/login-failure.repository.js';
import { createSessionRepository, type SessionRepository } from './auth/session.repository.js';
import { type CatalogRepository, createCatalogRepository } from './catalogs/catalog.repository.js';
import type { Database } from './connection.js';
import {
  createEmployeeRepository,
  type EmployeeRepository,
  insertAccount,
  syncEmployeeIdentity,
} from './employees/employee.repository.js';
import {
  exchangeRatesCollection,
  expenseAttachmentsCollection,
  expenseCategoriesCollection,
  expensesCollection,
} from './expenses/expense.doc.js';
import {
  createExpenseAttachmentRepository,
  createExpenseRepository,
  type ExpenseAttachmentRepository,
  type ExpenseRepository,
} from './expenses/expense.repository.js';
import {
  createExchangeRateRepository,
  createExpenseCategoryRepository,
  type ExchangeRateRepository,
  type ExpenseCategoryRepository,
} from './expenses/expense-setup.repository.js';
import { createFileRepository, type FileRepository } from './files/file.repository.js';
import { createIdempotencyRepository, type IdempotencyRepository } from './idempotency/idempotency.repository.js';
import { jobRunsCollection } from './jobs/job-run.doc.js';
import { createJobRunRepository, type JobRunRepository } from './jobs/job-run.repository.js';
import {
  holidayCalendarsCollection,
  leaveBalancesCollection,
  leaveLedgerCollection,
  leaveRequestsCollection,
  leaveTypesCollection,
} from './leave/leave.doc.js';
import { createLeaveLedgerRepository, type LeaveLedgerRepository } from './leave/leave-ledger.repository.js';
import { createLeaveRequestRepository, type LeaveRequestRepository } from './leave/leave-request.repository.js';
import {
  createHolidayCalendarRepository,
  createLeaveTypeRepository,
  type HolidayCalendarRepository,
  type LeaveTypeRepository,
} from './leave/leave-type.repository.js';
import { createLeaseRepository, type LeaseRepository } from './locks.js';
import { messageEventsCollection, messagesCollection, messageThreadsCollection } from './messaging/messaging.doc.js';
import { createMessagingRepository, type MessagingRepository } from './messaging/messaging.repository.js';
import { notificationPreferencesCollection, notificationsCollection } from './notifications/notification.doc.js';
import { createNotificationRepository, type NotificationRepository } from './notifications/notification.repository.js';
import { outboxCollection } from './outbox/outbox.doc.js';
import { createOutboxRepository, type OutboxRepository } from './outbox/outbox.repository.js';
import { consentHistoryCollection, consentsCollection } from './privacy/consents.doc.js';
import { type ConsentRepository, createConsentRepository } from './privacy/consents.repository.js';
import { dataKeysCollection } from './privacy/data-keys.doc.js';
import { createDataKeyRepository, type DataKeyRepository } from './privacy/data-keys.repository.js';
import { erasureRequestsCollection } from './privacy/erasure.doc.js';
import { createErasureRequestRepository, type ErasureRequestRepository } from './privacy/erasure.repository.js';
import { createPersonalDataEraser, type PersonalDataEraser } from './privacy/erasure-writer.js';
import { privacyExportsCollection } from './privacy/export.doc.js';
import { createExportRepository, type ExportRepository } from './privacy/export.repository.js';
import { createPersonalDataReader, type PersonalDataReader } from './privacy/export-sources.js';
import { legalHoldsCollection } from './privacy/legal-holds.doc.js';
import { createLegalHoldRepository, type LegalHoldRepository } from './privacy/legal-holds.repository.js';
import { type AssignmentRepository, createAssignmentRepository } from './projects/assignment.repository.js';
import {
  type CapacityLedgerRepository,
  createCapacityLedgerRepository,
} from './projects/capacity-ledger.repository.js';
import {
  createProjectCommentRepository,
  createProjectDocumentRepository,
  type ProjectCommentRepository,
  type ProjectDocumentRepository,
} from './projects/collaboration.repository.js';
import { createProjectRepository, type ProjectRepository } from './projects/project.repository.js';
import { createSettingsRepository, type SettingsRepository } from './settings/settings.repository.js';
import { createUserRepository, type UserRepository } from './users/user.repository.js';
import { webhookDeliveriesCollection, webhooksCollection } from './webhooks/webhook.doc.js';
import {
  createWebhookDeliveryRepository,
  createWebhookRepository,
  type WebhookDeliveryRepository,
  type WebhookRepository,
} from './webhooks/webhook.repository.js';
import { workLocationRequestsCollection } from './work-location/work-location.doc.js';
import { createWorkLocationRepository, type WorkLocationRepository } from './work-location/work-location.repository.js';

/**
 * Every area's storage, as the services see it: repositories take and return
 * string ids, records and views, never documents or ObjectIds. Each area adds
 * its repository here, built on the database's collections (which on FerretDB
 * queue their writes; see serialize-writes.ts).
 */
export interface Repositories {
  catalogs: CatalogRepository;
  employees: EmployeeRepository;
  files: FileRepository;
  users: UserRepository;
  /** Sign-in sessions, each a refresh-token family. */
  sessions: SessionRepository;
  /** Single-use tokens sent by email (password resets, invites). */
  authTokens: AuthTokenRepository;
  /** Failed sign-ins per email (the lockout's state). */
  loginFailures: LoginFailureRepository;
  settings: SettingsRepository;
  idempotency: IdempotencyRepository;
  outbox: OutboxRepository;
  /** The append-only audit trail. */
  audit: AuditRepository;
  /** Each person's own data key, wrapped (data_keys): erasure deletes it. */
  dataKeys: DataKeyRepository;
  /** Erasure requests (erasure_requests). */
  erasureRequests: ErasureRequestRepository;
  /** The writes that carry out an erasure, across the collections that hold a person's data. */
  erasure: PersonalDataEraser;
  projects: ProjectRepository;
  /** The roster history (project_assignments). */
  assignments: AssignmentRepository;
  /** Each person's capacity ledger: the guard of every roster change. */
  capacity: CapacityLedgerRepository;
  projectComments: ProjectCommentRepository;
  projectDocuments: ProjectDocumentRepository;
  /** Named leases for rules no single document can guard (see locks.ts). */
  leases: LeaseRepository;
  /** Approval policies, one per request kind. */
  approvalPolicies: ApprovalPolicyRepository;
  /** The approvals engine's workflows (approval_workflows). */
  approvals: ApprovalWorkflowRepository;
  workLocation: WorkLocationRepository;
  /** "From day to day, Z decides for Y" (approval_delegations). */
  delegations: DelegationRepository;
  /** One-click decision links of approval emails (hashes only). */
  approvalLinks: ApprovalLinkRepository;
  /** In-app notifications and each person's channel choices. */
  notifications: NotificationRepository;
  /** 1:1 message threads, their messages and the live feed's log. */
  messaging: MessagingRepository;
  /** Every background job run (job_runs), kept 14 days. */
  jobRuns: JobRunRepository;
  leaveTypes: LeaveTypeRepository;
  holidayCalendars: HolidayCalendarRepository;
  /** The leave ledger (leave_ledger) and its projection (leave_balances). */
  leaveLedger: LeaveLedgerRepository;
  leaveRequests: LeaveRequestRepository;
  /** Each person's days: punches as punched, approved corrections over them (attendance_records). */
  attendance: AttendanceRecordRepository;
  /** Correction requests (time_change_requests). */
  corrections: CorrectionRepository;
  /** Locked months. */
  attendanceLocks: AttendanceLockRepository;
  expenseCategories: ExpenseCategoryRepository;
  /** The admin's table of exchange rates (no network lookups). */
  exchangeRates: ExchangeRateRepository;
  /** Claims (expense_requests). */
  expenses: ExpenseRepository;
  /** Receipt files and the key each was stored under (expense_attachments). */
  expenseAttachments: ExpenseAttachmentRepository;
  /** Webhook subscriptions (Admin). */
  webhooks: WebhookRepository;
  /** Webhook deliveries: the outbox the delivery job drains, and the delivery log. */
  webhookDeliveries: WebhookDeliveryRepository;
  /** Personal-data exports (privacy_exports). */
  privacyExports: ExportRepository;
  /** Everything stored of one person, collection by collection, for the personal-data export. */
  personalData: PersonalDataReader;
  /** Each person's consents to the optional purposes (consents) and every change of them (consent_history). */
  consents: ConsentRepository;
  /** Legal holds (legal_holds): one per person at most. */
  legalHolds: LegalHoldRepository;
}

export function createRepositories(database: Pick<Database, 'collections' | 'collection'>): Repositories {
  const { collections } = database;
  return {
    catalogs: createCatalogRepository(collections),
    employees: createEmployeeRepository(collections),
    files: createFileRepository(collections),
    // An account's profile is written with it, by the people area's functions.
    users: createUserRepository(collections, { insertAccount, syncEmployeeIdentity }),
    sessions: createSessionRepository(collections),
    authTokens: createAuthTokenRepository(collections),
    loginFailures: createLoginFailureRepository(collections),
    settings: createSettingsRepository(collections),
    idempotency: createIdempotencyRepository(collections),
    outbox: createOutboxRepository(database.collection(outboxCollection)),
    audit: createAuditRepository(database.collection(auditCollection)),
    dataKeys: createDataKeyRepository(database.collection(dataKeysCollection)),
    erasureRequests: createErasureRequestRepository(database.collection(erasureRequestsCollection)),
    erasure: createPersonalDataEraser((name) => database.collection(name)),
    projects: createProjectRepository(collections),
    assignments: createAssignmentRepository(collections),
    capacity: createCapacityLedgerRepository(collections),
    projectComments: createProjectCommentRepository(collections),
    projectDocuments: createProjectDocumentRepository(collections),
    leases: createLeaseRepository(collections),
    approvalPolicies: createApprovalPolicyRepository(database.collection(approvalPoliciesCollection)),
    approvals: createApprovalWorkflowRepository(database.collection(workflowsCollection)),
    workLocation: createWorkLocationRepository(database.collection(workLocationRequestsCollection)),
    delegations: createDelegationRepository(database.collection(delegationsCollection)),
    approvalLinks: createApprovalLinkRepository(database.collection(approvalLinksCollection)),
    notifications: createNotificationRepository(
      database.collection(notificationsCollection),
      database.collection(notificationPreferencesCollection),
    ),
    messaging: createMessagingRepository(
      database.collection(messageThreadsCollection),
      database.collection(messagesCollection),
      database.collection(messageEventsCollection),
    ),
    jobRuns: createJobRunRepository(database.collection(jobRunsCollection)),
    leaveTypes: createLeaveTypeRepository(database.collection(leaveTypesCollection)),
    holidayCalendars: createHolidayCalendarRepository(database.collection(holidayCalendarsCollection)),
    leaveLedger: createLeaveLedgerRepository(
      database.collection(leaveLedgerCollection),
      database.collection(leaveBalancesCollection),
    ),
    leaveRequests: createLeaveRequestRepository(database.collection(leaveRequestsCollection)),
    attendance: createAttendanceRecordRepository(database.collection(attendanceRecordsCollection)),
    corrections: createCorrectionRepository(database.collection(timeChangeRequestsCollection)),
    attendanceLocks: createAttendanceLockRepository(database.collection(attendanceLocksCollection)),
    expenseCategories: createExpenseCategoryRepository(database.collection(expenseCategoriesCollection)),
    exchangeRates: createExchangeRateRepository(database.collection(exchangeRatesCollection)),
    expenses: createExpenseRepository(database.collection(expensesCollection)),
    expenseAttachments: createExpenseAttachmentRepository(database.collection(expenseAttachmentsCollection)),
    webhooks: createWebhookRepository(database.collection(webhooksCollection)),
    webhookDeliveries: createWebhookDeliveryRepository(database.collection(webhookDeliveriesCollection)),
    privacyExports: createExportRepository(database.collection(privacyExportsCollection)),
    personalData: createPersonalDataReader((name) => database.collection(name)),
    consents: createConsentRepository(
      database.collection(consentsCollection),
      database.collection(consentHistoryCollection),
    ),
    legalHolds: createLegalHoldRepository(database.collection(legalHoldsCollection)),
  };
}
