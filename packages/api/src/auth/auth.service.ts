import { authUserView, sessionView } from '@seed-pms/db';
import {
  type AcceptedView,
  type Actor,
  assertMfaCanEnrol,
  assertMfaEnabled,
  assertPasswordAcceptable,
  type CurrentSessionView,
  checkRefreshUser,
  classifyFailedRotation,
  DomainError,
  decideCountedFailure,
  defineRulesFor,
  describeDevice,
  formatRefreshToken,
  isDomainError,
  isLocked,
  type List,
  LOCKOUT_POLICY,
  type LoginInput,
  lockRetryAfterSeconds,
  type MeView,
  mfaEnrolmentChanged,
  NO_REFRESH_TOKEN,
  normalizeEmail,
  notFound,
  parseRefreshToken,
  pendingMfaSecret,
  pendingSteps,
  type RefreshRefusal,
  type SessionRecord,
  type SessionView,
  type TokenView,
  type UserRecord,
  wrongReconfirmation,
} from '@seed-pms/domain';
import type { ActorContext, CallContext, RequestInfo } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';
import type { OutboxService } from '../mail/outbox.service.js';
import { inviteEmail, passwordResetEmail } from '../mail/templates.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { AccessTokens } from './access-tokens.js';
import { hashRecoveryCode, isTotpFormat, newRecoveryCodes, newTotpSecret, totpUri, verifyTotp } from './mfa.js';
import { hashPassword, verifyPassword } from './password.js';
import { createRateLimiter, rateLimited } from './rate-limiter.js';
import { dataBox, hashToken, randomToken, safeEqual } from './secrets.js';
import { actorOf, createSessionCheck, type SessionCheck } from './session-check.js';

type Ctx = CallContext;
type AuthedCtx = ActorContext;

/** A new refresh token: the HTTP edge puts it in the refresh cookie. */
export interface RefreshCredentials {
  /** `<sessionId>.<secret>`: what the client presents to refresh. */
  token: string;
  expiresAt: Date;
}

/** The answer to a sign-in or refresh: the access token for the body, the refresh token for the cookie. */
export interface SignedIn {
  view: TokenView;
  refresh: RefreshCredentials;
}

/** What a cookie-authenticated call presents: the refresh token, and whether the CSRF header matched its cookie. */
export interface PresentedRefresh {
  token: string | null;
  csrfValid: boolean;
}

/** What the housekeeping job removed. */
export interface AuthPurgeResult {
  sessions: number;
  tokens: number;
  loginFailures: number;
}

export interface AuthService {
  login(ctx: Ctx, input: LoginInput): Promise<SignedIn>;
  refresh(ctx: Ctx, presented: PresentedRefresh): Promise<SignedIn>;
  /** Ends the bearer token's session, or else the presented refresh token's; every session with `all`. */
  logout(ctx: Ctx, input: { all: boolean; presented: PresentedRefresh }): Promise<{ ok: true; sessionsEnded: number }>;
  /** The actor behind the request's bearer token; 401 UNAUTHENTICATED otherwise. */
  authenticate(req: RequestInfo, now: Date): Promise<Actor>;
  me(ctx: AuthedCtx): Promise<MeView>;
  currentSession(ctx: AuthedCtx): Promise<CurrentSessionView>;
  sessions(ctx: AuthedCtx): Promise<List<SessionView>>;
  revokeSession(ctx: AuthedCtx, id: string): Promise<{ ok: true }>;
  forgotPassword(ctx: Ctx, email: string): Promise<AcceptedView>;
  resetPassword(ctx: Ctx, input: { token: string; password: string }): Promise<{ ok: true }>;
  acceptInvite(ctx: Ctx, input: { token: string; password: string }): Promise<{ ok: true }>;
  changePassword(
    ctx: AuthedCtx,
    input: { currentPassword: string; newPassword: string },
  ): Promise<{ ok: true; sessionsEnded: number }>;
  mfaEnroll(ctx: AuthedCtx): Promise<{ secret: string; otpauthUrl: string }>;
  mfaConfirm(ctx: AuthedCtx, code: string): Promise<{ recoveryCodes: string[] }>;
  mfaDisable(ctx: AuthedCtx, input: { password: string; code: string }): Promise<{ ok: true }>;
  mfaRecoveryCodes(ctx: AuthedCtx, code: string): Promise<{ recoveryCodes: string[] }>;
  jwks(): { keys: Record<string, unknown>[] };
  /** Used by user administration (plain types only: this interface reaches the client's types). */
  endSessions(userId: string, reason: string, now: Date): Promise<number>;
  sendPasswordReset(ctx: CallContext, user: AccountRef): Promise<void>;
  sendInvite(ctx: CallContext, user: AccountRef): Promise<void>;
  /** Forgets the failed sign-ins of the account's email and lifts its lock. */
  unlock(user: AccountRef, now: Date): Promise<void>;
  /** Drops cached session checks after a change to the user (roles, status, password). */
  forgetUser(userId: string): void;
  /**
   * Removes what has expired: sessions a month after they expired (ended ones
   * are kept that long for investigations), email tokens and idle failure
   * counts a day after.
   */
  purgeExpired(now: Date): Promise<AuthPurgeResult>;
  readonly sessionCheck: SessionCheck;
}

/** The account a use case acts on. */
export interface AccountRef {
  id: string;
  email: string;
  name: string;
}

const refOf = (user: UserRecord): AccountRef => ({ id: user.id, email: user.email, name: user.name });

export interface AuthServiceDeps {
  audit: AuditService;
  settings: SettingsService;
  outbox: OutboxService;
  tokens: AccessTokens;
}

/** How often a change of an account is decided again after losing an optimistic race. */
const MAX_WRITE_ATTEMPTS = 5;
const DAY_MS = 86_400_000;

const unauthenticated = (reason: string, message: string) => new DomainError('UNAUTHENTICATED', message, { reason });
/** Sign-in's answer for a wrong email or password: one message for both, 401. */
const invalidCredentials = () => new DomainError('INVALID_CREDENTIALS', 'The email or password is not correct');
const invalidMfaCode = () => new DomainError('INVALID_MFA_CODE', 'The authentication code is not correct');
const invalidToken = () =>
  new DomainError('INVALID_TOKEN', 'This link is not valid any more; ask for a new one', { field: 'token' });
const isVersionConflict = (error: unknown) => isDomainError(error) && error.code === 'VERSION_CONFLICT';

export function createAuthService(
  deps: Pick<ServiceDeps, 'repos' | 'config' | 'redis' | 'logger'>,
  services: AuthServiceDeps,
): AuthService {
  const { config } = deps;
  const { users, sessions, loginFailures, authTokens } = deps.repos;
  const { audit, settings, outbox, tokens } = services;
  const limiter = createRateLimiter(deps.redis);
  const box = dataBox(config);
  const sessionCheck = createSessionCheck(deps.repos, settings, config.AUTH_SESSION_CACHE_MS, deps.redis, deps.logger);
  const refreshTtlMs = config.REFRESH_TOKEN_TTL_DAYS * DAY_MS;
  // Verified against when the email is unknown, so both answers take the same time.
  const dummyHash = hashPassword(randomToken());

  async function limit(ctx: Ctx, key: string, max: number): Promise<void> {
    const result = await limiter.consume(key, max, config.AUTH_RATE_LIMIT_WINDOW_MS, ctx.now);
    if (!result.allowed) throw rateLimited(result.retryAfterSeconds);
  }
  const limitIp = (ctx: Ctx, route: string) => limit(ctx, `ip:${route}:${ctx.req.ip}`, config.AUTH_RATE_LIMIT_PER_IP);
  const limitAccount = (ctx: Ctx, route: string, emailKey: string) =>
    limit(ctx, `account:${route}:${emailKey}`, config.AUTH_RATE_LIMIT_PER_ACCOUNT);

  /** Cookie-authenticated changes need the CSRF header to match the CSRF cookie (double submit). */
  function checkCsrf(presented: PresentedRefresh): void {
    if (presented.csrfValid) return;
    throw new DomainError(
      'CSRF_FAILED',
      "Send the csrf_token cookie's value in the x-csrf-token header with cookie-authenticated requests",
    );
  }

  /**
   * Runs a decide-and-persist step on the account; when its write loses an
   * optimistic race (409 VERSION_CONFLICT), reloads the account and runs the
   * step again, so internal changes (a lock, a new password after a used
   * token) are never lost to a concurrent edit.
   */
  async function onAccount<T>(loaded: UserRecord, step: (user: UserRecord) => Promise<T>): Promise<T> {
    let user = loaded;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await step(user);
      } catch (error) {
        if (attempt >= MAX_WRITE_ATTEMPTS || !isVersionConflict(error)) throw error;
        const fresh = await users.get(user.id);
        if (!fresh) throw notFound('User', user.id);
        user = fresh;
      }
    }
  }

  async function userView(user: UserRecord, now: Date) {
    const current = await settings.current(now);
    return authUserView(user, pendingSteps(user, current.security.requireMfaForPrivileged));
  }

  async function issueTokens(ctx: Ctx, user: UserRecord, sessionId: string): Promise<TokenView> {
    const accessToken = await tokens.sign({ userId: user.id, sessionId }, ctx.now);
    return { accessToken, tokenType: 'Bearer', expiresIn: tokens.ttlSeconds, user: await userView(user, ctx.now) };
  }

  function signedIn(view: TokenView, sessionId: string, secret: string, expiresAt: Date): SignedIn {
    return { view, refresh: { token: formatRefreshToken({ sessionId, secret }), expiresAt } };
  }

  async function startSession(ctx: Ctx, user: UserRecord): Promise<SignedIn> {
    const secret = randomToken();
    const expiresAt = new Date(ctx.now.getTime() + refreshTtlMs);
    const session = await sessions.insert(
      {
        userId: user.id,
        tokenHash: hashToken(secret),
        ip: ctx.req.ip,
        userAgent: ctx.req.userAgent,
        device: describeDevice(ctx.req.userAgent),
        expiresAt,
      },
      ctx.now,
    );
    return signedIn(await issueTokens(ctx, user, session.id), session.id, secret, expiresAt);
  }

  async function endSessions(userId: string, reason: string, now: Date, keep?: string | null): Promise<number> {
    const count = await sessions.revokeAllOf(userId, reason, now, keep);
    sessionCheck.forgetUser(userId);
    return count;
  }

  /** Lifts the lock mirrored on the account, if there is one (a versioned change). */
  async function clearLockMirror(user: UserRecord, now: Date): Promise<void> {
    if (user.lockedUntil === null) return;
    await onAccount(user, async (fresh) => {
      if (fresh.lockedUntil !== null) await users.setLock(fresh, null, now);
    });
    sessionCheck.forgetUser(user.id);
  }

  /**
   * Counts a failed password or code against the email (load → decide →
   * persist, see LoginFailureRepository for concurrent failures), audits it
   * and throws: ACCOUNT_LOCKED on the failure that locks, `refusal` otherwise.
   */
  async function failLogin(
    ctx: Ctx,
    emailKey: string,
    user: UserRecord | null,
    why: string,
    refusal: DomainError,
  ): Promise<never> {
    const counted = await loginFailures.countFailure(emailKey, ctx.now);
    const decision = decideCountedFailure(counted, ctx.now, LOCKOUT_POLICY);
    const lock = decision.lock && (await loginFailures.store(emailKey, counted, decision.next)) ? decision.lock : null;
    const as = { actorId: user ? user.id : 'anonymous' };
    const resourceId = user ? user.id : 'unknown';
    await audit.record(
      ctx,
      { action: 'auth.login.failed', resourceType: 'user', resourceId, details: { email: emailKey, reason: why } },
      as,
    );
    if (!lock) throw refusal;
    if (user) {
      // The mirror on the account: the per-request check ends the user's sessions while it holds.
      await onAccount(user, (fresh) => users.setLock(fresh, lock.lockedUntil, ctx.now));
      sessionCheck.forgetUser(user.id);
    }
    await audit.record(
      ctx,
      {
        action: 'auth.account.locked',
        resourceType: 'user',
        resourceId,
        details: { email: emailKey, lockedUntil: lock.lockedUntil.toISOString(), lockNumber: lock.lockNumber },
      },
      as,
    );
    throw lockedError(ctx.now, lock.lockedUntil);
  }

  /** 403 ACCOUNT_LOCKED; `retryAfterSeconds` in the details becomes the answer's Retry-After. */
  function lockedError(now: Date, until: Date | null): DomainError {
    return new DomainError('ACCOUNT_LOCKED', 'Too many failed sign-ins: the account is locked for now', {
      lockedUntil: until?.toISOString() ?? null,
      retryAfterSeconds: lockRetryAfterSeconds(until, now),
    });
  }

  /** A TOTP code or an unused recovery code; each is accepted once, even concurrently. */
  async function checkSecondFactor(user: UserRecord, code: string, now: Date): Promise<boolean> {
    const mfa = user.mfa;
    if (!mfa?.enabled || !mfa.secret) return false;
    if (isTotpFormat(code)) {
      const plain = box.open(mfa.secret);
      const step = await verifyTotp(plain, code.trim(), now, mfa.lastUsedStep);
      if (step === null) return false;
      if (await users.useTotpStep(user.id, mfa.secret, step)) return true;
      // The key rotation's re-seal may have stored the same secret under a new key meanwhile: once more on that.
      const stored = (await users.get(user.id))?.mfa?.secret;
      if (typeof stored !== 'string' || stored === mfa.secret || box.open(stored) !== plain) return false;
      return users.useTotpStep(user.id, stored, step);
    }
    const hash = hashRecoveryCode(code);
    return onAccount(user, async (fresh) => {
      if (!fresh.mfa?.enabled || !fresh.mfa.recoveryCodeHashes.includes(hash)) return false;
      return users.useRecoveryCode(fresh, hash, now);
    });
  }

  async function loadActorUser(actor: Actor): Promise<UserRecord> {
    const user = await users.get(actor.id);
    if (!user || user.status !== 'active') throw unauthenticated('user-archived', 'This account is not active');
    return user;
  }

  /**
   * Sets a new password (versioned; also lifts the lock), forgets the failed
   * sign-ins, retires reset links and ends the sessions but `keepSession`.
   * `confirm` runs again on a reloaded account when the write lost a race.
   */
  async function setPassword(
    ctx: CallContext,
    user: UserRecord,
    password: string,
    options: {
      mustChange: boolean;
      keepSession: string | null;
      reason: string;
      confirm?: (fresh: UserRecord) => Promise<void>;
    },
  ): Promise<number> {
    assertPasswordAcceptable(password, { email: user.email });
    const passwordHash = await hashPassword(password);
    await onAccount(user, async (fresh) => {
      if (fresh !== user) await options.confirm?.(fresh);
      return users.setPassword(fresh, { passwordHash, mustChangePassword: options.mustChange }, ctx.now);
    });
    await loginFailures.clear(user.emailKey);
    await authTokens.retireAll(user.id, ctx.now, 'password-reset');
    return endSessions(user.id, options.reason, ctx.now, options.keepSession);
  }

  async function sendTokenEmail(ctx: CallContext, user: AccountRef, kind: 'password-reset' | 'invite'): Promise<void> {
    const token = randomToken();
    const ttlMs = kind === 'invite' ? config.INVITE_TTL_DAYS * DAY_MS : config.PASSWORD_RESET_TTL_MINUTES * 60_000;
    await authTokens.issue(
      {
        kind,
        userId: user.id,
        tokenHash: hashToken(token),
        expiresAt: new Date(ctx.now.getTime() + ttlMs),
        createdBy: ctx.actor ? ctx.actor.id : null,
      },
      ctx.now,
    );
    const base = config.APP_URL.replace(/\/+$/, '');
    const content =
      kind === 'invite'
        ? inviteEmail({
            name: user.name,
            link: `${base}/accept-invite?token=${encodeURIComponent(token)}`,
            validDays: config.INVITE_TTL_DAYS,
          })
        : passwordResetEmail({
            name: user.name,
            link: `${base}/reset-password?token=${encodeURIComponent(token)}`,
            validMinutes: config.PASSWORD_RESET_TTL_MINUTES,
          });
    await outbox.enqueue(
      { purpose: kind === 'invite' ? 'auth.invite' : 'auth.password-reset', to: user.email, ...content },
      ctx.now,
    );
  }

  /** Checks a reset or invite token without using it up (the new password may still be refused). */
  async function userForToken(kind: 'password-reset' | 'invite', token: string, now: Date): Promise<UserRecord> {
    const found = await authTokens.findUsable(kind, hashToken(token), now);
    if (!found) throw invalidToken();
    const user = await users.get(found.userId);
    if (!user || user.status !== 'active') throw invalidToken();
    return user;
  }

  async function authenticate(req: RequestInfo, now: Date): Promise<Actor> {
    const header = req.header('authorization');
    const match = header ? /^Bearer\s+([A-Za-z0-9._-]+)$/i.exec(header.trim()) : null;
    if (!match?.[1]) {
      throw unauthenticated(header ? 'malformed-authorization' : 'no-token', 'Sign in first (Authorization: Bearer …)');
    }
    const claims = await tokens.verify(match[1], now);
    return actorOf(await sessionCheck.check(claims.sub, claims.sid, now), claims.sid);
  }

  /** Acts on a refused refresh: ends the session (family) and audits when told to, then answers 401. */
  async function refuseRefresh(ctx: Ctx, refusal: RefreshRefusal, session: SessionRecord | null): Promise<never> {
    if (session && refusal.endSession) {
      const ended = await sessions.revoke(session.id, refusal.endSession, ctx.now);
      sessionCheck.forgetSession(session.id);
      if (refusal.audit) {
        await audit.record(
          ctx,
          {
            action: refusal.audit,
            resourceType: 'session',
            resourceId: session.id,
            details: { userId: session.userId, sessionEnded: ended },
          },
          { actorId: session.userId },
        );
      }
    }
    throw unauthenticated(refusal.reason, refusal.message);
  }

  return {
    sessionCheck,
    forgetUser: (userId) => sessionCheck.forgetUser(userId),
    endSessions: (userId, reason, now) => endSessions(userId, reason, now),

    async login(ctx, input) {
      const emailKey = normalizeEmail(input.email);
      await limitIp(ctx, 'login');
      await limitAccount(ctx, 'login', emailKey);
      const failures = await loginFailures.get(emailKey);
      if (isLocked(failures, ctx.now)) throw lockedError(ctx.now, failures?.lockedUntil ?? null);

      const user = await users.byEmail(emailKey);
      const usable = user !== null && user.status === 'active' && user.passwordHash !== null;
      const matches = await verifyPassword(usable ? (user.passwordHash as string) : await dummyHash, input.password);
      if (!usable || !matches) {
        return failLogin(ctx, emailKey, user, usable ? 'password' : 'no-such-account', invalidCredentials());
      }

      if (user.mfa?.enabled) {
        if (!input.mfaCode) {
          throw new DomainError('MFA_REQUIRED', 'Enter the code from your authenticator app (mfaCode)');
        }
        if (!(await checkSecondFactor(user, input.mfaCode, ctx.now))) {
          return failLogin(ctx, emailKey, user, 'mfa-code', invalidMfaCode());
        }
      }

      await loginFailures.clear(emailKey);
      await users.recordLogin(user.id, ctx.now);
      await clearLockMirror(user, ctx.now);
      const view = await startSession(ctx, user);
      await audit.record(
        ctx,
        {
          action: 'auth.login',
          resourceType: 'user',
          resourceId: user.id,
          details: { mfa: user.mfa?.enabled === true },
        },
        { actorId: user.id },
      );
      return view;
    },

    async refresh(ctx, credentials) {
      await limitIp(ctx, 'refresh');
      checkCsrf(credentials);
      const presented = parseRefreshToken(credentials.token);
      if (!presented) return refuseRefresh(ctx, NO_REFRESH_TOKEN, null);
      const presentedHash = hashToken(presented.secret);
      const secret = randomToken();
      const expiresAt = new Date(ctx.now.getTime() + refreshTtlMs);
      const rotated = await sessions.rotate({
        id: presented.sessionId,
        presentedHash,
        nextHash: hashToken(secret),
        now: ctx.now,
        expiresAt,
        ip: ctx.req.ip,
      });
      if (!rotated) {
        const session = await sessions.get(presented.sessionId);
        return refuseRefresh(ctx, classifyFailedRotation(session, presentedHash, ctx.now), session);
      }
      const user = await users.get(rotated.userId);
      const refused = checkRefreshUser(user, ctx.now);
      if (refused || !user) return refuseRefresh(ctx, refused ?? NO_REFRESH_TOKEN, rotated);
      return signedIn(await issueTokens(ctx, user, rotated.id), rotated.id, secret, expiresAt);
    },

    async logout(ctx, input) {
      let userId: string;
      let sessionId: string;
      const bearer = ctx.req.header('authorization');
      if (bearer) {
        const actor = await authenticate(ctx.req, ctx.now);
        if (!actor.sessionId) throw unauthenticated('no-session', 'Not signed in');
        userId = actor.id;
        sessionId = actor.sessionId;
      } else {
        checkCsrf(input.presented);
        const presented = parseRefreshToken(input.presented.token);
        const session = presented ? await sessions.get(presented.sessionId) : null;
        if (!presented || !session || !safeEqual(session.tokenHash, hashToken(presented.secret))) {
          throw unauthenticated('no-session', 'Not signed in');
        }
        userId = session.userId;
        sessionId = session.id;
      }
      let ended: number;
      if (input.all) {
        ended = await endSessions(userId, 'logout-all', ctx.now);
      } else {
        ended = (await sessions.revoke(sessionId, 'logout', ctx.now)) ? 1 : 0;
        sessionCheck.forgetSession(sessionId);
      }
      await audit.record(
        ctx,
        {
          action: input.all ? 'auth.logout.all' : 'auth.logout',
          resourceType: 'session',
          resourceId: sessionId,
          details: { sessionsEnded: ended },
        },
        { actorId: userId },
      );
      return { ok: true, sessionsEnded: ended };
    },

    authenticate,

    async me(ctx) {
      const user = await loadActorUser(ctx.actor);
      const live = await sessions.listLive(user.id, ctx.now);
      return {
        user: await userView(user, ctx.now),
        permissions: defineRulesFor({ id: ctx.actor.id, roles: user.roles }) as MeView['permissions'],
        sessions: live.map((s) => sessionView(s, ctx.actor.sessionId)),
      };
    },

    async currentSession(ctx) {
      const state = ctx.actor.sessionId ? await sessionCheck.check(ctx.actor.id, ctx.actor.sessionId, ctx.now) : null;
      return {
        userId: ctx.actor.id,
        sessionId: ctx.actor.sessionId,
        expiresAt: state?.live ? state.expiresAt.toISOString() : null,
      };
    },

    async sessions(ctx) {
      const live = await sessions.listLive(ctx.actor.id, ctx.now);
      return { items: live.map((s) => sessionView(s, ctx.actor.sessionId)) };
    },

    async revokeSession(ctx, id) {
      const revoked = await sessions.revoke(id, 'revoked-by-user', ctx.now, ctx.actor.id);
      if (!revoked) {
        const session = await sessions.get(id);
        // Someone else's session answers like a missing one.
        if (!session || session.userId !== ctx.actor.id) throw new DomainError('NOT_FOUND', 'Session not found');
        throw new DomainError('SESSION_ENDED', 'This session has already ended', {
          id,
          endedAt: session.revokedAt?.toISOString() ?? null,
        });
      }
      sessionCheck.forgetSession(id);
      await audit.record(ctx, { action: 'auth.session.revoke', resourceType: 'session', resourceId: id });
      return { ok: true };
    },

    async forgotPassword(ctx, email) {
      const emailKey = normalizeEmail(email);
      await limitIp(ctx, 'forgot-password');
      await limitAccount(ctx, 'forgot-password', emailKey);
      const user = await users.byEmail(emailKey);
      if (user && user.status === 'active') {
        await sendTokenEmail(ctx, refOf(user), user.passwordHash ? 'password-reset' : 'invite');
        await audit.record(
          ctx,
          { action: 'auth.password.reset-requested', resourceType: 'user', resourceId: user.id },
          { actorId: user.id },
        );
      }
      return {
        accepted: true,
        message: 'If an account uses this email, a link to reset the password is on its way.',
      };
    },

    async resetPassword(ctx, input) {
      await limitIp(ctx, 'reset-password');
      const user = await userForToken('password-reset', input.token, ctx.now);
      assertPasswordAcceptable(input.password, { email: user.email });
      if (!(await authTokens.consume('password-reset', hashToken(input.token), ctx.now))) throw invalidToken();
      const ended = await setPassword(ctx, user, input.password, {
        mustChange: false,
        keepSession: null,
        reason: 'password-reset',
      });
      await audit.record(
        ctx,
        { action: 'auth.password.reset', resourceType: 'user', resourceId: user.id, details: { sessionsEnded: ended } },
        { actorId: user.id },
      );
      return { ok: true };
    },

    async acceptInvite(ctx, input) {
      await limitIp(ctx, 'accept-invite');
      const user = await userForToken('invite', input.token, ctx.now);
      assertPasswordAcceptable(input.password, { email: user.email });
      if (!(await authTokens.consume('invite', hashToken(input.token), ctx.now))) throw invalidToken();
      await setPassword(ctx, user, input.password, { mustChange: false, keepSession: null, reason: 'invite-accepted' });
      await audit.record(
        ctx,
        { action: 'auth.invite.accept', resourceType: 'user', resourceId: user.id },
        { actorId: user.id },
      );
      return { ok: true };
    },

    async changePassword(ctx, input) {
      const user = await loadActorUser(ctx.actor);
      await limitAccount(ctx, 'change-password', user.emailKey);
      if (!user.passwordHash || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
        return failLogin(
          ctx,
          user.emailKey,
          user,
          'change-password',
          wrongReconfirmation('password', 'currentPassword'),
        );
      }
      if (input.currentPassword === input.newPassword) {
        throw new DomainError('WEAK_PASSWORD', 'The new password must differ from the current one', {
          reasons: ['same-as-current'],
        });
      }
      const ended = await setPassword(ctx, user, input.newPassword, {
        mustChange: false,
        keepSession: ctx.actor.sessionId,
        reason: 'password-changed',
        // Changed meanwhile (another session, an admin): the password given must still be the current one.
        async confirm(fresh) {
          if (fresh.passwordHash === user.passwordHash) return;
          if (!fresh.passwordHash || !(await verifyPassword(fresh.passwordHash, input.currentPassword))) {
            throw wrongReconfirmation('password', 'currentPassword');
          }
        },
      });
      await audit.record(ctx, {
        action: 'auth.password.change',
        resourceType: 'user',
        resourceId: user.id,
        details: { otherSessionsEnded: ended },
      });
      return { ok: true, sessionsEnded: ended };
    },

    async mfaEnroll(ctx) {
      const user = await loadActorUser(ctx.actor);
      assertMfaCanEnrol(user);
      const secret = newTotpSecret();
      const sealed = box.seal(secret);
      await onAccount(user, (fresh) => {
        assertMfaCanEnrol(fresh);
        return users.startMfaEnrolment(fresh, sealed, ctx.now);
      });
      await audit.record(ctx, { action: 'auth.mfa.enroll', resourceType: 'user', resourceId: ctx.actor.id });
      return { secret, otpauthUrl: totpUri(secret, user.email) };
    },

    async mfaConfirm(ctx, code) {
      const user = await loadActorUser(ctx.actor);
      const pending = pendingMfaSecret(user);
      const step = await verifyTotp(box.open(pending), code, ctx.now, null);
      if (step === null) throw wrongReconfirmation('mfa-code', 'code');
      const recoveryCodes = newRecoveryCodes();
      await onAccount(user, (fresh) => {
        // The code confirmed `pending`: only that enrolment may be turned on (re-sealed under a new key or not).
        const current = pendingMfaSecret(fresh);
        if (current !== pending && box.open(current) !== box.open(pending)) throw mfaEnrolmentChanged();
        return users.enableMfa(
          fresh,
          { secret: current, recoveryCodeHashes: recoveryCodes.map(hashRecoveryCode), lastUsedStep: step },
          ctx.now,
        );
      });
      sessionCheck.forgetUser(ctx.actor.id);
      await audit.record(ctx, { action: 'auth.mfa.enable', resourceType: 'user', resourceId: ctx.actor.id });
      return { recoveryCodes };
    },

    async mfaDisable(ctx, input) {
      const user = await loadActorUser(ctx.actor);
      assertMfaEnabled(user);
      if (!user.passwordHash || !(await verifyPassword(user.passwordHash, input.password))) {
        return failLogin(ctx, user.emailKey, user, 'mfa-disable', wrongReconfirmation('password', 'password'));
      }
      if (!(await checkSecondFactor(user, input.code, ctx.now))) {
        return failLogin(ctx, user.emailKey, user, 'mfa-code', wrongReconfirmation('mfa-code', 'code'));
      }
      await onAccount(user, (fresh) => {
        assertMfaEnabled(fresh);
        return users.disableMfa(fresh, ctx.now);
      });
      sessionCheck.forgetUser(ctx.actor.id);
      await audit.record(ctx, { action: 'auth.mfa.disable', resourceType: 'user', resourceId: ctx.actor.id });
      return { ok: true };
    },

    async mfaRecoveryCodes(ctx, code) {
      const user = await loadActorUser(ctx.actor);
      assertMfaEnabled(user);
      if (!(await checkSecondFactor(user, code, ctx.now))) {
        return failLogin(ctx, user.emailKey, user, 'mfa-code', wrongReconfirmation('mfa-code', 'code'));
      }
      const recoveryCodes = newRecoveryCodes();
      await onAccount(user, (fresh) => {
        assertMfaEnabled(fresh);
        return users.replaceRecoveryCodes(fresh, recoveryCodes.map(hashRecoveryCode), ctx.now);
      });
      await audit.record(ctx, {
        action: 'auth.mfa.recovery-codes',
        resourceType: 'user',
        resourceId: ctx.actor.id,
      });
      return { recoveryCodes };
    },

    jwks: () => tokens.jwks() as { keys: Record<string, unknown>[] },

    sendPasswordReset: (ctx, user) => sendTokenEmail(ctx, user, 'password-reset'),
    sendInvite: (ctx, user) => sendTokenEmail(ctx, user, 'invite'),

    async unlock(user, now) {
      await loginFailures.clear(normalizeEmail(user.email));
      const account = await users.get(user.id);
      if (account) await clearLockMirror(account, now);
      sessionCheck.forgetUser(user.id);
    },

    async purgeExpired(now) {
      const ago = (ms: number) => new Date(now.getTime() - ms);
      // A legal hold keeps the person's sign-in traces, as it does from the retention policy.
      const held = await deps.repos.legalHolds.heldUserIds();
      return {
        sessions: await sessions.purgeExpired(ago(30 * DAY_MS), held),
        tokens: await authTokens.purgeExpired(ago(DAY_MS), held),
        loginFailures: await loginFailures.purgeIdle(ago(DAY_MS)),
      };
    },
  };
}
