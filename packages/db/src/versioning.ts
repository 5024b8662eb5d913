import { DomainError, notFound, versionConflict } from '@seed-pms/domain';
import type { ClientSession, Collection, Filter, ObjectId, UpdateFilter, WithId } from 'mongodb';

/** Every mutable document carries these. */
export interface Versioned {
  /** An ObjectId, or a fixed string for singletons (the settings document). */
  _id: ObjectId | string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Fields for a document being created: version 1, both timestamps `now`. */
export function initialVersion(now: Date): Pick<Versioned, 'version' | 'createdAt' | 'updatedAt'> {
  return { version: 1, createdAt: now, updatedAt: now };
}

export interface VersionedUpdateOptions<TDoc extends Versioned> {
  /** The resource name used in error messages ("Project"). */
  resource: string;
  /** Extra guard conditions that must also hold (e.g. `status: 'active'`). */
  where?: Filter<TDoc>;
  /**
   * The rule's own error when the version matched but `where` did not hold
   * (e.g. PROJECT_ARCHIVED); 422 INVALID_STATE when absent.
   */
  guardError?: () => DomainError;
  now: Date;
  session?: ClientSession;
}

/**
 * Optimistic locking: applies `update` only if the document still has
 * `expectedVersion`, increments the version and stamps `updatedAt`, all in one
 * conditional single-document write. A miss is told apart afterwards: the
 * document is gone (404) or someone else changed it first (409 VERSION_CONFLICT
 * with the current version).
 */
export async function updateVersioned<TDoc extends Versioned>(
  collection: Collection<TDoc>,
  id: TDoc['_id'],
  expectedVersion: number,
  update: UpdateFilter<TDoc>,
  options: VersionedUpdateOptions<TDoc>,
): Promise<WithId<TDoc>> {
  const filter = { _id: id, version: expectedVersion, ...(options.where ?? {}) } as Filter<TDoc>;
  const set = { ...((update.$set as object | undefined) ?? {}), updatedAt: options.now };
  const inc = { ...((update.$inc as object | undefined) ?? {}), version: 1 };
  const full = { ...update, $set: set, $inc: inc } as unknown as UpdateFilter<TDoc>;
  const updated = await collection.findOneAndUpdate(filter, full, {
    returnDocument: 'after',
    ...(options.session ? { session: options.session } : {}),
  });
  if (updated) return updated;
  const miss = await versionConflictOrGone(collection, id, expectedVersion, options.resource, options.session);
  throw miss.code === 'INVALID_STATE' && options.guardError ? options.guardError() : miss;
}

/**
 * Why a write conditional on `expectedVersion` missed: the document is gone
 * (404), someone changed it first (409 VERSION_CONFLICT with the current
 * version), or, with the version unchanged, an extra guard did not hold (422
 * INVALID_STATE). Returns the error to throw.
 */
export async function versionConflictOrGone<TDoc extends Versioned>(
  collection: Collection<TDoc>,
  id: TDoc['_id'],
  expectedVersion: number,
  resource: string,
  session?: ClientSession,
): Promise<DomainError> {
  const shown = typeof id === 'string' ? id : id.toHexString();
  const current = await collection.findOne({ _id: id } as Filter<TDoc>, session ? { session } : {});
  if (!current) return notFound(resource, shown);
  if (current.version !== expectedVersion) {
    return versionConflict(resource, shown, expectedVersion, current.version);
  }
  return new DomainError('INVALID_STATE', `${resource} is not in a state that allows this change`, {
    resource,
    id: shown,
  });
}
