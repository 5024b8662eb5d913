import type { ProjectStatus, RosterRole } from './project.schemas.js';
import type { MemberSegment } from './roster-plan.js';

/**
 * The projects area's state as use cases and rules see it: plain data with
 * string ids and `Date` instants, read and written by the repositories in
 * packages/db/src/projects. What the API shows are the views in
 * project.schemas.ts; these also carry what only the server needs.
 */
export interface ProjectRecord {
  id: string;
  name: string;
  code: string | null;
  description: string;
  status: ProjectStatus;
  startDate: string;
  /** Null: no planned end. */
  endDate: string | null;
  tags: string[];
  /** A `project` catalog item, or null. */
  typeId: string | null;
  archivedAt: Date | null;
  archivedBy: string | null;
  createdBy: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** A segment in force, as a person's capacity ledger holds it: a member segment on a project. */
export interface LedgerSegment extends MemberSegment {
  projectId: string;
}

/**
 * One per person: every segment in force for them, across projects, at a
 * version. Every roster change of the person is one write of it conditional
 * on that version (see the README's design note on ledgers).
 */
export interface CapacityLedgerRecord {
  userId: string;
  segments: LedgerSegment[];
  /** 0 for a person who never had an allocation. */
  version: number;
}

/**
 * A segment in the roster history (`project_assignments`): never edited; a
 * change supersedes it and records new ones. `supersededAt: null` marks those
 * in force, which follow the ledgers.
 */
export interface AssignmentRecord {
  id: string;
  projectId: string;
  userId: string;
  role: RosterRole;
  percent: number;
  start: string;
  end: string | null;
  recordedAt: Date;
  recordedBy: string | null;
  supersededAt: Date | null;
  supersededBy: string | null;
}

export interface ProjectCommentRecord {
  id: string;
  projectId: string;
  authorId: string;
  /** As the author sent it; never interpreted. */
  body: string;
  editedAt: Date | null;
  deletedAt: Date | null;
  deletedBy: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface DocumentVersionRecord {
  version: number;
  fileId: string;
  uploadedBy: string | null;
  uploadedAt: Date;
}

/** A project document: one name, its versions (files), oldest first. */
export interface ProjectDocumentRecord {
  id: string;
  projectId: string;
  name: string;
  versions: DocumentVersionRecord[];
  latestVersion: number;
  deletedAt: Date | null;
  deletedBy: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
