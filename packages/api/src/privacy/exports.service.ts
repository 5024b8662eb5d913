import { createHash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import {
  accessQuery,
  canMoveExport,
  checkExportDownload,
  DomainError,
  decideExportRequest,
  EXPORT_AREAS,
  EXPORT_FORMAT_VERSION,
  EXPORT_MANIFEST_FILE,
  EXPORT_RATE_WINDOW_MS,
  EXPORT_README_FILE,
  EXPORT_TOTAL_STEPS,
  type ExportIdInput,
  type ExportListView,
  type ExportManifest,
  type ExportRecord,
  type ExportView,
  exportExpiryFrom,
  exportLinkExpiry,
  type JobCounts,
  type ListExportsQuery,
  notFound,
  type RequestExportInput,
} from '@seed-pms/domain';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { abilityFor, canOn, loadSeen } from '../access/ability.js';
import { type ActorContext, type CallContext, systemCallContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';
import { dataBox } from '../auth/secrets.js';
import { personalDataBox } from '../employees/personal-data.js';
import { signedQuery, verifyLocalSignedUrl } from '../files/storage/local-storage.js';
import { type ObjectStorage, StorageNotFoundError } from '../files/storage/storage.js';
import { AREA_BUILDERS } from './export-areas.js';
import { EXPORT_README } from './export-readme.js';

/** Builds one export: enqueued with `{ exportId }` when it is requested. */
export const EXPORT_BUILD_JOB = 'privacy.export-build';
/** Runs again the exports a crash (or a lost job) left queued or running (every 5 minutes). */
export const EXPORT_RESUME_JOB = 'privacy.export-resume';
/** Deletes the ZIPs of exports 7 days after they were ready and marks them expired (daily). */
export const EXPORT_EXPIRE_JOB = 'privacy.export-expire';
/** The raw route that serves a ready ZIP by its signed link (no credentials). */
export const EXPORT_DOWNLOAD_PATH = '/api/v1/privacy/exports/download';
/** Storage keys of the ZIPs, beside the files area's objects in the same storage. */
const KEY_PREFIX = 'privacy-exports/';
/** An export nothing moved for this long is taken to be left by a crash. */
const STALLED_AFTER_MS = 10 * 60_000;
const LIST_LIMIT = 50;

export interface ZipToServe {
  stream: AsyncIterable<Uint8Array>;
  fileName: string;
  size: number | null;
}

/** What procedures use (plain types only: this reaches the client's AppRouter type). */
export interface ExportsApi {
  /** Queues an export of the caller's data (or, for HR, anyone's); the one in progress is answered again. */
  request(ctx: ActorContext, input: RequestExportInput): Promise<ExportView>;
  get(ctx: ActorContext, input: ExportIdInput): Promise<ExportView>;
  list(ctx: ActorContext, query: ListExportsQuery): Promise<ExportListView>;
}

export interface ExportsService extends ExportsApi {
  /** The job: builds the ZIP of one export, area by area, and marks it ready. */
  build(exportId: string): Promise<JobCounts>;
  /** Enqueues again the exports a crash left queued or running. */
  resumeStalled(now: Date): Promise<JobCounts>;
  /** Deletes the ZIPs past their 7 days and marks those exports expired. */
  expireDue(now: Date): Promise<JobCounts>;
  /** The download route: checks the signed link and the export, then streams its ZIP. Audited. */
  openDownload(
    query: Record<string, unknown>,
    request: { ip: string; userAgent: string | null; id: string },
  ): Promise<ZipToServe>;
  /** For erasure: deletes the person's exports and their ZIPs. */
  eraseFor(userId: string): Promise<{ exports: number }>;
}

const keyOf = (exportId: string) => `${KEY_PREFIX}${exportId}.zip`;
const idOfKey = (key: string) =>
  key.startsWith(KEY_PREFIX) && key.endsWith('.zip') ? key.slice(KEY_PREFIX.length, -4) : null;
const fileNameOf = (record: Pick<ExportRecord, 'userId' | 'readyAt'>) =>
  `personal-data-${record.userId}-${(record.readyAt ?? new Date(0)).toISOString().slice(0, 10)}.zip`;

export function createExportsService(
  deps: Pick<ServiceDeps, 'repos' | 'config' | 'clock' | 'logger' | 'jobs'>,
  services: { audit: AuditService; storage: ObjectStorage },
): ExportsService {
  const { repos, config, clock, logger, jobs } = deps;
  const exportsRepo = repos.privacyExports;
  const { audit, storage } = services;
  const baseUrl = (config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`).replace(/\/+$/, '');
  const personalData = personalDataBox(dataBox(config));

  function linkOf(record: ExportRecord, now: Date): { url: string; expiresAt: string } | null {
    if (record.status !== 'ready' || !record.storageKey || checkExportDownload(record, now).ok === false) return null;
    const expiresAt = exportLinkExpiry(record, now);
    // The files area's signed-link format and secret (FILE_URL_SECRET), served by this area's own route.
    const query = signedQuery(
      {
        key: record.storageKey,
        expires: String(Math.floor(expiresAt.getTime() / 1000)),
        fileName: fileNameOf(record),
        contentType: 'application/zip',
        inline: false,
      },
      config.FILE_URL_SECRET,
    );
    return {
      url: `${baseUrl}${EXPORT_DOWNLOAD_PATH}?${query}`,
      expiresAt: new Date(Math.floor(expiresAt.getTime() / 1000) * 1000).toISOString(),
    };
  }

  function viewOf(record: ExportRecord, now: Date): ExportView {
    return {
      id: record.id,
      userId: record.userId,
      status: record.status,
      progress: {
        done: record.progress.done,
        total: record.progress.total,
        ...(record.progress.area ? { area: record.progress.area } : {}),
      },
      requestedBy: record.requestedBy,
      requestedAt: record.requestedAt.toISOString(),
      readyAt: record.readyAt?.toISOString() ?? null,
      expiresAt: record.expiresAt?.toISOString() ?? null,
      size: record.size,
      sha256: record.sha256,
      error: record.error,
      download: linkOf(record, now),
    };
  }

  const loadVisible = (ctx: ActorContext, id: string): Promise<ExportRecord> =>
    loadSeen(ctx.actor, 'PrivacyExport', 'PrivacyExport', id, exportsRepo.get, (r) => ({
      userId: r.userId,
      requestedBy: r.requestedBy,
    }));

  /**
   * A build that lost its record (an erasure deleted the person's exports
   * meanwhile) removes what it wrote: nothing else would ever reference it.
   * A record still there belongs to the run that took it over, which writes
   * the same key, so that is left alone.
   */
  async function removeIfGone(exportId: string, key: string): Promise<void> {
    if (await exportsRepo.get(exportId)) return;
    await storage.delete(key).catch((error: unknown) => {
      if (!(error instanceof StorageNotFoundError)) throw error;
    });
  }

  /** Writes the ZIP into storage as it is made, counting its size and SHA-256. */
  async function writeZip(
    record: ExportRecord,
    now: Date,
  ): Promise<{
    key: string;
    size: number;
    sha256: string;
    counts: Record<string, number>;
    record: ExportRecord;
  } | null> {
    const key = keyOf(record.id);
    const zip = new Zip();
    const out = new PassThrough();
    const hash = createHash('sha256');
    let size = 0;
    zip.ondata = (error, chunk, final) => {
      if (error) {
        out.destroy(error);
        return;
      }
      hash.update(chunk);
      size += chunk.length;
      out.write(chunk);
      if (final) out.end();
    };
    const put = storage.put(key, out, { contentType: 'application/zip' });
    // A failed put must not leave an unhandled rejection while the areas are still being read.
    put.catch(() => undefined);
    const addBytes = (path: string, bytes: Uint8Array, compress = true) => {
      const entry = compress ? new ZipDeflate(path, { level: 6 }) : new ZipPassThrough(path);
      entry.mtime = now;
      zip.add(entry);
      entry.push(bytes, true);
    };
    const text = (value: string) => new TextEncoder().encode(value);
    const manifest: ExportManifest = {
      formatVersion: EXPORT_FORMAT_VERSION,
      userId: record.userId,
      generatedAt: now.toISOString(),
      areas: [],
      receipts: [],
    };
    const counts: Record<string, number> = {};
    let current = record;
    try {
      for (const [index, spec] of EXPORT_AREAS.entries()) {
        const moved = await exportsRepo.update(
          current,
          { progress: { done: index, total: EXPORT_TOTAL_STEPS, area: spec.area } },
          clock(),
        );
        // Another run took it over (a retry after a stall): leave it to that one.
        if (!moved) throw new LostExport();
        current = moved;
        const content = await AREA_BUILDERS[spec.area](record.userId, { repos, audit, personalData, now });
        addBytes(
          spec.file,
          text(
            `${JSON.stringify({ area: spec.area, userId: record.userId, generatedAt: now.toISOString(), ...content.json }, null, 2)}\n`,
          ),
        );
        if (spec.csv && content.csv !== null) addBytes(spec.csv, text(content.csv));
        for (const file of content.files) {
          const stored = await repos.files.get(file.fileId);
          if (!stored) continue;
          const bytes = await readAll(await storage.get(stored.storageKey)).catch((error: unknown) => {
            if (error instanceof StorageNotFoundError) return null;
            throw error;
          });
          if (!bytes) continue;
          addBytes(file.path, bytes, false);
          manifest.receipts.push({
            fileId: file.fileId,
            file: file.path,
            size: bytes.length,
            sha256: createHash('sha256').update(bytes).digest('hex'),
          });
        }
        manifest.areas.push({ area: spec.area, file: spec.file, csv: spec.csv, collections: content.readFrom });
        for (const c of content.readFrom) counts[`${spec.area}:${c.name}`] = c.count;
      }
      counts.receipts = manifest.receipts.length;
      addBytes(EXPORT_MANIFEST_FILE, text(`${JSON.stringify(manifest, null, 2)}\n`));
      addBytes(EXPORT_README_FILE, text(EXPORT_README));
      zip.end();
      await put;
    } catch (error) {
      zip.terminate();
      out.destroy(error instanceof Error ? error : new Error(String(error)));
      await put.catch(() => undefined);
      if (error instanceof LostExport) {
        await removeIfGone(record.id, key);
        return null;
      }
      throw error;
    }
    // The version moved with each area: `ready` is written at the latest one.
    return { key, size, sha256: hash.digest('hex'), counts, record: current };
  }

  async function markFailed(record: ExportRecord, error: unknown): Promise<void> {
    const latest = (await exportsRepo.get(record.id)) ?? record;
    if (!canMoveExport(latest.status, 'failed')) return;
    const now = clock();
    const message = error instanceof Error ? error.message : String(error);
    const failed = await exportsRepo.update(
      latest,
      { status: 'failed', failedAt: now, error: message.slice(0, 500), expiresAt: exportExpiryFrom(now) },
      now,
    );
    if (failed) {
      await audit.record(systemCallContext(EXPORT_BUILD_JOB, now), {
        action: 'privacy.export.fail',
        resourceType: 'privacy_export',
        resourceId: record.id,
        subjectId: record.userId,
        details: { error: message.slice(0, 200) },
      });
    }
  }

  return {
    async request(ctx, input) {
      const userId = input.userId ?? ctx.actor.id;
      // Someone else's data is HR's to export; to anyone else that person is not there.
      if (!canOn(ctx.actor, 'create', 'PrivacyExport', { userId, requestedBy: ctx.actor.id }))
        throw notFound('User', userId);
      if (!(await repos.users.get(userId))) throw notFound('User', userId);
      const active = await exportsRepo.activeFor(userId);
      const recent = await exportsRepo.requestedSince(userId, new Date(ctx.now.getTime() - EXPORT_RATE_WINDOW_MS));
      const decision = decideExportRequest({ active, recentRequests: recent, now: ctx.now });
      if (decision.kind === 'existing') return viewOf(decision.export, ctx.now);
      const { created, export: record } = await exportsRepo.insertQueued(
        { userId, requestedBy: ctx.actor.id, total: EXPORT_TOTAL_STEPS },
        ctx.now,
      );
      // A simultaneous request won the race (one export in progress per person): answer that one.
      if (!created) return viewOf(record, ctx.now);
      await audit.record(ctx, {
        action: 'privacy.export.request',
        resourceType: 'privacy_export',
        resourceId: record.id,
        subjectId: userId,
        after: { userId, requestedBy: ctx.actor.id, status: record.status },
      });
      // Queued either way: if the queue cannot take it now, the resume job finds it within minutes.
      await jobs
        .enqueue(EXPORT_BUILD_JOB, { exportId: record.id })
        .catch((error: unknown) => logger.error({ err: error, exportId: record.id }, 'could not enqueue an export'));
      return viewOf(record, ctx.now);
    },

    async get(ctx, input) {
      return viewOf(await loadVisible(ctx, input.id), ctx.now);
    },

    async list(ctx, query) {
      const access = accessQuery(abilityFor(ctx.actor), 'read', 'PrivacyExport');
      const records = await exportsRepo.list(access, { userId: query.userId, limit: LIST_LIMIT });
      return { items: records.map((r) => viewOf(r, ctx.now)) };
    },

    async build(exportId): Promise<JobCounts> {
      const now = clock();
      const found = await exportsRepo.get(exportId);
      if (!found || !canMoveExport(found.status, 'running')) return { skipped: 1 };
      const record = await exportsRepo.update(
        found,
        { status: 'running', startedAt: now, progress: { done: 0, total: EXPORT_TOTAL_STEPS } },
        now,
      );
      if (!record) return { skipped: 1 };
      let written: Awaited<ReturnType<typeof writeZip>>;
      try {
        written = await writeZip(record, now);
      } catch (error) {
        logger.error({ err: error, exportId }, 'personal-data export failed');
        await markFailed(record, error);
        throw error;
      }
      if (!written) return { skipped: 1 };
      const readyAt = clock();
      const ready = await exportsRepo.update(
        written.record,
        {
          status: 'ready',
          readyAt,
          expiresAt: exportExpiryFrom(readyAt),
          storageKey: written.key,
          size: written.size,
          sha256: written.sha256,
          counts: written.counts,
          progress: { done: EXPORT_TOTAL_STEPS, total: EXPORT_TOTAL_STEPS },
        },
        readyAt,
      );
      if (!ready) {
        await removeIfGone(exportId, written.key);
        return { skipped: 1 };
      }
      await audit.record(systemCallContext(EXPORT_BUILD_JOB, readyAt), {
        action: 'privacy.export.ready',
        resourceType: 'privacy_export',
        resourceId: ready.id,
        subjectId: ready.userId,
        after: {
          status: 'ready',
          size: written.size,
          sha256: written.sha256,
          expiresAt: ready.expiresAt?.toISOString(),
        },
      });
      return { built: 1, bytes: written.size, receipts: written.counts.receipts ?? 0 };
    },

    async resumeStalled(now) {
      const stalled = await exportsRepo.stalled(new Date(now.getTime() - STALLED_AFTER_MS), 20);
      for (const record of stalled) await jobs.enqueue(EXPORT_BUILD_JOB, { exportId: record.id });
      if (stalled.length > 0)
        logger.warn({ exports: stalled.map((r) => r.id) }, 'stalled personal-data exports run again');
      return { resumed: stalled.length };
    },

    async expireDue(now) {
      let expired = 0;
      for (;;) {
        const due = await exportsRepo.dueToExpire(now, 50);
        if (due.length === 0) break;
        let moved = 0;
        for (const record of due) {
          if (record.storageKey) await storage.delete(record.storageKey);
          const done = await exportsRepo.update(record, { status: 'expired', storageKey: null }, now);
          if (!done) continue;
          moved += 1;
          await audit.record(systemCallContext(EXPORT_EXPIRE_JOB, now), {
            action: 'privacy.export.expire',
            resourceType: 'privacy_export',
            resourceId: record.id,
            subjectId: record.userId,
            before: { status: record.status },
            after: { status: 'expired' },
          });
        }
        expired += moved;
        if (moved === 0) break;
      }
      return { expired };
    },

    async openDownload(query, request) {
      const now = clock();
      const checked = verifyLocalSignedUrl(query, config.FILE_URL_SECRET, now);
      if ('error' in checked && checked.error === 'invalid') {
        throw new DomainError('FORBIDDEN', 'This download link is not valid', { reason: 'invalid' });
      }
      // The signature matched, so the key in the link is one we issued.
      const key = String(query.key);
      const exportId = idOfKey(key);
      const record = exportId ? await exportsRepo.get(exportId) : null;
      if (!record || (record.storageKey !== null && record.storageKey !== key))
        throw notFound('PrivacyExport', exportId ?? key);
      const allowed = checkExportDownload(record, now);
      if (!allowed.ok) throw allowed.error;
      if ('error' in checked) {
        throw new DomainError('FORBIDDEN', 'This download link has expired; ask for the export again for a new one', {
          reason: 'expired',
        });
      }
      let stream: Readable;
      try {
        stream = await storage.get(key);
      } catch (error) {
        if (error instanceof StorageNotFoundError) throw notFound('PrivacyExport', record.id);
        throw error;
      }
      const ctx: CallContext = {
        req: {
          id: request.id,
          ip: request.ip,
          userAgent: request.userAgent,
          method: 'GET',
          path: EXPORT_DOWNLOAD_PATH,
          header: () => undefined,
          cookie: () => undefined,
        },
        actor: null,
        now,
      };
      try {
        // Whoever holds the link downloads it: the trail records the request's address, not a person.
        await audit.record(
          ctx,
          {
            action: 'privacy.export.download',
            resourceType: 'privacy_export',
            resourceId: record.id,
            subjectId: record.userId,
            details: { size: record.size },
          },
          { actorId: 'anonymous' },
        );
      } catch (error) {
        stream.destroy();
        throw error;
      }
      return { stream, fileName: checked.fileName, size: record.size };
    },

    async eraseFor(userId) {
      const records = await exportsRepo.ofUser(userId);
      for (const record of records) {
        await storage.delete(keyOf(record.id));
        if (record.storageKey && record.storageKey !== keyOf(record.id)) await storage.delete(record.storageKey);
        await exportsRepo.remove(record.id);
      }
      return { exports: records.length };
    },
  };
}

class LostExport extends Error {
  override readonly name = 'LostExport';
}

async function readAll(stream: Readable): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
