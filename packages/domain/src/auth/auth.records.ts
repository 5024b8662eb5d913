import type { LoginFailureState } from './lockout.js';

/**
 * A sign-in session, which is also its refresh-token family: every refresh
 * replaces `tokenHash` and keeps the hash it replaced, so a rotated token
 * coming back is recognised (see refresh.decide.ts). Server-only: answers show
 * SessionView.
 */
export interface SessionRecord {
  id: string;
  userId: string;
  /** SHA-256 of the current refresh token's secret part. */
  tokenHash: string;
  previousTokenHashes: string[];
  ip: string;
  userAgent: string | null;
  device: string;
  createdAt: Date;
  lastUsedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  revokedReason: string | null;
}

export type AuthTokenKind = 'password-reset' | 'invite';

/** A single-use token sent by email; only its hash is kept. */
export interface AuthTokenRecord {
  id: string;
  kind: AuthTokenKind;
  userId: string;
  tokenHash: string;
  createdAt: Date;
  createdBy: string | null;
  expiresAt: Date;
  usedAt: Date | null;
}

/** Failed sign-ins of one normalised email (see lockout.ts). */
export interface LoginFailureRecord extends LoginFailureState {
  emailKey: string;
  lastFailureAt: Date;
}
