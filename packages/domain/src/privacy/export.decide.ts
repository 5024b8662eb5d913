import { DomainError } from '../errors/domain-error.js';
import { EXPORT_AREAS, type ExportRecord, type ExportStatus } from './export.schemas.js';

/** How long a ready ZIP is kept (and its download link may be issued). */
export const EXPORT_KEEP_MS = 7 * 24 * 3600_000;
/** Exports per person per rolling day. */
export const EXPORT_DAILY_LIMIT = 3;
export const EXPORT_RATE_WINDOW_MS = 24 * 3600_000;
/** How long a download link lasts (never past the export's expiry). */
export const EXPORT_LINK_TTL_MS = 15 * 60_000;
/** Files of the ZIP besides receipts: one per area. */
export const EXPORT_TOTAL_STEPS = EXPORT_AREAS.length;

/**
 * The status rules: queued → running → ready | failed; ready and failed →
 * expired (the daily job); a running export that crashed may be run again
 * (running → running). Nothing leaves expired.
 */
const TRANSITIONS: Readonly<Record<ExportStatus, readonly ExportStatus[]>> = {
  queued: ['running', 'failed', 'expired'],
  running: ['running', 'ready', 'failed'],
  ready: ['expired'],
  failed: ['expired'],
  expired: [],
};

export function canMoveExport(from: ExportStatus, to: ExportStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Queued or running: the person's one export in progress, answered to every further request. */
export function isExportActive(status: ExportStatus): boolean {
  return status === 'queued' || status === 'running';
}

export type ExportRequestDecision = { kind: 'existing'; export: ExportRecord } | { kind: 'create' };

/**
 * A new request: the export in progress if there is one (no duplicates), else
 * a new one unless the person had EXPORT_DAILY_LIMIT in the last day (429
 * EXPORT_RATE_LIMITED, saying when the oldest of them leaves the window).
 */
export function decideExportRequest(input: {
  active: ExportRecord | null;
  /** The times of the person's exports requested within the last EXPORT_RATE_WINDOW_MS. */
  recentRequests: readonly Date[];
  now: Date;
  limit?: number;
}): ExportRequestDecision {
  if (input.active && isExportActive(input.active.status)) return { kind: 'existing', export: input.active };
  const limit = input.limit ?? EXPORT_DAILY_LIMIT;
  const windowStart = input.now.getTime() - EXPORT_RATE_WINDOW_MS;
  const recent = input.recentRequests.map((at) => at.getTime()).filter((at) => at > windowStart);
  if (recent.length >= limit) {
    const sorted = recent.sort((a, b) => a - b);
    const freeAt = (sorted[recent.length - limit] ?? sorted[0] ?? input.now.getTime()) + EXPORT_RATE_WINDOW_MS;
    const retryAfterSeconds = Math.max(1, Math.ceil((freeAt - input.now.getTime()) / 1000));
    throw new DomainError(
      'EXPORT_RATE_LIMITED',
      `At most ${limit} exports per person per day; try again after ${new Date(freeAt).toISOString()}`,
      {
        limit,
        windowHours: EXPORT_RATE_WINDOW_MS / 3600_000,
        retryAfter: new Date(freeAt).toISOString(),
        retryAfterSeconds,
      },
    );
  }
  return { kind: 'create' };
}

/** When a ready (or failed) export goes: seven days after `at`. */
export function exportExpiryFrom(at: Date): Date {
  return new Date(at.getTime() + EXPORT_KEEP_MS);
}

/** Due for the daily clean-up: ready or failed, and past its expiry. */
export function isExportDueToExpire(record: Pick<ExportRecord, 'status' | 'expiresAt'>, now: Date): boolean {
  return (
    (record.status === 'ready' || record.status === 'failed') &&
    record.expiresAt !== null &&
    record.expiresAt.getTime() <= now.getTime()
  );
}

/** Whether the ZIP may be served now; otherwise the coded refusal. */
export function checkExportDownload(
  record: Pick<ExportRecord, 'id' | 'status' | 'expiresAt' | 'storageKey'>,
  now: Date,
): { ok: true } | { ok: false; error: DomainError } {
  if (record.status === 'expired' || (record.expiresAt !== null && record.expiresAt.getTime() <= now.getTime())) {
    return {
      ok: false,
      error: new DomainError('EXPORT_EXPIRED', 'This export has expired and its ZIP was deleted; request a new one', {
        exportId: record.id,
        expiredAt: record.expiresAt?.toISOString() ?? null,
      }),
    };
  }
  if (record.status !== 'ready' || !record.storageKey) {
    return {
      ok: false,
      error: new DomainError('NOT_FOUND', 'This export is not ready', { exportId: record.id, status: record.status }),
    };
  }
  return { ok: true };
}

/** A download link's expiry: EXPORT_LINK_TTL_MS from now, never past the export's own. */
export function exportLinkExpiry(record: Pick<ExportRecord, 'expiresAt'>, now: Date): Date {
  const link = now.getTime() + EXPORT_LINK_TTL_MS;
  return new Date(record.expiresAt ? Math.min(link, record.expiresAt.getTime()) : link);
}
