import { z } from 'zod';
import { ExpectedVersion, Instant } from '../common/common.schemas.js';

/** Organisation-wide settings (spec: organizational_settings); later areas add their sections. */
export const SecuritySettings = z.object({
  requireMfaForPrivileged: z
    .boolean()
    .meta({ description: 'Admin and HR accounts must enrol in MFA before anything but the auth routes answers.' }),
});
export type SecuritySettings = z.infer<typeof SecuritySettings>;

export const DEFAULT_SETTINGS = {
  security: { requireMfaForPrivileged: false },
} satisfies { security: SecuritySettings };

export const SettingsView = z
  .object({
    security: SecuritySettings,
    version: z.number().int(),
    updatedAt: Instant,
  })
  .meta({ id: 'Settings' });
export type SettingsView = z.infer<typeof SettingsView>;

export const UpdateSettingsInput = z.strictObject({
  version: ExpectedVersion,
  security: SecuritySettings.partial().strict().optional(),
});
export type UpdateSettingsInput = z.infer<typeof UpdateSettingsInput>;
