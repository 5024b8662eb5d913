import type { FileRecord, FileStatus, FileView } from '@seed-pms/domain';
import type { Collection, WithId } from 'mongodb';
import { objectIdsOf } from '../ids.js';
import { findByIds } from '../lookups.js';
import type { FileDoc } from './file.doc.js';
import { toFileRecord } from './file.mapper.js';

/**
 * Claims the next file due for a virus scan: pending, due, and not held by a
 * live scanner. One conditional update, so two scanners never take the same
 * file; a scanner that dies releases it when `lockedUntil` passes.
 */
export function claimFileForScan(
  files: Collection<FileDoc>,
  now: Date,
  lockMs: number,
): Promise<WithId<FileDoc> | null> {
  return files.findOneAndUpdate(
    {
      status: 'pending',
      'scan.nextAttemptAt': { $lte: now },
      $or: [{ 'scan.lockedUntil': null }, { 'scan.lockedUntil': { $lte: now } }],
    },
    { $set: { 'scan.lockedUntil': new Date(now.getTime() + lockMs), updatedAt: now }, $inc: { 'scan.attempts': 1 } },
    { sort: { 'scan.nextAttemptAt': 1 }, returnDocument: 'after' },
  );
}

export interface ScanOutcome {
  status: Extract<FileStatus, 'pending' | 'clean' | 'infected' | 'failed'>;
  signature?: string | null;
  error?: string | null;
  nextAttemptAt?: Date | null;
}

/** Records a scan's outcome on a claimed file. */
export async function recordScan(
  files: Collection<FileDoc>,
  file: WithId<FileDoc>,
  outcome: ScanOutcome,
  now: Date,
): Promise<WithId<FileDoc> | null> {
  const done = outcome.status !== 'pending';
  return files.findOneAndUpdate(
    { _id: file._id, status: 'pending' },
    {
      $set: {
        status: outcome.status,
        'scan.signature': outcome.signature ?? null,
        'scan.lastError': outcome.error ?? null,
        'scan.scannedAt': done && outcome.status !== 'failed' ? now : file.scan.scannedAt,
        'scan.nextAttemptAt': outcome.nextAttemptAt ?? null,
        'scan.lockedUntil': null,
        updatedAt: now,
      },
      $inc: { version: 1 },
    },
    { returnDocument: 'after' },
  );
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toFileView(doc: WithId<FileDoc>): FileView {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    contentType: doc.contentType,
    size: doc.size,
    sha256: doc.sha256,
    purpose: doc.purpose,
    owner: { type: doc.ownerType, id: doc.ownerId.toHexString() },
    status: doc.status,
    scan: {
      attempts: doc.scan.attempts,
      lastError: doc.scan.lastError,
      signature: doc.scan.signature,
      scannedAt: iso(doc.scan.scannedAt),
    },
    uploadedBy: doc.uploadedBy ? doc.uploadedBy.toHexString() : null,
    createdAt: doc.createdAt.toISOString(),
    deletedAt: iso(doc.deletedAt),
  };
}

/** The files area's storage: string ids and records in and out. */
export interface FileRepository {
  /** Files by id (deleted ones included); unknown ids are absent. */
  getMany(ids: readonly string[]): Promise<Map<string, FileRecord>>;
}

export function createFileRepository(collections: { files: Collection<FileDoc> }): FileRepository {
  const { files } = collections;
  return {
    async getMany(ids) {
      const found = await findByIds(files, objectIdsOf(ids));
      return new Map([...found].map(([id, doc]) => [id, toFileRecord(doc)]));
    },
  };
}
