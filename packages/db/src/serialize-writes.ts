import type { Collection, Document } from 'mongodb';

/**
 * FerretDB 1.24 applies an update by reading the document, changing it in Go
 * and writing it back, without holding the row: two concurrent
 * `findOneAndUpdate({ _id, version: 1 }, …)` both succeed, and concurrent
 * `$inc`s lose updates (measured: 29 of 30 rounds of 8 racing writers broke the
 * guard, with both the SQLite and the PostgreSQL handler). MongoDB applies a
 * single-document write atomically, which is what our invariants stand on.
 *
 * So on FerretDB every write of a collection goes through one queue per
 * collection in this process. That restores the single-document guarantee for
 * one API process, which is how FerretDB is used (tests and the offline
 * default); deployments with several instances run on MongoDB, where this is
 * not applied. Inserts are not queued: their uniqueness is enforced by the
 * server's unique indexes, which FerretDB does hold under concurrency.
 */
const QUEUED_METHODS = new Set([
  'updateOne',
  'updateMany',
  'replaceOne',
  'deleteOne',
  'deleteMany',
  'findOneAndUpdate',
  'findOneAndReplace',
  'findOneAndDelete',
  'bulkWrite',
]);

const queues = new Map<string, Promise<unknown>>();

export function runQueued<T>(key: string, task: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const run = previous.then(task, task);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}

export function withQueuedWrites<TDoc extends Document>(collection: Collection<TDoc>): Collection<TDoc> {
  const key = `${collection.dbName}.${collection.collectionName}`;
  return new Proxy(collection, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property === 'string' && QUEUED_METHODS.has(property) && typeof value === 'function') {
        return (...args: unknown[]) =>
          runQueued(key, () => (value as (...a: unknown[]) => Promise<unknown>).apply(target, args));
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
