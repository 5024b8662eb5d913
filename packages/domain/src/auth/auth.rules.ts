import { holdsRole } from '../access/roles.js';
import { DomainError } from '../errors/domain-error.js';
import type { UserRecord } from '../users/user.records.js';
import type { PendingStep } from '../users/user.schemas.js';

/**
 * What a signed-in user must do before anything but the auth routes answers:
 * change a password someone else set, or enrol in MFA when the admin policy
 * requires it of HR and Admin accounts.
 */
export function pendingSteps(
  user: Pick<UserRecord, 'roles' | 'mustChangePassword'> & { mfa: { enabled: boolean } | null },
  requireMfaForPrivileged: boolean,
): PendingStep[] {
  const pending: PendingStep[] = [];
  if (user.mustChangePassword) pending.push('change-password');
  if (requireMfaForPrivileged && holdsRole(user.roles, 'hr') && user.mfa?.enabled !== true) pending.push('mfa-setup');
  return pending;
}

/** MFA errors say in `details` whether MFA is on and which call comes next. */
const ENROL = 'POST /api/v1/auth/mfa/enroll';

/** 422 MFA_ALREADY_ENABLED: disable MFA before enrolling again. */
export function mfaAlreadyEnabled(): DomainError {
  return new DomainError('MFA_ALREADY_ENABLED', 'MFA is already on; disable it first to re-enrol', {
    mfaEnabled: true,
    next: 'POST /api/v1/auth/mfa/disable',
  });
}

/** 422 MFA_NOT_ENABLED, for what needs MFA on (disable it, new recovery codes). */
export function mfaNotEnabled(): DomainError {
  return new DomainError('MFA_NOT_ENABLED', 'MFA is not on for this account', { mfaEnabled: false, next: ENROL });
}

/** Enrolling starts over any unfinished enrolment, but never replaces MFA that is on: 422 MFA_ALREADY_ENABLED. */
export function assertMfaCanEnrol(user: Pick<UserRecord, 'mfa'>): void {
  if (user.mfa?.enabled) throw mfaAlreadyEnabled();
}

/**
 * The sealed secret being enrolled, which a code must confirm: 422
 * MFA_ALREADY_ENABLED when MFA is on, 422 MFA_NOT_ENROLLING when no enrolment
 * was started.
 */
export function pendingMfaSecret(user: Pick<UserRecord, 'mfa'>): string {
  assertMfaCanEnrol(user);
  const pending = user.mfa?.pendingSecret;
  if (!pending) {
    throw new DomainError('MFA_NOT_ENROLLING', `No MFA enrolment is in progress; start with ${ENROL}`, {
      mfaEnabled: false,
      next: ENROL,
    });
  }
  return pending;
}

/** 409 MFA_ENROLMENT_CHANGED: another enrolment started while a code was being confirmed. */
export function mfaEnrolmentChanged(): DomainError {
  return new DomainError('MFA_ENROLMENT_CHANGED', 'The MFA enrolment changed meanwhile; start again', {
    mfaEnabled: false,
    next: ENROL,
  });
}

/** 422 MFA_NOT_ENABLED unless MFA is on. */
export function assertMfaEnabled(user: Pick<UserRecord, 'mfa'>): void {
  if (!user.mfa?.enabled || !user.mfa.secret) throw mfaNotEnabled();
}

/**
 * A signed-in user's password or code that did not match, on a route that asks
 * for it again (change password, confirm or disable MFA, new recovery codes).
 * The request itself is authenticated, so this is 403, not 401: a 401 would
 * make clients refresh the access token and send the same wrong value again.
 * The codes stay those of sign-in; `details.field` names the input to correct.
 */
export function wrongReconfirmation(what: 'password' | 'mfa-code', field: string): DomainError {
  return what === 'password'
    ? new DomainError('INVALID_CREDENTIALS', 'The password is not correct', { field }, { status: 403 })
    : new DomainError('INVALID_MFA_CODE', 'The authentication code is not correct', { field }, { status: 403 });
}
