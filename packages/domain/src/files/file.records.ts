import type { FileOwnerType, FilePurpose, FileStatus } from './file.schemas.js';

/** A stored file's metadata as the server sees it (the bytes live in object storage under `storageKey`). */
export interface FileRecord {
  id: string;
  name: string;
  contentType: string;
  size: number;
  sha256: string;
  purpose: FilePurpose;
  ownerType: FileOwnerType;
  ownerId: string;
  storageKey: string;
  /** The original, for derived files such as thumbnails. */
  derivedFrom: string | null;
  status: FileStatus;
  scan: {
    attempts: number;
    lastError: string | null;
    signature: string | null;
    scannedAt: Date | null;
    nextAttemptAt: Date | null;
    lockedUntil: Date | null;
  };
  uploadedBy: string | null;
  deletedAt: Date | null;
  deletedBy: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
