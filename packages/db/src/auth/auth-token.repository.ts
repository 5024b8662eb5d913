import type { AuthTokenKind, AuthTokenRecord } from '@seed-pms/domain';
import type { Collection } from 'mongodb';
import { newId, objectIdOf } from '../ids.js';
import { deletionTarget, exceptUsers, type RetentionTarget } from '../privacy/retention-batches.js';
import { toAuthTokenRecord } from './auth.mapper.js';
import type { AuthTokenDoc } from './session.doc.js';

export interface NewAuthToken {
  kind: AuthTokenKind;
  userId: string;
  tokenHash: string;
  expiresAt: Date;
  /** Who asked for it (an administrator's invite or reset); null when the user did. */
  createdBy: string | null;
}

/**
 * Single-use tokens sent by email (password resets, invites), kept as hashes.
 * Using one is one write conditional on it being unused and unexpired, so two
 * concurrent uses cannot both succeed.
 */
export interface AuthTokenRepository {
  /** Stores a new token and retires the user's earlier unused ones of the same kind. */
  issue(token: NewAuthToken, now: Date): Promise<AuthTokenRecord>;
  /** The unused, unexpired token with this hash and kind, without using it up. */
  findUsable(kind: AuthTokenKind, tokenHash: string, now: Date): Promise<AuthTokenRecord | null>;
  /** Uses the token up; null when it is unknown, used or expired. */
  consume(kind: AuthTokenKind, tokenHash: string, now: Date): Promise<AuthTokenRecord | null>;
  /** Retires every unused token of the user (of one kind, if given). */
  retireAll(userId: string, now: Date, kind?: AuthTokenKind): Promise<void>;
  /** Deletes tokens that expired before `before`. */
  /** Deletes tokens expired before `before`, but those of `exceptUserIds` (legal holds). */
  purgeExpired(before: Date, exceptUserIds?: readonly string[]): Promise<number>;
  /** Retention: tokens used or expired before `cutoff`, but those of `exceptUserIds` (legal holds). */
  retention(cutoff: Date, exceptUserIds: readonly string[]): RetentionTarget;
}

export function createAuthTokenRepository(collections: { authTokens: Collection<AuthTokenDoc> }): AuthTokenRepository {
  const tokens = collections.authTokens;
  return {
    async issue(token, now) {
      const userId = objectIdOf(token.userId);
      if (!userId) throw new Error(`a token needs a user id, not ${token.userId}`);
      await tokens.updateMany({ userId, kind: token.kind, usedAt: null }, { $set: { usedAt: now } });
      const doc: AuthTokenDoc = {
        _id: newId(),
        kind: token.kind,
        userId,
        tokenHash: token.tokenHash,
        expiresAt: token.expiresAt,
        createdBy: token.createdBy ? objectIdOf(token.createdBy) : null,
        createdAt: now,
        usedAt: null,
      };
      await tokens.insertOne(doc);
      return toAuthTokenRecord(doc);
    },

    async findUsable(kind, tokenHash, now) {
      const doc = await tokens.findOne({ tokenHash, kind, usedAt: null, expiresAt: { $gt: now } });
      return doc ? toAuthTokenRecord(doc) : null;
    },

    async consume(kind, tokenHash, now) {
      const doc = await tokens.findOneAndUpdate(
        { tokenHash, kind, usedAt: null, expiresAt: { $gt: now } },
        { $set: { usedAt: now } },
        { returnDocument: 'after' },
      );
      return doc ? toAuthTokenRecord(doc) : null;
    },

    async retireAll(userId, now, kind) {
      const owner = objectIdOf(userId);
      if (!owner) return;
      await tokens.updateMany({ userId: owner, usedAt: null, ...(kind ? { kind } : {}) }, { $set: { usedAt: now } });
    },

    async purgeExpired(before, exceptUserIds = []) {
      const result = await tokens.deleteMany({ expiresAt: { $lt: before }, ...exceptUsers(exceptUserIds) });
      return result.deletedCount;
    },

    retention(cutoff, exceptUserIds) {
      return deletionTarget(tokens, {
        $or: [{ expiresAt: { $lt: cutoff } }, { usedAt: { $lt: cutoff } }],
        ...exceptUsers(exceptUserIds),
      });
    },
  };
}
