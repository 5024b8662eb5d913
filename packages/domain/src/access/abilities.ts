import {
  AbilityBuilder,
  createMongoAbility,
  type ForcedSubject,
  type MongoAbility,
  type RawRuleOf,
} from '@casl/ability';
import type { CatalogType } from '../catalogs/catalog.schemas.js';
import {
  EMPLOYEE_PERSONAL_FIELDS,
  EMPLOYEE_PUBLIC_FIELDS,
  EMPLOYEE_SELF_FIELDS,
} from '../employees/employee.schemas.js';
import type { FileOwnerType } from '../files/file.schemas.js';
import type { Role } from '../users/user.schemas.js';
import { holdsRole } from './roles.js';

/**
 * What can be done. `manage` means every action; the others are the spec's
 * CRUD + approve, plus the named state changes the API exposes.
 */
export const ACTIONS = [
  'manage',
  'read',
  'create',
  'update',
  'delete',
  'archive',
  'restore',
  'approve',
  'verify',
  'unlock',
  'resetPassword',
  'reimburse',
] as const;
export type Action = (typeof ACTIONS)[number];

/** The resource types abilities speak of; later areas add theirs here. */
export const SUBJECTS = [
  'User',
  'Session',
  'AuditLog',
  'Settings',
  'System',
  'Employee',
  'Catalog',
  'File',
  'Project',
  'ProjectRoster',
  'ProjectComment',
  'ProjectDocument',
  'OverAllocation',
  'Report',
  'ApprovalPolicy',
  'ApprovalWorkflow',
  'WorkLocationRequest',
  'ApprovalDelegation',
  'Notification',
  'LeaveType',
  'HolidayCalendar',
  'LeaveRequest',
  'LeaveBalance',
  'AttendanceRecord',
  'AttendanceCorrection',
  'AttendancePeriod',
  'Workforce',
  'ExpenseCategory',
  'ExchangeRate',
  'ExpenseClaim',
  'ExpenseReport',
  'MessageThread',
  'Webhook',
  'PrivacyExport',
  'Consent',
  'LegalHold',
  'RetentionPolicy',
  'ErasureRequest',
] as const;
export type SubjectName = (typeof SUBJECTS)[number];

/**
 * The fields of each subject that rules may put conditions on. A concrete
 * object is checked after tagging it with `subject('User', view)`.
 */
export interface SubjectShapes {
  User: { id: string; roles: readonly Role[] };
  Session: { id: string; userId: string };
  AuditLog: { id: string };
  Settings: Record<string, never>;
  /** Operational views (deep health); admins only. */
  System: Record<string, never>;
  /**
   * An employee profile; `managerChain` lists the ids of the person's managers
   * upwards (direct manager first). Rules name fields (EMPLOYEE_FIELDS).
   */
  Employee: { id: string; managerChain: readonly string[] };
  Catalog: { id: string; type: CatalogType };
  /** Reading a file is decided by its owner's rules; these rules cover the file service's own routes. */
  File: { id: string; ownerType: FileOwnerType; uploadedBy: string | null };
  /**
   * Project-scoped rights come from the roster: `leadIds` and `memberIds` hold
   * the checking user's id when they lead or are on the project (today or
   * planned), and are empty otherwise.
   */
  Project: ProjectScope & { id: string };
  ProjectRoster: ProjectScope & { projectId: string };
  ProjectComment: ProjectScope & { projectId: string; authorId: string };
  ProjectDocument: ProjectScope & { projectId: string };
  /** Accepting an allocation above 100% under the block policy. */
  OverAllocation: Record<string, never>;
  Report: { kind: 'capacity' | 'attendance' | 'leave' | 'approvals' };
  /** A request kind's approval policy (admin settings). */
  ApprovalPolicy: { kind: string };
  /**
   * A workflow: its requester and everyone it asked (`approverIds`: eligible
   * at any stage of any round). Deciding is the engine's own check.
   */
  ApprovalWorkflow: { requesterId: string; approverIds: readonly string[] };
  /** `approverIds`: everyone the request's workflow asked. */
  WorkLocationRequest: { userId: string; approverIds: readonly string[] };
  /** A delegation: whose approvals, who decides them, who set it. */
  ApprovalDelegation: { delegatorId: string; delegateId: string; createdBy: string };
  /** A person's own notifications. */
  Notification: { userId: string };
  LeaveType: Record<string, never>;
  HolidayCalendar: Record<string, never>;
  /** `approverIds`: everyone the request's workflow asked. */
  LeaveRequest: { userId: string; approverIds: readonly string[] };
  /** A person's balances; `managerChain` lists their managers upwards. */
  LeaveBalance: { userId: string; managerChain: readonly string[] };
  /** A person's days; `managerChain` lists their managers upwards. */
  AttendanceRecord: { userId: string; managerChain: readonly string[] };
  /** `approverIds`: everyone the correction's workflow asked. */
  AttendanceCorrection: { userId: string; approverIds: readonly string[] };
  /** A month's lock: HR locks, only an Admin unlocks. */
  AttendancePeriod: Record<string, never>;
  /** Today's workforce: Managers (their reports), Directors, HR and Admins (everyone). */
  Workforce: Record<string, never>;
  /** Everyone reads the categories; Admins set them. */
  ExpenseCategory: Record<string, never>;
  /** The exchange-rate table: Finance reads it, Admins set it. */
  ExchangeRate: Record<string, never>;
  /** A claim: the claimant's, and readable by everyone its workflow asked. */
  ExpenseClaim: { userId: string; approverIds: readonly string[] };
  /** The expense report: Finance, the CEO and Admins (Managers' Report rules do not reach it). */
  ExpenseReport: Record<string, never>;
  /** A 1:1 message thread: its two participants, and nobody else (admins included). */
  MessageThread: { participantIds: readonly string[] };
  /** Webhook subscriptions and their deliveries: Admins only. */
  Webhook: Record<string, never>;
  /** A personal-data export: the person's, whoever asked for it, and HR. */
  PrivacyExport: { userId: string; requestedBy: string };
  /** A person's consents to the optional purposes: their own only. */
  Consent: { userId: string };
  /** Legal holds: HR and Admins. */
  LegalHold: Record<string, never>;
  /** The retention policy's dry run: Admins (the policy itself is a settings block). */
  RetentionPolicy: Record<string, never>;
  /** An erasure request: the person's, everyone its workflow asked, and HR. */
  ErasureRequest: { userId: string; approverIds: readonly string[] };
}

export interface ProjectScope {
  leadIds: readonly string[];
  memberIds: readonly string[];
}
type Tagged = { [K in SubjectName]: SubjectShapes[K] & ForcedSubject<K> }[SubjectName];
export type AppAbility = MongoAbility<[Action, SubjectName | 'all' | Tagged]>;
export type PermissionRule = RawRuleOf<AppAbility>;

/** Who the abilities are built for. */
export interface AbilityUser {
  id: string;
  roles: readonly Role[];
}

/**
 * The rules for a user: a pure function of the user (and, as later areas need
 * it, their context such as the projects they lead). Deny by default; CASL
 * gives later rules precedence, so the `cannot` rules come last.
 */
export function defineRulesFor(user: AbilityUser): PermissionRule[] {
  const { can, cannot, rules } = new AbilityBuilder<AppAbility>(createMongoAbility);
  const isAdmin = holdsRole(user.roles, 'admin');

  // Every signed-in user: their own sessions and the organisation's settings.
  can(['read', 'delete'], 'Session', { userId: user.id });
  can('read', 'Settings');
  // The directory and master data are open to everyone signed in; personal
  // fields to the person and their manager chain.
  can('read', 'Employee', [...EMPLOYEE_PUBLIC_FIELDS]);
  can('read', 'Employee', [...EMPLOYEE_PERSONAL_FIELDS], { id: user.id });
  can('read', 'Employee', [...EMPLOYEE_PERSONAL_FIELDS], { managerChain: user.id });
  can('update', 'Employee', [...EMPLOYEE_SELF_FIELDS], { id: user.id });
  can('read', 'Catalog');
  // Files: your own uploads; others' as the owning record's rules decide (the file service asks them).
  can('read', 'File', { uploadedBy: user.id });
  // Requests: your own, and those you are or were asked to decide; the inbox is everyone's.
  can('create', 'WorkLocationRequest');
  can(['read', 'update'], 'WorkLocationRequest', { userId: user.id });
  can(['read', 'update'], 'WorkLocationRequest', { approverIds: user.id });
  can('read', 'ApprovalWorkflow', { requesterId: user.id });
  can(['read', 'approve'], 'ApprovalWorkflow', { approverIds: user.id });
  // Delegations: your own (as delegator or delegate); you end those you gave or set.
  can('create', 'ApprovalDelegation', { delegatorId: user.id });
  can('read', 'ApprovalDelegation', { delegatorId: user.id });
  can('read', 'ApprovalDelegation', { delegateId: user.id });
  can('delete', 'ApprovalDelegation', { delegatorId: user.id });
  can('delete', 'ApprovalDelegation', { createdBy: user.id });
  can(['read', 'update'], 'Notification', { userId: user.id });
  // Messages: anyone starts a thread; only its two participants read or write in it.
  can('create', 'MessageThread');
  can(['read', 'update'], 'MessageThread', { participantIds: user.id });
  // Leave: types and holidays are everyone's to read; your own requests and balances, and the requests you are asked to decide.
  can('read', ['LeaveType', 'HolidayCalendar', 'ExpenseCategory']);
  can('create', 'LeaveRequest');
  can(['read', 'update'], 'LeaveRequest', { userId: user.id });
  can(['read', 'update'], 'LeaveRequest', { approverIds: user.id });
  can('read', 'LeaveBalance', { userId: user.id });
  can('read', 'LeaveBalance', { managerChain: user.id });
  // Attendance: your own days and those of your reports down the chain; your corrections and those you are asked to decide.
  can('read', 'AttendanceRecord', { userId: user.id });
  can('read', 'AttendanceRecord', { managerChain: user.id });
  can('create', 'AttendanceCorrection');
  can(['read', 'update'], 'AttendanceCorrection', { userId: user.id });
  can(['read', 'update'], 'AttendanceCorrection', { approverIds: user.id });
  // Expenses: your own claims, and those you are or were asked to decide.
  can('create', 'ExpenseClaim');
  can(['read', 'update'], 'ExpenseClaim', { userId: user.id });
  can('read', 'ExpenseClaim', { approverIds: user.id });
  // Privacy: your own consents, exports and erasure requests (and those you are asked to decide).
  can(['read', 'update'], 'Consent', { userId: user.id });
  can('create', 'PrivacyExport', { userId: user.id });
  can('read', 'PrivacyExport', { userId: user.id });
  can('read', 'PrivacyExport', { requestedBy: user.id });
  can('create', 'ErasureRequest', { userId: user.id });
  can(['read', 'update'], 'ErasureRequest', { userId: user.id });
  can('read', 'ErasureRequest', { approverIds: user.id });

  // Projects: everyone sees them and their rosters; members and leads take
  // part; leads run their project; managers and above run every project.
  can('read', ['Project', 'ProjectRoster']);
  can('update', 'Project', { leadIds: user.id });
  can(['create', 'update', 'delete'], 'ProjectRoster', { leadIds: user.id });
  for (const scope of [{ memberIds: user.id }, { leadIds: user.id }]) {
    can(['read', 'create'], ['ProjectComment', 'ProjectDocument'], scope);
  }
  // Authors edit and delete their own comments while they are on the project.
  can(['update', 'delete'], 'ProjectComment', { authorId: user.id, memberIds: user.id });
  can('delete', 'ProjectComment', { leadIds: user.id });

  if (holdsRole(user.roles, 'manager')) {
    can(['create', 'update', 'archive'], 'Project');
    can(['create', 'update', 'delete'], 'ProjectRoster');
    can(['read', 'create', 'delete'], ['ProjectComment', 'ProjectDocument']);
    can('update', 'ProjectComment');
    can('create', 'OverAllocation');
    can('read', 'Report', { kind: 'capacity' });
    // Managers see the leave report of their teams (the report narrows to them).
    can('read', 'Report', { kind: 'leave' });
    can('read', 'Report', { kind: 'attendance' });
    can('read', 'Workforce');
  }
  if (holdsRole(user.roles, 'hr')) {
    can(['read', 'create', 'update', 'archive', 'restore', 'resetPassword', 'unlock'], 'User');
    can('read', 'AuditLog');
    can(['read', 'update'], 'Employee');
    can('read', 'File');
    can('read', ['WorkLocationRequest', 'ApprovalWorkflow', 'ApprovalPolicy', 'LeaveRequest']);
    can(['read', 'update'], 'LeaveBalance');
    can('read', ['AttendanceRecord', 'AttendanceCorrection']);
    can('create', 'AttendancePeriod');
    can('read', 'Report', { kind: 'approvals' });
    can('read', 'ExpenseClaim');
    // HR sets and ends the delegation of someone who is absent.
    can(['create', 'read', 'delete'], 'ApprovalDelegation');
    // HR exports and asks to erase anyone's data, and places legal holds.
    can(['create', 'read'], ['PrivacyExport', 'ErasureRequest']);
    can(['create', 'read', 'delete'], 'LegalHold');
  }
  if (holdsRole(user.roles, 'finance')) {
    can('read', 'ExchangeRate');
    // Finance cancels decided claims and records payments (of the claims it was asked to decide).
    can('reimburse', 'ExpenseClaim', { approverIds: user.id });
    can('read', 'ExpenseReport');
  }
  if (holdsRole(user.roles, 'ceo')) {
    can('read', 'ExpenseReport');
  }
  if (holdsRole(user.roles, 'director')) {
    can('read', 'Report', { kind: 'approvals' });
  }
  if (isAdmin) can('manage', 'all');

  if (!isAdmin) {
    // Only admins touch admin accounts.
    cannot(['update', 'archive', 'restore', 'resetPassword', 'unlock'], 'User', { roles: 'admin' }).because(
      'Only an admin can change an admin account',
    );
  }
  // Comments are edited by their authors only, whoever else may delete them.
  cannot('update', 'ProjectComment', { authorId: { $ne: user.id } }).because('Only the author can edit a comment');
  // Consents are the person's own choice: nobody else reads or sets them.
  cannot(['read', 'update'], 'Consent', { userId: { $ne: user.id } }).because('Only the person sets their consents');
  // Private by default: not even an admin reads others' messages.
  cannot(['read', 'update', 'delete'], 'MessageThread', { participantIds: { $nin: [user.id] } }).because(
    'Only its two participants see a thread',
  );
  // Nobody archives or locks themselves out through the admin routes.
  cannot(['archive', 'resetPassword'], 'User', { id: user.id }).because('You cannot do this to your own account');
  return rules;
}

export function abilityFromRules(rules: PermissionRule[]): AppAbility {
  return createMongoAbility<AppAbility>(rules);
}

export function defineAbilityFor(user: AbilityUser): AppAbility {
  return abilityFromRules(defineRulesFor(user));
}
