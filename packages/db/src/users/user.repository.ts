import {
  DomainError,
  type ListUsersQuery,
  normalizeEmail,
  type Page,
  type Role,
  type UserView,
} from '@seed-pms/domain';
import type { Collection, Filter, ObjectId, Sort, WithId } from 'mongodb';
import { isDuplicateKey } from '../errors.js';
import { newId } from '../ids.js';
import { findPage } from '../pagination.js';
import { escapeRegex } from '../regex.js';
import { initialVersion } from '../versioning.js';
import type { UserDoc } from './user.doc.js';

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

const duplicateEmail = () =>
  new DomainError('ALREADY_EXISTS', 'A user with this email already exists', { field: 'email' });

/** Inserts a user; the unique index on the normalised email turns a duplicate into 409 ALREADY_EXISTS. */
export async function insertUser(users: Collection<UserDoc>, user: NewUser, now: Date): Promise<WithId<UserDoc>> {
  const doc: UserDoc = {
    _id: newId(),
    email: user.email.trim(),
    emailKey: normalizeEmail(user.email),
    name: user.name.trim(),
    nameKey: nameKeyOf(user.name),
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

/** Runs a write that may change the email; a clash on the unique index becomes 409 ALREADY_EXISTS. */
export async function withUniqueEmail<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isDuplicateKey(error)) throw duplicateEmail();
    throw error;
  }
}

export function findUserByEmail(users: Collection<UserDoc>, email: string): Promise<WithId<UserDoc> | null> {
  return users.findOne({ emailKey: normalizeEmail(email) });
}

export function findUserById(users: Collection<UserDoc>, id: ObjectId): Promise<WithId<UserDoc> | null> {
  return users.findOne({ _id: id });
}

export function countUsers(users: Collection<UserDoc>): Promise<number> {
  return users.estimatedDocumentCount();
}

const SORTS: Record<ListUsersQuery['sort'], Sort> = {
  createdAt: { createdAt: 1, _id: 1 },
  '-createdAt': { createdAt: -1, _id: -1 },
  name: { nameKey: 1, _id: 1 },
  '-name': { nameKey: -1, _id: -1 },
  email: { emailKey: 1, _id: 1 },
  '-email': { emailKey: -1, _id: -1 },
};

/** Users matching the filters, a page at a time. Prefix search uses anchored, index-friendly regexes. */
export function listUsers(users: Collection<UserDoc>, query: ListUsersQuery): Promise<Page<UserView>> {
  const clauses: Filter<UserDoc>[] = [];
  if (query.status) clauses.push({ status: query.status });
  if (query.role) clauses.push({ roles: query.role });
  if (query.q) {
    const prefix = new RegExp(`^${escapeRegex(query.q.toLowerCase())}`);
    clauses.push({ $or: [{ emailKey: prefix }, { nameKey: prefix }] });
  }
  const filter: Filter<UserDoc> = clauses.length ? { $and: clauses } : {};
  return findPage(users, filter, { page: query.page, limit: query.limit, sort: SORTS[query.sort] }, toUserView);
}

const iso = (date: Date | null | undefined) => (date ? date.toISOString() : null);

export function toUserView(doc: WithId<UserDoc>): UserView {
  return {
    id: doc._id.toHexString(),
    email: doc.email,
    name: doc.name,
    roles: doc.roles,
    status: doc.status,
    hasPassword: doc.passwordHash !== null,
    mustChangePassword: doc.mustChangePassword,
    mfaEnabled: doc.mfa?.enabled === true,
    lockedUntil: iso(doc.lockedUntil),
    lastLoginAt: iso(doc.lastLoginAt),
    invitedAt: iso(doc.invitedAt),
    archivedAt: iso(doc.archivedAt),
    archivedBy: doc.archivedBy ? doc.archivedBy.toHexString() : null,
    archiveReason: doc.archiveReason ?? null,
    version: doc.version,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

/**
 * Accounts' storage: string ids, records and views in and out. The identity
 * area adds its use cases' reads and guarded writes here.
 */
export interface UserRepository {
  /** Archived accounts and when each was archived (null for accounts archived before that was kept). */
  archived(): Promise<{ id: string; archivedAt: Date | null }[]>;
}

export function createUserRepository(collections: { users: Collection<UserDoc> }): UserRepository {
  const { users } = collections;
  return {
    async archived() {
      const docs = await users.find({ status: 'archived' }, { projection: { archivedAt: 1 } }).toArray();
      return docs.map((doc) => ({ id: doc._id.toHexString(), archivedAt: doc.archivedAt ?? null }));
    },
  };
}
