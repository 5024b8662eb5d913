import { DomainError } from '@seed-pms/domain';
import { describe, expect, inject, it } from 'vitest';
import { defineCollection } from '../src/collections.js';
import { ALL_COLLECTIONS, connectDatabase, withTransaction } from '../src/connection.js';
import { newId } from '../src/ids.js';
import { ensureIndexes } from '../src/indexes.js';
import { decodeCursor, encodeCursor, findKeysetPage, findPage } from '../src/pagination.js';
import { useTestDatabase } from '../src/testing/vitest.js';
import { usersCollection } from '../src/users/user.doc.js';
import { findUserByEmail, insertUser } from '../src/users/user.insert.js';
import { initialVersion, updateVersioned, type Versioned } from '../src/versioning.js';

const database = useTestDatabase(import.meta.url);

interface ThingDoc extends Versioned {
  name: string;
  rank: number;
  status: 'open' | 'closed';
  at: Date;
}

const things = () => database().collection<ThingDoc>('things');

/** Inserts a thing (open, rank 0, version 1) and returns its id. */
async function insertThing(fields: Partial<ThingDoc> = {}): Promise<ThingDoc['_id']> {
  const now = fields.createdAt ?? new Date();
  const doc: ThingDoc = {
    _id: newId(),
    name: 'thing',
    rank: 0,
    status: 'open',
    at: now,
    ...initialVersion(now),
    ...fields,
  };
  await things().insertOne(doc);
  return doc._id;
}

describe('the connection', () => {
  it('knows which server answers and whether it offers transactions', () => {
    const db = database();
    if (inject('mongoSource') === 'ferretdb') {
      expect(db.kind).toBe('ferretdb');
      expect(db.supportsTransactions).toBe(false);
    }
    expect(db.serverVersion).not.toBe('unknown');
  });

  // Regression: FerretDB 1.24 panicked (connection closed) when createIndexes named indexes that
  // already existed, so the second start of the offline default failed.
  it('creates the declared indexes, and doing it again (a restart) changes nothing', async () => {
    const names = async () => (await database().collections.users.listIndexes().toArray()).map((i) => i.name).sort();
    const declared = ['_id_', ...usersCollection.indexes.map((i) => i.name)].sort();
    expect(await names()).toEqual(declared);
    await ensureIndexes(database().db, ALL_COLLECTIONS);
    const again = await connectDatabase({ url: inject('mongoUrl'), dbName: database().db.databaseName });
    await again.close();
    expect(await names()).toEqual(declared);
  });

  it('refuses to start when an index exists with other keys than declared', async () => {
    const defs = [defineCollection('reshaped', [{ name: 'by_a', key: { a: 1 } }])];
    await ensureIndexes(database().db, defs);
    await expect(
      ensureIndexes(database().db, [defineCollection('reshaped', [{ name: 'by_a', key: { b: 1 } }])]),
    ).rejects.toThrow('Index reshaped.by_a exists with other keys');
  });

  it('withTransaction runs the work and returns its result on any server', async () => {
    const id = newId();
    const result = await withTransaction(database(), async (session) => {
      await things().insertOne(
        { _id: id, name: 'tx', rank: 0, status: 'open', at: new Date(), ...initialVersion(new Date()) },
        session ? { session } : {},
      );
      return 'done';
    });
    expect(result).toBe('done');
    expect(await things().countDocuments({ _id: id })).toBe(1);
  });
});

describe('unique email', () => {
  it('refuses a second user with the same email in another case as 409 ALREADY_EXISTS', async () => {
    const users = database().collections.users;
    const base = { name: 'Ada', roles: ['employee' as const], passwordHash: null, mustChangePassword: false };
    await insertUser(users, { ...base, email: 'Ada@Example.com' }, new Date());
    await expect(insertUser(users, { ...base, email: '  ada@example.COM ' }, new Date())).rejects.toMatchObject({
      code: 'ALREADY_EXISTS',
    });
    expect((await findUserByEmail(users, 'ADA@example.com'))?.email).toBe('Ada@Example.com');
  });
});

describe('optimistic locking', () => {
  it('applies an update at the expected version and increments it', async () => {
    const id = await insertThing({ name: 'a', rank: 1 });
    const now = new Date('2026-01-02T00:00:00Z');
    const updated = await updateVersioned(things(), id, 1, { $set: { name: 'b' } }, { resource: 'Thing', now });
    expect(updated).toMatchObject({ name: 'b', version: 2 });
    expect(updated.updatedAt.toISOString()).toBe(now.toISOString());
  });

  it('answers 409 VERSION_CONFLICT with the current version when the version is stale', async () => {
    const id = await insertThing({ name: 'a', rank: 1 });
    await updateVersioned(things(), id, 1, { $set: { name: 'first' } }, { resource: 'Thing', now: new Date() });
    const error = await updateVersioned(
      things(),
      id,
      1,
      { $set: { name: 'second' } },
      { resource: 'Thing', now: new Date() },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'VERSION_CONFLICT', details: { expectedVersion: 1, currentVersion: 2 } });
    expect((await things().findOne({ _id: id }))?.name).toBe('first');
  });

  it('lets exactly one of many concurrent writers at the same version win', async () => {
    const id = await insertThing({ name: 'a' });
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        updateVersioned(
          things(),
          id,
          1,
          { $set: { name: `w${i}` }, $inc: { rank: 1 } },
          { resource: 'Thing', now: new Date() },
        ),
      ),
    );
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    const doc = await things().findOne({ _id: id });
    expect(doc).toMatchObject({ version: 2, rank: 1 });
  });

  it('answers 404 for a missing document and 422 INVALID_STATE when an extra guard fails', async () => {
    await expect(
      updateVersioned(things(), newId(), 1, { $set: { name: 'x' } }, { resource: 'Thing', now: new Date() }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', status: 404 });
    const id = await insertThing({ name: 'c', status: 'closed' });
    await expect(
      updateVersioned(
        things(),
        id,
        1,
        { $set: { name: 'x' } },
        { resource: 'Thing', now: new Date(), where: { status: 'open' } },
      ),
    ).rejects.toMatchObject({ code: 'INVALID_STATE', status: 422 });
  });
});

describe('pagination', () => {
  const group = 'paged';
  const seed = async () => {
    const base = Date.parse('2026-03-01T00:00:00Z');
    // Two items share each timestamp, so the _id tie-break matters.
    await things().insertMany(
      Array.from({ length: 45 }, (_, i) => ({
        _id: newId(),
        name: group,
        rank: i,
        status: 'open' as const,
        at: new Date(base + Math.floor(i / 2) * 60_000),
        ...initialVersion(new Date()),
      })),
    );
  };

  it('offset pages carry the total and never overlap', async () => {
    await seed();
    const view = (d: ThingDoc) => d.rank;
    const first = await findPage(things(), { name: group }, { page: 1, limit: 20, sort: { rank: 1, _id: 1 } }, view);
    const third = await findPage(things(), { name: group }, { page: 3, limit: 20, sort: { rank: 1, _id: 1 } }, view);
    expect(first).toEqual({ items: Array.from({ length: 20 }, (_, i) => i), total: 45, page: 1, limit: 20 });
    expect(third.items).toEqual([40, 41, 42, 43, 44]);
    const beyond = await findPage(things(), { name: group }, { page: 9, limit: 20, sort: { rank: 1, _id: 1 } }, view);
    expect(beyond).toEqual({ items: [], total: 45, page: 9, limit: 20 });
  });

  it('keyset pages walk the whole list once, newest first, across equal sort values', async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await findKeysetPage(
        things(),
        { name: group },
        { field: 'at', direction: 'desc', limit: 7, cursor },
        (d: ThingDoc) => d.rank,
      );
      seen.push(...page.items);
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor && pages < 20);
    expect(pages).toBe(7);
    expect(new Set(seen).size).toBe(45);
    // Descending by time: every item is no newer than the one before it.
    const times = seen.map((rank) => Math.floor(rank / 2));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('refuses a cursor it did not hand out with 400 VALIDATION_FAILED', async () => {
    for (const bad of [
      'nope',
      Buffer.from('{"v":1}').toString('base64url'),
      Buffer.from('{"v":{},"i":"x"}').toString('base64url'),
    ]) {
      await expect(
        findKeysetPage(things(), {}, { field: 'at', direction: 'desc', limit: 5, cursor: bad }, (d) => d),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    }
  });

  it('round-trips dates and numbers through a cursor', () => {
    const id = newId();
    const at = new Date('2026-05-05T05:05:05.005Z');
    expect(decodeCursor(encodeCursor(at, id))).toEqual({ value: at, id });
    expect(decodeCursor(encodeCursor(42, id))).toEqual({ value: 42, id });
  });
});

describe('regression: FerretDB applies updates as read-modify-write without holding the row', () => {
  it('concurrent $inc on one document through database.collection() all count', async () => {
    const id = await insertThing({ name: 'counter' });
    await Promise.all(Array.from({ length: 20 }, () => things().updateOne({ _id: id }, { $inc: { rank: 1 } })));
    expect((await things().findOne({ _id: id }))?.rank).toBe(20);
  });
});
