import { holdsRole } from '../access/roles.js';
import type { ApprovalSubject } from '../approvals/approval.records.js';
import type { AuditEvent } from '../audit/audit.schemas.js';
import { DomainError, notFound } from '../errors/domain-error.js';
import type { Actor } from '../users/user.schemas.js';
import type { ErasureRequestRecord } from './erasure.schemas.js';
import { legalHoldActive } from './legal-hold.decide.js';
import type { LegalHoldRecord } from './legal-hold.schemas.js';

/** The person an erasure request is about, as the decider needs them. */
export interface ErasureTarget {
  id: string;
  erasedAt: Date | null;
}

/** Whose erasure may be asked for: one's own, or anyone's by HR (others: not found, as for a person not seen). */
export function mayRequestErasureFor(actor: Actor, userId: string): boolean {
  return actor.id === userId || holdsRole(actor.roles, 'hr');
}

/** 409 USER_ERASED: the person was erased already; nothing of them is left to erase or restore. */
export function userErased(userId: string, erasedAt: Date): DomainError {
  return new DomainError('USER_ERASED', 'This person’s personal data was erased; the account can never be used again', {
    userId,
    erasedAt: erasedAt.toISOString(),
  });
}

/**
 * A new erasure request: refused for someone the caller may not ask for (404),
 * someone erased already (409 USER_ERASED), someone under legal hold (409
 * LEGAL_HOLD_ACTIVE, saying since when and the hold's reference) and while
 * another request for the person is open (409 ERASURE_REQUEST_PENDING naming
 * it). The audit entry holds no reason: that is free text about the person.
 */
export function decideErasureRequest(input: {
  actor: Actor;
  userId: string;
  target: ErasureTarget | null;
  hold: LegalHoldRecord | null;
  open: ErasureRequestRecord | null;
}): { audit: (id: string) => AuditEvent } {
  const { actor, userId, target, hold, open } = input;
  if (!target || !mayRequestErasureFor(actor, userId)) throw notFound('User', userId);
  if (target.erasedAt) throw userErased(target.id, target.erasedAt);
  if (hold) throw legalHoldActive(hold);
  if (open) {
    throw new DomainError('ERASURE_REQUEST_PENDING', 'An erasure request for this person is already open', {
      userId,
      requestId: open.id,
      status: open.status,
    });
  }
  return {
    audit: (id) => ({
      action: 'privacy.erasure.request',
      resourceType: 'erasure_request',
      resourceId: id,
      subjectId: userId,
      after: { userId, requestedBy: actor.id },
    }),
  };
}

/**
 * Withdrawing an erasure request while it is pending: the person themselves,
 * or whoever asked for it on their behalf (HR). Anyone else who may see it
 * (an approver, other HR) is refused with 403: a request the person made is
 * theirs to withdraw, and the approvers' answer is a rejection, on the
 * record. A decided one is 409 REQUEST_NOT_PENDING.
 */
export function decideErasureCancel(
  actor: Actor,
  request: Pick<ErasureRequestRecord, 'id' | 'userId' | 'requestedBy' | 'status'>,
): { onBehalf: boolean } {
  if (request.status !== 'pending') {
    throw new DomainError('REQUEST_NOT_PENDING', 'Only a pending erasure request can be withdrawn', {
      status: request.status,
    });
  }
  if (actor.id === request.userId) return { onBehalf: false };
  if (actor.id === request.requestedBy) return { onBehalf: true };
  throw new DomainError('FORBIDDEN', 'Only the person or whoever asked for it can withdraw an erasure request', {
    action: 'cancel',
    subject: 'ErasureRequest',
  });
}

/** What the approvals engine sees of an erasure request. */
export function erasureApprovalSubject(
  record: Pick<ErasureRequestRecord, 'id' | 'userId' | 'version'>,
): ApprovalSubject {
  return {
    id: record.id,
    requesterId: record.userId,
    summary: 'Erasure of personal data',
    days: null,
    amountMinor: null,
    attributes: {},
    version: record.version,
  };
}

export type ErasureRunDecision = { kind: 'skip' } | { kind: 'blocked'; error: DomainError } | { kind: 'run' };

/** An approved request is carried out unless the person is under legal hold (then it waits, saying why). */
export function decideErasureRun(request: ErasureRequestRecord, hold: LegalHoldRecord | null): ErasureRunDecision {
  if (request.status !== 'approved') return { kind: 'skip' };
  if (hold) return { kind: 'blocked', error: legalHoldActive(hold) };
  return { kind: 'run' };
}

/** The pseudonym an erased person is shown under: stable, and saying nothing about them. */
export function erasurePseudonym(userId: string): { name: string; email: string } {
  return { name: `Erased person ${userId.slice(-6)}`, email: `erased-${userId}@erased.invalid` };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A pattern matching any of the person's identifiers (full name, email) in
 * free text, whole and case-insensitive; null when there is nothing to look for.
 */
export function identifierPattern(identifiers: readonly string[]): string | null {
  const words = [...new Set(identifiers.map((i) => i.trim()).filter((i) => i.length >= 3))].sort(
    (a, b) => b.length - a.length,
  );
  return words.length === 0 ? null : words.map(escapeRegex).join('|');
}

/**
 * Free text with the person's identifiers replaced by their pseudonym, as
 * whole words: "Ann" goes, "Annual" stays. (Searches in the database use the
 * pattern without the word boundaries, a superset; this decides.)
 */
export function scrubIdentifiers(text: string, pattern: string, pseudonym: string): string {
  return text.replace(new RegExp(`(?<![\\p{L}\\p{N}_])(?:${pattern})(?![\\p{L}\\p{N}_])`, 'giu'), pseudonym);
}

/** The audit entry of a carried-out erasure: counts only, readable after the person's key is gone. */
export function erasureCompletedAudit(request: ErasureRequestRecord, counts: Record<string, number>): AuditEvent {
  return {
    action: 'privacy.erasure.complete',
    resourceType: 'erasure_request',
    resourceId: request.id,
    subjectId: null,
    after: { userId: request.userId, status: 'completed', counts },
  };
}
