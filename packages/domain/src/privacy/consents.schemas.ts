import { z } from 'zod';
import { Instant, listOf } from '../common/common.schemas.js';
import { singleLine } from '../common/text.js';

/**
 * The optional purposes a person may consent to (spec §10.3, privacy by
 * design: none is granted until the person grants it). Each has the version of
 * the text shown when asking; a new text gets a new version, and consents
 * given to an older one no longer count (the person is asked again).
 */
export const CONSENT_PURPOSES = {
  'profile.image': {
    textVersion: '2026-12-01',
    description:
      'Colleagues see your profile image in the directory and on your profile. Without it only you, your managers, HR and admins see it.',
  },
  'profile.birthday': {
    textVersion: '2026-12-01',
    description:
      'Colleagues see the day and month of your birthday (never the year) on your profile. Without it only you, your managers, HR and admins see your date of birth.',
  },
  'email.digests': {
    textVersion: '2026-12-01',
    description:
      'You receive periodic digest emails summarising activity. Notifications (in the app and by email, as your notification preferences say) do not depend on it.',
  },
} as const satisfies Record<string, { textVersion: string; description: string }>;

export const CONSENT_PURPOSE_NAMES = Object.keys(CONSENT_PURPOSES) as [
  keyof typeof CONSENT_PURPOSES,
  ...(keyof typeof CONSENT_PURPOSES)[],
];
export const ConsentPurpose = z.enum(CONSENT_PURPOSE_NAMES).meta({ id: 'ConsentPurpose' });
export type ConsentPurpose = z.infer<typeof ConsentPurpose>;

/** The text version consents to a purpose must name now. */
export function currentConsentTextVersion(purpose: ConsentPurpose): string {
  return CONSENT_PURPOSES[purpose].textVersion;
}

/** A person's current choice for one purpose, as stored (packages/db maps it). */
export interface ConsentRecord {
  userId: string;
  purpose: ConsentPurpose;
  granted: boolean;
  /** The text version the choice was made on. */
  textVersion: string;
  changedAt: Date;
  version: number;
}

/** One change of a choice: the append-only history (proof of consent). */
export interface ConsentHistoryRecord {
  id: string;
  userId: string;
  purpose: ConsentPurpose;
  granted: boolean;
  textVersion: string;
  at: Date;
  /** The call's address and user agent, when a request made the change. */
  ip: string | null;
  userAgent: string | null;
}

export const ConsentHistoryEntryView = z
  .object({
    granted: z.boolean(),
    textVersion: z.string(),
    at: Instant,
  })
  .meta({ id: 'ConsentHistoryEntry' });
export type ConsentHistoryEntryView = z.infer<typeof ConsentHistoryEntryView>;

export const ConsentView = z
  .object({
    purpose: ConsentPurpose,
    granted: z.boolean().meta({
      description:
        'Whether the consent counts now: granted, and to the current text version (a consent to an older text does not count).',
    }),
    textVersion: z
      .string()
      .nullable()
      .meta({ description: 'The text version of the last choice; null if the person never chose.' }),
    currentTextVersion: z.string().meta({ description: 'The version of the text to show; send it when granting.' }),
    changedAt: Instant.nullable(),
    description: z.string(),
    history: z
      .array(ConsentHistoryEntryView)
      .meta({ description: 'Every change of this choice, newest first (append-only).' }),
  })
  .meta({ id: 'Consent' });
export type ConsentView = z.infer<typeof ConsentView>;

export const ConsentListView = listOf(ConsentView).meta({ id: 'ConsentList' });
export type ConsentListView = z.infer<typeof ConsentListView>;

export const SetConsentInput = z.strictObject({
  purpose: ConsentPurpose,
  granted: z.boolean(),
  textVersion: singleLine(z.string().trim().min(1).max(50)).meta({
    description: 'The version of the text the person saw (currentTextVersion); granting on another version is refused.',
  }),
});
export type SetConsentInput = z.infer<typeof SetConsentInput>;
