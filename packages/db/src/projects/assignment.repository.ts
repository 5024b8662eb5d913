import type { AssignmentRecord, LedgerSegment } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import type { Collections } from '../connection.js';
import { isDuplicateKey } from '../errors.js';
import { objectIdOf, oid } from '../ids.js';
import type { AssignmentDoc } from './project.doc.js';
import { assignmentOf, toAssignmentDoc, toAssignmentRecord, toLedgerSegment } from './project.mapper.js';

/** What a ledger write changed, for the history to follow. */
export interface AssignmentChange {
  userId: string;
  /** Segments the write put in force. */
  create: readonly LedgerSegment[];
  /** Ids of segments it took out of force. */
  retire: readonly string[];
  by: string | null;
  now: Date;
}

/**
 * The roster history (`project_assignments`): every segment that was ever in
 * force, never edited; those in force follow the capacity ledgers, which lead
 * (a crash between the two writes is repaired by `reconcile`).
 */
export interface AssignmentRepository {
  /** A project's segments in force, or every segment it ever had (`history`), ordered by start. */
  ofProject(projectId: string, options: { history: boolean }): Promise<AssignmentRecord[]>;
  /** One person's segments in force on one project, ordered by start. */
  ofMember(projectId: string, userId: string): Promise<AssignmentRecord[]>;
  /** A person's segments in force on every project. */
  ofPerson(userId: string): Promise<AssignmentRecord[]>;
  /**
   * Brings the history in line with a ledger write: records the new segments
   * and marks the replaced ones superseded. Repeating it is harmless.
   */
  record(change: AssignmentChange): Promise<void>;
  /**
   * Makes the history agree with the ledgers: segments in a ledger without a
   * record in force are recorded (or restored), records in force that no
   * ledger holds are superseded. Every repair first reads the person's ledger
   * again, so a change landing meanwhile is never undone. Returns how many
   * records it changed.
   */
  reconcile(now: Date): Promise<number>;
  /** For seeding: records written in bulk. */
  insertMany(records: readonly AssignmentRecord[]): Promise<void>;
}

export function createAssignmentRepository(
  collections: Pick<Collections, 'assignments' | 'capacityLedgers'>,
): AssignmentRepository {
  const { assignments, capacityLedgers: ledgers } = collections;

  async function read(filter: Parameters<typeof assignments.find>[0]): Promise<AssignmentRecord[]> {
    const docs = await assignments.find(filter).sort({ startDate: 1, _id: 1 }).toArray();
    return docs.map(toAssignmentRecord);
  }

  async function record(change: AssignmentChange): Promise<void> {
    for (const segment of change.create) {
      try {
        await assignments.insertOne(toAssignmentDoc(assignmentOf(change.userId, segment, change.now, change.by)));
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
    const by = change.by === null ? null : oid(change.by);
    for (const id of change.retire) {
      await assignments.updateOne(
        { _id: oid(id), supersededAt: null },
        { $set: { supersededAt: change.now, supersededBy: by } },
      );
    }
  }

  const holds = async (userId: ObjectId, segmentId: string) =>
    (await ledgers.findOne({ _id: userId }))?.segments.find((s) => s.id.toHexString() === segmentId) ?? null;

  return {
    async ofProject(projectId, options) {
      const _id = objectIdOf(projectId);
      if (!_id) return [];
      return read(options.history ? { projectId: _id } : { projectId: _id, supersededAt: null });
    },

    async ofMember(projectId, userId) {
      const [project, user] = [objectIdOf(projectId), objectIdOf(userId)];
      return project && user ? read({ projectId: project, supersededAt: null, userId: user }) : [];
    },

    async ofPerson(userId) {
      const _id = objectIdOf(userId);
      return _id ? read({ userId: _id, supersededAt: null }) : [];
    },

    record,

    async reconcile(now) {
      const inForce = new Map<string, ObjectId>();
      for await (const ledger of ledgers.find({}, { projection: { segments: 1 } })) {
        for (const segment of ledger.segments) inForce.set(segment.id.toHexString(), ledger._id);
      }
      let changed = 0;
      const recorded = new Set<string>();
      for await (const doc of assignments.find({ supersededAt: null }, { projection: { _id: 1, userId: 1 } })) {
        const id = doc._id.toHexString();
        recorded.add(id);
        if (inForce.has(id) || (await holds(doc.userId, id))) continue;
        await record({ userId: doc.userId.toHexString(), create: [], retire: [id], by: null, now });
        changed += 1;
      }
      for (const [id, userId] of inForce) {
        if (recorded.has(id)) continue;
        const segment = await holds(userId, id);
        if (!segment) continue;
        const existing = await assignments.findOne({ _id: segment.id }, { projection: { _id: 1 } });
        if (existing) {
          await assignments.updateOne({ _id: segment.id }, { $set: { supersededAt: null, supersededBy: null } });
        } else {
          await record({ userId: userId.toHexString(), create: [toLedgerSegment(segment)], retire: [], by: null, now });
        }
        changed += 1;
      }
      return changed;
    },

    async insertMany(records) {
      const docs: AssignmentDoc[] = records.map(toAssignmentDoc);
      if (docs.length) await assignments.insertMany(docs);
    },
  };
}
