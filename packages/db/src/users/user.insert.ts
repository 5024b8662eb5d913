import { DomainError, foldForSearch, normalizeEmail, type Role, searchWordsOf } from '@seed-pms/domain';
import type { Collection, WithId } from 'mongodb';
import { isDuplicateKey } from '../errors.js';
import { newId } from '../ids.js';
import { initialVersion } from '../versioning.js';
import type { UserDoc } from './user.doc.js';

/*
 * Writing a new account, shared by the users repository and the people area's
 * functions that write an account with its profile (employee.repository.ts),
 * so neither repository imports the other's writes.
 */

export interface NewUser {
  email: string;
  name: string;
  roles: Role[];
  passwordHash: string | null;
  mustChangePassword: boolean;
  invitedAt?: Date | null;
}

export function nameKeyOf(name: string): string {
  return name.trim().toLowerCase();
}

/** What an account search matches a prefix of: the name's words and the email, folded. */
export function userSearchKeys(name: string, email: string): string[] {
  return [...new Set([...searchWordsOf(name), foldForSearch(normalizeEmail(email))])];
}

export const duplicateEmail = () =>
  new DomainError('ALREADY_EXISTS', 'A user with this email already exists', { field: 'email' });

/** Inserts a user; the unique index on the normalised email turns a duplicate into 409 ALREADY_EXISTS. */
export async function insertUser(users: Collection<UserDoc>, user: NewUser, now: Date): Promise<WithId<UserDoc>> {
  const doc: UserDoc = {
    _id: newId(),
    email: user.email.trim(),
    emailKey: normalizeEmail(user.email),
    name: user.name.trim(),
    nameKey: nameKeyOf(user.name),
    searchKeys: userSearchKeys(user.name, user.email),
    roles: user.roles,
    status: 'active',
    passwordHash: user.passwordHash,
    mustChangePassword: user.mustChangePassword,
    passwordChangedAt: user.passwordHash ? now : null,
    mfa: null,
    lockedUntil: null,
    lastLoginAt: null,
    invitedAt: user.invitedAt ?? null,
    archivedAt: null,
    archivedBy: null,
    archiveReason: null,
    ...initialVersion(now),
  };
  try {
    await users.insertOne(doc);
  } catch (error) {
    if (isDuplicateKey(error)) throw duplicateEmail();
    throw error;
  }
  return doc;
}

export function findUserByEmail(users: Collection<UserDoc>, email: string): Promise<WithId<UserDoc> | null> {
  return users.findOne({ emailKey: normalizeEmail(email) });
}
