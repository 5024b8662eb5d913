import { DomainError } from '../errors/domain-error.js';
import type { UserRecord } from './user.records.js';

type Status = Pick<UserRecord, 'id' | 'status' | 'archivedAt'>;

/** 422 USER_ARCHIVED unless the account is active: an archived account is restored before it changes. */
export function assertUserActive(user: Status, message = 'The user is archived; restore them first'): void {
  if (user.status !== 'active') {
    throw new DomainError('USER_ARCHIVED', message, {
      id: user.id,
      archivedAt: user.archivedAt?.toISOString() ?? null,
    });
  }
}

/** 422 USER_NOT_ARCHIVED: only an archived account can be restored. */
export function assertUserArchived(user: Status): void {
  if (user.status !== 'archived') {
    throw new DomainError('USER_NOT_ARCHIVED', 'The user is not archived', { id: user.id, status: user.status });
  }
}

/**
 * An invite is for an active account without a password: 422 USER_ARCHIVED,
 * or 422 PASSWORD_ALREADY_SET (reset the password instead).
 */
export function assertInvitable(user: Status & Pick<UserRecord, 'passwordHash'>): void {
  assertUserActive(user);
  if (user.passwordHash !== null) {
    throw new DomainError('PASSWORD_ALREADY_SET', 'The user already has a password; reset it instead', {
      id: user.id,
      hasPassword: true,
    });
  }
}
