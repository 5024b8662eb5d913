import { z } from 'zod';
import { AttendanceSettings, DEFAULT_ATTENDANCE_SETTINGS } from '../attendance/attendance.schemas.js';
import { isTimezone } from '../common/calendar-days.js';
import { ExpectedVersion, Instant } from '../common/common.schemas.js';
import { DEFAULT_FINANCE_SETTINGS, FinanceSettings } from '../expenses/expense-setup.schemas.js';
import { DEFAULT_RETENTION_SETTINGS, RetentionSettings } from '../privacy/retention.schemas.js';

/** Organisation-wide settings (spec: organizational_settings); later areas add their sections. */
export const SecuritySettings = z.object({
  requireMfaForPrivileged: z
    .boolean()
    .meta({ description: 'Admin and HR accounts must enrol in MFA before anything but the auth routes answers.' }),
});
export type SecuritySettings = z.infer<typeof SecuritySettings>;

export const CapacityPolicy = z.enum(['block', 'warn']).meta({ id: 'CapacityPolicy' });
export type CapacityPolicy = z.infer<typeof CapacityPolicy>;

export const CapacitySettings = z.object({
  policy: CapacityPolicy.meta({
    description:
      'block: an allocation taking someone above 100% is refused (409 CAPACITY_EXCEEDED) unless a Manager or above overrides it; warn: accepted with a warning.',
  }),
});
export type CapacitySettings = z.infer<typeof CapacitySettings>;

export const OrganizationSettings = z.object({
  timezone: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .refine(isTimezone, 'must be an IANA timezone such as Europe/Berlin')
    .meta({ description: 'The organisation’s timezone: what "today" means for calendar days.' }),
  workingDays: z
    .array(z.number().int().min(1).max(7))
    .min(1)
    .max(7)
    .refine((days) => new Set(days).size === days.length, 'must not repeat a day')
    .meta({
      description:
        'The working week as ISO weekdays (1 Monday … 7 Sunday): what a working day is for approval conditions, due dates and (later) leave.',
    }),
});
export type OrganizationSettings = z.infer<typeof OrganizationSettings>;

export const DEFAULT_SETTINGS = {
  security: { requireMfaForPrivileged: false },
  capacity: { policy: 'block' },
  organization: { timezone: 'UTC', workingDays: [1, 2, 3, 4, 5] },
  attendance: DEFAULT_ATTENDANCE_SETTINGS,
  finance: DEFAULT_FINANCE_SETTINGS,
  retention: DEFAULT_RETENTION_SETTINGS,
} satisfies {
  security: SecuritySettings;
  capacity: CapacitySettings;
  organization: OrganizationSettings;
  attendance: AttendanceSettings;
  finance: FinanceSettings;
  retention: RetentionSettings;
};

export const SettingsView = z
  .object({
    security: SecuritySettings,
    capacity: CapacitySettings,
    organization: OrganizationSettings,
    attendance: AttendanceSettings,
    finance: FinanceSettings,
    retention: RetentionSettings,
    version: z.number().int(),
    updatedAt: Instant,
  })
  .meta({ id: 'Settings' });
export type SettingsView = z.infer<typeof SettingsView>;

export const UpdateSettingsInput = z.strictObject({
  version: ExpectedVersion,
  security: SecuritySettings.partial().strict().optional(),
  capacity: CapacitySettings.partial().strict().optional(),
  organization: OrganizationSettings.partial().strict().optional(),
  attendance: AttendanceSettings.partial().strict().optional(),
  finance: FinanceSettings.partial().strict().optional(),
  retention: RetentionSettings.partial().strict().optional(),
});
export type UpdateSettingsInput = z.infer<typeof UpdateSettingsInput>;
