import {
  type AccessQuery,
  type AttendanceLockRecord,
  type AttendanceRecord,
  type AttendanceState,
  type CorrectedPunchRecord,
  type CorrectionRecord,
  type CorrectionStatus,
  type DayFlag,
  DomainError,
  type ListCorrectionsQuery,
  type OverlayRecord,
  type Page,
  type PunchRecord,
  type WorkLocationType,
} from '@seed-pms/domain';
import type { Collection, Filter, WithId } from 'mongodb';
import { engineRequests } from '../approvals/request-kind.js';
import { insertUnlessPresent } from '../errors.js';
import { newId, newIdString, objectIdOf, objectIdsOf, oid } from '../ids.js';
import { exceptUsers, RETENTION_BATCH_SIZE, type RetentionTarget } from '../privacy/retention-batches.js';
import { initialVersion, updateVersioned } from '../versioning.js';
import type {
  AttendanceLockDoc,
  AttendanceRecordDoc,
  OverlayDoc,
  PunchDoc,
  TimeChangeRequestDoc,
} from './attendance.doc.js';

const OPEN_STATES: AttendanceState[] = ['working', 'onBreak'];

/** Whose days: everyone (null), one person, or a few. */
const whoOf = (userIds: readonly string[] | null): Filter<AttendanceRecordDoc> =>
  userIds === null
    ? {}
    : userIds.length === 1
      ? { userId: oid(userIds[0] as string) }
      : { userId: { $in: objectIdsOf(userIds) } };

const overlayOf = (doc: OverlayDoc): OverlayRecord => ({
  correctionId: doc.correctionId.toHexString(),
  punches: doc.punches.map((p) => ({ type: p.type, at: p.at })),
  approvedAt: doc.approvedAt,
  approvedBy: doc.approvedBy.map((id) => id.toHexString()),
});

function toRecord(doc: WithId<AttendanceRecordDoc>): AttendanceRecord {
  return {
    id: doc._id.toHexString(),
    userId: doc.userId.toHexString(),
    date: doc.date,
    punches: doc.punches.map((p) => ({ ...p, flags: [...p.flags] })),
    overlays: doc.overlays.map(overlayOf),
    workLocation: doc.workLocation,
    flags: doc.flags,
    deductedMinutes: doc.deductedMinutes,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

/** What a day settles when it closes (an end punch, the automatic check-out, a correction applied). */
export interface DaySettlement {
  deductedMinutes: number;
  /** The rule flags of the closed day; location and check-out flags are kept beside them. */
  ruleFlags: DayFlag[];
}

/** The rule flags a settlement replaces (the others, location and check-out, stay). */
const RULE_FLAGS: DayFlag[] = ['breakTooShort', 'breakDeducted', 'overMaxHours'];

function mergedFlags(current: readonly DayFlag[], add: readonly DayFlag[], settle: DaySettlement | null): DayFlag[] {
  const kept = settle ? current.filter((f) => !RULE_FLAGS.includes(f)) : [...current];
  return [...new Set([...kept, ...add, ...(settle?.ruleFlags ?? [])])];
}

/** A day to write in bulk (the seed), with its punches and any correction already approved. */
export type NewAttendanceDay = Omit<AttendanceRecord, 'id' | 'version' | 'createdAt' | 'updatedAt'> & {
  state: AttendanceState;
};

export interface AttendanceRecordRepository {
  get(userId: string, date: string): Promise<AttendanceRecord | null>;
  /**
   * The first punch of a day: inserts the record. Null when the person's
   * record of that day exists already (a double tap): read it and append.
   */
  insertFirst(
    first: { userId: string; date: string; punch: PunchRecord; workLocation: WorkLocationType | null },
    now: Date,
  ): Promise<AttendanceRecord | null>;
  /**
   * A punch appended at `expectedVersion` only (409 VERSION_CONFLICT when
   * another punch got in first), with the state it leads to and, when the
   * day closes, what it settles.
   */
  append(
    record: AttendanceRecord,
    change: { punch: PunchRecord; state: AttendanceState; flags?: DayFlag[]; settle?: DaySettlement | null },
    now: Date,
  ): Promise<AttendanceRecord>;
  /** One person's days from..to. */
  between(userId: string, from: string, to: string): Promise<AttendanceRecord[]>;
  /** Everyone's (or these people's) days from..to, with the state as punched. */
  daysOf(
    userIds: readonly string[] | null,
    from: string,
    to: string,
  ): Promise<(AttendanceRecord & { state: AttendanceState })[]>;
  /** Everyone's (or these people's) records of one day (only those still open with `openOnly`): equality reads. */
  onDay(
    userIds: readonly string[] | null,
    date: string,
    options?: { openOnly?: boolean },
  ): Promise<(AttendanceRecord & { state: AttendanceState })[]>;
  /** Days still open, of `upTo` or before (the automatic check-out looks at these). */
  openUpTo(upTo: string, limit: number): Promise<AttendanceRecord[]>;
  /**
   * Lays an approved correction over a day (creating the record of a day
   * nobody punched), once per correction: a repeat finds it applied.
   * `outcome` says, from the record as it stands at each attempt, the state the
   * day is left in and what it settles.
   */
  applyOverlay(
    userId: string,
    date: string,
    overlay: OverlayRecord,
    now: Date,
    outcome: (current: Pick<AttendanceRecord, 'punches' | 'overlays'>) => {
      state: AttendanceState;
      settle: DaySettlement | null;
    },
  ): Promise<AttendanceRecord>;
  /** Days from..to that carry a correction (what an unlock settles again). */
  correctedBetween(from: string, to: string): Promise<AttendanceRecord[]>;
  /** A day settled again, at its version only (409 VERSION_CONFLICT when something got in first). */
  resettle(
    record: AttendanceRecord,
    change: { state: AttendanceState; settle: DaySettlement | null },
    now: Date,
  ): Promise<AttendanceRecord>;
  insertMany(days: readonly NewAttendanceDay[], now: Date): Promise<void>;
  /**
   * Retention: days before `cutoffDay` whose punches still hold their IP, user
   * agent, location and note, but those of `exceptUserIds` (legal holds). A
   * step strips them (types, times, sources and flags stay) and marks the day.
   */
  retentionOfPunchFacts(cutoffDay: string, exceptUserIds: readonly string[], now: Date): RetentionTarget;
}

export function createAttendanceRecordRepository(records: Collection<AttendanceRecordDoc>): AttendanceRecordRepository {
  const write = (record: AttendanceRecord, update: Record<string, unknown>, now: Date) =>
    updateVersioned(records, oid(record.id), record.version, update, { resource: 'AttendanceRecord', now });

  const repo: AttendanceRecordRepository = {
    async get(userId, date) {
      const _id = objectIdOf(userId);
      const doc = _id ? await records.findOne({ userId: _id, date }) : null;
      return doc ? toRecord(doc) : null;
    },
    async insertFirst(first, now) {
      const doc: AttendanceRecordDoc = {
        _id: newId(),
        userId: oid(first.userId),
        date: first.date,
        punches: [first.punch],
        state: 'working',
        overlays: [],
        workLocation: first.workLocation,
        flags: [...first.punch.flags],
        deductedMinutes: 0,
        ...initialVersion(now),
      };
      return (await insertUnlessPresent(records, doc)) ? toRecord(doc) : null;
    },
    async append(record, change, now) {
      const settle = change.settle ?? null;
      const flags = mergedFlags(record.flags, [...change.punch.flags, ...(change.flags ?? [])], settle);
      return toRecord(
        await write(
          record,
          {
            $push: { punches: change.punch },
            $set: { state: change.state, flags, ...(settle ? { deductedMinutes: settle.deductedMinutes } : {}) },
          },
          now,
        ),
      );
    },
    async between(userId, from, to) {
      const docs = await records
        .find({ userId: oid(userId), date: { $gte: from, $lte: to } })
        .sort({ date: 1 })
        .toArray();
      return docs.map(toRecord);
    },
    async daysOf(userIds, from, to) {
      if (userIds !== null && userIds.length === 0) return [];
      const who = whoOf(userIds);
      const docs = await records.find({ ...who, date: from === to ? from : { $gte: from, $lte: to } }).toArray();
      return docs.map((doc) => ({ ...toRecord(doc), state: doc.state }));
    },
    async onDay(userIds, date, options = {}) {
      if (userIds !== null && userIds.length === 0) return [];
      const who = whoOf(userIds);
      const states: Filter<AttendanceRecordDoc> = options.openOnly ? { state: { $in: OPEN_STATES } } : {};
      const docs = await records.find({ ...who, date, ...states }).toArray();
      return docs.map((doc) => ({ ...toRecord(doc), state: doc.state }));
    },
    async openUpTo(upTo, limit) {
      // Oldest first, so a long backlog is worked off from its start.
      const docs = await records
        .find({ state: { $in: OPEN_STATES }, date: { $lte: upTo } })
        .sort({ date: 1, _id: 1 })
        .limit(limit)
        .toArray();
      return docs.map(toRecord);
    },
    async applyOverlay(userId, date, overlay, now, outcome) {
      const doc: OverlayDoc = {
        correctionId: oid(overlay.correctionId),
        punches: overlay.punches.map((p) => ({ type: p.type, at: p.at })),
        approvedAt: overlay.approvedAt,
        approvedBy: objectIdsOf(overlay.approvedBy),
      };
      for (let attempt = 1; ; attempt++) {
        const current = await repo.get(userId, date);
        if (current?.overlays.some((o) => o.correctionId === overlay.correctionId)) return current;
        const { state, settle } = outcome(current ?? { punches: [], overlays: [] });
        if (!current) {
          const fresh: AttendanceRecordDoc = {
            _id: newId(),
            userId: oid(userId),
            date,
            punches: [],
            state,
            overlays: [doc],
            workLocation: null,
            flags: mergedFlags([], [], settle),
            deductedMinutes: settle?.deductedMinutes ?? 0,
            ...initialVersion(now),
          };
          if (await insertUnlessPresent(records, fresh)) return toRecord(fresh);
          continue;
        }
        try {
          return toRecord(
            await write(
              current,
              {
                $push: { overlays: doc },
                $set: {
                  state,
                  flags: mergedFlags(current.flags, [], settle),
                  ...(settle ? { deductedMinutes: settle.deductedMinutes } : {}),
                },
              },
              now,
            ),
          );
        } catch (error) {
          // A punch got in between: read again (a few times; punches are rare).
          if (error instanceof DomainError && error.code === 'VERSION_CONFLICT' && attempt < 5) continue;
          throw error;
        }
      }
    },
    async correctedBetween(from, to) {
      const docs = await records.find({ date: { $gte: from, $lte: to }, 'overlays.0': { $exists: true } }).toArray();
      return docs.map(toRecord);
    },
    async resettle(record, change, now) {
      const { settle } = change;
      return toRecord(
        await write(
          record,
          {
            $set: {
              state: change.state,
              flags: mergedFlags(record.flags, [], settle),
              ...(settle ? { deductedMinutes: settle.deductedMinutes } : {}),
            },
          },
          now,
        ),
      );
    },
    async insertMany(days, now) {
      if (days.length === 0) return;
      await records.insertMany(
        days.map(
          (d): AttendanceRecordDoc => ({
            _id: newId(),
            userId: oid(d.userId),
            date: d.date,
            punches: d.punches as PunchDoc[],
            state: d.state,
            overlays: d.overlays.map((o) => ({
              correctionId: oid(o.correctionId),
              punches: o.punches,
              approvedAt: o.approvedAt,
              approvedBy: objectIdsOf(o.approvedBy),
            })),
            workLocation: d.workLocation,
            flags: d.flags,
            deductedMinutes: d.deductedMinutes,
            ...initialVersion(now),
          }),
        ),
      );
    },
    retentionOfPunchFacts(cutoffDay, exceptUserIds, now) {
      const filter: Filter<AttendanceRecordDoc> = {
        date: { $lt: cutoffDay },
        factsRemovedAt: { $exists: false },
        ...exceptUsers(exceptUserIds),
      };
      return {
        count: () => records.countDocuments(filter),
        async step(limit = RETENTION_BATCH_SIZE) {
          const docs = await records.find(filter, { projection: { _id: 1, punches: 1, version: 1 }, limit }).toArray();
          let done = 0;
          for (const doc of docs) {
            const punches = doc.punches.map((p) => ({ ...p, ip: null, userAgent: null, location: null, note: null }));
            const result = await records.updateOne(
              { _id: doc._id, version: doc.version },
              { $set: { punches, factsRemovedAt: now, updatedAt: now, version: doc.version + 1 } },
            );
            done += result.modifiedCount;
          }
          return done;
        },
      };
    },
  };
  return repo;
}

// ---- Corrections ----

export type NewCorrection = Pick<CorrectionRecord, 'id' | 'userId' | 'date' | 'punches' | 'reason' | 'workflowId'>;

function toCorrection(doc: WithId<TimeChangeRequestDoc>): CorrectionRecord {
  return {
    id: doc._id.toHexString(),
    userId: doc.userId.toHexString(),
    date: doc.startDate,
    punches: doc.punches.map((p) => ({ type: p.type, at: p.at })),
    reason: doc.reason,
    status: doc.status,
    workflowId: doc.workflowId.toHexString(),
    decidedAt: doc.decidedAt,
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export interface CorrectionRepository {
  newId(): string;
  insert(correction: NewCorrection, now: Date, status?: CorrectionStatus): Promise<CorrectionRecord>;
  get(id: string): Promise<(CorrectionRecord & { approverIds: string[] }) | null>;
  /** A person's pending and approved corrections of days from `start` to `end`. */
  activeOverlapping(userId: string, start: string, end: string): Promise<CorrectionRecord[]>;
  list(query: ListCorrectionsQuery, access: AccessQuery): Promise<Page<CorrectionRecord>>;
  /** Follows the workflow (see request-kind.ts). */
  settle(
    id: string,
    status: Exclude<CorrectionStatus, 'pending'>,
    expectedVersion: number,
    now: Date,
  ): Promise<boolean>;
  addApprovers(id: string, userIds: readonly string[]): Promise<void>;
  pendingBefore(after: Date, before: Date, limit: number): Promise<CorrectionRecord[]>;
  remove(id: string): Promise<void>;
  /** How many corrections each person asked for days from..to (any state). */
  countsBetween(from: string, to: string): Promise<Map<string, number>>;
}

export function createCorrectionRepository(requests: Collection<TimeChangeRequestDoc>): CorrectionRepository {
  const shared = engineRequests(requests, 'AttendanceCorrection', (_status, now) => ({ decidedAt: now }));
  return {
    newId: newIdString,
    async insert(correction, now, status = 'pending') {
      const doc: TimeChangeRequestDoc = {
        _id: oid(correction.id),
        userId: oid(correction.userId),
        startDate: correction.date,
        endDate: correction.date,
        punches: correction.punches.map((p: CorrectedPunchRecord) => ({ type: p.type, at: p.at })),
        reason: correction.reason,
        status,
        workflowId: oid(correction.workflowId),
        approverIds: [],
        decidedAt: status === 'pending' ? null : now,
        ...initialVersion(now),
      };
      await requests.insertOne(doc);
      return toCorrection(doc);
    },
    get: (id) => shared.getWithApprovers(id, toCorrection),
    activeOverlapping: async (userId, start, end) =>
      (await shared.activeOverlapping(userId, start, end)).map(toCorrection),
    list: (query, access) => shared.listDays(query, access, [], toCorrection),
    settle: shared.settle,
    addApprovers: shared.addApprovers,
    pendingBefore: async (after, before, limit) =>
      (await shared.pendingBetween(after, before, limit)).map(toCorrection),
    remove: shared.remove,
    async countsBetween(from, to) {
      const counts = new Map<string, number>();
      const cursor = requests.find({ startDate: { $gte: from, $lte: to } }, { projection: { userId: 1 } });
      for await (const doc of cursor) {
        const id = doc.userId.toHexString();
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
      return counts;
    },
  };
}

// ---- Locks ----

const toLock = (doc: AttendanceLockDoc): AttendanceLockRecord => ({
  month: doc._id,
  lockedAt: doc.lockedAt,
  lockedBy: doc.lockedBy.toHexString(),
});

export interface AttendanceLockRepository {
  list(): Promise<AttendanceLockRecord[]>;
  get(month: string): Promise<AttendanceLockRecord | null>;
  /** Locks a month; null when it is locked already. */
  insert(month: string, lockedBy: string, now: Date): Promise<AttendanceLockRecord | null>;
  /** True when there was a lock to remove. */
  remove(month: string): Promise<boolean>;
}

export function createAttendanceLockRepository(locks: Collection<AttendanceLockDoc>): AttendanceLockRepository {
  return {
    list: async () => (await locks.find({}).sort({ _id: 1 }).toArray()).map(toLock),
    async get(month) {
      const doc = await locks.findOne({ _id: month });
      return doc ? toLock(doc) : null;
    },
    async insert(month, lockedBy, now) {
      const doc: AttendanceLockDoc = { _id: month, lockedAt: now, lockedBy: oid(lockedBy) };
      return (await insertUnlessPresent(locks, doc)) ? toLock(doc) : null;
    },
    async remove(month) {
      return (await locks.deleteOne({ _id: month })).deletedCount === 1;
    },
  };
}
