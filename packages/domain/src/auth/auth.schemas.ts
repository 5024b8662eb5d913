import { z } from 'zod';
import { Id, Instant } from '../common/common.schemas.js';
import { Email, Role } from '../users/user.schemas.js';

/** Passwords are bounded so hashing cost stays bounded (argon2 hashes any length). */
export const Password = z.string().min(1).max(256).meta({ description: 'Password.' });
export const NewPassword = z
  .string()
  .min(1)
  .max(256)
  .meta({ description: 'New password: at least 12 characters, not the email, not a common password.' });
export const MfaCode = z
  .string()
  .trim()
  .regex(/^(\d{6}|[A-Za-z0-9]{5}-?[A-Za-z0-9]{5})$/, 'must be a 6-digit code or a recovery code')
  .meta({ description: 'A 6-digit authenticator code, or one of your recovery codes.', example: '123456' });
/** A single-use token from an email (reset, invite). */
export const EmailToken = z.string().trim().min(20).max(200).meta({ description: 'The token from the email link.' });

export const LoginInput = z.strictObject({
  email: Email,
  password: Password,
  mfaCode: MfaCode.optional(),
});
export type LoginInput = z.infer<typeof LoginInput>;

/** The signed-in user as auth answers show them. */
export const AuthUserView = z
  .object({
    id: Id,
    email: z.string(),
    name: z.string(),
    roles: z.array(Role).meta({ description: 'Roles granted.' }),
    effectiveRoles: z.array(Role).meta({ description: 'Roles held, including those inherited (role hierarchy).' }),
    mustChangePassword: z.boolean().meta({ description: 'Only auth routes answer until the password is changed.' }),
    mfaEnabled: z.boolean(),
    mfaSetupRequired: z
      .boolean()
      .meta({ description: 'The admin policy requires MFA for this account: only auth routes answer until enrolled.' }),
  })
  .meta({ id: 'AuthUser' });
export type AuthUserView = z.infer<typeof AuthUserView>;

export const TokenView = z
  .object({
    accessToken: z.string().meta({ description: 'JWT for `Authorization: Bearer …`; keep it in memory only.' }),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int().meta({ description: 'Seconds until the access token expires.' }),
    user: AuthUserView,
  })
  .meta({ id: 'Tokens' });
export type TokenView = z.infer<typeof TokenView>;

export const SessionView = z
  .object({
    id: Id,
    device: z.string().meta({ description: 'Browser and system, from the user agent.', example: 'Firefox on Linux' }),
    userAgent: z.string().nullable(),
    ip: z.string(),
    createdAt: Instant,
    lastUsedAt: Instant,
    expiresAt: Instant,
    current: z.boolean().meta({ description: 'The session this request belongs to.' }),
  })
  .meta({ id: 'Session' });
export type SessionView = z.infer<typeof SessionView>;

/** A CASL rule as clients use it (`createMongoAbility(permissions)` rebuilds the ability). */
export const PermissionRuleView = z
  .object({
    action: z.union([z.string(), z.array(z.string())]),
    subject: z.union([z.string(), z.array(z.string())]),
    conditions: z.record(z.string(), z.unknown()).optional(),
    fields: z.union([z.string(), z.array(z.string())]).optional(),
    inverted: z.boolean().optional(),
    reason: z.string().optional(),
  })
  .meta({ id: 'PermissionRule' });

export const MeView = z
  .object({
    user: AuthUserView,
    permissions: z.array(PermissionRuleView).meta({ description: 'CASL rules; later rules take precedence.' }),
    sessions: z.array(SessionView),
  })
  .meta({ id: 'Me' });
export type MeView = z.infer<typeof MeView>;

export const CurrentSessionView = z
  .object({ userId: Id, sessionId: Id.nullable(), expiresAt: Instant.nullable() })
  .meta({ id: 'CurrentSession' });
export type CurrentSessionView = z.infer<typeof CurrentSessionView>;

export const LogoutInput = z.strictObject({
  all: z.boolean().default(false).meta({ description: 'End every session of this user, not just this one.' }),
});

export const RevokeSessionInput = z.strictObject({ id: Id });

export const ForgotPasswordInput = z.strictObject({ email: Email });
export const ResetPasswordInput = z.strictObject({ token: EmailToken, password: NewPassword });
export const AcceptInviteInput = z.strictObject({ token: EmailToken, password: NewPassword });
export const ChangePasswordInput = z.strictObject({ currentPassword: Password, newPassword: NewPassword });

/** The same answer whether or not the email exists. */
export const AcceptedView = z.object({ accepted: z.literal(true), message: z.string() }).meta({ id: 'Accepted' });
export type AcceptedView = z.infer<typeof AcceptedView>;

export const OkView = z.object({ ok: z.literal(true) }).meta({ id: 'Ok' });

export const MfaEnrollView = z
  .object({
    secret: z.string().meta({ description: 'Base32 secret, for typing into an authenticator app.' }),
    otpauthUrl: z.string().meta({ description: 'otpauth:// URI, for a QR code.' }),
  })
  .meta({ id: 'MfaEnrollment' });
export const MfaConfirmInput = z.strictObject({ code: MfaCode });
export const MfaDisableInput = z.strictObject({ password: Password, code: MfaCode });
export const RecoveryCodesView = z
  .object({
    recoveryCodes: z
      .array(z.string())
      .meta({ description: 'Single-use codes for when the authenticator is lost; shown once.' }),
  })
  .meta({ id: 'RecoveryCodes' });

export const JwksView = z
  .object({ keys: z.array(z.record(z.string(), z.unknown())) })
  .meta({ id: 'Jwks', description: 'Public keys that verify access tokens (RFC 7517).' });
