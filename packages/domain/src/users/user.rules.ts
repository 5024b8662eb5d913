import { DomainError } from '../errors/domain-error.js';
import type { UserRecord } from './user.records.js';

type Status = Pick<UserRecord, 'id' | 'status' | 'archivedAt'>;

/** 422 USER_ARCHIVED: an archived account is restored before it changes. */
export function userArchived(user: Status, message = 'The user is archived; restore them first'): DomainError {
  return new DomainError('USER_ARCHIVED', message, { id: user.id, archivedAt: user.archivedAt?.toISOString() ?? null });
}

/** 422 USER_NOT_ARCHIVED: only an archived account can be restored. */
export function userNotArchived(user: Pick<UserRecord, 'id' | 'status'>): DomainError {
  return new DomainError('USER_NOT_ARCHIVED', 'The user is not archived', { id: user.id, status: user.status });
}

/** 422 PASSWORD_ALREADY_SET: an invite is for an account without a password (reset it instead). */
export function passwordAlreadySet(user: Pick<UserRecord, 'id'>): DomainError {
  return new DomainError('PASSWORD_ALREADY_SET', 'The user already has a password; reset it instead', {
    id: user.id,
    hasPassword: true,
  });
}

/** 422 USER_ARCHIVED unless the account is active. */
export function assertUserActive(user: Status, message?: string): void {
  if (user.status !== 'active') throw userArchived(user, message);
}

/** 422 USER_NOT_ARCHIVED unless the account is archived. */
export function assertUserArchived(user: Status): void {
  if (user.status !== 'archived') throw userNotArchived(user);
}

/** An invite is for an active account without a password: 422 USER_ARCHIVED or PASSWORD_ALREADY_SET. */
export function assertInvitable(user: Status & Pick<UserRecord, 'passwordHash'>): void {
  assertUserActive(user);
  if (user.passwordHash !== null) throw passwordAlreadySet(user);
}
