import type { Role } from '../users/user.schemas.js';

/**
 * Who may call each procedure: `public` (anyone, signed in or not),
 * `signed-in` (every signed-in user), or the roles that may (a hierarchical
 * role includes those above it). The access matrix test calls every procedure
 * of the router as each role and as an anonymous caller and compares with this
 * table; a procedure missing here fails it. Object-level rules (whose record)
 * are checked in the use cases and tested there.
 */
export type ExpectedAccess = 'public' | 'signed-in' | readonly Role[];

export const ACCESS_MATRIX: Readonly<Record<string, ExpectedAccess>> = {
  'health.live': 'public',
  'health.ready': 'public',
  'health.deep': ['admin'],

  'auth.login': 'public',
  'auth.refresh': 'public',
  'auth.logout': 'public',
  'auth.forgotPassword': 'public',
  'auth.resetPassword': 'public',
  'auth.acceptInvite': 'public',
  'auth.jwks': 'public',
  'auth.me': 'signed-in',
  'auth.session': 'signed-in',
  'auth.sessions': 'signed-in',
  'auth.revokeSession': 'signed-in',
  'auth.changePassword': 'signed-in',
  'auth.mfaEnroll': 'signed-in',
  'auth.mfaConfirm': 'signed-in',
  'auth.mfaDisable': 'signed-in',
  'auth.mfaRecoveryCodes': 'signed-in',

  'users.list': ['hr'],
  'users.get': ['hr'],
  'users.create': ['hr'],
  'users.update': ['hr'],
  'users.archive': ['hr'],
  'users.restore': ['hr'],
  'users.resetPassword': ['hr'],
  'users.unlock': ['hr'],
  'users.invite': ['hr'],

  'audits.list': ['hr'],
  'audits.forObject': ['hr'],
  'audits.verify': ['admin'],

  'employees.list': 'signed-in',
  'employees.get': 'signed-in',
  'employees.update': 'signed-in',
  'employees.projects': 'signed-in',
  'employees.uploadImage': 'signed-in',
  'employees.removeImage': 'signed-in',

  'catalogs.list': 'signed-in',
  'catalogs.byType': 'signed-in',
  'catalogs.create': ['admin'],
  'catalogs.update': ['admin'],
  'catalogs.delete': ['admin'],
  'catalogs.references': ['admin'],

  'files.get': 'signed-in',
  'files.download': 'signed-in',
  'files.list': ['hr'],
  'files.rescan': ['admin'],

  'projects.list': 'signed-in',
  'projects.create': ['manager'],
  'projects.get': 'signed-in',
  'projects.update': 'signed-in',
  'projects.archive': ['manager'],
  'projects.roster': 'signed-in',
  'projects.addMember': 'signed-in',
  'projects.addMembers': 'signed-in',
  'projects.updateMember': 'signed-in',
  'projects.removeMember': 'signed-in',
  'projects.comments': 'signed-in',
  'projects.addComment': 'signed-in',
  'projects.editComment': 'signed-in',
  'projects.deleteComment': 'signed-in',
  'projects.documents': 'signed-in',
  'projects.uploadDocument': 'signed-in',
  'projects.document': 'signed-in',
  'projects.deleteDocument': ['manager'],
  'employees.capacity': 'signed-in',
  'reports.capacity': ['manager'],
  // The coarse gate is any report; the approvals report itself is for Directors, HR and Admin (tested in work-location.test.ts).
  'reports.approvals': ['manager'],

  'settings.get': 'signed-in',
  'settings.update': ['admin'],

  'approvals.inbox': 'signed-in',
  'approvals.get': 'signed-in',
  'approvals.decide': 'signed-in',
  'approvals.delegations': 'signed-in',
  'approvals.delegate': 'signed-in',
  'approvals.endDelegation': 'signed-in',
  // One-click links: the token is the credential.
  'approvals.link': 'public',
  'approvals.useLink': 'public',
  'approvalPolicies.list': ['hr'],
  'approvalPolicies.get': ['hr'],
  'approvalPolicies.update': ['admin'],

  'workLocation.list': 'signed-in',
  'workLocation.submit': 'signed-in',
  'workLocation.update': 'signed-in',
  'workLocation.current': 'signed-in',

  'notifications.list': 'signed-in',
  'notifications.unreadCount': 'signed-in',
  'notifications.markRead': 'signed-in',
  'notifications.readAll': 'signed-in',
  'notifications.preferences': 'signed-in',
  'notifications.updatePreferences': 'signed-in',
  'notifications.onNew': 'signed-in',
  'jobs.runs': ['admin'],
  'jobs.registered': ['admin'],
};
