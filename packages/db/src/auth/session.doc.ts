import type { AuthTokenKind } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/**
 * A login session (spec: user_sessions), which is also the refresh-token
 * family: every refresh replaces `tokenHash` and keeps the old hash in
 * `previousTokenHashes`, so presenting a rotated token is recognised as theft.
 */
export interface SessionDoc {
  _id: ObjectId;
  userId: ObjectId;
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

export const sessionsCollection = defineCollection<SessionDoc>('user_sessions', [
  { name: 'userId_revokedAt', key: { userId: 1, revokedAt: 1 } },
  { name: 'expiresAt', key: { expiresAt: 1 } },
]);

/** Consecutive failed logins per normalised email, whether or not an account has it (no oracle). */
export interface LoginFailureDoc {
  _id: string;
  failures: number;
  locks: number;
  lockedUntil: Date | null;
  lastFailureAt: Date;
}

export const loginFailuresCollection = defineCollection<LoginFailureDoc>('login_failures', [
  { name: 'lastFailureAt', key: { lastFailureAt: 1 } },
]);

/** A single-use token sent by email; only its hash is stored. */
export interface AuthTokenDoc {
  _id: ObjectId;
  kind: AuthTokenKind;
  userId: ObjectId;
  tokenHash: string;
  createdAt: Date;
  createdBy: ObjectId | null;
  expiresAt: Date;
  usedAt: Date | null;
}

export const authTokensCollection = defineCollection<AuthTokenDoc>('auth_tokens', [
  { name: 'tokenHash_unique', key: { tokenHash: 1 }, unique: true },
  { name: 'userId_kind', key: { userId: 1, kind: 1 } },
  { name: 'expiresAt', key: { expiresAt: 1 } },
]);
