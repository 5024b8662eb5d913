import type { Role, UserStatus } from './user.schemas.js';

/** TOTP enrolment. Secrets are sealed (encrypted by the api); recovery codes hashed. */
export interface UserMfaRecord {
  enabled: boolean;
  /** The confirmed secret, sealed. */
  secret: string | null;
  /** A secret being enrolled, sealed, until a code confirms it. */
  pendingSecret: string | null;
  recoveryCodeHashes: string[];
  enabledAt: Date | null;
  /** The time step of the last code accepted: a code is never accepted twice. */
  lastUsedStep: number | null;
}

/**
 * An account as the use cases and rules see it: plain data with string ids,
 * read and written by the user repository (packages/db). It carries what only
 * the server may see (the password hash, the MFA secrets), so no procedure
 * ever returns it: answers are UserView or AuthUserView.
 */
export interface UserRecord {
  id: string;
  email: string;
  /** The normalised email uniqueness hangs on (and the lockout is keyed by). */
  emailKey: string;
  name: string;
  roles: Role[];
  status: UserStatus;
  /** Null until an invited user sets a password. */
  passwordHash: string | null;
  mustChangePassword: boolean;
  passwordChangedAt: Date | null;
  mfa: UserMfaRecord | null;
  /** Mirrors the login lockout so the per-request session check sees it. */
  lockedUntil: Date | null;
  lastLoginAt: Date | null;
  invitedAt: Date | null;
  archivedAt: Date | null;
  archivedBy: string | null;
  archiveReason: string | null;
  /** Set once the person's personal data was erased: the account is a pseudonym for good. */
  erasedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
