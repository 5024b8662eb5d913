import { DomainError } from '../errors/domain-error.js';
import type { Role } from '../users/user.schemas.js';
import { holdsRole } from './roles.js';

/**
 * Who may give or take which roles (spec 5.2): nobody changes their own roles;
 * only admins grant or revoke admin; HR manages every other role. Throws
 * FORBIDDEN naming the roles at stake.
 */
export function checkRoleChange(
  actor: { id: string; roles: readonly Role[] },
  target: { id: string | null; roles: readonly Role[] },
  next: readonly Role[],
): void {
  const before = new Set(target.roles);
  const after = new Set(next);
  const changed = [...new Set([...before, ...after])].filter((role) => before.has(role) !== after.has(role));
  if (changed.length === 0) return;
  if (target.id !== null && target.id === actor.id) {
    throw new DomainError('FORBIDDEN', 'Nobody can change their own roles', { roles: changed });
  }
  if (holdsRole(actor.roles, 'admin')) return;
  if (!holdsRole(actor.roles, 'hr')) {
    throw new DomainError('FORBIDDEN', 'Only HR and admins assign roles', { roles: changed });
  }
  if (changed.includes('admin')) {
    throw new DomainError('FORBIDDEN', 'Only an admin can grant or revoke the admin role', { roles: ['admin'] });
  }
}
