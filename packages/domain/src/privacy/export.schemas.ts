import { z } from 'zod';
import { Id, Instant, listOf } from '../common/common.schemas.js';

/**
 * The areas of a personal-data export, each one JSON file in the ZIP (and a
 * CSV for the tabular ones). The personal-data inventory maps every collection
 * to one of these names; the export test checks the ZIP against it.
 */
export const EXPORT_AREAS = [
  { area: 'profile', file: 'profile.json', csv: null },
  { area: 'account', file: 'account.json', csv: null },
  { area: 'allocations', file: 'allocations.json', csv: 'allocations.csv' },
  { area: 'leave', file: 'leave.json', csv: 'leave.csv' },
  { area: 'attendance', file: 'attendance.json', csv: 'attendance.csv' },
  { area: 'workLocation', file: 'work-location.json', csv: null },
  { area: 'expenses', file: 'expenses.json', csv: 'expenses.csv' },
  { area: 'messages', file: 'messages.json', csv: 'messages.csv' },
  { area: 'notifications', file: 'notifications.json', csv: null },
  { area: 'consents', file: 'consents.json', csv: null },
  { area: 'audit', file: 'audit.json', csv: null },
] as const;
export type ExportAreaSpec = (typeof EXPORT_AREAS)[number];
export type ExportArea = ExportAreaSpec['area'];
export const EXPORT_AREA_NAMES = EXPORT_AREAS.map((spec) => spec.area) as unknown as readonly [
  ExportArea,
  ...ExportArea[],
];
export const ExportAreaName = z.enum(EXPORT_AREA_NAMES).meta({ id: 'PrivacyExportArea' });
/** Receipts go in the ZIP as `expenses/receipts/<fileId>-<name>`. */
export const EXPORT_RECEIPTS_DIR = 'expenses/receipts/';
export const EXPORT_MANIFEST_FILE = 'manifest.json';
export const EXPORT_README_FILE = 'README.txt';

export const EXPORT_STATUSES = ['queued', 'running', 'ready', 'failed', 'expired'] as const;
export const ExportStatus = z.enum(EXPORT_STATUSES).meta({ id: 'PrivacyExportStatus' });
export type ExportStatus = z.infer<typeof ExportStatus>;

export interface ExportProgress {
  done: number;
  total: number;
  /** The area being written (while running). */
  area?: ExportArea | undefined;
}

/** An export as stored (packages/db maps it; ids as strings). */
export interface ExportRecord {
  id: string;
  userId: string;
  status: ExportStatus;
  progress: ExportProgress;
  requestedBy: string;
  requestedAt: Date;
  startedAt: Date | null;
  readyAt: Date | null;
  /** When the ZIP is (or was) removed: readyAt + 7 days; for a failed export, its failure + 7 days. */
  expiresAt: Date | null;
  failedAt: Date | null;
  error: string | null;
  /** Where the ZIP is stored; null until ready and after expiry. */
  storageKey: string | null;
  size: number | null;
  sha256: string | null;
  /** Files and rows per area, as the manifest says. */
  counts: Record<string, number> | null;
  version: number;
  updatedAt: Date;
}

export const ExportDownloadView = z
  .object({
    url: z.string().meta({ description: 'GET it without credentials before it expires: the ZIP as an attachment.' }),
    expiresAt: Instant,
  })
  .meta({ id: 'PrivacyExportDownload' });

export const ExportView = z
  .object({
    id: Id,
    userId: Id,
    status: ExportStatus,
    progress: z.object({ done: z.number().int(), total: z.number().int(), area: ExportAreaName.optional() }),
    requestedBy: Id,
    requestedAt: Instant,
    readyAt: Instant.nullable(),
    expiresAt: Instant.nullable().meta({ description: 'When the ZIP is deleted (7 days after it was ready).' }),
    size: z.number().int().nullable().meta({ description: 'The ZIP’s size in bytes, once ready.' }),
    sha256: z.string().nullable().meta({ description: 'The ZIP’s SHA-256 (hex), once ready.' }),
    error: z.string().nullable().meta({ description: 'Why a failed export failed.' }),
    download: ExportDownloadView.nullable().meta({ description: 'A signed, expiring link while the export is ready.' }),
  })
  .meta({ id: 'PrivacyExport' });
export type ExportView = z.infer<typeof ExportView>;

export const RequestExportInput = z
  .strictObject({
    userId: Id.optional().meta({ description: 'Whose data (default: yours). HR may export anyone’s.' }),
  })
  .meta({ id: 'RequestPrivacyExportInput' });
export type RequestExportInput = z.infer<typeof RequestExportInput>;

export const ListExportsQuery = z
  .strictObject({
    userId: Id.optional().meta({
      description: 'HR: one person’s exports. Others see their own and those they asked for.',
    }),
  })
  .meta({ id: 'ListPrivacyExportsQuery' });
export type ListExportsQuery = z.infer<typeof ListExportsQuery>;

export const ExportIdInput = z.strictObject({ id: Id }).meta({ id: 'PrivacyExportIdInput' });
export type ExportIdInput = z.infer<typeof ExportIdInput>;

/** A short list, never paged (at most the last 50). */
export const ExportListView = listOf(ExportView).meta({ id: 'PrivacyExportList' });
export type ExportListView = z.infer<typeof ExportListView>;

/** The manifest at the root of the ZIP. */
export interface ExportManifest {
  formatVersion: 1;
  userId: string;
  generatedAt: string;
  areas: { area: ExportArea; file: string; csv: string | null; collections: { name: string; count: number }[] }[];
  receipts: { fileId: string; file: string; size: number; sha256: string }[];
}
export const EXPORT_FORMAT_VERSION = 1;
