import { z } from 'zod';

/** Hierarchical roles, lowest first; each inherits the rights of those below it. */
export const HIERARCHY_ROLES = ['employee', 'projectLead', 'manager', 'director', 'hr', 'admin'] as const;
/** Functional roles that sit beside the hierarchy (the expense approval chain). */
export const FUNCTIONAL_ROLES = ['finance', 'ceo'] as const;

export const Role = z.enum([...HIERARCHY_ROLES, ...FUNCTIONAL_ROLES]).meta({ id: 'Role' });
export type Role = z.infer<typeof Role>;

export const UserStatus = z.enum(['active', 'archived']).meta({ id: 'UserStatus' });
export type UserStatus = z.infer<typeof UserStatus>;

/** Emails are compared without case and surrounding spaces. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export const Email = z.string().trim().max(254).pipe(z.email()).meta({ example: 'ada@example.com' });

/** The signed-in user as procedures see it. */
export interface Actor {
  id: string;
  email: string;
  roles: Role[];
}
