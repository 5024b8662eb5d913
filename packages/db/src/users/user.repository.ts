import {
  DomainError,
  isDomainError,
  type ListUsersQuery,
  mfaAlreadyEnabled,
  mfaEnrolmentChanged,
  mfaNotEnabled,
  normalizeEmail,
  type Page,
  passwordAlreadySet,
  type Role,
  searchTermsOf,
  type UserRecord,
  type UserView,
  userArchived,
  userNotArchived,
} from '@seed-pms/domain';
import type { Collection, Filter, Sort, UpdateFilter } from 'mongodb';
import type { EmployeeDoc } from '../employees/employee.doc.js';
import type { insertAccount, syncEmployeeIdentity } from '../employees/employee.repository.js';
import { isDuplicateKey } from '../errors.js';
import { allOf } from '../filters.js';
import { objectIdOf, objectIdsOf } from '../ids.js';
import { findByIds } from '../lookups.js';
import { findPage } from '../pagination.js';
import { escapeRegex } from '../regex.js';
import { listSealedValues, replaceSealedValue, type SealedValue } from '../sealed-values.js';
import { repairSearchKeys } from '../search-keys.js';
import { updateVersioned } from '../versioning.js';
import type { UserDoc } from './user.doc.js';
import { duplicateEmail, findUserByEmail, type NewUser, nameKeyOf, userSearchKeys } from './user.insert.js';
import { toUserMfaDoc, toUserRecord, toUserView } from './user.mapper.js';

/** Runs a write that may change the email; a clash on the unique index becomes 409 ALREADY_EXISTS. */
async function withUniqueEmail<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isDuplicateKey(error)) throw duplicateEmail();
    throw error;
  }
}

const SORTS: Record<ListUsersQuery['sort'], Sort> = {
  createdAt: { createdAt: 1, _id: 1 },
  '-createdAt': { createdAt: -1, _id: -1 },
  name: { nameKey: 1, _id: 1 },
  '-name': { nameKey: -1, _id: -1 },
  email: { emailKey: 1, _id: 1 },
  '-email': { emailKey: -1, _id: -1 },
};

/** What an administrator may change on an account (the version is checked separately). */
export interface UserChanges {
  name?: string | undefined;
  email?: string | undefined;
  roles?: Role[] | undefined;
}

/** Which sealed MFA secret: the confirmed one or the one being enrolled. */
export type SealedMfaField = 'secret' | 'pendingSecret';

/** A confirmed MFA enrolment: the secret that was pending, new recovery codes, the step of the confirming code. */
export interface MfaActivation {
  secret: string;
  recoveryCodeHashes: string[];
  lastUsedStep: number;
}

/**
 * Accounts' storage: string ids, records and views in and out.
 *
 * Versioned changes. Every change of what an account is or may do — profile
 * fields, roles, status, password, MFA (enrolment, activation, recovery codes,
 * a recovery code used up) and the lock mirror — goes through
 * `updateVersioned` at the version the caller read: it bumps the version, so
 * an administrator's edit based on an older read answers 409
 * VERSION_CONFLICT, and a use case that loses such a race reloads and decides
 * again (the auth and users services do). Extra guards sit in the same write
 * (`where`) and answer their own codes.
 *
 * Bookkeeping. Two writes do not bump the version, on purpose: the time of the
 * last sign-in (`recordLogin`) and the time step of the last TOTP code accepted
 * (`useTotpStep`). They change nothing anyone edits or decides on, happen on
 * every sign-in, and must not make a concurrent edit fail; each is one
 * single-document write (the step one guarded on the step only growing).
 */
export interface UserRepository {
  /** The account, or null when there is none (a malformed id names none). */
  get(id: string): Promise<UserRecord | null>;
  /** The account with this email, any case or spacing. */
  byEmail(email: string): Promise<UserRecord | null>;
  /** Accounts matching the filters, a page at a time (prefix search on name and email). */
  list(query: ListUsersQuery): Promise<Page<UserView>>;
  /** About how many accounts there are (an estimate: cheap, for start-up messages). */
  count(): Promise<number>;
  /** Archived accounts and when each was archived (null for accounts archived before that was kept). */
  archived(): Promise<{ id: string; archivedAt: Date | null }[]>;
  /**
   * Gives accounts the search keys their name and email give today (accounts
   * stored before the keys existed or before accents were folded). Derived
   * data: neither the version nor updatedAt moves. Returns how many changed.
   */
  repairSearchKeys(): Promise<number>;

  /**
   * Creates an account and its employee profile (the people area's
   * insertAccount: the profile right after the account, removed again if that
   * fails). 409 ALREADY_EXISTS on a taken email.
   */
  insertAccount(user: NewUser, now: Date, profile?: Partial<Omit<EmployeeDoc, '_id'>>): Promise<UserRecord>;
  /** Copies the account's name, email and status onto its profile (a newer account version wins there). */
  copyToProfile(user: UserRecord, now: Date): Promise<void>;

  /** Name, email and roles, at `expectedVersion`; 409 ALREADY_EXISTS on a taken email. */
  update(user: UserRecord, expectedVersion: number, changes: UserChanges, now: Date): Promise<UserRecord>;
  /** Archives an active account (422 USER_ARCHIVED when it is archived already). */
  archive(user: UserRecord, archive: { by: string; reason: string }, now: Date): Promise<UserRecord>;
  /** Restores an archived account (422 USER_NOT_ARCHIVED otherwise). */
  restore(user: UserRecord, now: Date): Promise<UserRecord>;
  /**
   * A new password hash; also lifts the lock mirror. At the version read, so a
   * password changed meanwhile makes it 409 VERSION_CONFLICT (the caller
   * confirms again on the reloaded account).
   */
  setPassword(
    user: UserRecord,
    password: { passwordHash: string; mustChangePassword: boolean },
    now: Date,
  ): Promise<UserRecord>;
  /** Stamps an invite on an account that has no password (422 PASSWORD_ALREADY_SET otherwise). */
  markInvited(user: UserRecord, now: Date): Promise<UserRecord>;
  /** The lock mirror: the lockout's end on the account (null: unlocked), for the per-request check. */
  setLock(user: UserRecord, lockedUntil: Date | null, now: Date): Promise<UserRecord>;

  /** Starts (or restarts) an enrolment with a sealed secret; 422 MFA_ALREADY_ENABLED while MFA is on. */
  startMfaEnrolment(user: UserRecord, pendingSecret: string, now: Date): Promise<UserRecord>;
  /**
   * Turns MFA on with the pending secret, only while that secret is still the
   * pending one (409 MFA_ENROLMENT_CHANGED otherwise).
   */
  enableMfa(user: UserRecord, activation: MfaActivation, now: Date): Promise<UserRecord>;
  /** Turns MFA off (422 MFA_NOT_ENABLED when it is off). */
  disableMfa(user: UserRecord, now: Date): Promise<UserRecord>;
  /** Replaces the recovery codes (422 MFA_NOT_ENABLED when MFA is off). */
  replaceRecoveryCodes(user: UserRecord, recoveryCodeHashes: string[], now: Date): Promise<UserRecord>;
  /**
   * Uses up a recovery code: a versioned change of the MFA state, guarded on
   * the code still being there. False when it is not (used meanwhile, or MFA
   * turned off); 409 VERSION_CONFLICT when something else changed first.
   */
  useRecoveryCode(user: UserRecord, codeHash: string, now: Date): Promise<boolean>;

  /**
   * Bookkeeping, not versioned: records that a TOTP time step was used, only
   * if it is later than the last one and MFA is still on with the secret the
   * code was checked against. False when another request used this step (or a
   * later one) first: a code is accepted once, even concurrently.
   */
  useTotpStep(id: string, secret: string, step: number): Promise<boolean>;
  /** Bookkeeping, not versioned: the time of the last sign-in. */
  recordLogin(id: string, now: Date): Promise<void>;
  /**
   * Sealed MFA secrets (`secret`: confirmed, `pendingSecret`: being enrolled)
   * of accounts after `afterId`, in id order, `limit` at most: what a key
   * rotation re-seals.
   */
  sealedMfaSecrets(which: SealedMfaField, afterId: string | null, limit: number): Promise<SealedValue[]>;
  /**
   * The same secret sealed under another key, only while the stored one is
   * still `from` (false otherwise). For `secret` bookkeeping, not versioned
   * (sign-ins guard on the sealed secret and check again on a mismatch). For
   * `pendingSecret` the version moves, so a confirmation that read the old
   * value reloads (VERSION_CONFLICT) instead of storing it as the secret.
   */
  replaceSealedMfaSecret(which: SealedMfaField, id: string, from: string, to: string): Promise<boolean>;
  /**
   * Roles and status of these people and of every active holder of one of
   * `roles` (held directly or, for hierarchy roles, by one above): who an
   * approval stage may ask.
   */
  candidates(ids: readonly string[], roles: readonly Role[]): Promise<Map<string, { roles: Role[]; active: boolean }>>;
}

/**
 * The people area's functions that keep an account's profile with it
 * (employees/employee.repository.ts). repositories.ts passes them in, so the
 * two repositories do not import each other.
 */
export interface AccountProfiles {
  insertAccount: typeof insertAccount;
  syncEmployeeIdentity: typeof syncEmployeeIdentity;
}

export function createUserRepository(
  collections: { users: Collection<UserDoc>; employees: Collection<EmployeeDoc> },
  profiles: AccountProfiles,
): UserRepository {
  const { users, employees } = collections;
  const idOf = (user: Pick<UserRecord, 'id'>) => {
    const _id = objectIdOf(user.id);
    if (!_id) throw new DomainError('NOT_FOUND', 'User not found', { resource: 'User', id: user.id });
    return _id;
  };

  /**
   * The one way an account changes: at `expectedVersion`, guarded by `where`;
   * a guard that did not hold answers `guardError` (instead of INVALID_STATE).
   */
  async function change(
    user: UserRecord,
    expectedVersion: number,
    update: UpdateFilter<UserDoc>,
    options: { where?: Filter<UserDoc>; guardError?: () => DomainError; now: Date },
  ): Promise<UserRecord> {
    const updated = await updateVersioned(users, idOf(user), expectedVersion, update, {
      resource: 'User',
      now: options.now,
      ...(options.where ? { where: options.where } : {}),
      ...(options.guardError ? { guardError: options.guardError } : {}),
    });
    return toUserRecord(updated);
  }

  return {
    async candidates(ids, roles) {
      const projection = { roles: 1, status: 1 };
      const [named, holders] = await Promise.all([
        findByIds(users, objectIdsOf(ids), projection),
        roles.length === 0
          ? []
          : users.find({ status: 'active', roles: { $in: [...roles] } }, { projection }).toArray(),
      ]);
      const found = new Map<string, { roles: Role[]; active: boolean }>();
      for (const doc of [...named.values(), ...holders]) {
        found.set(doc._id.toHexString(), { roles: doc.roles, active: doc.status === 'active' });
      }
      return found;
    },
    async get(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await users.findOne({ _id }) : null;
      return doc ? toUserRecord(doc) : null;
    },

    async byEmail(email) {
      const doc = await findUserByEmail(users, email);
      return doc ? toUserRecord(doc) : null;
    },

    list(query) {
      const clauses: Filter<UserDoc>[] = [];
      if (query.status) clauses.push({ status: query.status });
      if (query.role) clauses.push({ roles: query.role });
      for (const term of query.q ? searchTermsOf(query.q) : []) {
        clauses.push({ searchKeys: new RegExp(`^${escapeRegex(term)}`) });
      }
      const filter = allOf(clauses);
      return findPage(users, filter, { page: query.page, limit: query.limit, sort: SORTS[query.sort] }, toUserView);
    },

    count: () => users.estimatedDocumentCount(),

    repairSearchKeys: () => repairSearchKeys(users, ['name', 'email'], (doc) => userSearchKeys(doc.name, doc.email)),

    async archived() {
      const docs = await users.find({ status: 'archived' }, { projection: { archivedAt: 1 } }).toArray();
      return docs.map((doc) => ({ id: doc._id.toHexString(), archivedAt: doc.archivedAt ?? null }));
    },

    async insertAccount(user, now, profile) {
      return toUserRecord(await profiles.insertAccount(users, employees, user, now, profile));
    },

    async copyToProfile(user, now) {
      await profiles.syncEmployeeIdentity(
        employees,
        { _id: idOf(user), name: user.name, email: user.email, status: user.status, version: user.version },
        now,
      );
    },

    update(user, expectedVersion, changes, now) {
      const set: Partial<UserDoc> = {};
      if (changes.name !== undefined && changes.name !== user.name) {
        set.name = changes.name;
        set.nameKey = nameKeyOf(changes.name);
      }
      if (changes.email !== undefined && normalizeEmail(changes.email) !== user.emailKey) {
        set.email = changes.email;
        set.emailKey = normalizeEmail(changes.email);
      }
      if (set.name !== undefined || set.email !== undefined) {
        set.searchKeys = userSearchKeys(set.name ?? user.name, set.email ?? user.email);
      }
      if (changes.roles !== undefined) set.roles = changes.roles;
      return withUniqueEmail(() => change(user, expectedVersion, { $set: set }, { now }));
    },

    archive(user, archive, now) {
      const by = objectIdOf(archive.by);
      return change(
        user,
        user.version,
        { $set: { status: 'archived', archivedAt: now, archivedBy: by, archiveReason: archive.reason } },
        { where: { status: 'active' }, guardError: () => userArchived(user, 'The user is already archived'), now },
      );
    },

    restore(user, now) {
      return change(
        user,
        user.version,
        { $set: { status: 'active', archivedAt: null, archivedBy: null, archiveReason: null } },
        { where: { status: 'archived' }, guardError: () => userNotArchived(user), now },
      );
    },

    setPassword(user, password, now) {
      return change(
        user,
        user.version,
        {
          $set: {
            passwordHash: password.passwordHash,
            mustChangePassword: password.mustChangePassword,
            passwordChangedAt: now,
            lockedUntil: null,
          },
        },
        { now },
      );
    },

    markInvited(user, now) {
      return change(
        user,
        user.version,
        { $set: { invitedAt: now } },
        {
          where: { status: 'active', passwordHash: null },
          guardError: () => (user.status === 'active' ? passwordAlreadySet(user) : userArchived(user)),
          now,
        },
      );
    },

    setLock(user, lockedUntil, now) {
      return change(user, user.version, { $set: { lockedUntil } }, { now });
    },

    startMfaEnrolment(user, pendingSecret, now) {
      const mfa = toUserMfaDoc({
        enabled: false,
        secret: null,
        pendingSecret,
        recoveryCodeHashes: [],
        enabledAt: null,
        lastUsedStep: null,
      });
      return change(
        user,
        user.version,
        { $set: { mfa } },
        { where: { 'mfa.enabled': { $ne: true } }, guardError: mfaAlreadyEnabled, now },
      );
    },

    enableMfa(user, activation, now) {
      const mfa = toUserMfaDoc({
        enabled: true,
        secret: activation.secret,
        pendingSecret: null,
        recoveryCodeHashes: activation.recoveryCodeHashes,
        enabledAt: now,
        lastUsedStep: activation.lastUsedStep,
      });
      return change(
        user,
        user.version,
        { $set: { mfa } },
        {
          where: { 'mfa.pendingSecret': activation.secret, 'mfa.enabled': false },
          guardError: mfaEnrolmentChanged,
          now,
        },
      );
    },

    disableMfa(user, now) {
      return change(
        user,
        user.version,
        { $set: { mfa: null } },
        { where: { 'mfa.enabled': true }, guardError: mfaNotEnabled, now },
      );
    },

    replaceRecoveryCodes(user, recoveryCodeHashes, now) {
      return change(
        user,
        user.version,
        { $set: { 'mfa.recoveryCodeHashes': recoveryCodeHashes } },
        { where: { 'mfa.enabled': true }, guardError: mfaNotEnabled, now },
      );
    },

    async useRecoveryCode(user, codeHash, now) {
      try {
        await change(
          user,
          user.version,
          { $pull: { 'mfa.recoveryCodeHashes': codeHash } },
          { where: { 'mfa.enabled': true, 'mfa.recoveryCodeHashes': codeHash }, now },
        );
        return true;
      } catch (error) {
        if (isDomainError(error) && (error.code === 'INVALID_STATE' || error.code === 'NOT_FOUND')) return false;
        throw error;
      }
    },

    async useTotpStep(id, secret, step) {
      const _id = objectIdOf(id);
      if (!_id) return false;
      const result = await users.updateOne(
        {
          _id,
          'mfa.enabled': true,
          'mfa.secret': secret,
          $or: [{ 'mfa.lastUsedStep': null }, { 'mfa.lastUsedStep': { $lt: step } }],
        },
        { $set: { 'mfa.lastUsedStep': step } },
      );
      return result.modifiedCount === 1;
    },

    async recordLogin(id, now) {
      const _id = objectIdOf(id);
      if (_id) await users.updateOne({ _id }, { $set: { lastLoginAt: now } });
    },

    sealedMfaSecrets: (which, afterId, limit) => listSealedValues(users, `mfa.${which}`, afterId, limit),

    async replaceSealedMfaSecret(which, id, from, to) {
      if (which === 'secret') return replaceSealedValue(users, 'mfa.secret', id, from, to);
      const _id = objectIdOf(id);
      if (!_id) return false;
      const result = await users.updateOne(
        { _id, 'mfa.pendingSecret': from },
        { $set: { 'mfa.pendingSecret': to }, $inc: { version: 1 } },
      );
      return result.modifiedCount === 1;
    },
  };
}
