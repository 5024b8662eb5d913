import {
  type CapacityFlag,
  directorySearchTermsOf,
  type EmployeeDirectoryQuery,
  type EmployeeDirectoryRecord,
  type EmployeeImageRecord,
  type EmployeeRecord,
  type EmployeeStoredChanges,
  MAX_REPORTING_DEPTH,
  type NewEmployeeProfile,
  normalizeEmail,
  type Page,
  type ReportingLineRecord,
  searchKeysOf,
  type UserStatus,
  type WorkLocation,
} from '@seed-pms/domain';
import type { Collection, Filter, ObjectId, Sort, WithId } from 'mongodb';
import type { Collections } from '../connection.js';
import { isDuplicateKey } from '../errors.js';
import { allOf } from '../filters.js';
import { objectIdOf, objectIdsOf } from '../ids.js';
import { findByIds } from '../lookups.js';
import { findPage } from '../pagination.js';
import { escapeRegex } from '../regex.js';
import { listSealedValues, replaceSealedValue, type SealedValue } from '../sealed-values.js';
import type { UserDoc } from '../users/user.doc.js';
import { insertUser, type NewUser, nameKeyOf, userSearchKeys } from '../users/user.insert.js';
import { initialVersion, updateVersioned } from '../versioning.js';
import type { EmployeeDoc } from './employee.doc.js';
import {
  capacityFlagOfDoc,
  DIRECTORY_PROJECTION,
  departmentKeyOf,
  type EmployeeDirectoryDoc,
  toEmployeeDirectoryRecord,
  toEmployeeDocChanges,
  toEmployeeImageDoc,
  toEmployeeRecord,
} from './employee.mapper.js';

/** The directory's search keys of a name and an email (folded: see searchKeysOf). */
function profileSearchKeys(name: string, email: string): string[] {
  return searchKeysOf(name, normalizeEmail(email));
}

/** The account fields a profile copies, and the account version they were copied at (1 when not given). */
export type ProfileIdentity = Pick<UserDoc, '_id' | 'name' | 'email' | 'status'> & { version?: number };

function identityFields(user: Omit<ProfileIdentity, '_id'>) {
  return {
    name: user.name,
    nameKey: user.name.trim().toLowerCase(),
    email: user.email,
    searchKeys: profileSearchKeys(user.name, user.email),
    status: user.status,
    accountVersion: user.version ?? 1,
  } satisfies Partial<EmployeeDoc>;
}

function newEmployeeDoc(user: ProfileIdentity, now: Date, fields: Partial<Omit<EmployeeDoc, '_id'>> = {}): EmployeeDoc {
  return {
    _id: user._id,
    ...identityFields(user),
    designationId: null,
    department: null,
    departmentKey: null,
    managerId: null,
    joinDate: null,
    workingHoursPerDay: null,
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
async function insertEmployeeProfile(
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
 * Gives every account without a profile one, brings copied account fields up
 * to date, and re-derives search keys written by an older rule (accents were
 * not folded before). Runs in the background at start-up and daily: it repairs
 * a crash between writing an account and its profile, and makes profiles
 * stored with old keys findable without a manual step. Returns how many
 * profiles it created or fixed.
 */
export async function repairEmployeeProfiles(
  users: Collection<UserDoc>,
  employees: Collection<EmployeeDoc>,
  now: Date,
): Promise<number> {
  const profiles = new Map<
    string,
    Pick<WithId<EmployeeDoc>, '_id' | 'name' | 'email' | 'status' | 'accountVersion' | 'searchKeys'>
  >();
  const cursor = employees.find({}, { projection: { name: 1, email: 1, status: 1, accountVersion: 1, searchKeys: 1 } });
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
    } else if (!sameKeys(profile.searchKeys, profileSearchKeys(profile.name, profile.email))) {
      await refreshSearchKeys(employees, profile);
      repaired += 1;
    }
  }
  return repaired;
}

function sameKeys(stored: readonly string[] | undefined, wanted: readonly string[]): boolean {
  return stored !== undefined && stored.length === wanted.length && stored.every((key, i) => key === wanted[i]);
}

/**
 * Writes the search keys of a profile's own name and email. The write is by
 * `_id` alone (on FerretDB anything more is a scan of the collection, and this
 * runs for every profile stored under an old rule), so it is checked after:
 * an identity copy that slipped in between brought a new name with its own
 * keys, and the keys are written again from what is stored now. Search keys
 * are derived data: this changes neither the version nor `updatedAt`.
 */
async function refreshSearchKeys(
  employees: Collection<EmployeeDoc>,
  profile: Pick<WithId<EmployeeDoc>, '_id' | 'name' | 'email'>,
): Promise<void> {
  let seen: Pick<EmployeeDoc, 'name' | 'email'> = profile;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    await employees.updateOne({ _id: profile._id }, { $set: { searchKeys: profileSearchKeys(seen.name, seen.email) } });
    const stored = await employees.findOne({ _id: profile._id }, { projection: { name: 1, email: 1 } });
    if (!stored || (stored.name === seen.name && stored.email === seen.email)) return;
    seen = stored;
  }
}

/**
 * The managers above `managerId`, nearest first, starting with that person's
 * own manager. Stops at MAX_REPORTING_DEPTH, and at a loop in stored data.
 */
async function managerChainAbove(employees: Collection<EmployeeDoc>, managerId: ObjectId | null): Promise<ObjectId[]> {
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
  /** The profile image's files (for signed links), if any. */
  image: { fileId: string; thumbnailFileId: string } | null;
}

/** A person as the leave area reads them. */
export interface LeaveProfile {
  id: string;
  name: string;
  status: UserStatus;
  department: string | null;
  managerId: string | null;
  joinDate: string | null;
  /** A working day's hours; null: 8. */
  hoursPerDay: number | null;
  place: { office: string | null; city: string | null; country: string | null };
  /** The profile's default work location. */
  workLocation: WorkLocation | null;
}

/** Where profiles point at catalog items: a catalog item's references are counted per place. */
export type EmployeeCatalogField = 'skills' | 'hobbies' | 'designation';

/** A person to write in bulk (the seed): the account with its id drawn beforehand, and the profile's fields. */
export interface NewPerson {
  /** Active unless said otherwise (an archived one is archived as of `now`). */
  account: NewUser & { id: string; status?: UserStatus };
  profile: NewEmployeeProfile;
}

/**
 * Profiles' storage: string ids, records and views in and out. Other areas
 * read people through the cards; the projects area keeps the halo with
 * setCapacityFlag; the people area's use cases use the rest.
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
   * What leave needs of people (the join date, the place that picks their
   * holiday calendar, the manager): these ids, or everyone active (of one
   * department), in one read.
   */
  leaveProfiles(filter: { ids?: readonly string[]; department?: string | undefined }): Promise<LeaveProfile[]>;
  /**
   * Writes the halo computed from ledger version `ledgerVersion`. A flag
   * computed from an older ledger never overwrites one from a newer ledger;
   * the same version may be written again (days pass, the flag moves).
   * Returns whether the profile changed.
   */
  setCapacityFlag(id: string, flag: CapacityFlag, ledgerVersion: number, now: Date): Promise<boolean>;

  /** The profile, or null when there is none (a malformed id names none). */
  get(id: string): Promise<EmployeeRecord | null>;
  /** Whether a profile with this id exists (one `_id` read). */
  exists(id: string): Promise<boolean>;
  /**
   * The directory: every filter of the query (skills, all of them; designation;
   * department, any case or spacing; direct reports; status; `q`, prefixes of
   * name words or the email, accents ignored), sorted and a page at a time.
   */
  directory(query: EmployeeDirectoryQuery): Promise<Page<EmployeeDirectoryRecord>>;
  /**
   * A person's status and their managers upwards, nearest first (stops at
   * MAX_REPORTING_DEPTH and at a loop in stored data); null for no profile.
   */
  reportingLine(id: string): Promise<ReportingLineRecord | null>;
  /** How many levels of reports hang below the person (0 without reports), up to MAX_REPORTING_DEPTH. */
  reportDepth(id: string): Promise<number>;
  /** Everyone below the person down the reporting lines (one read per level), active or not, by name. */
  reportsBelow(
    id: string,
  ): Promise<{ id: string; name: string; status: UserStatus; workLocation: WorkLocation | null }[]>;
  /** Profiles pointing at a catalog item in one place. */
  countCatalogReferences(field: EmployeeCatalogField, catalogId: string): Promise<number>;
  /**
   * The profile's own fields, at `expectedVersion` only (through
   * updateVersioned: 409 VERSION_CONFLICT, 404 when gone).
   */
  update(id: string, expectedVersion: number, changes: EmployeeStoredChanges, now: Date): Promise<EmployeeRecord>;
  /** Sets or clears the profile image, at `expectedVersion` only (as update). */
  setImage(id: string, expectedVersion: number, image: EmployeeImageRecord | null, now: Date): Promise<EmployeeRecord>;
  /** See repairEmployeeProfiles: profiles for accounts without one, copied fields and search keys brought up to date. */
  repair(now: Date): Promise<number>;
  /**
   * Writes accounts and their profiles in bulk (the seed), accounts first: a
   * crash in between leaves accounts without profiles, which `repair` fills in.
   */
  insertPeople(people: readonly NewPerson[], now: Date): Promise<void>;
  /** The normalised emails of accounts at a domain (`@example.com`): what a new seeding must not reuse. */
  emailsAt(domain: string): Promise<Set<string>>;
  /** How many accounts there are, leaving out the one with this email (the bootstrap admin). */
  countAccounts(except?: string): Promise<number>;
  /** Sealed personal data of profiles after `afterId`, in id order, `limit` at most: what a key rotation re-seals. */
  sealedPersonalData(afterId: string | null, limit: number): Promise<SealedValue[]>;
  /**
   * Derived, not versioned: the same personal data sealed under another key,
   * only while the stored value is still `from` (false otherwise: an edit
   * meanwhile is never overwritten, and never fails because of this).
   */
  replaceSealedPersonalData(id: string, from: string, to: string): Promise<boolean>;
}

const SORTS: Record<EmployeeDirectoryQuery['sort'], Sort> = {
  name: { nameKey: 1, _id: 1 },
  '-name': { nameKey: -1, _id: -1 },
  joinDate: { joinDate: 1, _id: 1 },
  '-joinDate': { joinDate: -1, _id: -1 },
  createdAt: { createdAt: 1, _id: 1 },
  '-createdAt': { createdAt: -1, _id: -1 },
};

const CATALOG_FIELDS: Record<EmployeeCatalogField, 'skillIds' | 'hobbyIds' | 'designationId'> = {
  skills: 'skillIds',
  hobbies: 'hobbyIds',
  designation: 'designationId',
};

/**
 * The filter of a directory query; null when an id in it cannot be one (it
 * then matches nobody: the input schemas let none through, but a filter never
 * silently drops a condition).
 */
function directoryFilterOf(query: EmployeeDirectoryQuery): Filter<EmployeeDoc> | null {
  const clauses: Filter<EmployeeDoc>[] = [];
  if (query.status !== 'all') clauses.push({ status: query.status });
  if (query.skills?.length) {
    const skillIds = objectIdsOf(query.skills);
    if (skillIds.length !== query.skills.length) return null;
    clauses.push({ skillIds: { $all: skillIds } });
  }
  if (query.designationId !== undefined) {
    const designationId = objectIdOf(query.designationId);
    if (!designationId) return null;
    clauses.push({ designationId });
  }
  if (query.department !== undefined) clauses.push({ departmentKey: departmentKeyOf(query.department) ?? '' });
  if (query.manager !== undefined) {
    const managerId = objectIdOf(query.manager);
    if (!managerId) return null;
    clauses.push({ managerId });
  }
  for (const term of query.q ? directorySearchTermsOf(query.q) : []) {
    clauses.push({ searchKeys: new RegExp(`^${escapeRegex(term)}`) });
  }
  return allOf(clauses);
}

/** A bulk-written account, as insertUser writes one. */
function accountDoc(account: NewPerson['account'], now: Date): UserDoc {
  return {
    _id: objectIdOf(account.id) as ObjectId,
    email: account.email.trim(),
    emailKey: normalizeEmail(account.email),
    name: account.name.trim(),
    nameKey: nameKeyOf(account.name),
    searchKeys: userSearchKeys(account.name, account.email),
    roles: account.roles,
    status: account.status ?? 'active',
    passwordHash: account.passwordHash,
    mustChangePassword: account.mustChangePassword,
    passwordChangedAt: account.passwordHash ? now : null,
    mfa: null,
    lockedUntil: null,
    lastLoginAt: null,
    invitedAt: account.invitedAt ?? null,
    archivedAt: account.status === 'archived' ? now : null,
    archivedBy: null,
    archiveReason: null,
    ...initialVersion(now),
  };
}

function profileDoc(account: UserDoc, profile: NewEmployeeProfile, now: Date): EmployeeDoc {
  const ids = (values: readonly string[]) => objectIdsOf(values);
  const skills = (profile.skills ?? []).map((s) => ({
    catalogId: objectIdOf(s.catalogId) as ObjectId,
    level: s.level,
  }));
  const department = profile.department ?? null;
  return newEmployeeDoc(account, now, {
    designationId: profile.designationId ? objectIdOf(profile.designationId) : null,
    department,
    departmentKey: departmentKeyOf(department),
    managerId: profile.managerId ? objectIdOf(profile.managerId) : null,
    joinDate: profile.joinDate ?? null,
    workingHoursPerDay: profile.workingHoursPerDay ?? null,
    workLocation: profile.workLocation ?? null,
    skills,
    skillIds: skills.map((s) => s.catalogId),
    hobbyIds: ids(profile.hobbyIds ?? []),
    bio: profile.bio ?? '',
    contact: profile.contact ?? {},
    personal: profile.personal ?? null,
    ...(profile.capacity ? { capacity: { ...profile.capacity, updatedAt: now } } : {}),
  });
}

export function createEmployeeRepository(collections: Pick<Collections, 'employees' | 'users'>): EmployeeRepository {
  const { employees, users } = collections;
  const notFound = () => null;

  async function withVersion(id: string, expectedVersion: number, set: Partial<EmployeeDoc>, now: Date) {
    const _id = objectIdOf(id);
    if (!_id) throw new Error(`not an id: ${id}`);
    return toEmployeeRecord(
      await updateVersioned(employees, _id, expectedVersion, { $set: set }, { resource: 'Employee', now }),
    );
  }

  return {
    async cards(ids) {
      const found = await findByIds(employees, objectIdsOf(ids), {
        name: 1,
        email: 1,
        status: 1,
        capacity: 1,
        image: 1,
      });
      return new Map(
        [...found].map(([id, doc]) => [
          id,
          {
            id,
            name: doc.name,
            email: doc.email,
            status: doc.status,
            capacity: capacityFlagOfDoc(doc),
            image: doc.image
              ? { fileId: doc.image.fileId.toHexString(), thumbnailFileId: doc.image.thumbnailFileId.toHexString() }
              : null,
          },
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
    async leaveProfiles(filter) {
      const departmentKey = filter.department ? departmentKeyOf(filter.department) : undefined;
      const query: Filter<EmployeeDoc> = filter.ids
        ? { _id: { $in: objectIdsOf(filter.ids) } }
        : { status: 'active', ...(departmentKey ? { departmentKey } : {}) };
      const docs = await employees
        .find(query, {
          projection: {
            name: 1,
            status: 1,
            department: 1,
            managerId: 1,
            joinDate: 1,
            workingHoursPerDay: 1,
            contact: 1,
            workLocation: 1,
          },
        })
        .sort({ nameKey: 1, _id: 1 })
        .toArray();
      return docs.map((doc) => ({
        id: doc._id.toHexString(),
        name: doc.name,
        status: doc.status,
        department: doc.department ?? null,
        managerId: doc.managerId?.toHexString() ?? null,
        joinDate: doc.joinDate ?? null,
        hoursPerDay: doc.workingHoursPerDay ?? null,
        place: {
          office: doc.contact?.office ?? null,
          city: doc.contact?.city ?? null,
          country: doc.contact?.country ?? null,
        },
        workLocation: doc.workLocation ?? null,
      }));
    },
    async capacityFlags() {
      const flags = new Map<string, CapacityFlag>();
      for await (const doc of employees.find({}, { projection: { capacity: 1 } })) {
        flags.set(doc._id.toHexString(), capacityFlagOfDoc(doc));
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

    async get(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await employees.findOne({ _id }) : null;
      return doc ? toEmployeeRecord(doc) : notFound();
    },
    async exists(id) {
      const _id = objectIdOf(id);
      return _id ? (await employees.findOne({ _id }, { projection: { _id: 1 } })) !== null : false;
    },
    async directory(query) {
      const filter = directoryFilterOf(query);
      if (!filter) return { items: [], total: 0, page: query.page, limit: query.limit };
      return findPage(
        employees,
        filter,
        { page: query.page, limit: query.limit, sort: SORTS[query.sort], projection: DIRECTORY_PROJECTION },
        (doc) => toEmployeeDirectoryRecord(doc as EmployeeDirectoryDoc),
      );
    },
    async reportingLine(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await employees.findOne({ _id }, { projection: { status: 1, managerId: 1 } }) : null;
      if (!doc) return null;
      const managers = doc.managerId ? [doc.managerId, ...(await managerChainAbove(employees, doc.managerId))] : [];
      return { id: doc._id.toHexString(), status: doc.status, managers: managers.map((m) => m.toHexString()) };
    },
    async reportDepth(id) {
      const _id = objectIdOf(id);
      if (!_id) return 0;
      let frontier = [_id];
      let depth = 0;
      while (depth < MAX_REPORTING_DEPTH) {
        const reports = await employees.find({ managerId: { $in: frontier } }, { projection: { _id: 1 } }).toArray();
        if (reports.length === 0) break;
        depth += 1;
        frontier = reports.map((r) => r._id);
      }
      return depth;
    },
    async reportsBelow(id) {
      const _id = objectIdOf(id);
      if (!_id) return [];
      const seen = new Set<string>([_id.toHexString()]);
      const found: { id: string; name: string; status: UserStatus; workLocation: WorkLocation | null }[] = [];
      let frontier = [_id];
      for (let depth = 0; depth < MAX_REPORTING_DEPTH && frontier.length > 0; depth++) {
        const reports = await employees
          .find({ managerId: { $in: frontier } }, { projection: { name: 1, status: 1, workLocation: 1 } })
          .toArray();
        frontier = [];
        for (const report of reports) {
          const key = report._id.toHexString();
          if (seen.has(key)) continue;
          seen.add(key);
          frontier.push(report._id);
          found.push({ id: key, name: report.name, status: report.status, workLocation: report.workLocation ?? null });
        }
      }
      return found.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    },
    async countCatalogReferences(field, catalogId) {
      const _id = objectIdOf(catalogId);
      return _id ? employees.countDocuments({ [CATALOG_FIELDS[field]]: _id }) : 0;
    },
    update: (id, expectedVersion, changes, now) => withVersion(id, expectedVersion, toEmployeeDocChanges(changes), now),
    setImage: (id, expectedVersion, image, now) =>
      withVersion(id, expectedVersion, { image: toEmployeeImageDoc(image) }, now),
    repair: (now) => repairEmployeeProfiles(users, employees, now),
    async insertPeople(people, now) {
      if (people.length === 0) return;
      const accounts = people.map((person) => accountDoc(person.account, now));
      await users.insertMany(accounts);
      await employees.insertMany(accounts.map((account, i) => profileDoc(account, people[i]?.profile ?? {}, now)));
    },
    async emailsAt(domain) {
      const pattern = new RegExp(`@${escapeRegex(normalizeEmail(domain.replace(/^@/, '')))}$`);
      const docs = await users.find({ emailKey: pattern }, { projection: { emailKey: 1 } }).toArray();
      return new Set(docs.map((doc) => doc.emailKey));
    },
    countAccounts(except) {
      return users.countDocuments(except ? { emailKey: { $ne: normalizeEmail(except) } } : {});
    },
    sealedPersonalData: (afterId, limit) => listSealedValues(employees, 'personal', afterId, limit),
    replaceSealedPersonalData: (id, from, to) => replaceSealedValue(employees, 'personal', id, from, to),
  };
}
