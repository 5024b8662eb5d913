import { createHash } from 'node:crypto';
import {
  type AuditActor,
  type AuditEntryView,
  type AuditEvent,
  type AuditRequestMeta,
  type AuditVerifyView,
  type CursorPage,
  DEFAULT_PAGE_LIMIT,
  DomainError,
  type ListAuditsQuery,
  MAX_PAGE_LIMIT,
  redactSecrets,
  validationFailed,
} from '@seed-pms/domain';
import type { Collection, Filter, WithId } from 'mongodb';
import { isDuplicateKey } from '../errors.js';
import { allOf } from '../filters.js';
import { newId } from '../ids.js';
import type { AuditDoc } from './audit.doc.js';

/** The prevHash of entry 1. */
export const AUDIT_GENESIS_HASH = '0'.repeat(64);

/**
 * How often one batch re-reads the end of the trail after losing the race for
 * seq + 1 to another process. Generous on purpose: rounds are short (two round
 * trips), and on FerretDB a loser hears of its loss late, so a process writing
 * steadily can win some dozens of rounds in a row (measured: up to 19 while
 * another process appended 25 entries one after the other).
 */
const MAX_APPEND_ATTEMPTS = 100;
/** Entries written by one insertMany. */
const MAX_APPEND_BATCH = 100;
const DEFAULT_VERIFY_BATCH = 500;
/** The header is client-controlled; an entry stays small whatever it sends. */
const MAX_USER_AGENT_LENGTH = 512;

// ---------------------------------------------------------------------------
// The hash

/**
 * JSON with object keys sorted (by UTF-16 code units, as Array#sort does) and
 * no whitespace, so equal values always give the same text. Otherwise as
 * JSON.stringify: Dates (any `toJSON`) in their JSON form, `undefined` skipped
 * in objects and null in arrays, non-finite numbers null. Strings are escaped by
 * JSON.stringify, which also escapes lone surrogates.
 */
export function canonicalJson(value: unknown): string {
  return canonical(value) ?? 'null';
}

function canonical(value: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return canonical(toJSON.call(value));
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item) ?? 'null').join(',')}]`;
  const record = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const text = canonical(record[key]);
    if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${members.join(',')}}`;
}

/** The fields of a format-1 entry's view that its hash covers (a view's later fields are not hashed). */
type HashedView = Omit<AuditEntryView, 'hash' | 'subjectId' | 'shredded'>;

/**
 * The hash of a format-1 entry: sha256 over its prevHash followed by the
 * canonical JSON of the entry as the API shows it, without `hash`. Being
 * defined on the view, anyone holding API output can recompute it (the JSON
 * round trip of a view is exact); fields besides those of HashedView (`hash`,
 * and the `subjectId` and `shredded` later views carry) are ignored.
 */
export function auditEntryHash(
  entry: HashedView & Partial<Pick<AuditEntryView, 'hash' | 'subjectId' | 'shredded'>>,
): string {
  const hashed: HashedView = {
    id: entry.id,
    seq: entry.seq,
    timestamp: entry.timestamp,
    actorId: entry.actorId,
    actorType: entry.actorType,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    changes: entry.changes,
    details: entry.details,
    metadata: entry.metadata,
    prevHash: entry.prevHash,
  };
  return createHash('sha256')
    .update(entry.prevHash + canonicalJson(hashed))
    .digest('hex');
}

/**
 * The hash of a format-2 entry: sha256 over its prevHash followed by the
 * canonical JSON of the entry as stored, sealed parts sealed. It does not
 * depend on the data keys, so the chain verifies after a key is deleted.
 */
export function sealedAuditHash(doc: Omit<AuditDoc, 'hash'>): string {
  return createHash('sha256')
    .update(
      doc.prevHash +
        canonicalJson({
          id: doc._id.toHexString(),
          seq: doc.seq,
          timestamp: doc.timestamp.toISOString(),
          actorId: doc.actorId,
          actorType: doc.actorType,
          action: doc.action,
          resourceType: doc.resourceType,
          resourceId: doc.resourceId,
          changesJson: doc.changesJson,
          detailsJson: doc.detailsJson,
          metadata: { ip: doc.metadata.ip, userAgent: doc.metadata.userAgent, requestId: doc.metadata.requestId },
          format: doc.format,
          sealing: { subject: doc.sealing?.subject ?? null, client: doc.sealing?.client ?? null },
          prevHash: doc.prevHash,
        }),
    )
    .digest('hex');
}

function hashOf(doc: Omit<AuditDoc, 'hash'>): string {
  return doc.format === 2 ? sealedAuditHash(doc) : auditEntryHash(viewWithoutHash(doc));
}

/** The parts of a format-2 entry sealed under data keys, for the audit service to open. */
export interface SealedAuditParts {
  /** Whose key sealed `changes` and `details` (null: they are in the view as they are). */
  subjectId: string | null;
  changes: string | null;
  details: string | null;
  /** Whose key sealed `client`, the `{ ip, userAgent }` of the request (null: in the view as they are). */
  clientId: string | null;
  client: string | null;
}

/** An entry as read: its view, with the sealed parts empty until opened. */
export interface StoredAuditEntry {
  entry: AuditEntryView;
  sealed: SealedAuditParts | null;
}

function viewWithoutHash(doc: Omit<AuditDoc, 'hash'>): Omit<AuditEntryView, 'hash'> {
  // Fields are copied one by one: what is hashed is exactly what the API shows,
  // and anything else a document might hold is neither.
  const sealedSubject = doc.format === 2 && Boolean(doc.sealing?.subject);
  const sealedClient = doc.format === 2 && Boolean(doc.sealing?.client);
  return {
    id: doc._id.toHexString(),
    seq: doc.seq,
    timestamp: doc.timestamp.toISOString(),
    actorId: doc.actorId,
    actorType: doc.actorType,
    action: doc.action,
    resourceType: doc.resourceType,
    resourceId: doc.resourceId,
    subjectId: doc.format === 2 ? (doc.sealing?.subject ?? null) : null,
    changes:
      doc.changesJson === null || sealedSubject ? null : (JSON.parse(doc.changesJson) as AuditEntryView['changes']),
    details:
      doc.detailsJson === null || sealedSubject ? null : (JSON.parse(doc.detailsJson) as AuditEntryView['details']),
    metadata: {
      ip: sealedClient ? '' : doc.metadata.ip,
      userAgent: sealedClient ? null : doc.metadata.userAgent,
      requestId: doc.metadata.requestId,
    },
    shredded: false,
    prevHash: doc.prevHash,
  };
}

export function toAuditView(doc: WithId<AuditDoc>): AuditEntryView {
  return { ...viewWithoutHash(doc), hash: doc.hash };
}

function toStoredEntry(doc: WithId<AuditDoc>): StoredAuditEntry {
  const entry = toAuditView(doc);
  if (doc.format !== 2) return { entry, sealed: null };
  const subjectId = doc.sealing?.subject ?? null;
  const clientId = doc.sealing?.client ?? null;
  return {
    entry,
    sealed: {
      subjectId,
      changes: subjectId ? doc.changesJson : null,
      details: subjectId ? doc.detailsJson : null,
      clientId,
      client: clientId ? doc.metadata.ip : null,
    },
  };
}

/** False for an entry changed after it was written, including one too damaged to read. */
function hashMatches(doc: AuditDoc): boolean {
  try {
    return hashOf(doc) === doc.hash;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// Appending

export interface AppendAuditInput {
  actor: AuditActor;
  event: AuditEvent;
  meta: AuditRequestMeta;
  timestamp: Date;
  /**
   * Writes the entry in format 2: changes and details sealed under the
   * subject's data key, the client's ip and user agent under the actor's
   * (either may be null: that part is stored as it is). Without it, format 1.
   */
  seal?: AuditSeal;
}

export interface AuditSeal {
  subject: { id: string; seal(text: string): string } | null;
  client: { id: string; seal(text: string): string } | null;
}

type PreparedEntry = Omit<AuditDoc, '_id' | 'seq' | 'prevHash' | 'hash'>;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * BSON stores strings as UTF-8, which cannot hold a lone surrogate: the driver
 * writes U+FFFD instead, and the entry would no longer match its hash when read
 * back. So we store (and hash) that replacement from the start.
 */
function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

function requiredText(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new Error(`audit entry: ${name} must be a non-empty string`);
  }
  return wellFormed(value);
}

/** Secrets removed; an object stays an object, anything else is kept under `value`. */
function redactedRecord(value: unknown): Record<string, unknown> | null {
  const redacted = redactSecrets(value);
  if (redacted === undefined || redacted === null) return null;
  if (typeof redacted === 'object' && !Array.isArray(redacted)) return redacted as Record<string, unknown>;
  return { value: redacted };
}

function prepareEntry(input: AppendAuditInput): PreparedEntry {
  const plain = preparePlainEntry(input);
  const { seal } = input;
  if (!seal) return plain;
  const subject = seal.subject;
  const client = seal.client;
  return {
    ...plain,
    changesJson: subject && plain.changesJson !== null ? subject.seal(plain.changesJson) : plain.changesJson,
    detailsJson: subject && plain.detailsJson !== null ? subject.seal(plain.detailsJson) : plain.detailsJson,
    metadata: client
      ? {
          ip: client.seal(canonicalJson({ ip: plain.metadata.ip, userAgent: plain.metadata.userAgent })),
          userAgent: null,
          requestId: plain.metadata.requestId,
        }
      : plain.metadata,
    format: 2,
    sealing: { subject: subject?.id ?? null, client: client?.id ?? null },
  };
}

function preparePlainEntry({ actor, event, meta, timestamp }: AppendAuditInput): PreparedEntry {
  if (!(timestamp instanceof Date) || Number.isNaN(timestamp.getTime())) {
    throw new Error('audit entry: timestamp must be a valid Date');
  }
  if (actor.actorType !== 'user' && actor.actorType !== 'system') {
    throw new Error('audit entry: actorType must be user or system');
  }
  const hasChanges = event.before !== undefined || event.after !== undefined;
  const userAgent = meta.userAgent === null ? null : wellFormed(meta.userAgent.slice(0, MAX_USER_AGENT_LENGTH));
  return {
    // A copy of the instant: the caller's Date may be changed after the call.
    timestamp: new Date(timestamp.getTime()),
    actorId: requiredText(actor.actorId, 'actorId'),
    actorType: actor.actorType,
    action: requiredText(event.action, 'action'),
    resourceType: requiredText(event.resourceType, 'resourceType'),
    resourceId: requiredText(event.resourceId, 'resourceId'),
    changesJson: hasChanges
      ? canonicalJson({ before: redactedRecord(event.before), after: redactedRecord(event.after) })
      : null,
    detailsJson: event.details === undefined ? null : canonicalJson(redactedRecord(event.details)),
    metadata: { ip: wellFormed(String(meta.ip)), userAgent, requestId: wellFormed(String(meta.requestId)) },
  };
}

interface PendingAppend {
  entry: PreparedEntry;
  resolve: (doc: AuditDoc) => void;
  reject: (error: unknown) => void;
}

/** Appends waiting in this process, per collection namespace; present while a drain runs. */
const appendQueues = new Map<string, PendingAppend[]>();

/**
 * The end of each trail as this process last wrote or read it. The next
 * append chains after it without reading (on FerretDB, reading the newest
 * entry sorts the whole trail: 270 ms at a few thousand entries); if another
 * process appended meanwhile, the unique index on seq refuses the insert and
 * the end is read as before. Forgotten on any other failure and on reset.
 */
const knownEnds = new Map<string, { seq: number; hash: string; at: number }>();
/**
 * How long a known end is trusted: a trail emptied or restored by another
 * process (a demo reset) is read again after this, rather than chained past.
 */
const KNOWN_END_MS = 5_000;

/** Forgets every trail end this process knows (the database was emptied). */
export function forgetAuditEnds(): void {
  knownEnds.clear();
}

async function readLast(audits: Collection<AuditDoc>): Promise<{ seq: number; hash: string } | null> {
  const last = await audits.findOne({}, { sort: { seq: -1 }, projection: { seq: 1, hash: 1 } });
  if (last && !Number.isSafeInteger(last.seq)) {
    throw new Error(`audit trail: the newest entry has a malformed seq (${String(last.seq)}); run the verification`);
  }
  return last;
}

/** Documents for `entries`, numbered and chained after `last`. */
function chainAfter(last: { seq: number; hash: string } | null, entries: PreparedEntry[]): AuditDoc[] {
  let seq = last?.seq ?? 0;
  let prevHash = last?.hash ?? AUDIT_GENESIS_HASH;
  return entries.map((entry) => {
    seq += 1;
    const unhashed: Omit<AuditDoc, 'hash'> = { _id: newId(), seq, ...entry, prevHash };
    prevHash = hashOf(unhashed);
    return { ...unhashed, hash: prevHash };
  });
}

/** How many of `docs`, inserted in order, are in the database (an ordered insert stops at its first error). */
async function storedPrefix(audits: Collection<AuditDoc>, docs: AuditDoc[]): Promise<number> {
  const found = await audits.find({ _id: { $in: docs.map((doc) => doc._id) } }, { projection: { _id: 1 } }).toArray();
  const stored = new Set(found.map((doc) => doc._id.toHexString()));
  const firstMissing = docs.findIndex((doc) => !stored.has(doc._id.toHexString()));
  return firstMissing === -1 ? docs.length : firstMissing;
}

/**
 * Writes a batch at the end of the trail and settles each append's promise.
 * Another process may take the next seq between our read and our insert: the
 * unique index refuses our insert from that document on, and we chain what is
 * left after the new end. After a refusal, which of ours got in and where the
 * end now is are read at once, so a loser is back at the race about when the
 * winner starts its next write.
 */
async function writeBatch(audits: Collection<AuditDoc>, batch: PendingAppend[]): Promise<void> {
  const key = audits.namespace;
  let remaining = batch;
  /** The first `count` appends are in the database as `docs`. */
  const stored = (docs: AuditDoc[], count: number) => {
    remaining.slice(0, count).forEach((pending, i) => {
      pending.resolve(docs[i] as AuditDoc);
    });
    remaining = remaining.slice(count);
  };
  const fail = (error: unknown) => {
    for (const pending of remaining) pending.reject(error);
  };
  let last: Awaited<ReturnType<typeof readLast>>;
  try {
    const known = knownEnds.get(key);
    last = known && Date.now() - known.at < KNOWN_END_MS ? known : await readLast(audits);
  } catch (error) {
    return fail(error);
  }
  for (let attempt = 1; ; attempt += 1) {
    const docs = chainAfter(
      last,
      remaining.map((pending) => pending.entry),
    );
    try {
      await audits.insertMany(docs, { ordered: true });
      const end = docs.at(-1) as AuditDoc;
      knownEnds.set(key, { seq: end.seq, hash: end.hash, at: Date.now() });
      return stored(docs, docs.length);
    } catch (error) {
      knownEnds.delete(key);
      const conflict = isDuplicateKey(error);
      const [prefix, end] = await Promise.allSettled([
        storedPrefix(audits, docs),
        conflict ? readLast(audits) : Promise.resolve(null),
      ]);
      // Whatever went wrong, the entries that did get in are appended: say so.
      stored(docs, prefix.status === 'fulfilled' ? prefix.value : 0);
      if (remaining.length === 0) return;
      if (!conflict) return fail(error);
      if (end.status === 'rejected') return fail(end.reason);
      if (attempt >= MAX_APPEND_ATTEMPTS) {
        return fail(
          new DomainError('SERVICE_UNAVAILABLE', 'The audit trail is busy; try again', undefined, { cause: error }),
        );
      }
      last = end.value;
    }
  }
}

async function drainAppends(audits: Collection<AuditDoc>, key: string, queue: PendingAppend[]): Promise<void> {
  try {
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_APPEND_BATCH);
      // writeBatch settles every append itself; this is for a bug in it, so no append hangs.
      await writeBatch(audits, batch).catch((error: unknown) => {
        for (const pending of batch) pending.reject(error);
      });
    }
  } finally {
    appendQueues.delete(key);
  }
}

/**
 * Appends one entry to the end of the trail and returns it as stored. Before,
 * after and details lose their secrets first (`redactSecrets`).
 *
 * Concurrency. In one process, appends to a collection never race: they wait
 * in a queue, and whatever gathered while the previous write ran is written as
 * one ordered insertMany with consecutive seqs (a group commit). Processes race
 * through the database: each reads the last entry and inserts seq + 1 chained
 * to it; the unique index on seq lets exactly one insert of a seq succeed, and
 * the loser reads again and chains after the winner (bounded; then 503
 * SERVICE_UNAVAILABLE).
 *
 * The race is not fair: a loser hears of its loss only once the winner has
 * committed, and on FerretDB later still, so a process appending steadily can
 * win many rounds in a row. Hence the group commit (a process's whole backlog
 * goes in one round), a loser's single round trip back to the race, and a
 * generous bound on attempts.
 */
export async function appendAudit(audits: Collection<AuditDoc>, input: AppendAuditInput): Promise<AuditEntryView> {
  const entry = prepareEntry(input);
  const plain = input.seal ? preparePlainEntry(input) : null;
  const key = audits.namespace;
  const doc = await new Promise<AuditDoc>((resolve, reject) => {
    const waiting = appendQueues.get(key);
    if (waiting) {
      waiting.push({ entry, resolve, reject });
      return;
    }
    const queue: PendingAppend[] = [{ entry, resolve, reject }];
    appendQueues.set(key, queue);
    // Start after the current tick, so appends made together are written together.
    queueMicrotask(() => void drainAppends(audits, key, queue));
  });
  const view = toAuditView(doc);
  // A sealed entry is answered as its writer gave it.
  if (!plain) return view;
  return {
    ...view,
    changes: plain.changesJson === null ? null : (JSON.parse(plain.changesJson) as AuditEntryView['changes']),
    details: plain.detailsJson === null ? null : (JSON.parse(plain.detailsJson) as AuditEntryView['details']),
    metadata: plain.metadata,
  };
}

// ---------------------------------------------------------------------------
// Listing

function encodeAuditCursor(seq: number): string {
  return Buffer.from(JSON.stringify({ s: seq })).toString('base64url');
}

function decodeAuditCursor(cursor: string): number {
  try {
    const payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown };
    if (typeof payload.s === 'number' && Number.isSafeInteger(payload.s) && payload.s >= 1) return payload.s;
  } catch {
    // reported below
  }
  throw validationFailed('The cursor is not one this list handed out', [
    { path: 'cursor', message: 'is not one this list handed out', code: 'invalid_cursor' },
  ]);
}

/** The trail's filters, with the period already as instants (days are the caller's to resolve). */
export interface AuditListFilter extends Omit<ListAuditsQuery, 'from' | 'to'> {
  from?: Date | undefined;
  to?: Date | undefined;
}

/**
 * A page of the trail, newest first (seq descending), with the query's filters
 * combined by $and. Keyset pagination on seq, which is unique, so pages never
 * overlap or skip entries, and entries appended meanwhile do not shift them.
 * `from` is inclusive, `to` exclusive.
 */
export async function listAudits(
  audits: Collection<AuditDoc>,
  query: AuditListFilter,
): Promise<CursorPage<StoredAuditEntry>> {
  const clauses: Filter<AuditDoc>[] = [];
  if (query.actorId !== undefined) clauses.push({ actorId: query.actorId });
  if (query.action !== undefined) clauses.push({ action: query.action });
  if (query.resourceType !== undefined) clauses.push({ resourceType: query.resourceType });
  if (query.resourceId !== undefined) clauses.push({ resourceId: query.resourceId });
  if (query.from !== undefined) clauses.push({ timestamp: { $gte: query.from } });
  if (query.to !== undefined) clauses.push({ timestamp: { $lt: query.to } });
  if (query.cursor) clauses.push({ seq: { $lt: decodeAuditCursor(query.cursor) } });
  const filter = allOf(clauses);
  const limit = Math.min(Math.max(Math.trunc(query.limit) || DEFAULT_PAGE_LIMIT, 1), MAX_PAGE_LIMIT);
  const docs = await audits
    .find(filter)
    .sort({ seq: -1 })
    .limit(limit + 1)
    .toArray();
  const pageDocs = docs.slice(0, limit);
  const last = pageDocs.at(-1);
  return {
    items: pageDocs.map(toStoredEntry),
    nextCursor: docs.length > limit && last ? encodeAuditCursor(last.seq) : null,
  };
}

// ---------------------------------------------------------------------------
// Verifying

export interface VerifyAuditOptions {
  /** Entries read per query; the walk never holds more than this many. */
  batchSize?: number;
  /**
   * A (seq, hash) pair taken from an earlier verification and kept outside the
   * database. The chain alone cannot reveal that its newest entries were
   * removed, or that everything from some point on was rewritten with fresh
   * hashes; an anchor can: the entry at its seq must still exist with its hash.
   */
  anchor?: { seq: number; hash: string };
}

/**
 * Walks the whole trail by seq ascending, in batches, and reports the first
 * break: a seq that is missing although the trail goes on (`missing-entry`),
 * an entry that no longer matches its hash (`hash-mismatch`), or one whose
 * prevHash is not the hash of the entry before it (`broken-link`). Entries
 * appended during the walk are checked too.
 */
export async function verifyAuditChain(
  audits: Collection<AuditDoc>,
  options: VerifyAuditOptions = {},
): Promise<AuditVerifyView> {
  const batchSize = Math.max(1, Math.trunc(options.batchSize ?? DEFAULT_VERIFY_BATCH));
  const anchor = options.anchor;
  let nextSeq = 1;
  let prevHash = AUDIT_GENESIS_HASH;
  const result = (brokenAt: AuditVerifyView['brokenAt']): AuditVerifyView => ({
    ok: brokenAt === null,
    checked: nextSeq - 1,
    lastSeq: nextSeq - 1,
    lastHash: nextSeq > 1 ? prevHash : null,
    brokenAt,
  });
  for (;;) {
    const batch = await audits
      .find({ seq: { $gte: nextSeq } })
      .sort({ seq: 1 })
      .limit(batchSize)
      .toArray();
    for (const doc of batch) {
      if (doc.seq !== nextSeq) return result({ seq: nextSeq, reason: 'missing-entry' });
      if (!hashMatches(doc)) return result({ seq: doc.seq, reason: 'hash-mismatch' });
      if (doc.prevHash !== prevHash) return result({ seq: doc.seq, reason: 'broken-link' });
      // Rewritten up to here with fresh hashes: the first place we can tell is the anchor.
      if (anchor && doc.seq === anchor.seq && doc.hash !== anchor.hash) {
        return result({ seq: doc.seq, reason: 'hash-mismatch' });
      }
      prevHash = doc.hash;
      nextSeq += 1;
    }
    if (batch.length < batchSize) break;
  }
  // The newest entries are gone (truncation), or the anchor points past the end.
  if (anchor && anchor.seq >= nextSeq) return result({ seq: nextSeq, reason: 'missing-entry' });
  return result(null);
}

// ---------------------------------------------------------------------------
// The repository

/**
 * The audit trail's storage: append (chained, numbered, secrets removed),
 * list (newest first, by cursor) and verify. Entries go in and come out as
 * views; nothing here updates or deletes an entry.
 */
export interface AuditRepository {
  /** Appends one entry at the end of the chain (see appendAudit for how appends race). */
  append(input: AppendAuditInput): Promise<AuditEntryView>;
  list(query: AuditListFilter): Promise<CursorPage<StoredAuditEntry>>;
  verify(options?: VerifyAuditOptions): Promise<AuditVerifyView>;
}

export function createAuditRepository(audits: Collection<AuditDoc>): AuditRepository {
  return {
    append: (input) => appendAudit(audits, input),
    list: (query) => listAudits(audits, query),
    verify: (options) => verifyAuditChain(audits, options),
  };
}
