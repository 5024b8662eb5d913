/** Consecutive failed logins that lock an account. */
export const LOCKOUT_THRESHOLD = 5;
const FIRST_LOCK_MS = 60_000;
const MAX_LOCK_MS = 24 * 3600_000;

/**
 * How long the account is locked the n-th time in a row (n from 1): 1 min,
 * 4 min, 16 min, ~1 h, ~4 h, then a day. A successful login or an admin's
 * unlock starts the count again.
 */
export function lockDurationMs(lockNumber: number): number {
  return Math.min(MAX_LOCK_MS, FIRST_LOCK_MS * 4 ** Math.max(0, lockNumber - 1));
}

export interface LoginFailureState {
  /** Failures since the last success or lock. */
  failures: number;
  /** Locks in a row since the last success or unlock. */
  locks: number;
  lockedUntil: Date | null;
}

export function isLocked(state: Pick<LoginFailureState, 'lockedUntil'> | null, now: Date): boolean {
  return state?.lockedUntil != null && state.lockedUntil.getTime() > now.getTime();
}
