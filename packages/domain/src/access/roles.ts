import { FUNCTIONAL_ROLES, HIERARCHY_ROLES, type Role } from '../users/user.schemas.js';

export type HierarchyRole = (typeof HIERARCHY_ROLES)[number];

const RANK = new Map<Role, number>(HIERARCHY_ROLES.map((role, index) => [role, index]));

/** A role's place in the hierarchy (employee 0 … admin 5); -1 for functional roles. */
export function roleRank(role: Role): number {
  return RANK.get(role) ?? -1;
}

/** The highest hierarchical role held; everyone is at least an employee. */
export function highestRole(roles: readonly Role[]): HierarchyRole {
  let best = 0;
  for (const role of roles) best = Math.max(best, roleRank(role));
  return HIERARCHY_ROLES[best] ?? 'employee';
}

/**
 * The roles a user effectively holds: every hierarchical role up to the
 * highest one granted (role inheritance), plus the functional roles granted.
 */
export function effectiveRoles(roles: readonly Role[]): Role[] {
  const top = roleRank(highestRole(roles));
  const functional = FUNCTIONAL_ROLES.filter((role) => roles.includes(role));
  return [...HIERARCHY_ROLES.slice(0, top + 1), ...functional];
}

/** True when the user holds `role`, directly or by inheritance. */
export function holdsRole(roles: readonly Role[], role: Role): boolean {
  const rank = roleRank(role);
  if (rank < 0) return roles.includes(role);
  return roleRank(highestRole(roles)) >= rank;
}

/** Roles as stored: unique, in a stable order (hierarchy first, then functional). */
export function normalizeRoles(roles: readonly Role[]): Role[] {
  const set = new Set(roles);
  return [...HIERARCHY_ROLES, ...FUNCTIONAL_ROLES].filter((role) => set.has(role));
}
