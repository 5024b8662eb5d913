import type { AuditActorType } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/**
 * One entry of the append-only audit trail (spec 9.3). Entries are never
 * updated or deleted; each carries `seq` (1, 2, 3… without gaps, unique) and
 * `hash = sha256(prevHash + canonical JSON of the entry without hash)` — of the
 * entry as the API shows it in format 1, as stored (sealed parts sealed) in
 * format 2 — so changing, removing or inserting an entry in the middle breaks
 * the chain (see audit.repository.ts).
 *
 * Before/after values and details are stored as canonical JSON text, not as
 * sub-documents: they are free-form (keys with '.' or '$', arrays of arrays
 * would be refused by FerretDB), and text reads back exactly as it was
 * hashed, with no type drift between JavaScript and BSON.
 */
export interface AuditDoc {
  _id: ObjectId;
  seq: number;
  /** Millisecond precision, like BSON dates, so the hashed ISO string reads back the same. */
  timestamp: Date;
  actorId: string;
  actorType: AuditActorType;
  action: string;
  resourceType: string;
  resourceId: string;
  /** `{"after":…,"before":…}` with secrets removed, or null for events that change no object. */
  changesJson: string | null;
  /** A JSON object with secrets removed, or null. */
  detailsJson: string | null;
  metadata: { ip: string; userAgent: string | null; requestId: string };
  /**
   * 2 for an entry whose personal parts are sealed (absent: 1, written before
   * per-person data keys). In format 2 `changesJson` and `detailsJson` hold the
   * JSON sealed under the data key of `sealing.subject` (the person the entry
   * is about), and `metadata.ip` the client's `{ ip, userAgent }` sealed under
   * that of `sealing.client` (the actor); `metadata.userAgent` is then null.
   * Deleting a person's data key (erasure) leaves those parts unreadable while
   * the hash, taken over the stored form, still verifies.
   */
  format?: 2;
  /** Whose data keys sealed what (format 2); null where a part is stored as it is. */
  sealing?: { subject: string | null; client: string | null };
  prevHash: string;
  hash: string;
}

/**
 * `seq_unique` is what keeps the chain linear across processes: two appenders
 * that read the same last entry both try seq + 1 and only one insert wins. The
 * others back each list filter combined with the newest-first order on seq.
 */
export const auditCollection = defineCollection<AuditDoc>('audit_logs', [
  { name: 'seq_unique', key: { seq: 1 }, unique: true },
  { name: 'actorId_seq', key: { actorId: 1, seq: -1 } },
  { name: 'action_seq', key: { action: 1, seq: -1 } },
  { name: 'resourceType_resourceId_seq', key: { resourceType: 1, resourceId: 1, seq: -1 } },
  { name: 'timestamp_seq', key: { timestamp: -1, seq: -1 } },
]);
