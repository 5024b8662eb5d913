import type { SessionRecord } from '@seed-pms/domain';
import type { Collection } from 'mongodb';
import { newId, objectIdOf } from '../ids.js';
import { deletionTarget, exceptUsers, type RetentionTarget } from '../privacy/retention-batches.js';
import { toSessionRecord } from './auth.mapper.js';
import type { SessionDoc } from './session.doc.js';

export interface NewSession {
  userId: string;
  tokenHash: string;
  ip: string;
  userAgent: string | null;
  device: string;
  expiresAt: Date;
}

export interface SessionRotation {
  id: string;
  /** The presented secret's hash: the rotation happens only while it is the current one. */
  presentedHash: string;
  nextHash: string;
  now: Date;
  expiresAt: Date;
  ip: string;
}

/**
 * Sessions, each also a refresh-token family. Rotation is one write
 * conditional on the presented hash being the current one and the session
 * live, so of two concurrent refreshes with one token exactly one rotates.
 * Ending a session ends its family: every token it issued stops.
 */
export interface SessionRepository {
  insert(session: NewSession, now: Date): Promise<SessionRecord>;
  /** The session (live or not), or null when there is none (a malformed id names none). */
  get(id: string): Promise<SessionRecord | null>;
  /** The session after rotation, or null when nothing was rotated (see classifyFailedRotation). */
  rotate(rotation: SessionRotation): Promise<SessionRecord | null>;
  /** Ends one session; false when it had ended already (or, with `userId`, is not that user's). */
  revoke(id: string, reason: string, now: Date, userId?: string): Promise<boolean>;
  /** Ends every live session of a user except `keep`; returns how many. */
  revokeAllOf(userId: string, reason: string, now: Date, keep?: string | null): Promise<number>;
  /** A user's live sessions, most recently used first (at most 100). */
  listLive(userId: string, now: Date): Promise<SessionRecord[]>;
  /**
   * Deletes sessions that expired before `before` (ended ones are kept until
   * then, for investigations), but those of `exceptUserIds` (legal holds).
   */
  purgeExpired(before: Date, exceptUserIds?: readonly string[]): Promise<number>;
  /** Retention: sessions ended or expired before `cutoff`, but those of `exceptUserIds` (legal holds). */
  retention(cutoff: Date, exceptUserIds: readonly string[]): RetentionTarget;
}

export function createSessionRepository(collections: { sessions: Collection<SessionDoc> }): SessionRepository {
  const { sessions } = collections;
  return {
    async insert(session, now) {
      const userId = objectIdOf(session.userId);
      if (!userId) throw new Error(`a session needs a user id, not ${session.userId}`);
      const doc: SessionDoc = {
        _id: newId(),
        ...session,
        userId,
        previousTokenHashes: [],
        createdAt: now,
        lastUsedAt: now,
        revokedAt: null,
        revokedReason: null,
      };
      await sessions.insertOne(doc);
      return toSessionRecord(doc);
    },

    async get(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await sessions.findOne({ _id }) : null;
      return doc ? toSessionRecord(doc) : null;
    },

    async rotate(rotation) {
      const _id = objectIdOf(rotation.id);
      if (!_id) return null;
      const doc = await sessions.findOneAndUpdate(
        { _id, tokenHash: rotation.presentedHash, revokedAt: null, expiresAt: { $gt: rotation.now } },
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
      return doc ? toSessionRecord(doc) : null;
    },

    async revoke(id, reason, now, userId) {
      const _id = objectIdOf(id);
      const owner = userId === undefined ? undefined : objectIdOf(userId);
      if (!_id || owner === null) return false;
      const result = await sessions.updateOne(
        { _id, revokedAt: null, ...(owner ? { userId: owner } : {}) },
        { $set: { revokedAt: now, revokedReason: reason } },
      );
      return result.modifiedCount === 1;
    },

    async revokeAllOf(userId, reason, now, keep) {
      const owner = objectIdOf(userId);
      if (!owner) return 0;
      const kept = keep ? objectIdOf(keep) : null;
      const result = await sessions.updateMany(
        { userId: owner, revokedAt: null, ...(kept ? { _id: { $ne: kept } } : {}) },
        { $set: { revokedAt: now, revokedReason: reason } },
      );
      return result.modifiedCount;
    },

    async listLive(userId, now) {
      const owner = objectIdOf(userId);
      if (!owner) return [];
      const docs = await sessions
        .find({ userId: owner, revokedAt: null, expiresAt: { $gt: now } })
        .sort({ lastUsedAt: -1, _id: -1 })
        .limit(100)
        .toArray();
      return docs.map(toSessionRecord);
    },

    async purgeExpired(before, exceptUserIds = []) {
      const result = await sessions.deleteMany({ expiresAt: { $lt: before }, ...exceptUsers(exceptUserIds) });
      return result.deletedCount;
    },

    retention(cutoff, exceptUserIds) {
      return deletionTarget(sessions, {
        $or: [{ expiresAt: { $lt: cutoff } }, { revokedAt: { $lt: cutoff } }],
        ...exceptUsers(exceptUserIds),
      });
    },
  };
}
