import type { FileRecord } from '@seed-pms/domain';
import type { WithId } from 'mongodb';
import { idOrNull } from '../ids.js';
import type { FileDoc } from './file.doc.js';

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
