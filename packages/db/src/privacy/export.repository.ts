import type { AccessQuery, ExportArea, ExportProgress, ExportRecord, ExportStatus } from '@seed-pms/domain';
import type { Collection, WithId } from 'mongodb';
import { type AccessFields, withAccess } from '../access-filter.js';
import { isDuplicateKey } from '../errors.js';
import { newId, objectIdOf, oid } from '../ids.js';
import type { ExportDoc } from './export.doc.js';

function toRecord(doc: WithId<ExportDoc>): ExportRecord {
  const progress: ExportProgress = { done: doc.progress.done, total: doc.progress.total };
  if (doc.progress.area) progress.area = doc.progress.area as ExportArea;
  return {
    id: doc._id.toHexString(),
    userId: doc.userId.toHexString(),
    status: doc.status,
    progress,
    requestedBy: doc.requestedBy.toHexString(),
    requestedAt: doc.requestedAt,
    startedAt: doc.startedAt,
    readyAt: doc.readyAt,
    expiresAt: doc.expiresAt,
    failedAt: doc.failedAt,
    error: doc.error,
    storageKey: doc.storageKey,
    size: doc.size,
    sha256: doc.sha256,
    counts: doc.counts ? Object.fromEntries(doc.counts.map((c) => [c.name, c.count])) : null,
    version: doc.version,
    updatedAt: doc.updatedAt,
  };
}

export interface ExportRepository {
  get(id: string): Promise<ExportRecord | null>;
  /** The person's export that is queued or running, if any. */
  activeFor(userId: string): Promise<ExportRecord | null>;
  /** When the person's exports of the last `since` were requested. */
  requestedSince(userId: string, since: Date): Promise<Date[]>;
  /**
   * Stores a queued export unless one is already in progress for the person
   * (unique activeKey): then answers that one, `created: false`.
   */
  insertQueued(
    input: { userId: string; requestedBy: string; total: number },
    now: Date,
  ): Promise<{ created: boolean; export: ExportRecord }>;
  /** Newest first, those the access query lets the caller see (optionally one person's). */
  list(access: AccessQuery, query: { userId?: string | undefined; limit: number }): Promise<ExportRecord[]>;
  /** Every export of the person (for erasure). */
  ofUser(userId: string): Promise<ExportRecord[]>;
  /** Deletes the export record. */
  remove(id: string): Promise<void>;
  /** Moves it from `from` to the changes, at its version; null when it changed meanwhile. */
  update(
    record: ExportRecord,
    changes: Partial<Omit<ExportRecord, 'id' | 'userId' | 'requestedBy' | 'requestedAt' | 'version' | 'updatedAt'>>,
    now: Date,
  ): Promise<ExportRecord | null>;
  /** Ready or failed exports whose expiry has come. */
  dueToExpire(now: Date, limit: number): Promise<ExportRecord[]>;
  /** Queued or running exports nothing changed since `before`: left by a crash (or a lost job), to be run again. */
  stalled(before: Date, limit: number): Promise<ExportRecord[]>;
}

/** The subject fields of PrivacyExport's rules, as stored. */
const ACCESS_FIELDS: AccessFields = {
  userId: { path: 'userId', id: true },
  requestedBy: { path: 'requestedBy', id: true },
};

const ACTIVE: ExportStatus[] = ['queued', 'running'];

export function createExportRepository(exports: Collection<ExportDoc>): ExportRepository {
  return {
    async get(id) {
      const _id = objectIdOf(id);
      if (!_id) return null;
      const doc = await exports.findOne({ _id });
      return doc ? toRecord(doc) : null;
    },

    async activeFor(userId) {
      const doc = await exports.findOne({ activeKey: userId, status: { $in: ACTIVE } });
      return doc ? toRecord(doc) : null;
    },

    async requestedSince(userId, since) {
      const docs = await exports
        .find({ userId: oid(userId), requestedAt: { $gt: since } }, { projection: { requestedAt: 1 } })
        .toArray();
      return docs.map((doc) => doc.requestedAt);
    },

    async insertQueued(input, now) {
      const doc: ExportDoc = {
        _id: newId(),
        userId: oid(input.userId),
        activeKey: input.userId,
        status: 'queued',
        progress: { done: 0, total: input.total, area: null },
        requestedBy: oid(input.requestedBy),
        requestedAt: now,
        startedAt: null,
        readyAt: null,
        expiresAt: null,
        failedAt: null,
        error: null,
        storageKey: null,
        size: null,
        sha256: null,
        counts: null,
        version: 1,
        updatedAt: now,
      };
      try {
        await exports.insertOne(doc);
        return { created: true, export: toRecord(doc) };
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const existing = await exports.findOne({ activeKey: input.userId });
        if (!existing) throw error;
        return { created: false, export: toRecord(existing) };
      }
    },

    async list(access, query) {
      const filter = withAccess<ExportDoc>(query.userId ? { userId: oid(query.userId) } : {}, access, ACCESS_FIELDS);
      if (!filter) return [];
      const docs = await exports.find(filter).sort({ requestedAt: -1, _id: -1 }).limit(query.limit).toArray();
      return docs.map(toRecord);
    },

    async ofUser(userId) {
      const docs = await exports.find({ userId: oid(userId) }).toArray();
      return docs.map(toRecord);
    },

    async remove(id) {
      await exports.deleteOne({ _id: oid(id) });
    },

    async update(record, changes, now) {
      const set: Partial<ExportDoc> = { version: record.version + 1, updatedAt: now };
      const next = { ...record, ...changes };
      if (changes.status !== undefined) {
        set.status = changes.status;
        // Out of progress: the person may request another.
        set.activeKey = ACTIVE.includes(changes.status) ? record.userId : record.id;
      }
      if (changes.progress !== undefined) {
        set.progress = {
          done: changes.progress.done,
          total: changes.progress.total,
          area: changes.progress.area ?? null,
        };
      }
      for (const key of [
        'startedAt',
        'readyAt',
        'expiresAt',
        'failedAt',
        'error',
        'storageKey',
        'size',
        'sha256',
      ] as const) {
        if (changes[key] !== undefined) (set as Record<string, unknown>)[key] = changes[key];
      }
      if (changes.counts !== undefined) {
        set.counts = changes.counts ? Object.entries(changes.counts).map(([name, count]) => ({ name, count })) : null;
      }
      const result = await exports.updateOne({ _id: oid(record.id), version: record.version }, { $set: set });
      if (result.matchedCount === 0) return null;
      return { ...next, version: record.version + 1, updatedAt: now };
    },

    async dueToExpire(now, limit) {
      const docs = await exports
        .find({ status: { $in: ['ready', 'failed'] as ExportStatus[] }, expiresAt: { $lte: now } })
        .limit(limit)
        .toArray();
      return docs.map(toRecord);
    },

    async stalled(before, limit) {
      const docs = await exports
        .find({ status: { $in: ACTIVE }, updatedAt: { $lt: before } })
        .sort({ updatedAt: 1 })
        .limit(limit)
        .toArray();
      return docs.map(toRecord);
    },
  };
}
