import type { Role, UserStatus } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/** TOTP enrolment. Secrets are stored encrypted (AES-GCM, by the api); recovery codes hashed. */
export interface UserMfaDoc {
  enabled: boolean;
  /** The confirmed secret, encrypted. */
  secret: string | null;
  /** A secret being enrolled, encrypted, until a code confirms it. */
  pendingSecret: string | null;
  recoveryCodeHashes: string[];
  enabledAt: Date | null;
  /** The time step of the last code accepted: a code is never accepted twice. */
  lastUsedStep: number | null;
}

/**
 * A user account as stored. `emailKey` is the normalised email that uniqueness
 * hangs on; `nameKey` the lower-cased name for prefix search and sorting.
 */
export interface UserDoc {
  _id: ObjectId;
  email: string;
  emailKey: string;
  name: string;
  nameKey: string;
  /**
   * Words of the name and the email, folded (case and accents ignored): what
   * `q` matches a prefix of. Absent on accounts stored before it existed,
   * until the search-key repair job has run.
   */
  searchKeys?: string[];
  roles: Role[];
  status: UserStatus;
  passwordHash: string | null;
  mustChangePassword: boolean;
  passwordChangedAt: Date | null;
  mfa: UserMfaDoc | null;
  /** Mirrors the login lockout (login_failures) so the per-request session check sees it. */
  lockedUntil: Date | null;
  lastLoginAt: Date | null;
  invitedAt: Date | null;
  archivedAt: Date | null;
  archivedBy: ObjectId | null;
  archiveReason: string | null;
  /** When the person's personal data was erased (the account is a pseudonym and can never be restored); absent until then. */
  erasedAt?: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const usersCollection = defineCollection<UserDoc>('users', [
  { name: 'emailKey_unique', key: { emailKey: 1 }, unique: true },
  { name: 'status_createdAt', key: { status: 1, createdAt: -1 } },
  { name: 'roles_createdAt', key: { roles: 1, createdAt: -1 } },
  { name: 'nameKey', key: { nameKey: 1 } },
  { name: 'searchKeys', key: { searchKeys: 1 } },
  { name: 'createdAt', key: { createdAt: -1 } },
]);
