import {
  type AssignmentRecord,
  type CapacityLedgerRecord,
  type CatalogItemRecord,
  type CatalogRef,
  catalogNameKey,
  covers,
  dayNumber,
  endDayNumber,
  type FileRecord,
  foldForSearch,
  type LedgerSegment,
  type ProjectAssignmentView,
  type ProjectCommentRecord,
  type ProjectCommentView,
  type ProjectDocumentRecord,
  type ProjectDocumentView,
  type ProjectRecord,
  type ProjectSummary,
  type ProjectView,
  type RosterEntryView,
  searchWordsOf,
} from '@seed-pms/domain';
import type { ObjectId, WithId } from 'mongodb';
import type { PersonCard } from '../employees/employee.repository.js';
import { idOrNull, oid } from '../ids.js';
import type {
  AssignmentDoc,
  CapacityLedgerDoc,
  LedgerSegmentDoc,
  ProjectCommentDoc,
  ProjectDoc,
  ProjectDocumentDoc,
} from './project.doc.js';

/**
 * The projects area's documents ⇄ records and views: `_id` ⇄ `id` and
 * ObjectId ⇄ string happen here and in the repositories, nowhere else.
 */

/** An id the server made (a record's own, a stored reference): always well-formed. */
const oidOrNull = (id: string | null): ObjectId | null => (id === null ? null : oid(id));
const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** Names, codes, tags and document names compare ignoring case and runs of spaces, like catalog names. */
export const projectKey = catalogNameKey;

/** The key fields of a project's name and code; an archived project's keys are its own, freeing the name. */
/** What `q` matches a prefix of: each word of the name, the code and its parts, folded (case and accents ignored). */
export function projectSearchKeys(name: string, code: string | null): string[] {
  const codeKeys = code ? [foldForSearch(code.trim()), ...searchWordsOf(code)] : [];
  return [...new Set([...searchWordsOf(name), ...codeKeys])];
}

export function projectKeyFields(
  id: string,
  name: string,
  code: string | null,
  archived: boolean,
): Pick<ProjectDoc, 'nameKey' | 'liveNameKey' | 'liveCodeKey' | 'searchKeys'> {
  const nameKey = projectKey(name);
  const own = `~${id}`;
  return {
    nameKey,
    liveNameKey: archived ? `${own}:${nameKey}` : nameKey,
    liveCodeKey: archived || code === null ? own : projectKey(code),
    searchKeys: projectSearchKeys(name, code),
  };
}

// ---- Projects ----

export function toProjectRecord(doc: WithId<ProjectDoc>): ProjectRecord {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    code: doc.code,
    description: doc.description,
    status: doc.status,
    startDate: doc.startDate,
    endDate: doc.endDate,
    tags: doc.tags,
    typeId: idOrNull(doc.typeId),
    archivedAt: doc.archivedAt,
    archivedBy: idOrNull(doc.archivedBy),
    createdBy: idOrNull(doc.createdBy),
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export function toProjectDoc(record: ProjectRecord): ProjectDoc {
  return {
    _id: oid(record.id),
    name: record.name,
    ...projectKeyFields(record.id, record.name, record.code, record.status === 'archived'),
    code: record.code,
    description: record.description,
    status: record.status,
    startDate: record.startDate,
    endDate: record.endDate,
    tags: record.tags,
    tagKeys: record.tags.map(projectKey),
    typeId: oidOrNull(record.typeId),
    archivedAt: record.archivedAt,
    archivedBy: oidOrNull(record.archivedBy),
    createdBy: oidOrNull(record.createdBy),
    version: record.version,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

/** The project type as a list shows it: `(deleted)` when the catalog item is gone. */
function typeRef(typeId: string | null, types: ReadonlyMap<string, CatalogItemRecord>): CatalogRef | null {
  if (!typeId) return null;
  const type = types.get(typeId);
  return type
    ? { id: type.id, name: type.name, active: type.active }
    : { id: typeId, name: '(deleted)', active: false };
}

export function projectSummaryView(
  project: ProjectRecord,
  types: ReadonlyMap<string, CatalogItemRecord>,
): ProjectSummary {
  return {
    id: project.id,
    name: project.name,
    code: project.code,
    description: project.description,
    status: project.status,
    startDate: project.startDate,
    endDate: project.endDate,
    tags: project.tags,
    type: typeRef(project.typeId, types),
    archivedAt: iso(project.archivedAt),
    version: project.version,
    createdAt: project.createdAt.toISOString(),
    updatedAt: project.updatedAt.toISOString(),
  };
}

/** A project with its leads (today's and planned) and head count, from its roster entries of today and later. */
export function projectView(
  project: ProjectRecord,
  types: ReadonlyMap<string, CatalogItemRecord>,
  roster: readonly RosterEntryView[],
  today: string,
): ProjectView {
  const ahead = roster.filter((e) => e.state !== 'past');
  return {
    ...projectSummaryView(project, types),
    leads: ahead
      .filter((e) => e.segments.some((s) => s.role === 'lead' && endDayNumber(s.endDate) >= dayNumber(today)))
      .map((e) => ({ id: e.userId, name: e.name })),
    memberCount: ahead.length,
  };
}

// ---- Capacity ledgers ----

export function toLedgerSegment(segment: LedgerSegmentDoc): LedgerSegment {
  return {
    id: segment.id.toHexString(),
    projectId: segment.projectId.toHexString(),
    role: segment.role,
    percent: segment.percent,
    start: segment.start,
    end: segment.end,
  };
}

export function toLedgerSegmentDoc(segment: LedgerSegment): LedgerSegmentDoc {
  return {
    id: oid(segment.id),
    projectId: oid(segment.projectId),
    role: segment.role,
    percent: segment.percent,
    start: segment.start,
    end: segment.end,
  };
}

export function toLedgerRecord(doc: Pick<CapacityLedgerDoc, '_id' | 'segments' | 'version'>): CapacityLedgerRecord {
  return { userId: doc._id.toHexString(), segments: doc.segments.map(toLedgerSegment), version: doc.version };
}

// ---- Roster history ----

export function toAssignmentRecord(doc: WithId<AssignmentDoc>): AssignmentRecord {
  return {
    id: doc._id.toHexString(),
    projectId: doc.projectId.toHexString(),
    userId: doc.userId.toHexString(),
    role: doc.role,
    percent: doc.percent,
    start: doc.startDate,
    end: doc.endDate,
    recordedAt: doc.recordedAt,
    recordedBy: idOrNull(doc.recordedBy),
    supersededAt: doc.supersededAt,
    supersededBy: idOrNull(doc.supersededBy),
  };
}

export function toAssignmentDoc(record: AssignmentRecord): AssignmentDoc {
  return {
    _id: oid(record.id),
    projectId: oid(record.projectId),
    userId: oid(record.userId),
    role: record.role,
    percent: record.percent,
    startDate: record.start,
    endDate: record.end,
    recordedAt: record.recordedAt,
    recordedBy: oidOrNull(record.recordedBy),
    supersededAt: record.supersededAt,
    supersededBy: oidOrNull(record.supersededBy),
  };
}

/** The history record of a segment a ledger write put in force. */
export function assignmentOf(userId: string, segment: LedgerSegment, now: Date, by: string | null): AssignmentRecord {
  return {
    id: segment.id,
    projectId: segment.projectId,
    userId,
    role: segment.role,
    percent: segment.percent,
    start: segment.start,
    end: segment.end,
    recordedAt: now,
    recordedBy: by,
    supersededAt: null,
    supersededBy: null,
  };
}

type EntryState = RosterEntryView['state'];

function entryState(live: readonly AssignmentRecord[], today: string): EntryState {
  const t = dayNumber(today);
  if (live.some((s) => covers(s, today))) return 'current';
  if (live.every((s) => dayNumber(s.start) > t)) return 'planned';
  if (live.every((s) => endDayNumber(s.end) < t)) return 'past';
  return 'planned';
}

/**
 * Roster entries from history records (in force, and superseded ones for
 * `include=history`), one per person who still has segments in force, by
 * name: role and allocation of today (or of the first planned day), the
 * person's own halo, and every segment given.
 */
export function rosterEntries(
  records: readonly AssignmentRecord[],
  people: ReadonlyMap<string, PersonCard>,
  today: string,
): RosterEntryView[] {
  const byUser = new Map<string, AssignmentRecord[]>();
  for (const record of [...records].sort((a, b) => dayNumber(a.start) - dayNumber(b.start))) {
    const list = byUser.get(record.userId) ?? [];
    list.push(record);
    byUser.set(record.userId, list);
  }
  const t = dayNumber(today);
  const out: RosterEntryView[] = [];
  for (const [userId, segments] of byUser) {
    const live = segments.filter((s) => s.supersededAt === null);
    const shown = live.find((s) => covers(s, today)) ?? live.find((s) => dayNumber(s.start) > t) ?? live.at(-1);
    if (!shown) continue;
    const person = people.get(userId);
    out.push({
      userId,
      name: person?.name ?? '(unknown)',
      email: person?.email ?? '',
      role: shown.role,
      allocationPercent: shown.percent,
      startDate: live[0]?.start ?? shown.start,
      endDate: live.some((s) => s.end === null) ? null : (live.at(-1)?.end ?? null),
      state: entryState(live, today),
      capacity: person?.capacity ?? { allocationPercent: 0, overAllocated: false },
      segments: segments.map((s) => ({
        id: s.id,
        role: s.role,
        allocationPercent: s.percent,
        startDate: s.start,
        endDate: s.end,
        recordedAt: s.recordedAt.toISOString(),
        recordedBy: s.recordedBy,
        supersededAt: iso(s.supersededAt),
      })),
    });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
}

/** A person's allocation as their profile lists it. */
export function assignmentView(record: AssignmentRecord, projectName: string, today: string): ProjectAssignmentView {
  return {
    projectId: record.projectId,
    projectName,
    role: record.role,
    allocationPercent: record.percent,
    startDate: record.start,
    endDate: record.end,
    current: covers(record, today),
  };
}

// ---- Comments and documents ----

type People = ReadonlyMap<string, Pick<PersonCard, 'name'>>;
const personRef = (id: string, people: People) => ({ id, name: people.get(id)?.name ?? '(unknown)' });

export function toCommentRecord(doc: WithId<ProjectCommentDoc>): ProjectCommentRecord {
  return {
    id: doc._id.toHexString(),
    projectId: doc.projectId.toHexString(),
    authorId: doc.authorId.toHexString(),
    body: doc.body,
    editedAt: doc.editedAt,
    deletedAt: doc.deletedAt,
    deletedBy: idOrNull(doc.deletedBy),
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export function commentView(comment: ProjectCommentRecord, people: People): ProjectCommentView {
  return {
    id: comment.id,
    projectId: comment.projectId,
    author: personRef(comment.authorId, people),
    body: comment.body,
    editedAt: iso(comment.editedAt),
    version: comment.version,
    createdAt: comment.createdAt.toISOString(),
  };
}

export function toDocumentRecord(doc: WithId<ProjectDocumentDoc>): ProjectDocumentRecord {
  return {
    id: doc._id.toHexString(),
    projectId: doc.projectId.toHexString(),
    name: doc.name,
    versions: doc.versions.map((v) => ({
      version: v.version,
      fileId: v.fileId.toHexString(),
      uploadedBy: idOrNull(v.uploadedBy),
      uploadedAt: v.uploadedAt,
    })),
    latestVersion: doc.latestVersion,
    deletedAt: doc.deletedAt,
    deletedBy: idOrNull(doc.deletedBy),
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** The ids a document view needs: its files and its uploaders. */
export function documentReferences(docs: readonly ProjectDocumentRecord[]): { fileIds: string[]; people: string[] } {
  const versions = docs.flatMap((d) => d.versions);
  return {
    fileIds: versions.map((v) => v.fileId),
    people: versions.map((v) => v.uploadedBy).filter((id): id is string => id !== null),
  };
}

export function documentView(
  doc: ProjectDocumentRecord,
  files: ReadonlyMap<string, Pick<FileRecord, 'name' | 'contentType' | 'size' | 'status'>>,
  people: People,
): ProjectDocumentView {
  return {
    id: doc.id,
    projectId: doc.projectId,
    name: doc.name,
    latestVersion: doc.latestVersion,
    versions: [...doc.versions].reverse().map((v) => {
      const file = files.get(v.fileId);
      return {
        version: v.version,
        fileId: v.fileId,
        fileName: file?.name ?? '',
        contentType: file?.contentType ?? 'application/octet-stream',
        size: file?.size ?? 0,
        status: file?.status ?? 'failed',
        uploadedBy: v.uploadedBy === null ? null : personRef(v.uploadedBy, people),
        uploadedAt: v.uploadedAt.toISOString(),
      };
    }),
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}
