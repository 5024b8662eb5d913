import type { ContactInfo, UserStatus, WorkLocation } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

export interface EmployeeSkillDoc {
  catalogId: ObjectId;
  level: number;
}

/**
 * A person's profile. It shares its `_id` with the user account and copies
 * the account's name, email and status (written by the same use cases that
 * change the account) so that the directory filters and sorts in one
 * index-backed query.
 */
export interface EmployeeDoc {
  _id: ObjectId;
  name: string;
  nameKey: string;
  email: string;
  /** Words of the name and the email, lower-cased: the directory's prefix search. */
  searchKeys: string[];
  status: UserStatus;
  /** The account version the copied fields come from: a sync never overwrites a newer copy. */
  accountVersion: number;
  /** A catalog item of type role. */
  designationId: ObjectId | null;
  department: string | null;
  departmentKey: string | null;
  managerId: ObjectId | null;
  /** YYYY-MM-DD */
  joinDate: string | null;
  /** Absent on profiles written before it existed: null. */
  workingHoursPerDay?: number | null;
  workLocation: WorkLocation | null;
  skills: EmployeeSkillDoc[];
  /** `skills[].catalogId` again, flat: the index behind `skills=a,b` (all of them). */
  skillIds: ObjectId[];
  hobbyIds: ObjectId[];
  bio: string;
  contact: ContactInfo;
  /** PersonalInfo as JSON, sealed with AES-256-GCM by the api (see personal-data.ts); null when empty. */
  personal: string | null;
  image: { fileId: ObjectId; thumbnailFileId: ObjectId } | null;
  /** Kept current by the projects area: the red over-allocation halo. */
  capacity: { allocationPercent: number; overAllocated: boolean; updatedAt: Date | null; ledgerVersion?: number };
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const employeesCollection = defineCollection<EmployeeDoc>('employees', [
  { name: 'status_nameKey', key: { status: 1, nameKey: 1, _id: 1 } },
  { name: 'skillIds_nameKey', key: { skillIds: 1, nameKey: 1 } },
  { name: 'hobbyIds', key: { hobbyIds: 1 } },
  { name: 'designationId_nameKey', key: { designationId: 1, nameKey: 1 } },
  { name: 'departmentKey_nameKey', key: { departmentKey: 1, nameKey: 1 } },
  { name: 'managerId_nameKey', key: { managerId: 1, nameKey: 1 } },
  { name: 'searchKeys', key: { searchKeys: 1 } },
  { name: 'joinDate', key: { joinDate: 1, _id: 1 } },
  { name: 'createdAt', key: { createdAt: 1, _id: 1 } },
]);
