import type { Collection, ObjectId, WithId } from 'mongodb';
import { newId } from '../ids.js';
import type { SessionDoc } from './session.doc.js';

export interface NewSession {
  userId: ObjectId;
  tokenHash: string;
  ip: string;
  userAgent: string | null;
  device: string;
  expiresAt: Date;
}

export async function insertSession(
  sessions: Collection<SessionDoc>,
  session: NewSession,
  now: Date,
): Promise<WithId<SessionDoc>> {
  const doc: SessionDoc = {
    _id: newId(),
    ...session,
    previousTokenHashes: [],
    createdAt: now,
    lastUsedAt: now,
    revokedAt: null,
    revokedReason: null,
  };
  await sessions.insertOne(doc);
  return doc;
}

export function findSession(sessions: Collection<SessionDoc>, id: ObjectId): Promise<WithId<SessionDoc> | null> {
  return sessions.findOne({ _id: id });
}

/**
 * Replaces the refresh token, only if the presented one is still current and
 * the session live: one conditional write, so of two concurrent refreshes with
 * the same token exactly one wins (the other then looks like reuse).
 */
export function rotateSessionToken(
  sessions: Collection<SessionDoc>,
  rotation: { id: ObjectId; presentedHash: string; nextHash: string; now: Date; expiresAt: Date; ip: string },
): Promise<WithId<SessionDoc> | null> {
  return sessions.findOneAndUpdate(
    {
      _id: rotation.id,
      tokenHash: rotation.presentedHash,
      revokedAt: null,
      expiresAt: { $gt: rotation.now },
    },
    {
      $set: {
        tokenHash: rotation.nextHash,
        lastUsedAt: rotation.now,
        expiresAt: rotation.expiresAt,
        ip: rotation.ip,
      },
      $push: { previousTokenHashes: rotation.presentedHash },
    },
    { returnDocument: 'after' },
  );
}

/** Revokes one session; false when it was already revoked (or is not this user's). */
export async function revokeSession(
  sessions: Collection<SessionDoc>,
  id: ObjectId,
  reason: string,
  now: Date,
  userId?: ObjectId,
): Promise<boolean> {
  const result = await sessions.updateOne(
    { _id: id, revokedAt: null, ...(userId ? { userId } : {}) },
    { $set: { revokedAt: now, revokedReason: reason } },
  );
  return result.modifiedCount === 1;
}

/** Revokes every live session of a user, except `keep`; returns how many. */
export async function revokeUserSessions(
  sessions: Collection<SessionDoc>,
  userId: ObjectId,
  reason: string,
  now: Date,
  keep?: ObjectId | null,
): Promise<number> {
  const result = await sessions.updateMany(
    { userId, revokedAt: null, ...(keep ? { _id: { $ne: keep } } : {}) },
    { $set: { revokedAt: now, revokedReason: reason } },
  );
  return result.modifiedCount;
}

export function listLiveSessions(
  sessions: Collection<SessionDoc>,
  userId: ObjectId,
  now: Date,
): Promise<WithId<SessionDoc>[]> {
  return sessions
    .find({ userId, revokedAt: null, expiresAt: { $gt: now } })
    .sort({ lastUsedAt: -1, _id: -1 })
    .limit(100)
    .toArray();
}

/** Deletes sessions that expired or were revoked before `before` (kept a while for investigations). */
export async function purgeOldSessions(sessions: Collection<SessionDoc>, before: Date): Promise<number> {
  const result = await sessions.deleteMany({ expiresAt: { $lt: before } });
  return result.deletedCount;
}
