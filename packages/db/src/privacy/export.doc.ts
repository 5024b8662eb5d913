import type { ExportStatus } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/**
 * A personal-data export (privacy_exports). `activeKey` is the person's id
 * while the export is queued or running and the export's own id afterwards:
 * its unique index lets one export per person be in progress, whatever races.
 */
export interface ExportDoc {
  _id: ObjectId;
  userId: ObjectId;
  activeKey: string;
  status: ExportStatus;
  progress: { done: number; total: number; area: string | null };
  requestedBy: ObjectId;
  requestedAt: Date;
  startedAt: Date | null;
  readyAt: Date | null;
  expiresAt: Date | null;
  failedAt: Date | null;
  error: string | null;
  storageKey: string | null;
  size: number | null;
  sha256: string | null;
  /** Rows per area and receipts, as `[{ name, count }]` (no keys with dots). */
  counts: { name: string; count: number }[] | null;
  version: number;
  /** The last change: a running export that has not moved for a while was left by a crash and is run again. */
  updatedAt: Date;
}

export const privacyExportsCollection = defineCollection<ExportDoc>('privacy_exports', [
  { name: 'activeKey_unique', key: { activeKey: 1 }, unique: true },
  { name: 'user_requested', key: { userId: 1, requestedAt: -1 } },
  { name: 'requestedBy_requested', key: { requestedBy: 1, requestedAt: -1 } },
  { name: 'status_expires', key: { status: 1, expiresAt: 1 } },
  { name: 'status_updated', key: { status: 1, updatedAt: 1 } },
]);
