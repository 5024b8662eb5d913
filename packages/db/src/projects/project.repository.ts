import {
  catalogNameKey,
  DomainError,
  type ListProjectsQuery,
  type ProjectStatus,
  searchTermsOf,
} from '@seed-pms/domain';
import { type Collection, type Filter, ObjectId, type Sort } from 'mongodb';
import { isDuplicateKey } from '../errors.js';
import { escapeRegex } from '../regex.js';
import type { AssignmentDoc, CapacityLedgerDoc, LedgerSegment, ProjectDoc } from './project.doc.js';

/** Names, codes, tags and document names compare ignoring case and runs of spaces, like catalog names. */
export const projectKey = catalogNameKey;

/** The key fields of a project's name and code; an archived project's keys are its own, freeing the name. */
export function projectKeyFields(
  id: ObjectId,
  name: string,
  code: string | null,
  archived: boolean,
): Pick<ProjectDoc, 'nameKey' | 'liveNameKey' | 'liveCodeKey' | 'searchKeys'> {
  const nameKey = projectKey(name);
  const own = `~${id.toHexString()}`;
  const words = nameKey.split(/[\s\-'’.,/:]+/).filter(Boolean);
  return {
    nameKey,
    liveNameKey: archived ? `${own}:${nameKey}` : nameKey,
    liveCodeKey: archived || code === null ? own : projectKey(code),
    searchKeys: [...new Set([...words, ...(code ? [projectKey(code)] : [])])],
  };
}

/**
 * Runs a write that may set a name or code; a clash with a live project
 * becomes 409 ALREADY_EXISTS naming the field (told apart by looking, since
 * servers word duplicate-key errors differently).
 */
export async function withUniqueProjectName<T>(
  projects: Collection<ProjectDoc>,
  id: ObjectId,
  name: string,
  code: string | null,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const onCode =
      code !== null && (await projects.countDocuments({ liveCodeKey: projectKey(code), _id: { $ne: id } })) > 0;
    throw new DomainError(
      'ALREADY_EXISTS',
      onCode ? `A project with the code "${code}" already exists` : `A project named "${name}" already exists`,
      { field: onCode ? 'code' : 'name' },
    );
  }
}

export interface ProjectListFilter {
  statuses: readonly ProjectStatus[];
  q?: string | undefined;
  tag?: string | undefined;
  typeId?: ObjectId | undefined;
  /** Only these projects (a member's). */
  ids?: readonly ObjectId[] | undefined;
}

export function projectListQuery(filter: ProjectListFilter): Filter<ProjectDoc> {
  const clauses: Filter<ProjectDoc>[] = [
    filter.statuses.length === 1 ? { status: filter.statuses[0] } : { status: { $in: [...filter.statuses] } },
  ];
  if (filter.tag) clauses.push({ tagKeys: projectKey(filter.tag) });
  if (filter.typeId) clauses.push({ typeId: filter.typeId });
  if (filter.ids) clauses.push({ _id: { $in: [...filter.ids] } });
  for (const term of filter.q ? searchTermsOf(filter.q) : []) {
    clauses.push({ searchKeys: new RegExp(`^${escapeRegex(term)}`) });
  }
  return clauses.length === 1 ? (clauses[0] as Filter<ProjectDoc>) : { $and: clauses };
}

const PROJECT_SORTS: Record<ListProjectsQuery['sort'], Sort> = {
  name: { nameKey: 1, _id: 1 },
  '-name': { nameKey: -1, _id: -1 },
  startDate: { startDate: 1, _id: 1 },
  '-startDate': { startDate: -1, _id: -1 },
  createdAt: { createdAt: 1, _id: 1 },
  '-createdAt': { createdAt: -1, _id: -1 },
};

export function projectSort(sort: ListProjectsQuery['sort']): Sort {
  return PROJECT_SORTS[sort];
}

// ---- Capacity ledgers ----

/** The person's ledger, created empty (version 0) on first use. */
export async function loadLedger(
  ledgers: Collection<CapacityLedgerDoc>,
  userId: ObjectId,
  now: Date,
): Promise<CapacityLedgerDoc> {
  const found = await ledgers.findOne({ _id: userId });
  if (found) return found;
  const doc: CapacityLedgerDoc = { _id: userId, segments: [], version: 0, createdAt: now, updatedAt: now };
  try {
    await ledgers.insertOne(doc);
    return doc;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return (await ledgers.findOne({ _id: userId })) ?? doc;
  }
}

/**
 * Replaces the person's segments if the ledger still has `expectedVersion`:
 * the single-document guard every allocation goes through. Returns the new
 * version, or null when another change came first (read again and re-check).
 */
export async function writeLedger(
  ledgers: Collection<CapacityLedgerDoc>,
  userId: ObjectId,
  expectedVersion: number,
  segments: LedgerSegment[],
  now: Date,
): Promise<number | null> {
  const updated = await ledgers.findOneAndUpdate(
    { _id: userId, version: expectedVersion },
    { $set: { segments, updatedAt: now }, $inc: { version: 1 } },
    { returnDocument: 'after' },
  );
  return updated ? updated.version : null;
}

export interface AssignmentChange {
  create: AssignmentDoc[];
  retire: readonly ObjectId[];
  now: Date;
  by: ObjectId | null;
}

/**
 * Brings the history in line with a ledger write: records the new segments
 * and marks the replaced ones superseded. Repeating it is harmless, so the
 * reconciler can finish a change a crash interrupted.
 */
export async function recordAssignmentChange(
  assignments: Collection<AssignmentDoc>,
  change: AssignmentChange,
): Promise<void> {
  for (const doc of change.create) {
    try {
      await assignments.insertOne(doc);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }
  for (const id of change.retire) {
    await assignments.updateOne(
      { _id: id, supersededAt: null },
      { $set: { supersededAt: change.now, supersededBy: change.by } },
    );
  }
}

export function assignmentFromLedger(
  userId: ObjectId,
  segment: LedgerSegment,
  now: Date,
  by: ObjectId | null,
): AssignmentDoc {
  return {
    _id: segment.id,
    projectId: segment.projectId,
    userId,
    role: segment.role,
    percent: segment.percent,
    startDate: segment.start,
    endDate: segment.end,
    recordedAt: now,
    recordedBy: by,
    supersededAt: null,
    supersededBy: null,
  };
}

/**
 * Makes the assignment history agree with the ledgers (after a crash between
 * a ledger write and its history write): segments in a ledger without a
 * record in force are recorded (or restored), records in force that no ledger
 * holds are superseded. Every repair first reads the person's ledger again, so
 * a roster change landing while this runs is never undone. Returns how many
 * records it changed.
 */
export async function reconcileAssignments(
  ledgers: Collection<CapacityLedgerDoc>,
  assignments: Collection<AssignmentDoc>,
  now: Date,
): Promise<number> {
  const holds = async (userId: ObjectId, segmentId: ObjectId) =>
    (await ledgers.findOne({ _id: userId }))?.segments.find((s) => s.id.equals(segmentId)) ?? null;
  const inForce = new Map<string, { userId: ObjectId; segment: LedgerSegment }>();
  for await (const ledger of ledgers.find({})) {
    for (const segment of ledger.segments) inForce.set(segment.id.toHexString(), { userId: ledger._id, segment });
  }
  let changed = 0;
  const recorded = new Set<string>();
  for await (const doc of assignments.find({ supersededAt: null }, { projection: { _id: 1, userId: 1 } })) {
    const id = doc._id.toHexString();
    recorded.add(id);
    if (inForce.has(id) || (await holds(doc.userId, doc._id))) continue;
    await recordAssignmentChange(assignments, { create: [], retire: [doc._id], now, by: null });
    changed += 1;
  }
  for (const [id, { userId }] of inForce) {
    if (recorded.has(id)) continue;
    const segment = await holds(userId, ObjectId.createFromHexString(id));
    if (!segment) continue;
    const existing = await assignments.findOne({ _id: segment.id }, { projection: { _id: 1 } });
    if (existing) {
      await assignments.updateOne({ _id: segment.id }, { $set: { supersededAt: null, supersededBy: null } });
    } else {
      await recordAssignmentChange(assignments, {
        create: [assignmentFromLedger(userId, segment, now, null)],
        retire: [],
        now,
        by: null,
      });
    }
    changed += 1;
  }
  return changed;
}

/** The people with segments in force on a project, with those segments (from the ledgers, which lead the history). */
export async function ledgerMembers(
  ledgers: Collection<CapacityLedgerDoc>,
  projectId: ObjectId,
): Promise<{ userId: ObjectId; segments: LedgerSegment[] }[]> {
  const docs = await ledgers.find({ 'segments.projectId': projectId }, { projection: { segments: 1 } }).toArray();
  return docs.map((doc) => ({ userId: doc._id, segments: doc.segments.filter((s) => s.projectId.equals(projectId)) }));
}
