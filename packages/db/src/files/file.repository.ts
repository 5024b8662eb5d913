import {
  type FileOwnerType,
  type FileRecord,
  type FileStatus,
  type FileView,
  isDomainError,
  type NewFileRecord,
  type Page,
  type ScanOutcome,
} from '@seed-pms/domain';
import type { Collection, Filter, ObjectId, UpdateFilter } from 'mongodb';
import { objectIdOf, objectIdsOf } from '../ids.js';
import { findByIds } from '../lookups.js';
import { findPage } from '../pagination.js';
import { updateVersioned } from '../versioning.js';
import type { FileDoc } from './file.doc.js';
import { fileView, toFileDoc, toFileRecord } from './file.mapper.js';

/**
 * The files area's storage: string ids and records in and out. Every change
 * of a file's metadata goes through updateVersioned at the version the caller
 * read (409 VERSION_CONFLICT when a scan, a rescan or a delete moved it first;
 * the files service then reloads and decides again).
 */
export interface FileRepository {
  /** The file (deleted ones included), or null; a malformed id names none. */
  get(id: string): Promise<FileRecord | null>;
  /** Files by id (deleted ones included); unknown ids are absent. One `_id` read each. */
  getMany(ids: readonly string[]): Promise<Map<string, FileRecord>>;
  /** The file stored under an object key (the local driver's signed links name the key). */
  byStorageKey(storageKey: string): Promise<FileRecord | null>;
  /** The live (not deleted) files of a record, newest first. */
  ownedBy(owner: { type: FileOwnerType; id: string }): Promise<FileRecord[]>;
  /** Live files, optionally of one status, newest first (for HR and admins). */
  list(filter: { status?: FileStatus | undefined; page: number; limit: number }): Promise<Page<FileView>>;
  /** The metadata of a file just put into storage. */
  insert(file: NewFileRecord, now: Date): Promise<FileRecord>;
  /**
   * Claims the next file due for a virus scan (pending, due, not held by a
   * live scanner) for `lockMs`, counting the attempt. A conditional write on
   * the file's version: two scanners never take the same file (the loser
   * takes the next one), and a scanner that dies releases it when the lock
   * passes. Null when nothing is due.
   */
  claimForScan(now: Date, lockMs: number): Promise<FileRecord | null>;
  /** Records a scan's outcome on a pending file, at the version read (422 INVALID_STATE when no longer pending). */
  recordScan(file: FileRecord, outcome: ScanOutcome, now: Date): Promise<FileRecord>;
  /** Moves the file's bytes' key (into quarantine), at the version read. */
  setStorageKey(file: FileRecord, storageKey: string, now: Date): Promise<FileRecord>;
  /** Makes a scanned file pending again, due now, with its attempts reset, at the version read. */
  requeueScan(file: FileRecord, now: Date): Promise<FileRecord>;
  /**
   * Soft-deletes a live file at the version read (kept for the audit trail,
   * never served again); 422 INVALID_STATE when it is already deleted.
   */
  softDelete(file: FileRecord, by: string, now: Date): Promise<FileRecord>;
}

/** The scanner's lock on a file is free (never taken, or run out). */
const lockFree = (now: Date): Filter<FileDoc> => ({
  $or: [{ 'scan.lockedUntil': null }, { 'scan.lockedUntil': { $lte: now } }],
});

/** How many due files a claim tries when other scanners keep winning them. */
const CLAIM_TRIES = 5;

export function createFileRepository(collections: { files: Collection<FileDoc> }): FileRepository {
  const { files } = collections;

  /** updateVersioned on the file's `_id` at the version the record was read at. */
  async function change(
    file: FileRecord,
    update: UpdateFilter<FileDoc>,
    now: Date,
    where?: Filter<FileDoc>,
  ): Promise<FileRecord> {
    const _id = objectIdOf(file.id) as ObjectId;
    const updated = await updateVersioned(files, _id, file.version, update, {
      resource: 'File',
      now,
      ...(where ? { where } : {}),
    });
    return toFileRecord(updated);
  }

  return {
    async get(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await files.findOne({ _id }) : null;
      return doc ? toFileRecord(doc) : null;
    },
    async getMany(ids) {
      const found = await findByIds(files, objectIdsOf(ids));
      return new Map([...found].map(([id, doc]) => [id, toFileRecord(doc)]));
    },
    async byStorageKey(storageKey) {
      const doc = await files.findOne({ storageKey });
      return doc ? toFileRecord(doc) : null;
    },
    async ownedBy(owner) {
      const ownerId = objectIdOf(owner.id);
      if (!ownerId) return [];
      const docs = await files
        .find({ ownerType: owner.type, ownerId, deletedAt: null })
        .sort({ createdAt: -1, _id: -1 })
        .toArray();
      return docs.map(toFileRecord);
    },
    list(filter) {
      const query: Filter<FileDoc> = filter.status ? { status: filter.status, deletedAt: null } : { deletedAt: null };
      return findPage(
        files,
        query,
        { page: filter.page, limit: filter.limit, sort: { createdAt: -1, _id: -1 } },
        (doc) => fileView(toFileRecord(doc)),
      );
    },
    async insert(file, now) {
      const doc = toFileDoc(file, now);
      await files.insertOne(doc);
      return toFileRecord(doc);
    },
    async claimForScan(now, lockMs) {
      for (let attempt = 0; attempt < CLAIM_TRIES; attempt += 1) {
        const due = await files.findOne(
          { status: 'pending', 'scan.nextAttemptAt': { $lte: now }, ...lockFree(now) },
          { sort: { 'scan.nextAttemptAt': 1, _id: 1 } },
        );
        if (!due) return null;
        try {
          return await change(
            toFileRecord(due),
            { $set: { 'scan.lockedUntil': new Date(now.getTime() + lockMs) }, $inc: { 'scan.attempts': 1 } },
            now,
            { status: 'pending', ...lockFree(now) },
          );
        } catch (error) {
          // Another scanner (or a delete) got there first: try the next due file.
          if (isDomainError(error) && ['VERSION_CONFLICT', 'INVALID_STATE', 'NOT_FOUND'].includes(error.code)) continue;
          throw error;
        }
      }
      return null;
    },
    recordScan(file, outcome, now) {
      const done = outcome.status !== 'pending';
      return change(
        file,
        {
          $set: {
            status: outcome.status,
            'scan.signature': outcome.signature ?? null,
            'scan.lastError': outcome.error ?? null,
            'scan.scannedAt': done && outcome.status !== 'failed' ? now : file.scan.scannedAt,
            'scan.nextAttemptAt': outcome.nextAttemptAt ?? null,
            'scan.lockedUntil': null,
          },
        },
        now,
        { status: 'pending' },
      );
    },
    setStorageKey(file, storageKey, now) {
      return change(file, { $set: { storageKey } }, now);
    },
    requeueScan(file, now) {
      return change(
        file,
        {
          $set: {
            status: 'pending',
            'scan.attempts': 0,
            'scan.nextAttemptAt': now,
            'scan.lockedUntil': null,
          },
        },
        now,
      );
    },
    softDelete(file, by, now) {
      const deletedBy = objectIdOf(by);
      return change(file, { $set: { deletedAt: now, deletedBy } }, now, { deletedAt: null });
    },
  };
}
