import { dayInTimezone } from '../common/calendar-days.js';
import type { RetentionAction, RetentionClass, RetentionSettings } from './retention.schemas.js';

const DAY_MS = 86_400_000;

export interface RetentionCutoff {
  dataClass: RetentionClass;
  action: RetentionAction;
  setting: keyof RetentionSettings;
  /** Data older than this goes. */
  cutoff: Date;
  /** For data kept per calendar day (attendance): days before this one (the organisation's timezone) go. */
  cutoffDay: string | null;
  /** Whether people under a legal hold are left out. */
  skipsLegalHolds: boolean;
  description: string;
}

function daysBefore(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

/** The same instant `years` calendar years earlier (29 February becomes 1 March). */
function yearsBefore(now: Date, years: number): Date {
  const at = new Date(now.getTime());
  at.setUTCFullYear(at.getUTCFullYear() - years);
  return at;
}

/**
 * What the retention policy removes as of `now`: one cutoff per data class,
 * from the settings (pure: the job and the dry run compute the same cutoffs
 * from the same clock reading).
 */
export function retentionCutoffs(settings: RetentionSettings, now: Date, timezone: string): RetentionCutoff[] {
  const punches = yearsBefore(now, settings.punchesYears);
  return [
    {
      dataClass: 'sessions',
      action: 'delete',
      setting: 'sessionsDays',
      cutoff: daysBefore(now, settings.sessionsDays),
      cutoffDay: null,
      skipsLegalHolds: true,
      description: 'Sign-in sessions ended or expired before the cutoff (device, IP address, user agent)',
    },
    {
      dataClass: 'authTokens',
      action: 'delete',
      setting: 'sessionsDays',
      cutoff: daysBefore(now, settings.sessionsDays),
      cutoffDay: null,
      skipsLegalHolds: true,
      description: 'Password-reset and invite tokens used or expired before the cutoff',
    },
    {
      dataClass: 'notifications',
      action: 'delete',
      setting: 'notificationsDays',
      cutoff: daysBefore(now, settings.notificationsDays),
      cutoffDay: null,
      skipsLegalHolds: true,
      description: 'Notifications read before the cutoff',
    },
    {
      dataClass: 'mailOutbox',
      action: 'delete',
      setting: 'mailOutboxDays',
      cutoff: daysBefore(now, settings.mailOutboxDays),
      cutoffDay: null,
      skipsLegalHolds: false,
      description: 'Emails sent or given up on before the cutoff (recipient address and subject)',
    },
    {
      dataClass: 'attendancePunches',
      action: 'pseudonymise',
      setting: 'punchesYears',
      cutoff: punches,
      cutoffDay: dayInTimezone(punches, timezone),
      skipsLegalHolds: true,
      description:
        'Attendance days before the cutoff day: their punches lose IP address, user agent, location and note (times stay)',
    },
    {
      dataClass: 'messages',
      action: 'delete',
      setting: 'messagesYears',
      cutoff: yearsBefore(now, settings.messagesYears),
      cutoffDay: null,
      skipsLegalHolds: true,
      description: 'Messages sent before the cutoff, unless their sender or recipient is under a legal hold',
    },
  ];
}
