import type { Repositories } from '@seed-pms/db';
import { type Actor, DomainError, isLocked, type PendingStep, pendingSteps, type Role } from '@seed-pms/domain';
import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { SettingsService } from '../settings/settings.service.js';

/** What the per-request check learns about a session, cached briefly. */
export type SessionState =
  | { live: true; userId: string; email: string; roles: Role[]; pending: PendingStep[]; expiresAt: Date }
  | { live: false; userId: string; reason: 'session-revoked' | 'session-expired' | 'user-archived' | 'user-locked' };

const CACHE_MAX = 20_000;

/**
 * Every authenticated request checks that its session is still live and its
 * user active and unlocked, so revocation takes effect at once. The answer is
 * cached for AUTH_SESSION_CACHE_MS (default 5 s) per session. The instance
 * that revokes a session or changes a user drops its entries at once and, with
 * Redis, tells the other instances over pub/sub to do the same; without Redis
 * (one instance) or if a message is lost, others see it within the TTL.
 */
export interface SessionCheck {
  check(userId: string, sessionId: string, now: Date): Promise<SessionState>;
  forgetSession(sessionId: string): void;
  forgetUser(userId: string): void;
  /** Cache statistics, for the benchmark. */
  stats(): { hits: number; misses: number; size: number };
  close(): Promise<void>;
}

/** Where instances tell each other to drop cached session checks. */
export const FORGET_CHANNEL = 'seed-pms:auth:forget';

export function createSessionCheck(
  repos: Pick<Repositories, 'sessions' | 'users'>,
  settings: Pick<SettingsService, 'current'>,
  ttlMs: number,
  redis: Redis | null = null,
  logger?: Pick<FastifyBaseLogger, 'warn'>,
): SessionCheck {
  const cache = new Map<string, { state: SessionState; at: number }>();
  let hits = 0;
  let misses = 0;
  const dropSession = (sessionId: string) => cache.delete(sessionId);
  const dropUser = (userId: string) => {
    for (const [key, entry] of cache) if (entry.state.userId === userId) cache.delete(key);
  };

  // With Redis, a revocation in one instance empties every instance's cache at once.
  const subscriber = redis && ttlMs > 0 ? redis.duplicate() : null;
  if (subscriber) {
    subscriber.on('message', (_channel: string, message: string) => {
      const [kind, id] = message.split(':');
      if (kind === 'session' && id) dropSession(id);
      if (kind === 'user' && id) dropUser(id);
    });
    subscriber.on('error', (error: Error) => logger?.warn({ err: error }, 'session-check subscriber error'));
    void subscriber.subscribe(FORGET_CHANNEL).catch((error: unknown) => {
      logger?.warn(
        { err: error },
        'cannot subscribe to session revocations; other instances see them within the cache TTL',
      );
    });
  }
  const broadcast = (message: string) => {
    if (!subscriber || !redis) return;
    redis.publish(FORGET_CHANNEL, message).catch((error: unknown) => {
      logger?.warn(
        { err: error },
        'cannot broadcast a session revocation; other instances see it within the cache TTL',
      );
    });
  };

  async function load(userId: string, sessionId: string, now: Date): Promise<SessionState> {
    // Two point reads by id (a malformed id finds nothing) and the cached settings.
    const [session, user, current] = await Promise.all([
      repos.sessions.get(sessionId),
      repos.users.get(userId),
      settings.current(now),
    ]);
    if (!session || !user || session.userId !== user.id || session.revokedAt) {
      return { live: false, userId, reason: 'session-revoked' };
    }
    if (session.expiresAt.getTime() <= now.getTime()) return { live: false, userId, reason: 'session-expired' };
    if (user.status !== 'active') return { live: false, userId, reason: 'user-archived' };
    if (isLocked(user, now)) return { live: false, userId, reason: 'user-locked' };
    return {
      live: true,
      userId,
      email: user.email,
      roles: user.roles,
      pending: pendingSteps(user, current.security.requireMfaForPrivileged),
      expiresAt: session.expiresAt,
    };
  }

  return {
    async check(userId, sessionId, now) {
      const cached = ttlMs > 0 ? cache.get(sessionId) : undefined;
      if (cached && now.getTime() - cached.at < ttlMs && cached.state.userId === userId) {
        hits += 1;
        return cached.state;
      }
      misses += 1;
      const state = await load(userId, sessionId, now);
      if (ttlMs > 0) {
        if (cache.size >= CACHE_MAX) cache.clear();
        cache.set(sessionId, { state, at: now.getTime() });
      }
      return state;
    },
    forgetSession(sessionId) {
      dropSession(sessionId);
      broadcast(`session:${sessionId}`);
    },
    forgetUser(userId) {
      dropUser(userId);
      broadcast(`user:${userId}`);
    },
    stats: () => ({ hits, misses, size: cache.size }),
    async close() {
      await subscriber?.quit().catch(() => undefined);
    },
  };
}

const MESSAGES: Record<Exclude<SessionState, { live: true }>['reason'], string> = {
  'session-revoked': 'This session has ended; sign in again',
  'session-expired': 'This session has expired; sign in again',
  'user-archived': 'This account is archived',
  'user-locked': 'This account is locked for now',
};

// One actor object per cached state, so the ability built for it is reused too.
const actors = new WeakMap<SessionState, Actor>();

/** The actor for a live session; 401 with the reason otherwise. */
export function actorOf(state: SessionState, sessionId: string): Actor {
  if (!state.live) throw new DomainError('UNAUTHENTICATED', MESSAGES[state.reason], { reason: state.reason });
  let actor = actors.get(state);
  if (!actor) {
    actor = { id: state.userId, email: state.email, roles: state.roles, sessionId, pending: state.pending };
    actors.set(state, actor);
  }
  return actor;
}
