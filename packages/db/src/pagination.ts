import { type CursorPage, type Page, validationFailed } from '@seed-pms/domain';
import {
  type ClientSession,
  type Collection,
  type Document,
  type Filter,
  ObjectId,
  type Sort,
  type WithId,
} from 'mongodb';

export interface PageOptions {
  page: number;
  limit: number;
  /** Must end in a unique field (normally `_id`) so pages never overlap. */
  sort: Sort;
  /** Fields to read (the rest stay on the server): lists need a fraction of each document. */
  projection?: Document;
  session?: ClientSession;
}

/**
 * Offset pagination with a total, for lists a person pages through. The count
 * and the page are read in parallel; both use the same filter, which must be
 * index-backed.
 */
export async function findPage<TDoc extends Document, TView>(
  collection: Collection<TDoc>,
  filter: Filter<TDoc>,
  options: PageOptions,
  toView: (doc: WithId<TDoc>) => TView,
): Promise<Page<TView>> {
  const session = options.session ? { session: options.session } : {};
  const [total, docs] = await Promise.all([
    collection.countDocuments(filter, session),
    collection
      .find(filter, { ...session, ...(options.projection ? { projection: options.projection } : {}) })
      .sort(options.sort)
      .skip((options.page - 1) * options.limit)
      .limit(options.limit)
      .toArray(),
  ]);
  return { items: docs.map(toView), total, page: options.page, limit: options.limit };
}

type CursorValue = string | number | Date;

interface CursorPayload {
  /** the sort field's value on the last item */
  v: string | number;
  /** 'd' when v is a Date in ISO form */
  t?: 'd';
  /** the last item's _id */
  i: string;
}

export interface KeysetOptions {
  /** The field the list is ordered by; ties are broken by `_id`. */
  field: string;
  direction: 'asc' | 'desc';
  limit: number;
  cursor?: string | undefined;
  session?: ClientSession;
}

export function encodeCursor(value: CursorValue, id: ObjectId): string {
  const payload: CursorPayload =
    value instanceof Date ? { v: value.toISOString(), t: 'd', i: id.toHexString() } : { v: value, i: id.toHexString() };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

export function decodeCursor(cursor: string): { value: CursorValue; id: ObjectId } {
  try {
    const payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorPayload>;
    if (typeof payload.i !== 'string' || !ObjectId.isValid(payload.i) || payload.i.length !== 24) throw new Error('id');
    if (typeof payload.v !== 'string' && typeof payload.v !== 'number') throw new Error('value');
    let value: CursorValue = payload.v;
    if (payload.t === 'd') {
      value = new Date(String(payload.v));
      if (Number.isNaN(value.getTime())) throw new Error('date');
    }
    return { value, id: ObjectId.createFromHexString(payload.i) };
  } catch {
    throw validationFailed('The cursor is not one this list handed out', [
      { path: 'cursor', message: 'is not one this list handed out', code: 'invalid_cursor' },
    ]);
  }
}

/**
 * The documents matching `filter` made after the one with id `lastId`
 * (which must match it too), oldest first, by `createdAt` then `_id`: what a
 * live feed that resumes missed. Empty when `lastId` names none of them.
 */
export async function findMadeAfter<TDoc extends Document & { _id: ObjectId; createdAt: Date }>(
  collection: Collection<TDoc>,
  filter: Filter<TDoc>,
  lastId: string,
  limit: number,
): Promise<WithId<TDoc>[]> {
  if (!ObjectId.isValid(lastId) || lastId.length !== 24) return [];
  const last = ObjectId.createFromHexString(lastId);
  const anchor = await collection.findOne({ $and: [filter, { _id: last }] } as Filter<TDoc>);
  if (!anchor) return [];
  const after = {
    $or: [{ createdAt: { $gt: anchor.createdAt } }, { createdAt: anchor.createdAt, _id: { $gt: last } }],
  };
  return collection
    .find({ $and: [filter, after] } as Filter<TDoc>)
    .sort({ createdAt: 1, _id: 1 })
    .limit(limit)
    .toArray();
}

/**
 * Keyset ("seek") pagination for long lists: each page starts strictly after
 * the last item of the previous one, so the cost does not grow with depth and
 * concurrent inserts never shift items between pages. Needs an index on
 * `{ field, _id }` in the list's direction.
 */
export async function findKeysetPage<TDoc extends Document, TView>(
  collection: Collection<TDoc>,
  filter: Filter<TDoc>,
  options: KeysetOptions,
  toView: (doc: WithId<TDoc>) => TView,
): Promise<CursorPage<TView>> {
  const dir = options.direction === 'desc' ? -1 : 1;
  const cmp = dir === -1 ? '$lt' : '$gt';
  let query: Filter<TDoc> = filter;
  if (options.cursor) {
    const { value, id } = decodeCursor(options.cursor);
    const after = {
      $or: [{ [options.field]: { [cmp]: value } }, { [options.field]: value, _id: { [cmp]: id } }],
    } as Filter<TDoc>;
    query = { $and: [filter, after] } as Filter<TDoc>;
  }
  const docs = await collection
    .find(query, options.session ? { session: options.session } : {})
    .sort({ [options.field]: dir, _id: dir } as Sort)
    .limit(options.limit + 1)
    .toArray();
  const hasMore = docs.length > options.limit;
  const pageDocs = hasMore ? docs.slice(0, options.limit) : docs;
  const last = pageDocs.at(-1);
  const nextCursor =
    hasMore && last
      ? encodeCursor((last as Record<string, unknown>)[options.field] as CursorValue, last._id as ObjectId)
      : null;
  return { items: pageDocs.map(toView), nextCursor };
}
