import type { UserRecord } from '../users/user.records.js';
import type { SessionRecord } from './auth.records.js';
import { isLocked } from './lockout.js';

/**
 * Refreshing: the refresh token `<sessionId>.<secret>` is rotated by one write
 * conditional on the presented secret's hash being the session's current one
 * (and the session live). These functions say what to do when that write
 * changed nothing, and whether the session's user may still refresh; the
 * service acts on the answer (ends the session or family, audits, answers 401
 * with `details.reason`).
 */

/** A refresh token split into the session it names and its secret. */
export interface PresentedRefreshToken {
  sessionId: string;
  secret: string;
}

const SESSION_ID = /^[0-9a-f]{24}$/;
const MIN_SECRET_LENGTH = 20;

/** `<sessionId>.<secret>`, or null for anything else (no token). */
export function parseRefreshToken(raw: string | null | undefined): PresentedRefreshToken | null {
  if (!raw) return null;
  const [sessionId, secret, ...rest] = raw.split('.');
  if (!sessionId || !secret || rest.length > 0 || !SESSION_ID.test(sessionId)) return null;
  if (secret.length < MIN_SECRET_LENGTH) return null;
  return { sessionId, secret };
}

export function formatRefreshToken(token: PresentedRefreshToken): string {
  return `${token.sessionId}.${token.secret}`;
}

/**
 * The `details.reason` a refused refresh answers with. Clients read these, so
 * they are a contract: 'no-refresh-token' (no usable cookie), 'session-ended'
 * (no such session, ended, expired), 'token-reused' (a rotated token came back:
 * the session was ended), 'user-inactive' (the account is archived or locked).
 */
export type RefreshRefusalReason = 'no-refresh-token' | 'session-ended' | 'token-reused' | 'user-inactive';

/** Why a refresh was refused, finer than the reason (for the audit trail and the tests). */
export type RefreshRefusalKind =
  | 'no-token'
  | 'no-session'
  | 'unknown-secret'
  | 'ended'
  | 'expired'
  | 'reused'
  | 'user-archived'
  | 'user-locked';

export interface RefreshRefusal {
  kind: RefreshRefusalKind;
  reason: RefreshRefusalReason;
  message: string;
  /**
   * End the session (the whole refresh-token family) with this revocation
   * reason, or null when there is nothing to end.
   */
  endSession: 'refresh-token-reuse' | 'user-archived' | 'user-locked' | null;
  /** An audit action to record (a reused token is a security event), or null. */
  audit: 'auth.refresh.reused' | null;
}

const refusal = (
  kind: RefreshRefusalKind,
  reason: RefreshRefusalReason,
  message: string,
  endSession: RefreshRefusal['endSession'] = null,
): RefreshRefusal => ({
  kind,
  reason,
  message,
  endSession,
  audit: kind === 'reused' ? 'auth.refresh.reused' : null,
});

const SESSION_ENDED = 'This session has ended; sign in again';

/** The refusal for a request with no usable refresh token. */
export const NO_REFRESH_TOKEN: RefreshRefusal = refusal(
  'no-token',
  'no-refresh-token',
  'No valid refresh cookie; sign in again',
);

/**
 * Why a rotation at `presentedHash` wrote nothing, from the session as it is
 * now. A presented hash the session replaced earlier means someone kept a copy
 * of a rotated token: the whole family ends (even if the session had ended
 * already, it is reported and audited as reuse). Of two refreshes racing with
 * the same token, the loser lands here too, as reuse: the client package never
 * sends two at once.
 */
export function classifyFailedRotation(
  session: Pick<SessionRecord, 'tokenHash' | 'previousTokenHashes' | 'revokedAt' | 'expiresAt'> | null,
  presentedHash: string,
  now: Date,
): RefreshRefusal {
  if (!session) return refusal('no-session', 'session-ended', SESSION_ENDED);
  if (session.previousTokenHashes.includes(presentedHash)) {
    return refusal(
      'reused',
      'token-reused',
      'This refresh token was already used; the session has been ended',
      'refresh-token-reuse',
    );
  }
  if (session.revokedAt !== null) return refusal('ended', 'session-ended', SESSION_ENDED);
  if (session.expiresAt.getTime() <= now.getTime()) return refusal('expired', 'session-ended', SESSION_ENDED);
  // Neither the current secret nor one it replaced: not a token this session issued.
  return refusal('unknown-secret', 'session-ended', SESSION_ENDED);
}

/**
 * Whether the user of a just-rotated session may have it: an archived (or
 * missing) or locked account ends the session. Null when all is well.
 */
export function checkRefreshUser(
  user: Pick<UserRecord, 'status' | 'lockedUntil'> | null,
  now: Date,
): RefreshRefusal | null {
  const message = 'This account cannot sign in now';
  if (!user || user.status !== 'active') return refusal('user-archived', 'user-inactive', message, 'user-archived');
  if (isLocked(user, now)) return refusal('user-locked', 'user-inactive', message, 'user-locked');
  return null;
}
