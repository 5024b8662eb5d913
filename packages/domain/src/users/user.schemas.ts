import { z } from 'zod';
import { ExpectedVersion, Id, Instant, PageQuery, SearchTerm, SortOf } from '../common/common.schemas.js';

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

/** What a signed-in user must do before anything but the auth routes answers. */
export type PendingStep = 'change-password' | 'mfa-setup';

/** The signed-in user as procedures see it. */
export interface Actor {
  id: string;
  email: string;
  roles: Role[];
  /** The session the request came with; null for internal callers (REPL, scripts, jobs). */
  sessionId: string | null;
  pending: PendingStep[];
}

export const UserView = z
  .object({
    id: Id,
    email: z.string(),
    name: z.string(),
    roles: z.array(Role),
    status: UserStatus,
    hasPassword: z.boolean().meta({ description: 'False until an invited user accepts the invite.' }),
    mustChangePassword: z.boolean(),
    mfaEnabled: z.boolean(),
    lockedUntil: Instant.nullable().meta({ description: 'Set while failed logins keep the account locked.' }),
    lastLoginAt: Instant.nullable(),
    invitedAt: Instant.nullable(),
    archivedAt: Instant.nullable(),
    archivedBy: Id.nullable(),
    archiveReason: z.string().nullable(),
    erasedAt: Instant.nullable().meta({
      description: 'When the person’s personal data was erased; such an account can never be restored.',
    }),
    version: z.number().int(),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'User' });
export type UserView = z.infer<typeof UserView>;

export const UserName = z.string().trim().min(1).max(200).meta({ example: 'Ada Lovelace' });

export const CreateUserInput = z.strictObject({
  email: Email,
  name: UserName,
  roles: z.array(Role).min(1).max(8).default(['employee']).meta({ description: 'Roles to grant.' }),
  password: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .meta({ description: 'An initial password the user must change at first login; omit to send an invite.' }),
  sendInvite: z
    .boolean()
    .default(true)
    .meta({ description: 'Email an invite link (ignored when a password is given).' }),
});
export type CreateUserInput = z.infer<typeof CreateUserInput>;

export const UpdateUserInput = z.strictObject({
  id: Id,
  version: ExpectedVersion,
  email: Email.optional(),
  name: UserName.optional(),
  roles: z.array(Role).min(1).max(8).optional(),
});
export type UpdateUserInput = z.infer<typeof UpdateUserInput>;

export const UserSort = SortOf(['createdAt', '-createdAt', 'name', '-name', 'email', '-email']);

export const ListUsersQuery = PageQuery.extend({
  status: UserStatus.optional(),
  role: Role.optional().meta({ description: 'Users granted this role.' }),
  q: SearchTerm.optional().meta({ description: 'Prefix of the name or email.' }),
  sort: UserSort.default('-createdAt'),
}).strict();
export type ListUsersQuery = z.infer<typeof ListUsersQuery>;

export const UserIdInput = z.strictObject({ id: Id });

export const ArchiveUserInput = z.strictObject({
  id: Id,
  reason: z.string().trim().min(1).max(500).meta({ description: 'Why, for the audit trail.' }),
});

export const AdminResetPasswordInput = z.strictObject({
  id: Id,
  password: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .meta({ description: 'A temporary password the user must change; omit to email a reset link.' }),
});

export const AdminResetPasswordView = z
  .object({
    method: z.enum(['temporary-password', 'email']),
    sessionsRevoked: z.number().int(),
  })
  .meta({ id: 'AdminPasswordReset' });
