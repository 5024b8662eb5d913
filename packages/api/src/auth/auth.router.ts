import {
  AcceptedView,
  AcceptInviteInput,
  ChangePasswordInput,
  CurrentSessionView,
  ForgotPasswordInput,
  JwksView,
  LoginInput,
  LogoutInput,
  listOf,
  MeView,
  MfaConfirmInput,
  MfaDisableInput,
  MfaEnrollView,
  OkView,
  RecoveryCodesView,
  ResetPasswordInput,
  RevokeSessionInput,
  SessionView,
  TokenView,
} from '@seed-pms/domain';
import { z } from 'zod';
import { authedProcedure, publicProcedure, router } from '../trpc/trpc.js';
import * as authHttp from './auth-http.js';

const tags = ['auth'];
const EndedView = z.object({ ok: z.literal(true), sessionsEnded: z.number().int() });

export const authRouter = router({
  login: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/login',
        tags,
        protect: false,
        summary: 'Sign in: answers an access token and sets the refresh_token and csrf_token cookies',
      },
    })
    .input(LoginInput)
    .output(TokenView)
    .mutation(({ ctx, input }) => authHttp.login(ctx, input)),

  refresh: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/refresh',
        tags,
        protect: false,
        summary: 'A new access token for the refresh cookie (rotated); needs the x-csrf-token header',
      },
    })
    .input(z.strictObject({}).optional())
    .output(TokenView)
    .mutation(({ ctx }) => authHttp.refresh(ctx)),

  logout: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/logout',
        tags,
        protect: false,
        summary: 'End this session (bearer token, or refresh cookie + x-csrf-token), or all with { all: true }',
      },
    })
    .input(LogoutInput.optional())
    .output(EndedView)
    .mutation(({ ctx, input }) => authHttp.logout(ctx, input?.all ?? false)),

  me: authedProcedure
    .meta({
      allowPending: true,
      openapi: { method: 'GET', path: '/auth/me', tags, summary: 'Profile, roles, permissions and sessions' },
    })
    .input(z.void())
    .output(MeView)
    .query(({ ctx }) => ctx.services.auth.me(ctx)),

  session: authedProcedure
    .meta({
      allowPending: true,
      openapi: {
        method: 'GET',
        path: '/auth/session',
        tags,
        summary: 'Whether the access token and its session are valid',
      },
    })
    .input(z.void())
    .output(CurrentSessionView)
    .query(({ ctx }) => ctx.services.auth.currentSession(ctx)),

  sessions: authedProcedure
    .meta({
      allowPending: true,
      openapi: {
        method: 'GET',
        path: '/auth/sessions',
        tags,
        summary: 'Your live sessions (device, ip, created, last used)',
      },
    })
    .input(z.void())
    .output(listOf(SessionView))
    .query(({ ctx }) => ctx.services.auth.sessions(ctx)),

  revokeSession: authedProcedure
    .meta({
      allowPending: true,
      openapi: { method: 'DELETE', path: '/auth/sessions/{id}', tags, summary: 'End one of your sessions' },
    })
    .input(RevokeSessionInput)
    .output(OkView)
    .mutation(({ ctx, input }) => ctx.services.auth.revokeSession(ctx, input.id)),

  forgotPassword: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        successStatus: 202,
        path: '/auth/forgot-password',
        tags,
        protect: false,
        summary: 'Email a reset link; the same answer whether or not the account exists',
      },
    })
    .input(ForgotPasswordInput)
    .output(AcceptedView)
    .mutation(({ ctx, input }) => ctx.services.auth.forgotPassword(ctx, input.email)),

  resetPassword: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/reset-password',
        tags,
        protect: false,
        summary: 'Set a new password with the emailed token; ends every session',
      },
    })
    .input(ResetPasswordInput)
    .output(OkView)
    .mutation(({ ctx, input }) => ctx.services.auth.resetPassword(ctx, input)),

  acceptInvite: publicProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/accept-invite',
        tags,
        protect: false,
        summary: 'Choose a password with the invite token',
      },
    })
    .input(AcceptInviteInput)
    .output(OkView)
    .mutation(({ ctx, input }) => ctx.services.auth.acceptInvite(ctx, input)),

  changePassword: authedProcedure
    .meta({
      allowPending: true,
      openapi: {
        method: 'POST',
        path: '/auth/change-password',
        tags,
        summary: 'Change your password (needs the current one); ends your other sessions',
      },
    })
    .input(ChangePasswordInput)
    .output(EndedView)
    .mutation(({ ctx, input }) => ctx.services.auth.changePassword(ctx, input)),

  mfaEnroll: authedProcedure
    .meta({
      allowPending: true,
      openapi: {
        method: 'POST',
        path: '/auth/mfa/enroll',
        tags,
        summary: 'Start TOTP enrolment: a secret and its otpauth URI',
      },
    })
    .input(z.strictObject({}).optional())
    .output(MfaEnrollView)
    .mutation(({ ctx }) => ctx.services.auth.mfaEnroll(ctx)),

  mfaConfirm: authedProcedure
    .meta({
      allowPending: true,
      openapi: {
        method: 'POST',
        path: '/auth/mfa/confirm',
        tags,
        summary: 'Turn MFA on with a code; answers recovery codes',
      },
    })
    .input(MfaConfirmInput)
    .output(RecoveryCodesView)
    .mutation(({ ctx, input }) => ctx.services.auth.mfaConfirm(ctx, input.code)),

  mfaDisable: authedProcedure
    .meta({
      openapi: { method: 'POST', path: '/auth/mfa/disable', tags, summary: 'Turn MFA off (password and a code)' },
    })
    .input(MfaDisableInput)
    .output(OkView)
    .mutation(({ ctx, input }) => ctx.services.auth.mfaDisable(ctx, input)),

  mfaRecoveryCodes: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/auth/mfa/recovery-codes',
        tags,
        summary: 'Replace your recovery codes (needs a code)',
      },
    })
    .input(MfaConfirmInput)
    .output(RecoveryCodesView)
    .mutation(({ ctx, input }) => ctx.services.auth.mfaRecoveryCodes(ctx, input.code)),

  jwks: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/auth/jwks',
        tags,
        protect: false,
        summary: 'Public keys that verify access tokens',
      },
    })
    .input(z.void())
    .output(JwksView)
    .query(({ ctx }) => ctx.services.auth.jwks()),
});
