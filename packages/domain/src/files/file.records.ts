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

/** A file just stored in object storage, as its metadata is first written (the id drawn beforehand). */
export type NewFileRecord = Pick<
  FileRecord,
  | 'id'
  | 'name'
  | 'contentType'
  | 'size'
  | 'sha256'
  | 'purpose'
  | 'ownerType'
  | 'ownerId'
  | 'storageKey'
  | 'derivedFrom'
  | 'uploadedBy'
> & {
  /** `pending` when a scanner is configured (due for a scan at once), else `unscanned`. */
  status: Extract<FileStatus, 'pending' | 'unscanned'>;
};

/** What a virus scan of a claimed file came to; `pending` is a failed attempt to be retried at `nextAttemptAt`. */
export interface ScanOutcome {
  status: Extract<FileStatus, 'pending' | 'clean' | 'infected' | 'failed'>;
  signature?: string | null;
  error?: string | null;
  nextAttemptAt?: Date | null;
}
