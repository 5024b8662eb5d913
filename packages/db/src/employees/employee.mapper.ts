import type {
  CapacityFlag,
  EmployeeDirectoryRecord,
  EmployeeImageRecord,
  EmployeeRecord,
  EmployeeStoredChanges,
} from '@seed-pms/domain';
import type { ObjectId, WithId } from 'mongodb';
import { idOrNull, objectIdOf } from '../ids.js';
import type { EmployeeDoc } from './employee.doc.js';

/** Documents ⇄ what the rest of the server sees; `_id` ⇄ `id` happens here and nowhere else. */

const hex = (id: ObjectId) => id.toHexString();

export function capacityFlagOfDoc(doc: Pick<EmployeeDoc, 'capacity'>): CapacityFlag {
  return { allocationPercent: doc.capacity.allocationPercent, overAllocated: doc.capacity.overAllocated };
}

function imageOf(doc: Pick<EmployeeDoc, 'image'>): EmployeeImageRecord | null {
  return doc.image ? { fileId: hex(doc.image.fileId), thumbnailFileId: hex(doc.image.thumbnailFileId) } : null;
}

export function toEmployeeRecord(doc: WithId<EmployeeDoc>): EmployeeRecord {
  return {
    id: hex(doc._id),
    name: doc.name,
    email: doc.email,
    status: doc.status,
    accountVersion: doc.accountVersion ?? 1,
    designationId: idOrNull(doc.designationId),
    department: doc.department,
    managerId: idOrNull(doc.managerId),
    joinDate: doc.joinDate,
    workingHoursPerDay: doc.workingHoursPerDay ?? null,
    workLocation: doc.workLocation,
    skills: doc.skills.map((s) => ({ catalogId: hex(s.catalogId), level: s.level })),
    hobbyIds: doc.hobbyIds.map(hex),
    bio: doc.bio,
    contact: doc.contact,
    personal: doc.personal,
    image: imageOf(doc),
    capacity: capacityFlagOfDoc(doc),
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** The fields a directory entry is read with (see DIRECTORY_PROJECTION). */
export type EmployeeDirectoryDoc = Pick<
  WithId<EmployeeDoc>,
  | '_id'
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

/** What a directory entry is read with: bio, contact and personal data stay in the database. */
export const DIRECTORY_PROJECTION = {
  name: 1,
  email: 1,
  status: 1,
  designationId: 1,
  department: 1,
  managerId: 1,
  workLocation: 1,
  skills: 1,
  image: 1,
  capacity: 1,
} as const;

export function toEmployeeDirectoryRecord(doc: EmployeeDirectoryDoc): EmployeeDirectoryRecord {
  return {
    id: hex(doc._id),
    name: doc.name,
    email: doc.email,
    status: doc.status,
    designationId: idOrNull(doc.designationId),
    department: doc.department,
    managerId: idOrNull(doc.managerId),
    workLocation: doc.workLocation,
    skills: doc.skills.map((s) => ({ catalogId: hex(s.catalogId), level: s.level })),
    image: imageOf(doc),
    capacity: capacityFlagOfDoc(doc),
  };
}

export function departmentKeyOf(department: string | null): string | null {
  return department === null ? null : department.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Ids as stored; a malformed one (never past the input schemas) is an error of ours, not a lookup. */
function storedId(id: string): ObjectId {
  const objectId = objectIdOf(id);
  if (!objectId) throw new Error(`not an id: ${id}`);
  return objectId;
}

/**
 * The `$set` of a profile change: a department also moves its key, skills
 * also their flat id list (the index behind `skills=a,b`).
 */
export function toEmployeeDocChanges(changes: EmployeeStoredChanges): Partial<EmployeeDoc> {
  const set: Partial<EmployeeDoc> = {};
  if (changes.designationId !== undefined) {
    set.designationId = changes.designationId === null ? null : storedId(changes.designationId);
  }
  if (changes.department !== undefined) {
    set.department = changes.department;
    set.departmentKey = departmentKeyOf(changes.department);
  }
  if (changes.managerId !== undefined) set.managerId = changes.managerId === null ? null : storedId(changes.managerId);
  if (changes.joinDate !== undefined) set.joinDate = changes.joinDate;
  if (changes.workingHoursPerDay !== undefined) set.workingHoursPerDay = changes.workingHoursPerDay;
  if (changes.workLocation !== undefined) set.workLocation = changes.workLocation;
  if (changes.skills !== undefined) {
    set.skills = changes.skills.map((s) => ({ catalogId: storedId(s.catalogId), level: s.level }));
    set.skillIds = set.skills.map((s) => s.catalogId);
  }
  if (changes.hobbyIds !== undefined) set.hobbyIds = changes.hobbyIds.map(storedId);
  if (changes.bio !== undefined) set.bio = changes.bio;
  if (changes.contact !== undefined) set.contact = changes.contact;
  if (changes.personal !== undefined) set.personal = changes.personal;
  return set;
}

export function toEmployeeImageDoc(image: EmployeeImageRecord | null): EmployeeDoc['image'] {
  return image ? { fileId: storedId(image.fileId), thumbnailFileId: storedId(image.thumbnailFileId) } : null;
}
