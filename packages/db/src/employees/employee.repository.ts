import {
  type CapacityFlag,
  type ListEmployeesQuery,
  MAX_REPORTING_DEPTH,
  normalizeEmail,
  searchKeysOf,
  searchTermsOf,
  type UserStatus,
} from '@seed-pms/domain';
import type { Collection, Filter, ObjectId, Sort, WithId } from 'mongodb';
import { isDuplicateKey } from '../errors.js';
import { objectIdOf, objectIdsOf } from '../ids.js';
import { findByIds } from '../lookups.js';
import { escapeRegex } from '../regex.js';
import type { UserDoc } from '../users/user.doc.js';
import { insertUser, type NewUser } from '../users/user.repository.js';
import { initialVersion } from '../versioning.js';
import type { EmployeeDoc } from './employee.doc.js';

/** The account fields a profile copies, and the account version they were copied at (1 when not given). */
export type ProfileIdentity = Pick<UserDoc, '_id' | 'name' | 'email' | 'status'> & { version?: number };

export function identityFields(user: Omit<ProfileIdentity, '_id'>) {
  return {
    name: user.name,
    nameKey: user.name.trim().toLowerCase(),
    email: user.email,
    searchKeys: searchKeysOf(user.name, normalizeEmail(user.email)),
    status: user.status,
    accountVersion: user.version ?? 1,
  } satisfies Partial<EmployeeDoc>;
}

export function newEmployeeDoc(
  user: ProfileIdentity,
  now: Date,
  fields: Partial<Omit<EmployeeDoc, '_id'>> = {},
): EmployeeDoc {
  return {
    _id: user._id,
    ...identityFields(user),
    designationId: null,
    department: null,
    departmentKey: null,
    managerId: null,
    joinDate: null,
    workLocation: null,
    skills: [],
    skillIds: [],
    hobbyIds: [],
    bio: '',
    contact: {},
    personal: null,
    image: null,
    capacity: { allocationPercent: 0, overAllocated: false, updatedAt: null },
    ...initialVersion(now),
    ...fields,
  };
}

/**
 * Creates the profile of a new account; a profile that already exists (a
 * repeated call, or the startup repair got there first) is left as it is.
 */
export async function insertEmployeeProfile(
  employees: Collection<EmployeeDoc>,
  user: ProfileIdentity,
  now: Date,
  fields: Partial<Omit<EmployeeDoc, '_id'>> = {},
): Promise<void> {
  try {
    await employees.insertOne(newEmployeeDoc(user, now, fields));
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
}

/**
 * Copies the account's name, email and status onto the profile, unless the
 * profile already holds a copy from a later account version: of two changes
 * racing, the account's newest state wins on the profile too.
 */
export async function syncEmployeeIdentity(
  employees: Collection<EmployeeDoc>,
  user: ProfileIdentity & { version: number },
  now: Date,
): Promise<void> {
  await employees.updateOne(
    { _id: user._id, $or: [{ accountVersion: { $lt: user.version } }, { accountVersion: { $exists: false } }] },
    { $set: { ...identityFields(user), updatedAt: now } },
  );
}

/**
 * Gives every account without a profile one, and brings copied account fields
 * up to date. Runs at startup: it repairs a crash between writing an account
 * and its profile. Returns how many profiles it created or fixed.
 */
export async function repairEmployeeProfiles(
  users: Collection<UserDoc>,
  employees: Collection<EmployeeDoc>,
  now: Date,
): Promise<number> {
  const profiles = new Map<string, Pick<EmployeeDoc, 'name' | 'email' | 'status' | 'accountVersion'>>();
  const cursor = employees.find({}, { projection: { name: 1, email: 1, status: 1, accountVersion: 1 } });
  for await (const doc of cursor) profiles.set(doc._id.toHexString(), doc);
  let repaired = 0;
  const accounts = users.find({}, { projection: { name: 1, email: 1, status: 1, version: 1 } });
  for await (const user of accounts) {
    const profile = profiles.get(user._id.toHexString());
    if (!profile) {
      await insertEmployeeProfile(employees, user, now);
      repaired += 1;
    } else if (
      profile.name !== user.name ||
      profile.email !== user.email ||
      profile.status !== user.status ||
      (profile.accountVersion ?? 0) < user.version
    ) {
      await syncEmployeeIdentity(employees, user, now);
      repaired += 1;
    }
  }
  return repaired;
}

/**
 * The managers above `managerId`, nearest first, starting with that person's
 * own manager. Stops at MAX_REPORTING_DEPTH, and at a loop in stored data.
 */
export async function managerChainAbove(
  employees: Collection<EmployeeDoc>,
  managerId: ObjectId | null,
): Promise<ObjectId[]> {
  const chain: ObjectId[] = [];
  const seen = new Set<string>();
  let next = managerId;
  while (next && chain.length < MAX_REPORTING_DEPTH && !seen.has(next.toHexString())) {
    seen.add(next.toHexString());
    const doc = await employees.findOne({ _id: next }, { projection: { managerId: 1 } });
    if (!doc?.managerId) break;
    chain.push(doc.managerId);
    next = doc.managerId;
  }
  return chain;
}

/** The filter of a directory query, with ids and names already resolved. */
export interface DirectoryFilter {
  status: UserStatus | 'all';
  skillIds?: ObjectId[];
  designationId?: ObjectId | null;
  departmentKey?: string;
  managerId?: ObjectId;
  q?: string;
}

const SORTS: Record<ListEmployeesQuery['sort'], Sort> = {
  name: { nameKey: 1, _id: 1 },
  '-name': { nameKey: -1, _id: -1 },
  joinDate: { joinDate: 1, _id: 1 },
  '-joinDate': { joinDate: -1, _id: -1 },
  createdAt: { createdAt: 1, _id: 1 },
  '-createdAt': { createdAt: -1, _id: -1 },
};

export function directoryQuery(filter: DirectoryFilter): Filter<EmployeeDoc> {
  const clauses: Filter<EmployeeDoc>[] = [];
  if (filter.status !== 'all') clauses.push({ status: filter.status });
  if (filter.skillIds?.length) clauses.push({ skillIds: { $all: filter.skillIds } });
  if (filter.designationId !== undefined) clauses.push({ designationId: filter.designationId });
  if (filter.departmentKey !== undefined) clauses.push({ departmentKey: filter.departmentKey });
  if (filter.managerId) clauses.push({ managerId: filter.managerId });
  for (const term of filter.q ? searchTermsOf(filter.q) : []) {
    clauses.push({ searchKeys: new RegExp(`^${escapeRegex(term)}`) });
  }
  return clauses.length === 0 ? {} : clauses.length === 1 ? (clauses[0] as Filter<EmployeeDoc>) : { $and: clauses };
}

export function directorySort(sort: ListEmployeesQuery['sort']): Sort {
  return SORTS[sort];
}

export function departmentKeyOf(department: string | null): string | null {
  return department === null ? null : department.trim().replace(/\s+/g, ' ').toLowerCase();
}

export function findEmployee(employees: Collection<EmployeeDoc>, id: ObjectId): Promise<WithId<EmployeeDoc> | null> {
  return employees.findOne({ _id: id });
}

/**
 * Creates an account and its profile. The profile is written right after the
 * account; if that fails the account is removed again, and a crash in between
 * is repaired at the next start (repairEmployeeProfiles).
 */
export async function insertAccount(
  users: Collection<UserDoc>,
  employees: Collection<EmployeeDoc>,
  user: NewUser,
  now: Date,
  profile: Partial<Omit<EmployeeDoc, '_id'>> = {},
): Promise<WithId<UserDoc>> {
  const created = await insertUser(users, user, now);
  try {
    await insertEmployeeProfile(employees, created, now, profile);
  } catch (error) {
    await users.deleteOne({ _id: created._id });
    throw error;
  }
  return created;
}

/** Who a person is, as other areas show them next to their records (rosters, comments, reports). */
export interface PersonCard {
  id: string;
  name: string;
  email: string;
  status: UserStatus;
  /** The over-allocation halo. */
  capacity: CapacityFlag;
}

/**
 * Profiles' storage: string ids, records and views in and out. The people
 * area adds its profile use cases here; other areas read people through the
 * cards and the projects area keeps the halo with setCapacityFlag.
 */
export interface EmployeeRepository {
  /** People by id (name, email, status, halo); unknown ids are absent. One `_id` read each. */
  cards(ids: readonly string[]): Promise<Map<string, PersonCard>>;
  /** Active people, optionally of one department (any case or spacing), by name: the capacity report's rows. */
  listActive(filter: {
    department?: string | undefined;
  }): Promise<{ id: string; name: string; department: string | null }[]>;
  /** Every profile's halo, by id. */
  capacityFlags(): Promise<Map<string, CapacityFlag>>;
  /**
   * Writes the halo computed from ledger version `ledgerVersion`. A flag
   * computed from an older ledger never overwrites one from a newer ledger;
   * the same version may be written again (days pass, the flag moves).
   * Returns whether the profile changed.
   */
  setCapacityFlag(id: string, flag: CapacityFlag, ledgerVersion: number, now: Date): Promise<boolean>;
}

export function createEmployeeRepository(collections: { employees: Collection<EmployeeDoc> }): EmployeeRepository {
  const { employees } = collections;
  const flagOf = (doc: Pick<EmployeeDoc, 'capacity'>): CapacityFlag => ({
    allocationPercent: doc.capacity.allocationPercent,
    overAllocated: doc.capacity.overAllocated,
  });
  return {
    async cards(ids) {
      const found = await findByIds(employees, objectIdsOf(ids), { name: 1, email: 1, status: 1, capacity: 1 });
      return new Map(
        [...found].map(([id, doc]) => [
          id,
          { id, name: doc.name, email: doc.email, status: doc.status, capacity: flagOf(doc) },
        ]),
      );
    },
    async listActive(filter) {
      const departmentKey = filter.department ? departmentKeyOf(filter.department) : undefined;
      const docs = await employees
        .find(
          { status: 'active', ...(departmentKey ? { departmentKey } : {}) },
          { projection: { name: 1, department: 1 } },
        )
        .sort({ nameKey: 1, _id: 1 })
        .toArray();
      return docs.map((doc) => ({ id: doc._id.toHexString(), name: doc.name, department: doc.department ?? null }));
    },
    async capacityFlags() {
      const flags = new Map<string, CapacityFlag>();
      for await (const doc of employees.find({}, { projection: { capacity: 1 } })) {
        flags.set(doc._id.toHexString(), flagOf(doc));
      }
      return flags;
    },
    async setCapacityFlag(id, flag, ledgerVersion, now) {
      const _id = objectIdOf(id);
      if (!_id) return false;
      const result = await employees.updateOne(
        {
          _id,
          $or: [
            { 'capacity.ledgerVersion': { $lte: ledgerVersion } },
            { 'capacity.ledgerVersion': { $exists: false } },
          ],
        },
        { $set: { capacity: { ...flag, updatedAt: now, ledgerVersion } } },
      );
      return result.modifiedCount > 0;
    },
  };
}
