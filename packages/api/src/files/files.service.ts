import { createHash } from 'node:crypto';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import {
  claimFileForScan,
  type FileDoc,
  filesCollection,
  findByIds,
  findPage,
  newId,
  ObjectId,
  parseId,
  recordScan,
  toFileView,
  type WithId,
} from '@seed-pms/db';
import {
  DomainError,
  type DownloadLinkView,
  FILE_POLICIES,
  type FileOwnerType,
  type FilePurpose,
  type FileStatus,
  type FileView,
  isServable,
  notFound,
  type Page,
  tidyFileName,
} from '@seed-pms/domain';
import { fileTypeFromBuffer } from 'file-type';
import { canOn } from '../access/ability.js';
import { type ActorContext, type CallContext, systemCallContext } from '../app/call-context.js';
import type { AppDeps } from '../app/deps.js';
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
  /** Scans due files until none is due (at most `max`); returns how many were scanned. */
  scanDue(max?: number): Promise<number>;
}

export function createFilesService(deps: AppDeps, services: { audit: AuditService }): FilesService {
  const files = deps.database.collection(filesCollection);
  const { config, clock, logger } = deps;
  const { audit } = services;
  const owners = new Map<FileOwnerType, FileOwnerAccess>();
  const baseUrl = config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`;
  const storage = createStorage(config, { dataDir: dataDir(config), baseUrl: baseUrl.replace(/\/+$/, '') });
  const scanner = config.CLAMAV_URL ?? null;

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

  const storageKeyOf = (id: ObjectId) => `files/${id.toHexString().slice(-2)}/${id.toHexString()}`;

  /**
   * A signed URL valid for at least `ttlSeconds`. With `stable`, URLs are
   * signed as of the start of the current window (LINK_WINDOW_MS) and last a
   * window longer, so repeated answers (the directory's images) carry the same
   * URL for a while and browsers reuse what they cached.
   */
  async function link(
    doc: WithId<FileDoc>,
    ttlSeconds: number,
    options: { inline: boolean; stable: boolean },
  ): Promise<DownloadLinkView> {
    const now = clock().getTime();
    const signedAt = options.stable ? Math.floor(now / LINK_WINDOW_MS) * LINK_WINDOW_MS : now;
    const expiresInSeconds = ttlSeconds + (options.stable ? LINK_WINDOW_MS / 1000 : 0);
    const url = await storage.signedUrl(doc.storageKey, {
      expiresInSeconds,
      fileName: doc.name,
      contentType: doc.contentType,
      inline: options.inline,
      signedAt: new Date(signedAt),
    });
    return { url, expiresAt: new Date(signedAt + expiresInSeconds * 1000).toISOString() };
  }

  async function loadReadable(ctx: ActorContext, id: string): Promise<WithId<FileDoc>> {
    const doc = await files.findOne({ _id: parseId(id, { resource: 'File' }) });
    if (!doc || doc.deletedAt) throw notFound('File', id);
    const ownerAccess = owners.get(doc.ownerType);
    const allowed =
      canOn(ctx.actor, 'read', 'File', {
        id,
        ownerType: doc.ownerType,
        uploadedBy: doc.uploadedBy?.toHexString() ?? null,
      }) || (await ownerAccess?.canRead(ctx, doc.ownerId.toHexString())) === true;
    // Not found rather than forbidden: a file's existence is the owner's business.
    if (!allowed) throw notFound('File', id);
    return doc;
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
  async function quarantine(doc: WithId<FileDoc>): Promise<void> {
    const key = `quarantine/${doc._id.toHexString()}`;
    try {
      await storage.put(key, await storage.get(doc.storageKey), { contentType: 'application/octet-stream' });
      await files.updateOne({ _id: doc._id }, { $set: { storageKey: key } });
    } catch (error) {
      logger.error({ err: error, fileId: doc._id.toHexString() }, 'could not copy an infected file to quarantine');
    }
    await storage.delete(doc.storageKey);
  }

  async function scanOne(doc: WithId<FileDoc>): Promise<void> {
    const fileId = doc._id.toHexString();
    try {
      if (!scanner) throw new ScannerUnavailableError('CLAMAV_URL is not set');
      const result = await scanStream(scanner, await storage.get(doc.storageKey));
      const now = clock();
      if (result.status === 'clean') {
        await recordScan(files, doc, { status: 'clean' }, now);
        return;
      }
      await recordScan(files, doc, { status: 'infected', signature: result.signature }, now);
      await quarantine(doc);
      logger.warn({ fileId, signature: result.signature }, 'infected file quarantined');
      await audit.record(systemCallContext(`files.scan:${fileId}`, now), {
        action: 'file.quarantine',
        resourceType: 'file',
        resourceId: fileId,
        details: { signature: result.signature, owner: { type: doc.ownerType, id: doc.ownerId.toHexString() } },
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message.slice(0, 300) : String(error);
      const now = clock();
      const giveUp = error instanceof StorageNotFoundError || doc.scan.attempts >= SCAN_MAX_ATTEMPTS;
      await recordScan(
        files,
        doc,
        giveUp
          ? { status: 'failed', error: reason }
          : {
              status: 'pending',
              error: reason,
              nextAttemptAt: new Date(now.getTime() + scanBackoffMs(doc.scan.attempts)),
            },
        now,
      );
      logger.warn({ fileId, attempts: doc.scan.attempts, reason, gaveUp: giveUp }, 'virus scan failed');
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
      if (head.length === 0) throw new DomainError('VALIDATION_FAILED', 'The file is empty', { field: 'file' });
      const contentType = await sniff(input.purpose, head, name);
      const id = newId();
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
      const now = ctx.now;
      const status: FileStatus = scanner ? 'pending' : 'unscanned';
      const doc: FileDoc = {
        _id: id,
        name,
        contentType,
        size,
        sha256: hash.digest('hex'),
        purpose: input.purpose,
        ownerType: input.owner.type,
        ownerId: ObjectId.createFromHexString(input.owner.id),
        storageKey: key,
        derivedFrom: input.derivedFrom ? ObjectId.createFromHexString(input.derivedFrom) : null,
        status,
        scan: {
          attempts: 0,
          lastError: null,
          signature: null,
          scannedAt: null,
          nextAttemptAt: scanner ? now : null,
          lockedUntil: null,
        },
        uploadedBy: ctx.actor ? new ObjectId(ctx.actor.id) : null,
        deletedAt: null,
        deletedBy: null,
        version: 1,
        createdAt: now,
        updatedAt: now,
      };
      try {
        await files.insertOne(doc);
      } catch (error) {
        await storage.delete(key).catch(() => undefined);
        throw error;
      }
      await audit.record(ctx, {
        action: 'file.upload',
        resourceType: 'file',
        resourceId: id.toHexString(),
        after: toFileView(doc),
      });
      if (scanner) wakeScanner();
      return { id: id.toHexString(), name, contentType, size, status };
    },

    async links(ids, ttlSeconds) {
      const found = new Map<string, DownloadLinkView>();
      if (ids.length === 0) return found;
      const docs = [
        ...(
          await findByIds(
            files,
            ids.map((id) => ObjectId.createFromHexString(id)),
          )
        ).values(),
      ];
      await Promise.all(
        docs
          .filter((doc) => !doc.deletedAt && isServable(doc.status))
          .map(async (doc) => {
            const inline = doc.contentType.startsWith('image/');
            found.set(doc._id.toHexString(), await link(doc, ttlSeconds, { inline, stable: true }));
          }),
      );
      return found;
    },

    async remove(ctx, ids, reason) {
      for (const id of ids) {
        const before = await files.findOneAndUpdate(
          { _id: ObjectId.createFromHexString(id), deletedAt: null },
          {
            $set: { deletedAt: ctx.now, deletedBy: new ObjectId(ctx.actor.id), updatedAt: ctx.now },
            $inc: { version: 1 },
          },
          { returnDocument: 'before' },
        );
        if (!before) continue;
        await audit.record(ctx, {
          action: 'file.delete',
          resourceType: 'file',
          resourceId: id,
          before: toFileView(before),
          details: { reason },
        });
      }
    },

    async get(ctx, id) {
      return toFileView(await loadReadable(ctx, id));
    },

    async download(ctx, id) {
      const doc = await loadReadable(ctx, id);
      if (doc.status === 'infected') {
        throw new DomainError('FILE_QUARANTINED', 'The file was found infected and is quarantined', {
          signature: doc.scan.signature,
        });
      }
      if (!isServable(doc.status)) {
        throw new DomainError(
          'FILE_NOT_READY',
          doc.status === 'failed'
            ? 'The virus scan of this file failed; an admin can start it again'
            : 'The file is being scanned for viruses; try again shortly',
          { status: doc.status },
        );
      }
      const answer = await link(doc, DOWNLOAD_URL_TTL_SECONDS, { inline: false, stable: false });
      await audit.record(ctx, { action: 'file.download', resourceType: 'file', resourceId: id });
      return answer;
    },

    async list(_ctx, query) {
      const filter = query.status ? { status: query.status, deletedAt: null } : { deletedAt: null };
      return findPage(
        files,
        filter,
        { page: query.page, limit: query.limit, sort: { createdAt: -1, _id: -1 } },
        toFileView,
      );
    },

    async rescan(ctx, id) {
      const doc = await loadReadable(ctx, id);
      if (!scanner) throw new DomainError('INVALID_STATE', 'No virus scanner is configured (CLAMAV_URL)');
      if (doc.status === 'pending') return toFileView(doc);
      const updated = await files.findOneAndUpdate(
        { _id: doc._id, version: doc.version },
        {
          $set: {
            status: 'pending',
            'scan.attempts': 0,
            'scan.nextAttemptAt': ctx.now,
            'scan.lockedUntil': null,
            updatedAt: ctx.now,
          },
          $inc: { version: 1 },
        },
        { returnDocument: 'after' },
      );
      if (!updated) throw new DomainError('VERSION_CONFLICT', 'The file changed meanwhile; try again');
      await audit.record(ctx, {
        action: 'file.rescan',
        resourceType: 'file',
        resourceId: id,
        details: { previousStatus: doc.status },
      });
      wakeScanner();
      return toFileView(updated);
    },

    async scanDue(max = 50) {
      let scanned = 0;
      for (; scanned < max; scanned += 1) {
        const doc = await claimFileForScan(files, clock(), SCAN_LOCK_MS);
        if (!doc) break;
        await scanOne(doc);
      }
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
      const doc = await files.findOne({ storageKey: checked.key });
      if (!doc || doc.deletedAt || !isServable(doc.status)) {
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
  jobs.register(
    FILES_SCAN_JOB,
    async () => {
      await service.scanDue();
    },
    { everyMs: 15_000 },
  );
}

export { LOCAL_BLOB_PATH };
