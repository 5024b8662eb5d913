import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { fileView, newIdString } from '@seed-pms/db';
import {
  DomainError,
  type DownloadLinkView,
  FILE_POLICIES,
  type FileOwnerType,
  type FilePurpose,
  type FileRecord,
  type FileStatus,
  type FileView,
  isDomainError,
  isServable,
  notFound,
  type Page,
  type ScanOutcome,
  tidyFileName,
  validationFailed,
} from '@seed-pms/domain';
import { fileTypeFromBuffer } from 'file-type';
import { canOn } from '../access/ability.js';
import { type ActorContext, type CallContext, systemCallContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';
import { dataDir } from '../config/config.js';
import type { JobRunner } from '../jobs/jobs.js';
import { ScannerUnavailableError, scanStream } from './clamd.js';
import { createStorage } from './storage/create-storage.js';
import { LOCAL_BLOB_PATH, verifyLocalSignedUrl } from './storage/local-storage.js';
import { type ObjectStorage, StorageNotFoundError } from './storage/storage.js';

/** An upload as it reaches a procedure: a web File (multipart form field). */
export interface UploadedFile {
  readonly name: string;
  readonly size: number;
  readonly type: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** Decides whether the caller may read files owned by a record of one type. */
export interface FileOwnerAccess {
  canRead(ctx: ActorContext, ownerId: string): Promise<boolean>;
}

export interface StoreFileInput {
  purpose: FilePurpose;
  owner: { type: FileOwnerType; id: string };
  /** As the uploader named it; shown and used for downloads, never trusted for the type. */
  name: string;
  body: Readable | Buffer;
  derivedFrom?: string;
}

/** A file just stored: its id and what it is. */
export interface StoredFile {
  id: string;
  name: string;
  contentType: string;
  size: number;
  status: FileStatus;
}

export interface BlobToServe {
  stream: AsyncIterable<Uint8Array>;
  contentType: string;
  fileName: string;
  inline: boolean;
}

/** Stable links (see `link`) are signed as of the start of a window this long. */
const LINK_WINDOW_MS = 15 * 60_000;
/** How long `download` links last. */
export const DOWNLOAD_URL_TTL_SECONDS = 5 * 60;
/** Bytes of the start of a file that content sniffing looks at (zip-based office formats need some room). */
const SNIFF_BYTES = 64 * 1024;
/** 10 s, 20 s, 40 s, … : six attempts over about ten minutes, then `failed` (an admin can rescan). */
const SCAN_MAX_ATTEMPTS = 6;
const scanBackoffMs = (attempt: number) => 10_000 * 2 ** Math.max(attempt - 1, 0);
const SCAN_LOCK_MS = 2 * 60_000;
/** How often a change of a file reloads it after losing to another change (a scan, a delete) before giving up. */
const CHANGE_TRIES = 5;
export const FILES_SCAN_JOB = 'files.scan';

/** What procedures use: plain types only (this reaches the client's AppRouter type). */
export interface FilesApi {
  get(ctx: ActorContext, id: string): Promise<FileView>;
  /** A short-lived URL to download the file; audited as a download. */
  download(ctx: ActorContext, id: string): Promise<DownloadLinkView>;
  list(
    ctx: ActorContext,
    query: { status?: FileStatus | undefined; page: number; limit: number },
  ): Promise<Page<FileView>>;
  /** Queues a file that failed scanning (or any scanned file) for another scan. */
  rescan(ctx: ActorContext, id: string): Promise<FileView>;
  /** The local driver's signed download route: the bytes and how to send them. */
  openBlob(query: Record<string, unknown>): Promise<BlobToServe>;
}

export interface FilesService extends FilesApi {
  readonly storage: ObjectStorage;
  /** Areas that own files say who may read them. */
  registerOwner(type: FileOwnerType, access: FileOwnerAccess): void;
  /**
   * Reads a small upload whole (within the purpose's limit) and decides its
   * type by content: for uploads that are processed before they are stored
   * (profile images).
   */
  readUpload(purpose: FilePurpose, file: UploadedFile): Promise<{ bytes: Buffer; contentType: string }>;
  /**
   * Streams an upload into storage: the purpose's size limit (413), the type
   * decided by content against the purpose's allowlist (415), SHA-256, the
   * metadata row, and a virus scan when a scanner is configured. Audited.
   */
  store(ctx: CallContext, input: StoreFileInput): Promise<StoredFile>;
  /** Download links for servable files among `ids`, by id (files pending, infected or deleted have none). */
  links(ids: readonly string[], ttlSeconds: number): Promise<Map<string, DownloadLinkView>>;
  /** Soft-deletes files (kept for the audit trail; never served again). Audited. */
  remove(ctx: ActorContext, ids: readonly string[], reason: string): Promise<void>;
  /**
   * Scans due files until none is due (at most `max`), and waits for the
   * scans this process already has running (the background job's): when it
   * returns, every file that was due is scanned or held by another process.
   * Returns how many this call scanned.
   */
  scanDue(max?: number): Promise<number>;
}

export function createFilesService(
  deps: Pick<ServiceDeps, 'repos' | 'config' | 'clock' | 'logger' | 'jobs'>,
  services: { audit: AuditService },
): FilesService {
  const { files } = deps.repos;
  const { config, clock, logger } = deps;
  const { audit } = services;
  const owners = new Map<FileOwnerType, FileOwnerAccess>();
  const baseUrl = config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`;
  const storage = createStorage(config, { dataDir: dataDir(config), baseUrl: baseUrl.replace(/\/+$/, '') });
  const scanner = config.CLAMAV_URL ?? null;
  /** Scans running in this process. */
  const scanning = new Set<Promise<void>>();

  const limitOf = (purpose: FilePurpose) => Math.min(FILE_POLICIES[purpose].maxBytes, config.UPLOAD_MAX_BYTES);
  const tooLarge = (purpose: FilePurpose) =>
    new DomainError('PAYLOAD_TOO_LARGE', `The file is larger than the ${limitOf(purpose)} bytes allowed here`, {
      maxBytes: limitOf(purpose),
      purpose,
    });

  /** The type shown by the content, if the purpose allows it; 415 otherwise. */
  async function sniff(purpose: FilePurpose, head: Buffer, name: string): Promise<string> {
    const policy = FILE_POLICIES[purpose];
    const detected = await fileTypeFromBuffer(head);
    if (detected && policy.types.includes(detected.mime)) return detected.mime;
    const textType = policy.textTypes[extname(name).slice(1).toLowerCase()];
    if (!detected && textType && looksLikeText(head)) return textType;
    throw new DomainError(
      'UNSUPPORTED_MEDIA_TYPE',
      detected
        ? `Files of type ${detected.mime} are not accepted here`
        : 'The file’s content is not of a type accepted here',
      { detected: detected?.mime ?? null, allowed: [...policy.types, ...Object.values(policy.textTypes)], purpose },
    );
  }

  /** Reads the start of a stream for sniffing; returns it and an iterator over the rest. */
  async function headOf(body: Readable | Buffer, limit: number, purpose: FilePurpose) {
    const iterator = (Buffer.isBuffer(body) ? Readable.from([body]) : body)[Symbol.asyncIterator]();
    const chunks: Buffer[] = [];
    let length = 0;
    let ended = false;
    while (length < SNIFF_BYTES) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        break;
      }
      const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
      chunks.push(chunk);
      length += chunk.length;
      if (length > limit) throw tooLarge(purpose);
    }
    return { head: Buffer.concat(chunks), rest: ended ? null : iterator };
  }

  const storageKeyOf = (id: string) => `files/${id.slice(-2)}/${id}`;

  /**
   * Runs a change of a file on its newest version: when a scan, a rescan or a
   * delete changed the file first (409 VERSION_CONFLICT from the repository),
   * the file is read again and `change` decides again on what it is now.
   * `change` answers null when there is nothing (left) to do.
   */
  async function onLatest<T>(file: FileRecord, change: (current: FileRecord) => Promise<T | null>): Promise<T | null> {
    let current = file;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await change(current);
      } catch (error) {
        if (!(isDomainError(error) && error.code === 'VERSION_CONFLICT') || attempt >= CHANGE_TRIES) throw error;
        const fresh = await files.get(current.id);
        if (!fresh) return null;
        current = fresh;
      }
    }
  }

  /**
   * A signed URL valid for at least `ttlSeconds`. With `stable`, URLs are
   * signed as of the start of the current window (LINK_WINDOW_MS) and last a
   * window longer, so repeated answers (the directory's images) carry the same
   * URL for a while and browsers reuse what they cached.
   */
  async function link(
    file: FileRecord,
    ttlSeconds: number,
    options: { inline: boolean; stable: boolean },
  ): Promise<DownloadLinkView> {
    const now = clock().getTime();
    const signedAt = options.stable ? Math.floor(now / LINK_WINDOW_MS) * LINK_WINDOW_MS : now;
    const expiresInSeconds = ttlSeconds + (options.stable ? LINK_WINDOW_MS / 1000 : 0);
    const url = await storage.signedUrl(file.storageKey, {
      expiresInSeconds,
      fileName: file.name,
      contentType: file.contentType,
      inline: options.inline,
      signedAt: new Date(signedAt),
    });
    return { url, expiresAt: new Date(signedAt + expiresInSeconds * 1000).toISOString() };
  }

  async function loadReadable(ctx: ActorContext, id: string): Promise<FileRecord> {
    const file = await files.get(id);
    if (!file || file.deletedAt) throw notFound('File', id);
    const ownerAccess = owners.get(file.ownerType);
    const allowed =
      canOn(ctx.actor, 'read', 'File', { id: file.id, ownerType: file.ownerType, uploadedBy: file.uploadedBy }) ||
      (await ownerAccess?.canRead(ctx, file.ownerId)) === true;
    // Not found rather than forbidden: a file's existence is the owner's business.
    if (!allowed) throw notFound('File', id);
    return file;
  }

  const wakeScanner = () => {
    deps.jobs
      .enqueue(FILES_SCAN_JOB)
      .catch((error: unknown) => logger.error({ err: error }, 'could not start the virus scanner job'));
  };

  /**
   * Moves an infected file's bytes out of reach: links issued before the scan
   * (S3 presigned URLs cannot be revoked) must find nothing under the old key.
   * If the copy fails the original is deleted all the same.
   */
  async function quarantine(file: FileRecord): Promise<void> {
    const key = `quarantine/${file.id}`;
    try {
      await storage.put(key, await storage.get(file.storageKey), { contentType: 'application/octet-stream' });
      await onLatest(file, (current) => files.setStorageKey(current, key, clock()));
    } catch (error) {
      logger.error({ err: error, fileId: file.id }, 'could not copy an infected file to quarantine');
    }
    await storage.delete(file.storageKey);
  }

  /** Records a scan's outcome, unless the file stopped being pending meanwhile (another scanner decided). */
  function recordOutcome(file: FileRecord, outcome: ScanOutcome): Promise<FileRecord | null> {
    return onLatest(file, async (current) =>
      current.status === 'pending' ? files.recordScan(current, outcome, clock()) : null,
    );
  }

  async function scanOne(file: FileRecord): Promise<void> {
    const fileId = file.id;
    try {
      if (!scanner) throw new ScannerUnavailableError('CLAMAV_URL is not set');
      const result = await scanStream(scanner, await storage.get(file.storageKey));
      if (result.status === 'clean') {
        await recordOutcome(file, { status: 'clean' });
        return;
      }
      const infected = await recordOutcome(file, { status: 'infected', signature: result.signature });
      await quarantine(infected ?? file);
      logger.warn({ fileId, signature: result.signature }, 'infected file quarantined');
      const now = clock();
      await audit.record(systemCallContext(`files.scan:${fileId}`, now), {
        action: 'file.quarantine',
        resourceType: 'file',
        resourceId: fileId,
        details: { signature: result.signature, owner: { type: file.ownerType, id: file.ownerId } },
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message.slice(0, 300) : String(error);
      const now = clock();
      const giveUp = error instanceof StorageNotFoundError || file.scan.attempts >= SCAN_MAX_ATTEMPTS;
      await recordOutcome(
        file,
        giveUp
          ? { status: 'failed', error: reason }
          : {
              status: 'pending',
              error: reason,
              nextAttemptAt: new Date(now.getTime() + scanBackoffMs(file.scan.attempts)),
            },
      );
      logger.warn({ fileId, attempts: file.scan.attempts, reason, gaveUp: giveUp }, 'virus scan failed');
    }
  }

  return {
    storage,

    registerOwner(type, access) {
      owners.set(type, access);
    },

    async readUpload(purpose, file) {
      if (file.size > limitOf(purpose)) throw tooLarge(purpose);
      const bytes = Buffer.from(await file.arrayBuffer());
      if (bytes.length > limitOf(purpose)) throw tooLarge(purpose);
      return { bytes, contentType: await sniff(purpose, bytes.subarray(0, SNIFF_BYTES), file.name) };
    },

    async store(ctx, input) {
      const limit = limitOf(input.purpose);
      const name = tidyFileName(input.name);
      const { head, rest } = await headOf(input.body, limit, input.purpose);
      if (head.length === 0) {
        throw validationFailed('The file is empty', [
          { path: 'file', message: 'must not be empty', code: 'too_small' },
        ]);
      }
      const contentType = await sniff(input.purpose, head, name);
      const id = newIdString();
      const key = storageKeyOf(id);
      const hash = createHash('sha256');
      let size = 0;
      const purpose = input.purpose;
      const counted = Readable.from(
        (async function* () {
          for (const chunk of [head]) {
            size += chunk.length;
            hash.update(chunk);
            yield chunk;
          }
          if (!rest) return;
          for (let next = await rest.next(); !next.done; next = await rest.next()) {
            const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value as Uint8Array);
            size += chunk.length;
            if (size > limit) throw tooLarge(purpose);
            hash.update(chunk);
            yield chunk;
          }
        })(),
      );
      try {
        await storage.put(key, counted, { contentType });
      } catch (error) {
        await storage.delete(key).catch(() => undefined);
        throw error;
      }
      const status = scanner ? 'pending' : 'unscanned';
      let stored: FileRecord;
      try {
        stored = await files.insert(
          {
            id,
            name,
            contentType,
            size,
            sha256: hash.digest('hex'),
            purpose: input.purpose,
            ownerType: input.owner.type,
            ownerId: input.owner.id,
            storageKey: key,
            derivedFrom: input.derivedFrom ?? null,
            status,
            uploadedBy: ctx.actor?.id ?? null,
          },
          ctx.now,
        );
      } catch (error) {
        await storage.delete(key).catch(() => undefined);
        throw error;
      }
      await audit.record(ctx, {
        action: 'file.upload',
        resourceType: 'file',
        resourceId: id,
        after: fileView(stored),
      });
      if (scanner) wakeScanner();
      return { id, name, contentType, size, status };
    },

    async links(ids, ttlSeconds) {
      const found = new Map<string, DownloadLinkView>();
      if (ids.length === 0) return found;
      const records = [...(await files.getMany(ids)).values()];
      await Promise.all(
        records
          .filter((file) => !file.deletedAt && isServable(file.status))
          .map(async (file) => {
            const inline = file.contentType.startsWith('image/');
            found.set(file.id, await link(file, ttlSeconds, { inline, stable: true }));
          }),
      );
      return found;
    },

    async remove(ctx, ids, reason) {
      for (const id of ids) {
        const file = await files.get(id);
        if (!file) continue;
        // Deleted at the version read; a scan that moved the file first makes it read the file again.
        const before = await onLatest(file, async (current) => {
          if (current.deletedAt) return null;
          await files.softDelete(current, ctx.actor.id, ctx.now);
          return current;
        });
        if (!before) continue;
        await audit.record(ctx, {
          action: 'file.delete',
          resourceType: 'file',
          resourceId: id,
          before: fileView(before),
          details: { reason },
        });
      }
    },

    async get(ctx, id) {
      return fileView(await loadReadable(ctx, id));
    },

    async download(ctx, id) {
      const file = await loadReadable(ctx, id);
      if (file.status === 'infected') {
        throw new DomainError('FILE_QUARANTINED', 'The file was found infected and is quarantined', {
          signature: file.scan.signature,
        });
      }
      if (!isServable(file.status)) {
        throw new DomainError(
          'FILE_NOT_READY',
          file.status === 'failed'
            ? 'The virus scan of this file failed; an admin can start it again'
            : 'The file is being scanned for viruses; try again shortly',
          { status: file.status },
        );
      }
      const answer = await link(file, DOWNLOAD_URL_TTL_SECONDS, { inline: false, stable: false });
      await audit.record(ctx, { action: 'file.download', resourceType: 'file', resourceId: id });
      return answer;
    },

    list: (_ctx, query) => files.list(query),

    async rescan(ctx, id) {
      const file = await loadReadable(ctx, id);
      if (!scanner) {
        throw new DomainError('SCANNER_NOT_CONFIGURED', 'No virus scanner is configured (CLAMAV_URL)', {
          setting: 'CLAMAV_URL',
        });
      }
      // Already waiting for the scanner: nothing to do. A scan or delete that lands first is read again.
      const requeued = await onLatest(file, async (current) =>
        current.status === 'pending' || current.deletedAt ? null : files.requeueScan(current, ctx.now),
      );
      if (!requeued) {
        const current = await files.get(file.id);
        if (!current || current.deletedAt) throw notFound('File', id);
        return fileView(current);
      }
      await audit.record(ctx, {
        action: 'file.rescan',
        resourceType: 'file',
        resourceId: id,
        details: { previousStatus: file.status },
      });
      wakeScanner();
      return fileView(requeued);
    },

    async scanDue(max = 50) {
      let scanned = 0;
      for (; scanned < max; scanned += 1) {
        const file = await files.claimForScan(clock(), SCAN_LOCK_MS);
        if (!file) break;
        const scan = scanOne(file);
        scanning.add(scan);
        await scan.finally(() => scanning.delete(scan));
      }
      await Promise.allSettled([...scanning]);
      return scanned;
    },

    async openBlob(query) {
      if (storage.driver !== 'local') throw new DomainError('NOT_FOUND', 'Not found');
      const checked = verifyLocalSignedUrl(query, config.FILE_URL_SECRET, clock());
      if ('error' in checked) {
        throw new DomainError(
          'FORBIDDEN',
          checked.error === 'expired' ? 'This download link has expired' : 'This download link is not valid',
          { reason: checked.error },
        );
      }
      // The signature proves the link was issued; the record says whether it may still be served.
      const file = await files.byStorageKey(checked.key);
      if (!file || file.deletedAt || !isServable(file.status)) {
        throw new DomainError('NOT_FOUND', 'This file is no longer available');
      }
      try {
        return { ...checked, stream: await storage.get(checked.key) };
      } catch (error) {
        if (error instanceof StorageNotFoundError) throw new DomainError('NOT_FOUND', 'The file is gone');
        throw error;
      }
    },
  };
}

/** True when the bytes are UTF-8 text without NULs (a cut multi-byte character at the end is fine). */
function looksLikeText(head: Buffer): boolean {
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** The background scanner: woken after each upload, and on a schedule for retries. */
export function registerFileJobs(jobs: JobRunner, service: FilesService): void {
  jobs.register(FILES_SCAN_JOB, async () => ({ scanned: await service.scanDue() }), { everyMs: 15_000 });
}

export { LOCAL_BLOB_PATH };
