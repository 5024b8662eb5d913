import type { AuditEvent } from '../audit/audit.schemas.js';
import { DomainError } from '../errors/domain-error.js';
import type { LegalHoldRecord, PlaceLegalHoldInput } from './legal-hold.schemas.js';

/** 409 LEGAL_HOLD_ACTIVE: the person's data is kept while the hold stands (erasure refuses with it). */
export function legalHoldActive(hold: LegalHoldRecord): DomainError {
  return new DomainError(
    'LEGAL_HOLD_ACTIVE',
    'This person is under a legal hold: their data is kept until HR or an Admin releases it',
    { userId: hold.userId, heldSince: hold.placedAt.toISOString(), reference: hold.reference },
  );
}

/** 409 LEGAL_HOLD_EXISTS: one hold per person; release it to place another. */
export function legalHoldExists(hold: LegalHoldRecord): DomainError {
  return new DomainError('LEGAL_HOLD_EXISTS', 'This person is already under a legal hold', {
    userId: hold.userId,
    heldSince: hold.placedAt.toISOString(),
    reference: hold.reference,
  });
}

/** Throws LEGAL_HOLD_ACTIVE when a hold stands. */
export function assertNoLegalHold(hold: LegalHoldRecord | null): void {
  if (hold) throw legalHoldActive(hold);
}

/**
 * A hold to place: refused while one stands (the unique index refuses a
 * racing second one the same way). The audit entry names the reference,
 * never the free-text reason (the trail is append-only and could never be
 * cleaned of it).
 */
export function decidePlaceLegalHold(
  existing: LegalHoldRecord | null,
  input: PlaceLegalHoldInput,
  placedBy: string,
  now: Date,
): { hold: Omit<LegalHoldRecord, 'id'>; audit: (id: string) => AuditEvent } {
  if (existing) throw legalHoldExists(existing);
  const hold = {
    userId: input.userId,
    reason: input.reason,
    reference: input.reference ?? null,
    placedBy,
    placedAt: now,
  };
  return {
    hold,
    audit: (id) => ({
      action: 'legalHold.place',
      resourceType: 'legalHold',
      resourceId: input.userId,
      after: { id, userId: hold.userId, reference: hold.reference, placedBy, placedAt: now.toISOString() },
    }),
  };
}

/** Releasing a hold: the audit entry says who placed it, when, and who released it. */
export function releaseLegalHoldAudit(hold: LegalHoldRecord, releasedBy: string, now: Date): AuditEvent {
  return {
    action: 'legalHold.release',
    resourceType: 'legalHold',
    resourceId: hold.userId,
    before: {
      id: hold.id,
      userId: hold.userId,
      reference: hold.reference,
      placedBy: hold.placedBy,
      placedAt: hold.placedAt.toISOString(),
    },
    after: null,
    details: { releasedBy, releasedAt: now.toISOString() },
  };
}
