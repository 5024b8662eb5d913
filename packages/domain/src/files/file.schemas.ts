import { z } from 'zod';
import { Id, Instant } from '../common/common.schemas.js';

/** What an upload is for; each purpose has its own size limit and allowed types. */
export const FILE_PURPOSES = ['profile-image', 'project-document', 'expense-receipt'] as const;
export const FilePurpose = z.enum(FILE_PURPOSES).meta({ id: 'FilePurpose' });
export type FilePurpose = z.infer<typeof FilePurpose>;

/** The record a file belongs to; reading the file needs read access to it. */
export const FILE_OWNER_TYPES = ['employee', 'project', 'expense'] as const;
export const FileOwnerType = z.enum(FILE_OWNER_TYPES);
export type FileOwnerType = z.infer<typeof FileOwnerType>;

/**
 * - `unscanned`: no virus scanner is configured; served.
 * - `pending`: waiting for the scanner (retried while it fails); not served yet.
 * - `clean`: scanned, nothing found; served.
 * - `infected`: quarantined; never served.
 * - `failed`: the scanner failed on every attempt; not served until a rescan passes.
 */
export const FILE_STATUSES = ['unscanned', 'pending', 'clean', 'infected', 'failed'] as const;
export const FileStatus = z.enum(FILE_STATUSES).meta({ id: 'FileStatus' });
export type FileStatus = z.infer<typeof FileStatus>;

export function isServable(status: FileStatus): boolean {
  return status === 'clean' || status === 'unscanned';
}

export interface PurposePolicy {
  maxBytes: number;
  /** Types decided by content sniffing that are accepted. */
  types: readonly string[];
  /** Plain-text types accepted when sniffing finds no binary signature, by file extension. */
  textTypes: Readonly<Record<string, string>>;
}

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp'] as const;
const MiB = 1024 * 1024;

export const FILE_POLICIES: Readonly<Record<FilePurpose, PurposePolicy>> = {
  'profile-image': { maxBytes: 5 * MiB, types: IMAGE_TYPES, textTypes: {} },
  'project-document': {
    maxBytes: 25 * MiB,
    types: [
      'application/pdf',
      ...IMAGE_TYPES,
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
      'application/vnd.oasis.opendocument.text',
      'application/vnd.oasis.opendocument.spreadsheet',
      'application/vnd.oasis.opendocument.presentation',
      'application/zip',
    ],
    textTypes: { txt: 'text/plain', md: 'text/markdown', csv: 'text/csv' },
  },
  'expense-receipt': {
    maxBytes: 10 * MiB,
    types: ['application/pdf', 'image/jpeg', 'image/png'],
    textTypes: {},
  },
};

/** File names are kept to this many characters. */
export const MAX_FILE_NAME_LENGTH = 200;
/** The longest ending after the last dot that counts as an extension (".txt", ".docx", ".tar.gz"'s ".gz"). */
const MAX_EXTENSION_LENGTH = 16;

/**
 * A file name safe to show and to put in a Content-Disposition header:
 * without a path, control characters or quotes, and at most
 * MAX_FILE_NAME_LENGTH characters. A name that is too long is shortened
 * before its extension, which stays: the extension decides how plain-text
 * uploads are typed (`.txt`, `.md`, `.csv`) and what the download is opened with.
 */
export function tidyFileName(name: string | undefined, fallback = 'file'): string {
  const base = (name ?? '').split(/[\\/]/).pop() ?? '';
  // Control characters and quotes never reach headers; the rest of Unicode is kept.
  const clean = shortened(base.replace(/[\p{Cc}"]/gu, '').trim(), MAX_FILE_NAME_LENGTH);
  return clean === '' || clean === '.' || clean === '..' ? fallback : clean;
}

/** `name` cut to `max` characters (code points, so no character is split) before its extension. */
function shortened(name: string, max: number): string {
  const chars = Array.from(name);
  if (chars.length <= max) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? Array.from(name.slice(dot)) : [];
  const kept =
    extension.length > 1 && extension.length <= MAX_EXTENSION_LENGTH && !/\s/.test(name.slice(dot)) ? extension : [];
  return (
    chars
      .slice(0, max - kept.length)
      .join('')
      .trimEnd() + kept.join('')
  );
}

export const FileView = z
  .object({
    id: Id,
    name: z.string(),
    contentType: z.string(),
    size: z.number().int().min(0),
    sha256: z.string(),
    purpose: FilePurpose,
    owner: z.object({ type: FileOwnerType, id: Id }),
    status: FileStatus,
    scan: z.object({
      attempts: z.number().int().min(0),
      lastError: z.string().nullable(),
      signature: z.string().nullable().meta({ description: 'What the scanner found, for infected files.' }),
      scannedAt: Instant.nullable(),
    }),
    uploadedBy: Id.nullable(),
    createdAt: Instant,
    deletedAt: Instant.nullable(),
  })
  .meta({ id: 'File' });
export type FileView = z.infer<typeof FileView>;

export const DownloadLinkView = z
  .object({
    url: z.string().meta({ description: 'GET it without credentials before it expires.' }),
    expiresAt: Instant,
  })
  .meta({ id: 'DownloadLink' });
export type DownloadLinkView = z.infer<typeof DownloadLinkView>;

export const FileWithLinkView = FileView.extend({
  download: DownloadLinkView.nullable().meta({ description: 'Null while the file cannot be served (see status).' }),
}).meta({ id: 'FileWithLink' });
export type FileWithLinkView = z.infer<typeof FileWithLinkView>;
