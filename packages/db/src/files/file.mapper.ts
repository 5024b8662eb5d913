import type { FileRecord, FileView, NewFileRecord } from '@seed-pms/domain';
import type { ObjectId, WithId } from 'mongodb';
import { idOrNull, objectIdOf } from '../ids.js';
import { initialVersion } from '../versioning.js';
import type { FileDoc } from './file.doc.js';

/** Documents ⇄ what the rest of the server sees; `_id` ⇄ `id` happens here and nowhere else. */
export function toFileRecord(doc: WithId<FileDoc>): FileRecord {
  return {
    id: doc._id.toHexString(),
    name: doc.name,
    contentType: doc.contentType,
    size: doc.size,
    sha256: doc.sha256,
    purpose: doc.purpose,
    ownerType: doc.ownerType,
    ownerId: doc.ownerId.toHexString(),
    storageKey: doc.storageKey,
    derivedFrom: idOrNull(doc.derivedFrom),
    status: doc.status,
    scan: { ...doc.scan },
    uploadedBy: idOrNull(doc.uploadedBy),
    deletedAt: doc.deletedAt,
    deletedBy: idOrNull(doc.deletedBy),
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** What the API shows of a file (never its storage key). */
export function fileView(file: FileRecord): FileView {
  return {
    id: file.id,
    name: file.name,
    contentType: file.contentType,
    size: file.size,
    sha256: file.sha256,
    purpose: file.purpose,
    owner: { type: file.ownerType, id: file.ownerId },
    status: file.status,
    scan: {
      attempts: file.scan.attempts,
      lastError: file.scan.lastError,
      signature: file.scan.signature,
      scannedAt: iso(file.scan.scannedAt),
    },
    uploadedBy: file.uploadedBy,
    createdAt: file.createdAt.toISOString(),
    deletedAt: iso(file.deletedAt),
  };
}

/** Ids as stored; a malformed one never gets past the service (it drew or checked it), so it is our error. */
function storedId(id: string): ObjectId {
  const objectId = objectIdOf(id);
  if (!objectId) throw new Error(`not an id: ${id}`);
  return objectId;
}

export function toFileDoc(file: NewFileRecord, now: Date): FileDoc {
  return {
    _id: storedId(file.id),
    name: file.name,
    contentType: file.contentType,
    size: file.size,
    sha256: file.sha256,
    purpose: file.purpose,
    ownerType: file.ownerType,
    ownerId: storedId(file.ownerId),
    storageKey: file.storageKey,
    derivedFrom: file.derivedFrom ? storedId(file.derivedFrom) : null,
    status: file.status,
    scan: {
      attempts: 0,
      lastError: null,
      signature: null,
      scannedAt: null,
      nextAttemptAt: file.status === 'pending' ? now : null,
      lockedUntil: null,
    },
    uploadedBy: file.uploadedBy ? storedId(file.uploadedBy) : null,
    deletedAt: null,
    deletedBy: null,
    ...initialVersion(now),
  };
}
