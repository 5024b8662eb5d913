import { DomainError, normalizeEmail, type Role } from '@seed-pms/domain';
import { type Collection, MongoServerError, type WithId } from 'mongodb';
import { newId } from '../ids.js';
import { initialVersion } from '../versioning.js';
import type { UserDoc } from './user.doc.js';

export interface NewUser {
  email: string;
  name: string;
  roles: Role[];
  passwordHash: string | null;
  mustChangePassword: boolean;
}

/** Inserts a user; the unique index on the normalised email turns a duplicate into 409 ALREADY_EXISTS. */
export async function insertUser(users: Collection<UserDoc>, user: NewUser, now: Date): Promise<WithId<UserDoc>> {
  const doc: UserDoc = {
    _id: newId(),
    email: user.email.trim(),
    emailKey: normalizeEmail(user.email),
    name: user.name,
    roles: user.roles,
    status: 'active',
    passwordHash: user.passwordHash,
    mustChangePassword: user.mustChangePassword,
    ...initialVersion(now),
  };
  try {
    await users.insertOne(doc);
  } catch (error) {
    if (error instanceof MongoServerError && error.code === 11000) {
      throw new DomainError('ALREADY_EXISTS', 'A user with this email already exists', { field: 'email' });
    }
    throw error;
  }
  return doc;
}

export function findUserByEmail(users: Collection<UserDoc>, email: string): Promise<WithId<UserDoc> | null> {
  return users.findOne({ emailKey: normalizeEmail(email) });
}

export function countUsers(users: Collection<UserDoc>): Promise<number> {
  return users.estimatedDocumentCount();
}
