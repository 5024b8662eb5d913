import type { AuthTokenRecord, LoginFailureRecord, SessionRecord, SessionView } from '@seed-pms/domain';
import type { WithId } from 'mongodb';
import { idOrNull } from '../ids.js';
import type { AuthTokenDoc, LoginFailureDoc, SessionDoc } from './session.doc.js';

/** Documents ⇄ records; `_id` ⇄ `id` happens here and nowhere else. */
export function toSessionRecord(doc: WithId<SessionDoc>): SessionRecord {
  return {
    id: doc._id.toHexString(),
    userId: doc.userId.toHexString(),
    tokenHash: doc.tokenHash,
    previousTokenHashes: doc.previousTokenHashes ?? [],
    ip: doc.ip,
    userAgent: doc.userAgent,
    device: doc.device,
    createdAt: doc.createdAt,
    lastUsedAt: doc.lastUsedAt,
    expiresAt: doc.expiresAt,
    revokedAt: doc.revokedAt ?? null,
    revokedReason: doc.revokedReason ?? null,
  };
}

/** A session as its user sees it in lists; `current` for the one the request came with. */
export function sessionView(session: SessionRecord, currentId: string | null): SessionView {
  return {
    id: session.id,
    device: session.device,
    userAgent: session.userAgent,
    ip: session.ip,
    createdAt: session.createdAt.toISOString(),
    lastUsedAt: session.lastUsedAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    current: session.id === currentId,
  };
}

export function toAuthTokenRecord(doc: WithId<AuthTokenDoc>): AuthTokenRecord {
  return {
    id: doc._id.toHexString(),
    kind: doc.kind,
    userId: doc.userId.toHexString(),
    tokenHash: doc.tokenHash,
    createdAt: doc.createdAt,
    createdBy: idOrNull(doc.createdBy),
    expiresAt: doc.expiresAt,
    usedAt: doc.usedAt ?? null,
  };
}

export function toLoginFailureRecord(doc: LoginFailureDoc): LoginFailureRecord {
  return {
    emailKey: doc._id,
    failures: doc.failures,
    locks: doc.locks,
    lockedUntil: doc.lockedUntil ?? null,
    lastFailureAt: doc.lastFailureAt,
  };
}
