import type { UserStatus } from '../users/user.schemas.js';
import type { CapacityFlag, ContactInfo, ListEmployeesQuery, PersonalInfo, WorkLocation } from './employee.schemas.js';

export interface EmployeeSkillRecord {
  /** A catalog item of type skill. */
  catalogId: string;
  level: number;
}

/** A profile image: the re-encoded picture and its thumbnail, both stored files. */
export interface EmployeeImageRecord {
  fileId: string;
  thumbnailFileId: string;
}

/**
 * A person's profile as the use cases and rules see it: plain data with string
 * ids, read and written by the employee repository (packages/db). It shares
 * its id with the account and copies the account's name, email and status.
 * What the API shows is EmployeeProfile / EmployeeSummary.
 */
export interface EmployeeRecord {
  id: string;
  name: string;
  email: string;
  status: UserStatus;
  /** The account version the copied fields come from. */
  accountVersion: number;
  /** A catalog item of type role. */
  designationId: string | null;
  department: string | null;
  managerId: string | null;
  /** YYYY-MM-DD */
  joinDate: string | null;
  workLocation: WorkLocation | null;
  /** A working day's hours; null: 8. */
  workingHoursPerDay: number | null;
  skills: EmployeeSkillRecord[];
  hobbyIds: string[];
  bio: string;
  contact: ContactInfo;
  /**
   * PersonalInfo as sealed text (AES-256-GCM, opened only by the api's
   * personal-data box); null when empty. Rules never read it.
   */
  personal: string | null;
  image: EmployeeImageRecord | null;
  /** The over-allocation halo, kept current by the projects area. */
  capacity: CapacityFlag;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What a directory entry is read with (bio, contact and personal data stay in the database). */
export type EmployeeDirectoryRecord = Pick<
  EmployeeRecord,
  | 'id'
  | 'name'
  | 'email'
  | 'status'
  | 'designationId'
  | 'department'
  | 'managerId'
  | 'workLocation'
  | 'skills'
  | 'image'
  | 'capacity'
>;

/**
 * The directory's query with the designation resolved to an id (a name is
 * looked up in the catalog first; a name naming nothing finds nobody).
 */
export type EmployeeDirectoryQuery = Omit<ListEmployeesQuery, 'designation'> & { designationId?: string | undefined };

/**
 * A change of a profile's own fields. Personal data is given open here and
 * sealed by the service before it is stored (see EmployeeStoredChanges).
 */
export interface EmployeeChanges {
  designationId?: string | null;
  department?: string | null;
  managerId?: string | null;
  joinDate?: string | null;
  workLocation?: WorkLocation | null;
  workingHoursPerDay?: number | null;
  skills?: EmployeeSkillRecord[];
  hobbyIds?: string[];
  bio?: string;
  contact?: ContactInfo;
  personal?: PersonalInfo;
}

/** EmployeeChanges as the repository writes them: personal data sealed (null when empty). */
export type EmployeeStoredChanges = Omit<EmployeeChanges, 'personal'> & { personal?: string | null };

/** A person's place in the reporting lines, as a reporting-line decision needs it. */
export interface ReportingLineRecord {
  id: string;
  status: UserStatus;
  /** Their managers upwards, nearest first (their manager, that one's manager, …). */
  managers: string[];
}

/**
 * The profile fields of a person written in bulk with their account (the
 * seed); the id is the account's, drawn beforehand. Personal data sealed.
 */
export type NewEmployeeProfile = Partial<
  Pick<
    EmployeeRecord,
    | 'designationId'
    | 'department'
    | 'managerId'
    | 'joinDate'
    | 'workLocation'
    | 'workingHoursPerDay'
    | 'skills'
    | 'hobbyIds'
    | 'bio'
    | 'contact'
    | 'personal'
  >
> & {
  /** The halo, as computed from ledger version `ledgerVersion` (see setCapacityFlag). */
  capacity?: CapacityFlag & { ledgerVersion: number };
};
