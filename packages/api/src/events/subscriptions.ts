import type { ApprovalsService } from '../approvals/approvals.service.js';
import type { AttendanceService } from '../attendance/attendance.service.js';
import type { CatalogsService } from '../catalogs/catalogs.service.js';
import type { EmployeesInternals } from '../employees/employees.service.js';
import type { ExpenseClaimsInternals } from '../expenses/expense-claims.service.js';
import type { FilesService } from '../files/files.service.js';
import type { LeaveInternals } from '../leave/leave.service.js';
import type { NotificationsInternals } from '../notifications/notifications.service.js';
import type { ErasureService } from '../privacy/erasure.service.js';
import type { CapacityService } from '../projects/capacity.service.js';
import type { CollaborationInternals } from '../projects/collaboration.service.js';
import type { ProjectsService } from '../projects/projects.service.js';
import type { WebhooksInternals } from '../webhooks/webhooks.service.js';
import type { WorkLocationService } from '../work-location/work-location.service.js';
import type { EventBus } from './event-bus.js';

export interface ConnectedAreas {
  events: EventBus;
  catalogs: CatalogsService;
  files: FilesService;
  employees: EmployeesInternals;
  projects: ProjectsService;
  collaboration: CollaborationInternals;
  approvals: ApprovalsService;
  workLocation: WorkLocationService;
  leave: LeaveInternals;
  attendance: AttendanceService;
  expenses: ExpenseClaimsInternals;
  capacity: CapacityService;
  notifications: NotificationsInternals;
  webhooks: WebhooksInternals;
  erasure: ErasureService;
}

/**
 * Where the areas meet: every subscription of one area to another's events,
 * and every hook an area offers another, in one place. Service factories only
 * build their area; nothing is registered as a side effect of building one, so
 * the order the services are made in does not matter. A new area adds its
 * lines here.
 */
export function connectAreas(areas: ConnectedAreas): void {
  const {
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
  } = areas;

  // Catalog items are referenced by profiles (skills, hobbies, designation) and projects (type):
  // deleting an item counts them all.
  for (const source of [...employees.catalogReferences, ...projects.catalogReferences]) {
    catalogs.registerReferences(source);
  }

  // Who may read a stored file is decided by the area that owns it.
  files.registerOwner('employee', employees.fileAccess);
  files.registerOwner('project', collaboration.fileAccess);
  files.registerOwner('expense', expenses.fileAccess);

  // A profile lists the person's projects from the roster history.
  employees.setProjectHistory((employeeId) => projects.assignmentsOf(employeeId));

  // An archived person keeps no allocations after the archive day.
  events.on('user.archived', (event) => projects.onUserArchived(event));

  // Request kinds join the approvals engine, one registration each.
  approvals.register(workLocation.approvalKind);
  approvals.register(leave.approvalKind);
  approvals.register(attendance.approvalKind);
  approvals.register(expenses.approvalKind);
  approvals.register(erasure.approvalKind);
  // A claim notes the day Finance approved it (its financeApproved step).
  approvals.onEvent((event, workflow) => expenses.onApprovalEvent(event, workflow));

  // Approved leave lowers availability: the capacity timeline, the report, the halos and the block policy see it.
  capacity.setAvailability(leave.availability);
  projects.setAvailability(leave.availability);

  // People hear of what needs them: every workflow event, delegations, over-allocation and mentions.
  approvals.onEvent((event, workflow) => notifications.onApprovalEvent(event, workflow));
  events.on('approval.delegated', (event) => notifications.onDelegated(event));
  events.on('capacity.overallocated', (event) => notifications.onOverallocated(event));
  events.on('project.comment-saved', (event) => notifications.onCommentSaved(event));
  events.on('expense.reimbursed', (event) => notifications.onExpenseReimbursed(event));
  events.on('messages.unread', (event) => notifications.onMessagesUnread(event));

  // Integrations hear of what happened through signed webhooks: each event becomes one delivery per
  // matching subscription (an outbox the webhooks.deliver job drains; no receiver is called here).
  approvals.onEvent((event, workflow) => webhooks.onApprovalEvent(event, workflow));
  events.on('user.created', ({ userId, at }) => webhooks.onEvent({ event: 'user.created', userId, at }));
  events.on('user.archived', ({ userId, at }) => webhooks.onEvent({ event: 'user.archived', userId, at }));
  events.on('capacity.overallocated', ({ userIds, projectId, leaveRequestId, at }) =>
    webhooks.onEvent({
      event: 'capacity.overallocated',
      userIds,
      projectId,
      at,
      ...(leaveRequestId ? { leaveRequestId } : {}),
    }),
  );
  events.on('expense.reimbursed', ({ expenseId, userId, amount, paidOn, at }) =>
    webhooks.onEvent({ event: 'expense.reimbursed', expenseId, userId, amount, paidOn, at }),
  );
  // A subscription disabled after repeated failure: every active admin is told.
  events.on('webhook.disabled', (event) => notifications.onWebhookDisabled(event));
}
