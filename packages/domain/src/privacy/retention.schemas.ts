import { z } from 'zod';
import { Instant, listOf } from '../common/common.schemas.js';

/**
 * How long personal data of each class is kept (the `retention` block of the
 * organisation's settings, Admin). Every period has a floor, so a mistyped
 * setting cannot delete recent data, and the technical classes a ceiling: the
 * built-in housekeeping removes ended sessions and sent emails after 30 days
 * and notifications after 180 days whatever is set here, so the retention
 * policy can shorten those periods, not lengthen them.
 */
export const RetentionSettings = z.object({
  sessionsDays: z.number().int().min(1).max(30).meta({
    description:
      'Ended or expired sign-in sessions, and used or expired password-reset and invite tokens, go after this many days (1–30).',
  }),
  notificationsDays: z.number().int().min(7).max(180).meta({
    description: 'Read notifications go this many days after they were read (7–180; unread ones after 180 days).',
  }),
  mailOutboxDays: z.number().int().min(1).max(30).meta({
    description:
      'Sent and abandoned emails (addresses and subjects; bodies go at once) go after this many days (1–30).',
  }),
  punchesYears: z.number().int().min(1).max(10).meta({
    description:
      'Punches of days older than this many years lose their IP address, user agent, location and note; their times stay, so worked time and reports do not change (1–10).',
  }),
  messagesYears: z.number().int().min(1).max(20).meta({
    description:
      'Messages older than this many years are deleted, unless their sender or recipient is under a legal hold (1–20).',
  }),
});
export type RetentionSettings = z.infer<typeof RetentionSettings>;

export const DEFAULT_RETENTION_SETTINGS: RetentionSettings = {
  sessionsDays: 30,
  notificationsDays: 90,
  mailOutboxDays: 30,
  punchesYears: 2,
  messagesYears: 3,
};

/** The classes the retention job handles, in the order it handles them. */
export const RETENTION_CLASSES = [
  'sessions',
  'authTokens',
  'notifications',
  'mailOutbox',
  'attendancePunches',
  'messages',
] as const;
export const RetentionClass = z.enum(RETENTION_CLASSES).meta({ id: 'RetentionClass' });
export type RetentionClass = z.infer<typeof RetentionClass>;

export const RetentionAction = z.enum(['delete', 'pseudonymise']).meta({ id: 'RetentionAction' });
export type RetentionAction = z.infer<typeof RetentionAction>;

export const RetentionPreviewItem = z
  .object({
    dataClass: RetentionClass,
    action: RetentionAction,
    setting: z.string().meta({ description: 'The retention setting that sets the period.' }),
    cutoff: Instant.meta({ description: 'What is older than this goes.' }),
    count: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'How many documents the job would delete or pseudonymise now.' }),
    skipsLegalHolds: z.boolean().meta({ description: 'Whether data of people under a legal hold is kept.' }),
    description: z.string(),
  })
  .meta({ id: 'RetentionPreviewItem' });
export type RetentionPreviewItem = z.infer<typeof RetentionPreviewItem>;

export const RetentionPreviewView = listOf(RetentionPreviewItem).meta({ id: 'RetentionPreview' });
export type RetentionPreviewView = z.infer<typeof RetentionPreviewView>;

/** What a run did, per class: its job run's counts. */
export type RetentionCounts = Record<RetentionClass, number>;
