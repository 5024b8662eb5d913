import {
  type AuthUserView,
  effectiveRoles,
  type PendingStep,
  type UserMfaRecord,
  type UserRecord,
  type UserView,
} from '@seed-pms/domain';
import type { WithId } from 'mongodb';
import { idOrNull } from '../ids.js';
import type { UserDoc, UserMfaDoc } from './user.doc.js';

/** Documents ⇄ what the rest of the server sees; `_id` ⇄ `id` happens here and nowhere else. */
export function toUserRecord(doc: WithId<UserDoc>): UserRecord {
  return {
    id: doc._id.toHexString(),
    email: doc.email,
    emailKey: doc.emailKey,
    name: doc.name,
    roles: doc.roles,
    status: doc.status,
    passwordHash: doc.passwordHash,
    mustChangePassword: doc.mustChangePassword,
    passwordChangedAt: doc.passwordChangedAt ?? null,
    mfa: doc.mfa ? toMfaRecord(doc.mfa) : null,
    lockedUntil: doc.lockedUntil ?? null,
    lastLoginAt: doc.lastLoginAt ?? null,
    invitedAt: doc.invitedAt ?? null,
    archivedAt: doc.archivedAt ?? null,
    archivedBy: idOrNull(doc.archivedBy),
    archiveReason: doc.archiveReason ?? null,
    erasedAt: doc.erasedAt ?? null,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** MFA state is the same shape stored and read; the codes are copied, never shared. */
function toMfaRecord(mfa: UserMfaDoc): UserMfaRecord {
  return { ...mfa, recoveryCodeHashes: [...mfa.recoveryCodeHashes] };
}

export function toUserMfaDoc(mfa: UserMfaRecord): UserMfaDoc {
  return { ...mfa, recoveryCodeHashes: [...mfa.recoveryCodeHashes] };
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** An account as administrators see it: no secrets, only whether they exist. */
export function userView(user: UserRecord): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    roles: user.roles,
    status: user.status,
    hasPassword: user.passwordHash !== null,
    mustChangePassword: user.mustChangePassword,
    mfaEnabled: user.mfa?.enabled === true,
    lockedUntil: iso(user.lockedUntil),
    lastLoginAt: iso(user.lastLoginAt),
    invitedAt: iso(user.invitedAt),
    archivedAt: iso(user.archivedAt),
    archivedBy: user.archivedBy,
    archiveReason: user.archiveReason,
    erasedAt: iso(user.erasedAt),
    version: user.version,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

/** The signed-in user as auth answers show them; `pending` from pendingSteps. */
export function authUserView(user: UserRecord, pending: readonly PendingStep[]): AuthUserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    roles: user.roles,
    effectiveRoles: effectiveRoles(user.roles),
    mustChangePassword: user.mustChangePassword,
    mfaEnabled: user.mfa?.enabled === true,
    mfaSetupRequired: pending.includes('mfa-setup'),
  };
}

export function toUserView(doc: WithId<UserDoc>): UserView {
  return userView(toUserRecord(doc));
}
