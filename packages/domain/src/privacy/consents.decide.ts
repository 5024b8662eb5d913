import type { AuditEvent } from '../audit/audit.schemas.js';
import { DomainError } from '../errors/domain-error.js';
import {
  CONSENT_PURPOSE_NAMES,
  CONSENT_PURPOSES,
  type ConsentHistoryRecord,
  type ConsentPurpose,
  type ConsentRecord,
  type ConsentView,
  currentConsentTextVersion,
} from './consents.schemas.js';

/** Whether a stored choice counts as consent now: granted, to the text shown today. */
export function consentCounts(record: Pick<ConsentRecord, 'granted' | 'textVersion' | 'purpose'> | null): boolean {
  if (!record?.granted) return false;
  return record.textVersion === currentConsentTextVersion(record.purpose);
}

export interface ConsentChange {
  userId: string;
  purpose: ConsentPurpose;
  granted: boolean;
  textVersion: string;
}

export type ConsentDecision =
  | { changed: false }
  | {
      changed: true;
      /** The choice to store, written only if the stored one is still at `expectedVersion` (0: none yet). */
      next: Omit<ConsentRecord, 'version'>;
      expectedVersion: number;
      audit: AuditEvent;
    };

/**
 * A person sets their choice for one purpose. Granting needs the current text
 * version (409 CONSENT_TEXT_OUTDATED otherwise: the UI showed an older text).
 * Withdrawing is always possible (GDPR art. 7(3): as easy as granting) and is
 * recorded against the current text. Setting what already counts changes
 * nothing (no history entry, no audit entry).
 */
export function decideConsent(current: ConsentRecord | null, change: ConsentChange, now: Date): ConsentDecision {
  const currentTextVersion = currentConsentTextVersion(change.purpose);
  if (change.granted && change.textVersion !== currentTextVersion) {
    throw new DomainError(
      'CONSENT_TEXT_OUTDATED',
      `Consent to ${change.purpose} must be given to the current text (version ${currentTextVersion})`,
      { purpose: change.purpose, currentTextVersion },
    );
  }
  const counted = consentCounts(current);
  // Already so. A first refusal is recorded (it is a choice too); a grant to an older text is not "already so".
  if (current !== null && current.granted === change.granted && counted === change.granted) return { changed: false };
  const next = {
    userId: change.userId,
    purpose: change.purpose,
    granted: change.granted,
    textVersion: currentTextVersion,
    changedAt: now,
  };
  return {
    changed: true,
    next,
    expectedVersion: current?.version ?? 0,
    audit: {
      action: change.granted ? 'consent.grant' : 'consent.withdraw',
      resourceType: 'consent',
      resourceId: change.userId,
      before: current ? { purpose: current.purpose, granted: counted, textVersion: current.textVersion } : null,
      after: { purpose: next.purpose, granted: next.granted, textVersion: next.textVersion },
    },
  };
}

/** Every purpose with the person's choice and its history (newest first), for GET /privacy/consents. */
export function consentViews(
  records: readonly ConsentRecord[],
  history: readonly ConsentHistoryRecord[],
): ConsentView[] {
  return CONSENT_PURPOSE_NAMES.map((purpose) => {
    const record = records.find((r) => r.purpose === purpose) ?? null;
    return {
      purpose,
      granted: consentCounts(record),
      textVersion: record?.textVersion ?? null,
      currentTextVersion: currentConsentTextVersion(purpose),
      changedAt: record ? record.changedAt.toISOString() : null,
      description: CONSENT_PURPOSES[purpose].description,
      history: history
        .filter((h) => h.purpose === purpose)
        .sort((a, b) => b.at.getTime() - a.at.getTime() || (a.id < b.id ? 1 : -1))
        .map((h) => ({ granted: h.granted, textVersion: h.textVersion, at: h.at.toISOString() })),
    };
  });
}

/** What colleagues see of a birthday: day and month only ("MM-DD"), never the year. */
export function birthdayForColleagues(dateOfBirth: string | null | undefined): string | null {
  if (!dateOfBirth) return null;
  const match = /^\d{4}-(\d{2})-(\d{2})$/.exec(dateOfBirth);
  return match ? `${match[1]}-${match[2]}` : null;
}
