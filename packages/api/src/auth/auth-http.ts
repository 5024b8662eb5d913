import { isDomainError, type TokenView } from '@seed-pms/domain';
import { API_PREFIX } from '../http/paths.js';
import type { Context } from '../trpc/context.js';
import type { PresentedRefresh, RefreshCredentials } from './auth.service.js';
import { randomToken, safeEqual } from './secrets.js';

/**
 * The auth routes' HTTP side: the refresh and CSRF cookies. The auth service
 * deals in tokens; these procedures' bodies put them in cookies and read them
 * back, so no use case knows about cookies.
 */
export const REFRESH_COOKIE = 'refresh_token';
export const CSRF_COOKIE = 'csrf_token';
export const CSRF_HEADER = 'x-csrf-token';
/** The refresh cookie goes only to the auth routes (REST), never to the rest of the API. */
export const REFRESH_COOKIE_PATH = `${API_PREFIX}/auth`;

function setSessionCookies(ctx: Context, refresh: RefreshCredentials): void {
  const maxAgeSeconds = Math.max(0, Math.floor((refresh.expiresAt.getTime() - ctx.now.getTime()) / 1000));
  ctx.res.setCookie(REFRESH_COOKIE, refresh.token, {
    httpOnly: true,
    sameSite: 'strict',
    path: REFRESH_COOKIE_PATH,
    maxAgeSeconds,
  });
  // Readable by the frontend's scripts (double-submit CSRF token), so on the whole site.
  ctx.res.setCookie(CSRF_COOKIE, randomToken(24), { httpOnly: false, sameSite: 'strict', path: '/', maxAgeSeconds });
}

function clearSessionCookies(ctx: Context): void {
  ctx.res.clearCookie(REFRESH_COOKIE, { path: REFRESH_COOKIE_PATH });
  ctx.res.clearCookie(CSRF_COOKIE, { path: '/' });
}

/** The refresh cookie, and whether the CSRF header repeats the CSRF cookie (double submit). */
function presented(ctx: Context): PresentedRefresh {
  const cookie = ctx.req.cookie(CSRF_COOKIE);
  const header = ctx.req.header(CSRF_HEADER);
  return {
    token: ctx.req.cookie(REFRESH_COOKIE) ?? null,
    csrfValid: !!cookie && !!header && safeEqual(cookie, header),
  };
}

const endsSession = (error: unknown) => isDomainError(error) && error.code === 'UNAUTHENTICATED';

export async function login(
  ctx: Context,
  input: Parameters<Context['services']['auth']['login']>[1],
): Promise<TokenView> {
  const signedIn = await ctx.services.auth.login(ctx, input);
  setSessionCookies(ctx, signedIn.refresh);
  return signedIn.view;
}

/** A refused refresh (no, ended or reused token) also removes the cookies, so the client stops presenting them. */
export async function refresh(ctx: Context): Promise<TokenView> {
  try {
    const signedIn = await ctx.services.auth.refresh(ctx, presented(ctx));
    setSessionCookies(ctx, signedIn.refresh);
    return signedIn.view;
  } catch (error) {
    if (endsSession(error)) clearSessionCookies(ctx);
    throw error;
  }
}

export async function logout(ctx: Context, all: boolean): Promise<{ ok: true; sessionsEnded: number }> {
  const byCookie = ctx.req.header('authorization') === undefined;
  try {
    const ended = await ctx.services.auth.logout(ctx, { all, presented: presented(ctx) });
    clearSessionCookies(ctx);
    return ended;
  } catch (error) {
    if (byCookie && endsSession(error)) clearSessionCookies(ctx);
    throw error;
  }
}
