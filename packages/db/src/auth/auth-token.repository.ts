import type { Collection, ObjectId, WithId } from 'mongodb';
import { newId } from '../ids.js';
import type { AuthTokenDoc, AuthTokenKind } from './session.doc.js';

/** Stores a new token and retires the user's earlier unused ones of the same kind. */
export async function issueAuthToken(
  tokens: Collection<AuthTokenDoc>,
  token: { kind: AuthTokenKind; userId: ObjectId; tokenHash: string; expiresAt: Date; createdBy: ObjectId | null },
  now: Date,
): Promise<WithId<AuthTokenDoc>> {
  await tokens.updateMany({ userId: token.userId, kind: token.kind, usedAt: null }, { $set: { usedAt: now } });
  const doc: AuthTokenDoc = { _id: newId(), ...token, createdAt: now, usedAt: null };
  await tokens.insertOne(doc);
  return doc;
}

/** Uses a token once: one conditional write, so two concurrent uses cannot both succeed. */
export function consumeAuthToken(
  tokens: Collection<AuthTokenDoc>,
  kind: AuthTokenKind,
  tokenHash: string,
  now: Date,
): Promise<WithId<AuthTokenDoc> | null> {
  return tokens.findOneAndUpdate(
    { tokenHash, kind, usedAt: null, expiresAt: { $gt: now } },
    { $set: { usedAt: now } },
    { returnDocument: 'after' },
  );
}

export async function retireAuthTokens(
  tokens: Collection<AuthTokenDoc>,
  userId: ObjectId,
  now: Date,
  kind?: AuthTokenKind,
): Promise<void> {
  await tokens.updateMany({ userId, usedAt: null, ...(kind ? { kind } : {}) }, { $set: { usedAt: now } });
}

export async function purgeAuthTokens(tokens: Collection<AuthTokenDoc>, before: Date): Promise<number> {
  const result = await tokens.deleteMany({ expiresAt: { $lt: before } });
  return result.deletedCount;
}
