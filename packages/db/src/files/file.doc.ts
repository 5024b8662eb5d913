import type { FileOwnerType, FilePurpose, FileStatus } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/**
 * A stored file's metadata; the bytes live in object storage under
 * `storageKey`. Every upload of the product has one, with the record that owns
 * it: reading the file needs read access to that record.
 */
export interface FileDoc {
  _id: ObjectId;
  name: string;
  /** Decided by content sniffing, never by the name or the client's header. */
  contentType: string;
  size: number;
  sha256: string;
  purpose: FilePurpose;
  ownerType: FileOwnerType;
  ownerId: ObjectId;
  storageKey: string;
  /** The original, for derived files such as thumbnails. */
  derivedFrom: ObjectId | null;
  status: FileStatus;
  scan: {
    attempts: number;
    lastError: string | null;
    signature: string | null;
    scannedAt: Date | null;
    /** A pending file is not claimed by the scanner before this (backoff after a failure). */
    nextAttemptAt: Date | null;
    /** While a scanner works on it; after this another may claim it. */
    lockedUntil: Date | null;
  };
  uploadedBy: ObjectId | null;
  deletedAt: Date | null;
  deletedBy: ObjectId | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const filesCollection = defineCollection<FileDoc>('files', [
  { name: 'owner_createdAt', key: { ownerType: 1, ownerId: 1, createdAt: -1 } },
  { name: 'status_nextAttemptAt', key: { status: 1, 'scan.nextAttemptAt': 1 } },
  { name: 'derivedFrom', key: { derivedFrom: 1 } },
  // The local driver's signed links name the object; serving one looks its record up.
  { name: 'storageKey', key: { storageKey: 1 } },
  { name: 'status_createdAt', key: { status: 1, createdAt: -1 } },
]);
