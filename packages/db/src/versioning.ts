import { DomainError, notFound, versionConflict } from '@seed-pms/domain';
import type { ClientSession, Collection, Filter, ObjectId, UpdateFilter, WithId } from 'mongodb';

/** Every mutable document carries these. */
export interface Versioned {
  _id: ObjectId;
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
  id: ObjectId,
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
  const current = await collection.findOne({ _id: id } as Filter<TDoc>, {
    ...(options.session ? { session: options.session } : {}),
  });
  if (!current) throw notFound(options.resource, id.toHexString());
  if (current.version !== expectedVersion) {
    throw versionConflict(options.resource, id.toHexString(), expectedVersion, current.version);
  }
  // Same version, so an extra guard in `where` did not hold: the state forbids the change.
  throw new DomainError('INVALID_STATE', `${options.resource} is not in a state that allows this change`, {
    resource: options.resource,
    id: id.toHexString(),
  });
}
