/**
 * The login lockout, as pure functions of the failure state, `now` and the
 * policy. Failures are counted per normalised email, whether or not an
 * account has it (so a lockout reveals nothing). The store only keeps what
 * these functions decide; see LoginFailureRepository for how concurrent
 * failures are counted.
 */

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

export interface LockoutPolicy {
  /** Failures in a row that lock. */
  threshold: number;
  /** How long the n-th lock in a row lasts (n from 1). */
  lockMs(lockNumber: number): number;
}

export const LOCKOUT_POLICY: LockoutPolicy = { threshold: LOCKOUT_THRESHOLD, lockMs: lockDurationMs };

export interface LoginFailureState {
  /** Failures since the last success or lock. */
  failures: number;
  /** Locks in a row since the last success or unlock. */
  locks: number;
  lockedUntil: Date | null;
}

/** The state of an email nobody has failed to sign in with (or whose failures were forgotten). */
export const NO_FAILURES: LoginFailureState = { failures: 0, locks: 0, lockedUntil: null };

export function isLocked(state: Pick<LoginFailureState, 'lockedUntil'> | null, now: Date): boolean {
  return state?.lockedUntil != null && state.lockedUntil.getTime() > now.getTime();
}

/** Whole seconds until the lock passes (at least 1 while locked; 60 when the end is unknown). */
export function lockRetryAfterSeconds(lockedUntil: Date | null, now: Date): number {
  if (!lockedUntil) return 60;
  return Math.max(1, Math.ceil((lockedUntil.getTime() - now.getTime()) / 1000));
}

/** A lock one failure sets: until when, and which lock in a row it is (for the growing duration). */
export interface Lock {
  lockedUntil: Date;
  lockNumber: number;
}

export interface FailureDecision {
  /** The state to keep after this failure. */
  next: LoginFailureState;
  /** The lock this failure sets, or null when it does not lock. */
  lock: Lock | null;
}

/**
 * What a failure leads to, given the state with that failure already counted
 * (`counted.failures` includes it: the store counts atomically, see
 * LoginFailureRepository.countFailure). It locks when the count reaches the
 * threshold and the email is not locked already; the lock lasts
 * `policy.lockMs(locks + 1)` from `now` and the count starts again from 0. A
 * failure counted while a lock is in force (a request that raced the lock)
 * does not lock again: it stays counted toward the next lock.
 */
export function decideCountedFailure(
  counted: LoginFailureState,
  now: Date,
  policy: LockoutPolicy = LOCKOUT_POLICY,
): FailureDecision {
  if (counted.failures < policy.threshold || isLocked(counted, now)) return { next: counted, lock: null };
  const lockNumber = counted.locks + 1;
  const lock = { lockedUntil: new Date(now.getTime() + policy.lockMs(lockNumber)), lockNumber };
  return { next: { failures: 0, locks: lockNumber, lockedUntil: lock.lockedUntil }, lock };
}

/**
 * The whole rule in one step: the state after one more failure from `state`
 * (null: none so far). The same as counting it and deciding the counted state.
 */
export function recordFailure(
  state: LoginFailureState | null,
  now: Date,
  policy: LockoutPolicy = LOCKOUT_POLICY,
): FailureDecision {
  const before = state ?? NO_FAILURES;
  return decideCountedFailure({ ...before, failures: before.failures + 1 }, now, policy);
}
