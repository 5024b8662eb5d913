import {
  clearLoginFailures,
  consumeAuthToken,
  findLoginFailures,
  findSession,
  findUserByEmail,
  findUserById,
  insertSession,
  issueAuthToken,
  listLiveSessions,
  ObjectId,
  recordLoginFailure,
  retireAuthTokens,
  revokeSession,
  revokeUserSessions,
  rotateSessionToken,
  type SessionDoc,
  type UserDoc,
  type WithId,
} from '@seed-pms/db';
import {
  type AcceptedView,
  type Actor,
  type AuthUserView,
  assertPasswordAcceptable,
  type CurrentSessionView,
  DomainError,
  defineRulesFor,
  describeDevice,
  effectiveRoles,
  isLocked,
  LOCKOUT_THRESHOLD,
  type LoginInput,
  lockDurationMs,
  type MeView,
  normalizeEmail,
  type SessionView,
  type TokenView,
} from '@seed-pms/domain';
import type { ActorContext, CallContext, RequestInfo } from '../app/call-context.js';
import type { AppDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';
import type { OutboxService } from '../mail/outbox.service.js';
import { inviteEmail, passwordResetEmail } from '../mail/templates.js';
import type { SettingsService } from '../settings/settings.service.js';
import type { AccessTokens } from './access-tokens.js';
import { hashRecoveryCode, isTotpFormat, newRecoveryCodes, newTotpSecret, totpUri, verifyTotp } from './mfa.js';
import { hashPassword, verifyPassword } from './password.js';
import { createRateLimiter, rateLimited } from './rate-limiter.js';
import { createSecretBox, hashToken, randomToken, safeEqual } from './secrets.js';
import { actorOf, createSessionCheck, pendingSteps, type SessionCheck } from './session-check.js';

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

export interface AuthService {
  login(ctx: Ctx, input: LoginInput): Promise<SignedIn>;
  refresh(ctx: Ctx, presented: PresentedRefresh): Promise<SignedIn>;
  /** Ends the bearer token's session, or else the presented refresh token's; every session with `all`. */
  logout(ctx: Ctx, input: { all: boolean; presented: PresentedRefresh }): Promise<{ ok: true; sessionsEnded: number }>;
  /** The actor behind the request's bearer token; 401 UNAUTHENTICATED otherwise. */
  authenticate(req: RequestInfo, now: Date): Promise<Actor>;
  me(ctx: AuthedCtx): Promise<MeView>;
  currentSession(ctx: AuthedCtx): Promise<CurrentSessionView>;
  sessions(ctx: AuthedCtx): Promise<SessionView[]>;
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
  unlock(user: AccountRef): Promise<void>;
  /** Drops cached session checks after a change to the user (roles, status, password). */
  forgetUser(userId: string): void;
  readonly sessionCheck: SessionCheck;
}

/** The account a use case acts on. */
export interface AccountRef {
  id: string;
  email: string;
  name: string;
}

const refOf = (user: WithId<UserDoc>): AccountRef => ({
  id: user._id.toHexString(),
  email: user.email,
  name: user.name,
});

export interface AuthServiceDeps {
  audit: AuditService;
  settings: SettingsService;
  outbox: OutboxService;
  tokens: AccessTokens;
}

const unauthenticated = (reason: string, message: string) => new DomainError('UNAUTHENTICATED', message, { reason });
const invalidCredentials = () => new DomainError('INVALID_CREDENTIALS', 'The email or password is not correct');
const invalidToken = () =>
  new DomainError('INVALID_TOKEN', 'This link is not valid any more; ask for a new one', { field: 'token' });

export function createAuthService(deps: AppDeps, services: AuthServiceDeps): AuthService {
  const { config, database } = deps;
  const { users, sessions, loginFailures, authTokens } = database.collections;
  const { audit, settings, outbox, tokens } = services;
  const limiter = createRateLimiter(deps.redis);
  const box = createSecretBox(config.DATA_ENCRYPTION_KEY);
  const sessionCheck = createSessionCheck(database, settings, config.AUTH_SESSION_CACHE_MS, deps.redis, deps.logger);
  const refreshTtlMs = config.REFRESH_TOKEN_TTL_DAYS * 86_400_000;
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

  /** A refresh token is `<sessionId>.<secret>`; anything else is no token. */
  function parseRefreshToken(raw: string | null): { sessionId: ObjectId; secret: string } | null {
    if (!raw) return null;
    const [id, secret] = raw.split('.');
    if (!id || !secret || !/^[0-9a-f]{24}$/.test(id) || secret.length < 20) return null;
    return { sessionId: ObjectId.createFromHexString(id), secret };
  }

  async function userView(user: WithId<UserDoc>, now: Date): Promise<AuthUserView> {
    const current = await settings.current(now);
    const pending = pendingSteps(user, current.security.requireMfaForPrivileged);
    return {
      id: user._id.toHexString(),
      email: user.email,
      name: user.name,
      roles: user.roles,
      effectiveRoles: effectiveRoles(user.roles),
      mustChangePassword: user.mustChangePassword,
      mfaEnabled: user.mfa?.enabled === true,
      mfaSetupRequired: pending.includes('mfa-setup'),
    };
  }

  async function issueTokens(ctx: Ctx, user: WithId<UserDoc>, sessionId: ObjectId): Promise<TokenView> {
    const accessToken = await tokens.sign(
      { userId: user._id.toHexString(), sessionId: sessionId.toHexString() },
      ctx.now,
    );
    return { accessToken, tokenType: 'Bearer', expiresIn: tokens.ttlSeconds, user: await userView(user, ctx.now) };
  }

  function signedIn(view: TokenView, sessionId: ObjectId, secret: string, expiresAt: Date): SignedIn {
    return { view, refresh: { token: `${sessionId.toHexString()}.${secret}`, expiresAt } };
  }

  async function startSession(ctx: Ctx, user: WithId<UserDoc>): Promise<SignedIn> {
    const secret = randomToken();
    const expiresAt = new Date(ctx.now.getTime() + refreshTtlMs);
    const session = await insertSession(
      sessions,
      {
        userId: user._id,
        tokenHash: hashToken(secret),
        ip: ctx.req.ip,
        userAgent: ctx.req.userAgent,
        device: describeDevice(ctx.req.userAgent),
        expiresAt,
      },
      ctx.now,
    );
    return signedIn(await issueTokens(ctx, user, session._id), session._id, secret, expiresAt);
  }

  async function endSessions(userId: ObjectId, reason: string, now: Date, keep?: ObjectId | null): Promise<number> {
    const count = await revokeUserSessions(sessions, userId, reason, now, keep);
    sessionCheck.forgetUser(userId.toHexString());
    return count;
  }

  /** Counts a failure against the email; answers ACCOUNT_LOCKED on the failure that locks it. */
  async function failLogin(ctx: Ctx, emailKey: string, user: WithId<UserDoc> | null, why: string): Promise<never> {
    const state = await recordLoginFailure(loginFailures, emailKey, ctx.now, {
      threshold: LOCKOUT_THRESHOLD,
      lockMs: lockDurationMs,
    });
    const as = { actorId: user ? user._id.toHexString() : 'anonymous' };
    await audit.record(
      ctx,
      {
        action: 'auth.login.failed',
        resourceType: 'user',
        resourceId: user ? user._id.toHexString() : 'unknown',
        details: { email: emailKey, reason: why },
      },
      as,
    );
    if (isLocked(state, ctx.now) && state.failures === 0) {
      if (user) {
        await users.updateOne({ _id: user._id }, { $set: { lockedUntil: state.lockedUntil } });
        sessionCheck.forgetUser(user._id.toHexString());
      }
      await audit.record(
        ctx,
        {
          action: 'auth.account.locked',
          resourceType: 'user',
          resourceId: user ? user._id.toHexString() : 'unknown',
          details: { email: emailKey, lockedUntil: state.lockedUntil?.toISOString(), lockNumber: state.locks },
        },
        as,
      );
      throw lockedError(ctx.now, state.lockedUntil);
    }
    if (why === 'mfa-code') throw new DomainError('INVALID_MFA_CODE', 'The authentication code is not correct');
    throw invalidCredentials();
  }

  /** 403 ACCOUNT_LOCKED; `retryAfterSeconds` in the details becomes the answer's Retry-After. */
  function lockedError(now: Date, until: Date | null): DomainError {
    const retryAfterSeconds = until ? Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000)) : 60;
    return new DomainError('ACCOUNT_LOCKED', 'Too many failed sign-ins: the account is locked for now', {
      lockedUntil: until?.toISOString() ?? null,
      retryAfterSeconds,
    });
  }

  /** A TOTP code or an unused recovery code; recovery codes are used up. */
  async function checkSecondFactor(user: WithId<UserDoc>, code: string, now: Date): Promise<boolean> {
    const mfa = user.mfa;
    if (!mfa?.enabled || !mfa.secret) return false;
    if (isTotpFormat(code)) {
      const step = await verifyTotp(box.open(mfa.secret), code.trim(), now, mfa.lastUsedStep);
      if (step === null) return false;
      // Guarded on the last step, so the same code cannot pass twice even concurrently.
      const updated = await users.updateOne(
        { _id: user._id, $or: [{ 'mfa.lastUsedStep': null }, { 'mfa.lastUsedStep': { $lt: step } }] },
        { $set: { 'mfa.lastUsedStep': step } },
      );
      return updated.modifiedCount === 1;
    }
    const hash = hashRecoveryCode(code);
    if (!mfa.recoveryCodeHashes.includes(hash)) return false;
    const updated = await users.updateOne(
      { _id: user._id, 'mfa.recoveryCodeHashes': hash },
      { $pull: { 'mfa.recoveryCodeHashes': hash } },
    );
    return updated.modifiedCount === 1;
  }

  async function loadActorUser(actor: Actor): Promise<WithId<UserDoc>> {
    const user = await findUserById(users, ObjectId.createFromHexString(actor.id));
    if (!user || user.status !== 'active') throw unauthenticated('user-archived', 'This account is not active');
    return user;
  }

  async function setPassword(
    ctx: CallContext,
    user: WithId<UserDoc>,
    password: string,
    options: { mustChange: boolean; keepSession: ObjectId | null; reason: string },
  ): Promise<number> {
    assertPasswordAcceptable(password, { email: user.email });
    const passwordHash = await hashPassword(password);
    await users.updateOne(
      { _id: user._id },
      {
        $set: {
          passwordHash,
          mustChangePassword: options.mustChange,
          passwordChangedAt: ctx.now,
          lockedUntil: null,
          updatedAt: ctx.now,
        },
        $inc: { version: 1 },
      },
    );
    await clearLoginFailures(loginFailures, user.emailKey);
    await retireAuthTokens(authTokens, user._id, ctx.now, 'password-reset');
    return endSessions(user._id, options.reason, ctx.now, options.keepSession);
  }

  async function sendTokenEmail(ctx: CallContext, user: AccountRef, kind: 'password-reset' | 'invite'): Promise<void> {
    const token = randomToken();
    const ttlMs = kind === 'invite' ? config.INVITE_TTL_DAYS * 86_400_000 : config.PASSWORD_RESET_TTL_MINUTES * 60_000;
    await issueAuthToken(
      authTokens,
      {
        kind,
        userId: ObjectId.createFromHexString(user.id),
        tokenHash: hashToken(token),
        expiresAt: new Date(ctx.now.getTime() + ttlMs),
        createdBy: ctx.actor ? ObjectId.createFromHexString(ctx.actor.id) : null,
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
  async function userForToken(kind: 'password-reset' | 'invite', token: string, now: Date) {
    const found = await authTokens.findOne({
      tokenHash: hashToken(token),
      kind,
      usedAt: null,
      expiresAt: { $gt: now },
    });
    if (!found) throw invalidToken();
    const user = await findUserById(users, found.userId);
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

  function sessionView(session: WithId<SessionDoc>, currentId: string | null): SessionView {
    return {
      id: session._id.toHexString(),
      device: session.device,
      userAgent: session.userAgent,
      ip: session.ip,
      createdAt: session.createdAt.toISOString(),
      lastUsedAt: session.lastUsedAt.toISOString(),
      expiresAt: session.expiresAt.toISOString(),
      current: session._id.toHexString() === currentId,
    };
  }

  return {
    sessionCheck,
    forgetUser: (userId) => sessionCheck.forgetUser(userId),
    endSessions: (userId, reason, now) => endSessions(ObjectId.createFromHexString(userId), reason, now),

    async login(ctx, input) {
      const emailKey = normalizeEmail(input.email);
      await limitIp(ctx, 'login');
      await limitAccount(ctx, 'login', emailKey);
      const failures = await findLoginFailures(loginFailures, emailKey);
      if (isLocked(failures, ctx.now)) throw lockedError(ctx.now, failures?.lockedUntil ?? null);

      const user = await findUserByEmail(users, emailKey);
      const usable = user && user.status === 'active' && user.passwordHash !== null;
      const matches = await verifyPassword(usable ? (user.passwordHash as string) : await dummyHash, input.password);
      if (!usable || !matches) return failLogin(ctx, emailKey, user, usable ? 'password' : 'no-such-account');

      if (user.mfa?.enabled) {
        if (!input.mfaCode) {
          throw new DomainError('MFA_REQUIRED', 'Enter the code from your authenticator app (mfaCode)');
        }
        if (!(await checkSecondFactor(user, input.mfaCode, ctx.now))) {
          return failLogin(ctx, emailKey, user, 'mfa-code');
        }
      }

      await clearLoginFailures(loginFailures, emailKey);
      await users.updateOne({ _id: user._id }, { $set: { lastLoginAt: ctx.now, lockedUntil: null } });
      const view = await startSession(ctx, user);
      await audit.record(
        ctx,
        {
          action: 'auth.login',
          resourceType: 'user',
          resourceId: user._id.toHexString(),
          details: { mfa: user.mfa?.enabled === true },
        },
        { actorId: user._id.toHexString() },
      );
      return view;
    },

    async refresh(ctx, credentials) {
      await limitIp(ctx, 'refresh');
      checkCsrf(credentials);
      const presented = parseRefreshToken(credentials.token);
      if (!presented) {
        throw unauthenticated('no-refresh-token', 'No valid refresh cookie; sign in again');
      }
      const presentedHash = hashToken(presented.secret);
      const secret = randomToken();
      const expiresAt = new Date(ctx.now.getTime() + refreshTtlMs);
      const rotated = await rotateSessionToken(sessions, {
        id: presented.sessionId,
        presentedHash,
        nextHash: hashToken(secret),
        now: ctx.now,
        expiresAt,
        ip: ctx.req.ip,
      });
      if (!rotated) {
        const session = await findSession(sessions, presented.sessionId);
        if (session?.previousTokenHashes.includes(presentedHash)) {
          // A rotated token came back: someone kept a copy. End the whole family.
          const ended = await revokeSession(sessions, session._id, 'refresh-token-reuse', ctx.now);
          sessionCheck.forgetSession(session._id.toHexString());
          await audit.record(
            ctx,
            {
              action: 'auth.refresh.reused',
              resourceType: 'session',
              resourceId: session._id.toHexString(),
              details: { userId: session.userId.toHexString(), sessionEnded: ended },
            },
            { actorId: session.userId.toHexString() },
          );
          throw unauthenticated('token-reused', 'This refresh token was already used; the session has been ended');
        }
        throw unauthenticated('session-ended', 'This session has ended; sign in again');
      }
      const user = await findUserById(users, rotated.userId);
      if (!user || user.status !== 'active' || isLocked(user, ctx.now)) {
        await revokeSession(
          sessions,
          rotated._id,
          user?.status === 'active' ? 'user-locked' : 'user-archived',
          ctx.now,
        );
        sessionCheck.forgetSession(rotated._id.toHexString());
        throw unauthenticated('user-inactive', 'This account cannot sign in now');
      }
      return signedIn(await issueTokens(ctx, user, rotated._id), rotated._id, secret, expiresAt);
    },

    async logout(ctx, input) {
      let userId: ObjectId;
      let sessionId: ObjectId;
      const bearer = ctx.req.header('authorization');
      if (bearer) {
        const actor = await authenticate(ctx.req, ctx.now);
        if (!actor.sessionId) throw unauthenticated('no-session', 'Not signed in');
        userId = ObjectId.createFromHexString(actor.id);
        sessionId = ObjectId.createFromHexString(actor.sessionId);
      } else {
        checkCsrf(input.presented);
        const presented = parseRefreshToken(input.presented.token);
        const session = presented ? await findSession(sessions, presented.sessionId) : null;
        if (!presented || !session || !safeEqual(session.tokenHash, hashToken(presented.secret))) {
          throw unauthenticated('no-session', 'Not signed in');
        }
        userId = session.userId;
        sessionId = session._id;
      }
      let ended: number;
      if (input.all) {
        ended = await endSessions(userId, 'logout-all', ctx.now);
      } else {
        ended = (await revokeSession(sessions, sessionId, 'logout', ctx.now)) ? 1 : 0;
        sessionCheck.forgetSession(sessionId.toHexString());
      }
      await audit.record(
        ctx,
        {
          action: input.all ? 'auth.logout.all' : 'auth.logout',
          resourceType: 'session',
          resourceId: sessionId.toHexString(),
          details: { sessionsEnded: ended },
        },
        { actorId: userId.toHexString() },
      );
      return { ok: true, sessionsEnded: ended };
    },

    authenticate,

    async me(ctx) {
      const user = await loadActorUser(ctx.actor);
      const live = await listLiveSessions(sessions, user._id, ctx.now);
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
      const live = await listLiveSessions(sessions, ObjectId.createFromHexString(ctx.actor.id), ctx.now);
      return live.map((s) => sessionView(s, ctx.actor.sessionId));
    },

    async revokeSession(ctx, id) {
      const sessionId = ObjectId.createFromHexString(id);
      const userId = ObjectId.createFromHexString(ctx.actor.id);
      const revoked = await revokeSession(sessions, sessionId, 'revoked-by-user', ctx.now, userId);
      if (!revoked) {
        const session = await findSession(sessions, sessionId);
        // Someone else's session answers like a missing one.
        if (!session || !session.userId.equals(userId)) throw new DomainError('NOT_FOUND', 'Session not found');
        throw new DomainError('INVALID_STATE', 'This session has already ended');
      }
      sessionCheck.forgetSession(id);
      await audit.record(ctx, { action: 'auth.session.revoke', resourceType: 'session', resourceId: id });
      return { ok: true };
    },

    async forgotPassword(ctx, email) {
      const emailKey = normalizeEmail(email);
      await limitIp(ctx, 'forgot-password');
      await limitAccount(ctx, 'forgot-password', emailKey);
      const user = await findUserByEmail(users, emailKey);
      if (user && user.status === 'active') {
        await sendTokenEmail(ctx, refOf(user), user.passwordHash ? 'password-reset' : 'invite');
        await audit.record(
          ctx,
          { action: 'auth.password.reset-requested', resourceType: 'user', resourceId: user._id.toHexString() },
          { actorId: user._id.toHexString() },
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
      if (!(await consumeAuthToken(authTokens, 'password-reset', hashToken(input.token), ctx.now)))
        throw invalidToken();
      const ended = await setPassword(ctx, user, input.password, {
        mustChange: false,
        keepSession: null,
        reason: 'password-reset',
      });
      await audit.record(
        ctx,
        {
          action: 'auth.password.reset',
          resourceType: 'user',
          resourceId: user._id.toHexString(),
          details: { sessionsEnded: ended },
        },
        { actorId: user._id.toHexString() },
      );
      return { ok: true };
    },

    async acceptInvite(ctx, input) {
      await limitIp(ctx, 'accept-invite');
      const user = await userForToken('invite', input.token, ctx.now);
      assertPasswordAcceptable(input.password, { email: user.email });
      if (!(await consumeAuthToken(authTokens, 'invite', hashToken(input.token), ctx.now))) throw invalidToken();
      await setPassword(ctx, user, input.password, { mustChange: false, keepSession: null, reason: 'invite-accepted' });
      await audit.record(
        ctx,
        { action: 'auth.invite.accept', resourceType: 'user', resourceId: user._id.toHexString() },
        { actorId: user._id.toHexString() },
      );
      return { ok: true };
    },

    async changePassword(ctx, input) {
      const user = await loadActorUser(ctx.actor);
      await limitAccount(ctx, 'change-password', user.emailKey);
      if (!user.passwordHash || !(await verifyPassword(user.passwordHash, input.currentPassword))) {
        return failLogin(ctx, user.emailKey, user, 'change-password');
      }
      if (input.currentPassword === input.newPassword) {
        throw new DomainError('WEAK_PASSWORD', 'The new password must differ from the current one', {
          reasons: ['same-as-current'],
        });
      }
      const keep = ctx.actor.sessionId ? ObjectId.createFromHexString(ctx.actor.sessionId) : null;
      const ended = await setPassword(ctx, user, input.newPassword, {
        mustChange: false,
        keepSession: keep,
        reason: 'password-changed',
      });
      await audit.record(ctx, {
        action: 'auth.password.change',
        resourceType: 'user',
        resourceId: user._id.toHexString(),
        details: { otherSessionsEnded: ended },
      });
      return { ok: true, sessionsEnded: ended };
    },

    async mfaEnroll(ctx) {
      const user = await loadActorUser(ctx.actor);
      if (user.mfa?.enabled) throw new DomainError('INVALID_STATE', 'MFA is already on; disable it first to re-enrol');
      const secret = newTotpSecret();
      await users.updateOne(
        { _id: user._id },
        {
          $set: {
            mfa: {
              enabled: false,
              secret: null,
              pendingSecret: box.seal(secret),
              recoveryCodeHashes: [],
              enabledAt: null,
              lastUsedStep: null,
            },
          },
        },
      );
      await audit.record(ctx, { action: 'auth.mfa.enroll', resourceType: 'user', resourceId: ctx.actor.id });
      return { secret, otpauthUrl: totpUri(secret, user.email) };
    },

    async mfaConfirm(ctx, code) {
      const user = await loadActorUser(ctx.actor);
      const pending = user.mfa?.pendingSecret;
      if (user.mfa?.enabled || !pending) {
        throw new DomainError('INVALID_STATE', 'Start with POST /auth/mfa/enroll');
      }
      const step = await verifyTotp(box.open(pending), code, ctx.now, null);
      if (step === null) throw new DomainError('INVALID_MFA_CODE', 'The authentication code is not correct');
      const recoveryCodes = newRecoveryCodes();
      const updated = await users.updateOne(
        { _id: user._id, 'mfa.pendingSecret': pending },
        {
          $set: {
            mfa: {
              enabled: true,
              secret: pending,
              pendingSecret: null,
              recoveryCodeHashes: recoveryCodes.map(hashRecoveryCode),
              enabledAt: ctx.now,
              lastUsedStep: step,
            },
            updatedAt: ctx.now,
          },
          $inc: { version: 1 },
        },
      );
      if (updated.modifiedCount !== 1) throw new DomainError('INVALID_STATE', 'The enrolment changed; start again');
      sessionCheck.forgetUser(ctx.actor.id);
      await audit.record(ctx, { action: 'auth.mfa.enable', resourceType: 'user', resourceId: ctx.actor.id });
      return { recoveryCodes };
    },

    async mfaDisable(ctx, input) {
      const user = await loadActorUser(ctx.actor);
      if (!user.mfa?.enabled) throw new DomainError('INVALID_STATE', 'MFA is not on');
      if (!user.passwordHash || !(await verifyPassword(user.passwordHash, input.password))) {
        return failLogin(ctx, user.emailKey, user, 'mfa-disable');
      }
      if (!(await checkSecondFactor(user, input.code, ctx.now))) {
        return failLogin(ctx, user.emailKey, user, 'mfa-code');
      }
      await users.updateOne({ _id: user._id }, { $set: { mfa: null, updatedAt: ctx.now }, $inc: { version: 1 } });
      sessionCheck.forgetUser(ctx.actor.id);
      await audit.record(ctx, { action: 'auth.mfa.disable', resourceType: 'user', resourceId: ctx.actor.id });
      return { ok: true };
    },

    async mfaRecoveryCodes(ctx, code) {
      const user = await loadActorUser(ctx.actor);
      if (!user.mfa?.enabled) throw new DomainError('INVALID_STATE', 'MFA is not on');
      if (!(await checkSecondFactor(user, code, ctx.now))) return failLogin(ctx, user.emailKey, user, 'mfa-code');
      const recoveryCodes = newRecoveryCodes();
      await users.updateOne(
        { _id: user._id },
        { $set: { 'mfa.recoveryCodeHashes': recoveryCodes.map(hashRecoveryCode) } },
      );
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

    async unlock(user) {
      await clearLoginFailures(loginFailures, normalizeEmail(user.email));
      await users.updateOne({ _id: ObjectId.createFromHexString(user.id) }, { $set: { lockedUntil: null } });
      sessionCheck.forgetUser(user.id);
    },
  };
}
