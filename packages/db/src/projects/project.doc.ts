import type { ProjectStatus, RosterRole } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

export interface ProjectDoc {
  _id: ObjectId;
  name: string;
  nameKey: string;
  /**
   * Names are unique among projects not archived (case and spacing ignored):
   * this holds the name key while the project lives and a key of its own once
   * archived, under a unique index (partial indexes are not portable).
   */
  liveNameKey: string;
  code: string | null;
  /** The same for codes: the code's key, or a key of the project's own when it has none or is archived. */
  liveCodeKey: string;
  /** Words of the name and the code, lower-cased: the list's prefix search. */
  searchKeys: string[];
  description: string;
  status: ProjectStatus;
  startDate: string;
  endDate: string | null;
  tags: string[];
  tagKeys: string[];
  typeId: ObjectId | null;
  archivedAt: Date | null;
  archivedBy: ObjectId | null;
  createdBy: ObjectId | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const projectsCollection = defineCollection<ProjectDoc>('projects', [
  { name: 'liveNameKey', key: { liveNameKey: 1 }, unique: true },
  { name: 'liveCodeKey', key: { liveCodeKey: 1 }, unique: true },
  { name: 'status_nameKey', key: { status: 1, nameKey: 1, _id: 1 } },
  { name: 'status_startDate', key: { status: 1, startDate: 1, _id: 1 } },
  { name: 'tagKeys', key: { tagKeys: 1 } },
  { name: 'searchKeys', key: { searchKeys: 1 } },
  { name: 'typeId', key: { typeId: 1 } },
  { name: 'createdAt', key: { createdAt: 1, _id: 1 } },
]);

/**
 * One allocation segment (spec: project_assignments): a person on a project
 * with a role and a share of their time from `startDate` to `endDate`. Never
 * edited: a roster change supersedes segments and records new ones, so the
 * collection is the full history; `supersededAt: null` marks those in force.
 */
export interface AssignmentDoc {
  _id: ObjectId;
  projectId: ObjectId;
  userId: ObjectId;
  role: RosterRole;
  percent: number;
  startDate: string;
  endDate: string | null;
  recordedAt: Date;
  recordedBy: ObjectId | null;
  supersededAt: Date | null;
  supersededBy: ObjectId | null;
}

export const assignmentsCollection = defineCollection<AssignmentDoc>('project_assignments', [
  { name: 'projectId_supersededAt_userId', key: { projectId: 1, supersededAt: 1, userId: 1 } },
  { name: 'userId_supersededAt', key: { userId: 1, supersededAt: 1 } },
]);

/** A segment in force, as a person's ledger holds it. */
export interface LedgerSegmentDoc {
  id: ObjectId;
  projectId: ObjectId;
  role: RosterRole;
  percent: number;
  start: string;
  end: string | null;
}

/**
 * One per person: every allocation segment in force for them, across
 * projects. It is what capacity rules are checked against, and every roster
 * change of the person is one conditional write of it (on `version`), so two
 * concurrent allocations can never both pass a check that only one of them
 * fits. `project_assignments` follows it (see AssignmentRepository.reconcile).
 */
export interface CapacityLedgerDoc {
  _id: ObjectId;
  segments: LedgerSegmentDoc[];
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const capacityLedgersCollection = defineCollection<CapacityLedgerDoc>('capacity_ledgers', [
  { name: 'segments_projectId', key: { 'segments.projectId': 1 } },
]);

export interface ProjectCommentDoc {
  _id: ObjectId;
  projectId: ObjectId;
  authorId: ObjectId;
  /** As the author sent it; never interpreted. */
  body: string;
  editedAt: Date | null;
  deletedAt: Date | null;
  deletedBy: ObjectId | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const projectCommentsCollection = defineCollection<ProjectCommentDoc>('project_comments', [
  { name: 'projectId_deletedAt_createdAt', key: { projectId: 1, deletedAt: 1, createdAt: 1, _id: 1 } },
]);

export interface DocumentVersionDoc {
  version: number;
  fileId: ObjectId;
  uploadedBy: ObjectId | null;
  uploadedAt: Date;
}

/** A project document: one name, its versions (files), newest last. */
export interface ProjectDocumentDoc {
  _id: ObjectId;
  projectId: ObjectId;
  name: string;
  nameKey: string;
  /** The name key while the document lives, a key of its own once deleted: unique per project. */
  liveKey: string;
  versions: DocumentVersionDoc[];
  latestVersion: number;
  deletedAt: Date | null;
  deletedBy: ObjectId | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const projectDocumentsCollection = defineCollection<ProjectDocumentDoc>('project_documents', [
  { name: 'projectId_liveKey', key: { projectId: 1, liveKey: 1 }, unique: true },
  { name: 'projectId_deletedAt_nameKey', key: { projectId: 1, deletedAt: 1, nameKey: 1, _id: 1 } },
]);
