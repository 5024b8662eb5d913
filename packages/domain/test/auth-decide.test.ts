import { describe, expect, it } from 'vitest';
import {
  checkRefreshUser,
  classifyFailedRotation,
  decideCountedFailure,
  formatRefreshToken,
  isLocked,
  LOCKOUT_POLICY,
  type LoginFailureState,
  lockRetryAfterSeconds,
  parseRefreshToken,
  recordFailure,
} from '../src/index.js';

const now = new Date('2030-06-01T12:00:00.000Z');
const at = (ms: number) => new Date(now.getTime() + ms);
const MIN = 60_000;
const state = (failures: number, locks = 0, lockedUntil: Date | null = null): LoginFailureState => ({
  failures,
  locks,
  lockedUntil,
});

describe('lockout: one more failure', () => {
  it.each([
    ['the first failure', null, state(1), null],
    ['the fourth failure', state(3), state(4), null],
    ['the fifth failure locks for a minute and starts the count again', state(4), state(0, 1, at(MIN)), 1],
    ['the fifth failure after one lock locks for four minutes', state(4, 1, at(-1)), state(0, 2, at(4 * MIN)), 2],
    ['the fifth after three locks: 64 minutes', state(4, 3, at(-MIN)), state(0, 4, at(64 * MIN)), 4],
    ['a long run of locks is capped at a day', state(4, 19, at(-1)), state(0, 20, at(24 * 60 * MIN)), 20],
    ['a failure counted while locked does not lock again', state(4, 1, at(30_000)), state(5, 1, at(30_000)), null],
    ['the lock has passed at its end instant', state(4, 1, now), state(0, 2, at(4 * MIN)), 2],
  ] as const)('%s', (_name, before, next, lockNumber) => {
    const decision = recordFailure(before, now);
    expect(decision.next).toEqual(next);
    expect(decision.lock?.lockNumber ?? null).toBe(lockNumber);
    if (decision.lock) expect(decision.lock.lockedUntil).toEqual(next.lockedUntil);
  });

  it('decides a counted state the same way, whatever the count past the threshold (a racing failure)', () => {
    expect(decideCountedFailure(state(5), now).lock).toEqual({ lockedUntil: at(MIN), lockNumber: 1 });
    expect(decideCountedFailure(state(7, 2), now).lock).toEqual({ lockedUntil: at(16 * MIN), lockNumber: 3 });
    expect(decideCountedFailure(state(4), now)).toEqual({ next: state(4), lock: null });
  });

  it('takes the policy as data', () => {
    const strict = { threshold: 2, lockMs: (n: number) => n * 1000 };
    expect(recordFailure(state(0), now, strict).lock).toBeNull();
    expect(recordFailure(state(1, 2), now, strict)).toEqual({
      next: state(0, 3, at(3000)),
      lock: { lockedUntil: at(3000), lockNumber: 3 },
    });
    expect(LOCKOUT_POLICY.threshold).toBe(5);
  });
});

describe('lockout: whether a state is locked', () => {
  it.each([
    [null, false],
    [state(3), false],
    [state(0, 1, at(1)), true],
    [state(0, 1, now), false],
    [state(0, 1, at(-1)), false],
  ] as const)('%j → %s', (s, locked) => {
    expect(isLocked(s, now)).toBe(locked);
  });

  it.each([
    [at(MIN), 60],
    [at(1), 1],
    [at(1500), 2],
    [at(-5000), 1],
    [null, 60],
  ] as const)('until %s: retry after %i s', (until, seconds) => {
    expect(lockRetryAfterSeconds(until, now)).toBe(seconds);
  });
});

describe('refresh tokens', () => {
  const id = '665f1c2e8b3a4d0012345678';
  const secret = 'a'.repeat(43);

  it.each([
    [null, null],
    ['', null],
    [`${id}.${secret}`, { sessionId: id, secret }],
    [`${id.toUpperCase()}.${secret}`, null],
    [`${id}.short`, null],
    [`${id}`, null],
    [`${id}.${secret}.extra`, null],
    [`not-an-id.${secret}`, null],
  ] as const)('%s', (raw, parsed) => {
    expect(parseRefreshToken(raw)).toEqual(parsed);
  });

  it('formats what it parses', () => {
    expect(formatRefreshToken({ sessionId: id, secret })).toBe(`${id}.${secret}`);
  });
});

describe('a refresh that did not rotate', () => {
  const live = {
    tokenHash: 'current',
    previousTokenHashes: ['first', 'second'],
    revokedAt: null,
    expiresAt: at(14 * 86_400_000),
  };

  it.each([
    ['no such session', null, 'current', 'no-session', 'session-ended', null],
    ['a rotated token came back', live, 'second', 'reused', 'token-reused', 'refresh-token-reuse'],
    [
      'a rotated token came back to an ended session',
      { ...live, revokedAt: at(-1) },
      'first',
      'reused',
      'token-reused',
      'refresh-token-reuse',
    ],
    ['the session was ended', { ...live, revokedAt: at(-1) }, 'current', 'ended', 'session-ended', null],
    ['the session expired', { ...live, expiresAt: now }, 'current', 'expired', 'session-ended', null],
    ['a secret the session never issued', live, 'forged', 'unknown-secret', 'session-ended', null],
  ] as const)('%s', (_name, session, presented, kind, reason, endSession) => {
    const refusal = classifyFailedRotation(session, presented, now);
    expect(refusal).toMatchObject({ kind, reason, endSession });
    expect(refusal.audit).toBe(kind === 'reused' ? 'auth.refresh.reused' : null);
  });
});

describe("a rotated session's user", () => {
  it.each([
    ['active', { status: 'active', lockedUntil: null }, null],
    ['locked until the past', { status: 'active', lockedUntil: at(-1) }, null],
    ['missing', null, { kind: 'user-archived', reason: 'user-inactive', endSession: 'user-archived' }],
    ['archived', { status: 'archived', lockedUntil: null }, { kind: 'user-archived', endSession: 'user-archived' }],
    ['locked', { status: 'active', lockedUntil: at(1) }, { kind: 'user-locked', endSession: 'user-locked' }],
  ] as const)('%s', (_name, user, expected) => {
    const refusal = checkRefreshUser(user, now);
    if (expected === null) expect(refusal).toBeNull();
    else expect(refusal).toMatchObject({ reason: 'user-inactive', ...expected });
  });
});
