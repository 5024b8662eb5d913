import {
  type CatalogItemView,
  type CatalogRef,
  type CatalogType,
  catalogNameKey,
  DomainError,
  type Page,
} from '@seed-pms/domain';
import type { Collection, Filter, ObjectId, WithId } from 'mongodb';
import { isDuplicateKey } from '../errors.js';
import { newId } from '../ids.js';
import { findByIds } from '../lookups.js';
import { findPage } from '../pagination.js';
import { escapeRegex } from '../regex.js';
import { initialVersion } from '../versioning.js';
import type { CatalogDoc } from './catalog.doc.js';

const duplicateName = (type: CatalogType, name: string) =>
  new DomainError('ALREADY_EXISTS', `A ${type} named "${name}" already exists`, { field: 'name', type });

/** Runs a write that may set a name; a clash on the unique (type, nameKey) index becomes 409 ALREADY_EXISTS. */
export async function withUniqueCatalogName<T>(type: CatalogType, name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (isDuplicateKey(error)) throw duplicateName(type, name);
    throw error;
  }
}

export interface NewCatalogItem {
  type: CatalogType;
  name: string;
  description?: string | null | undefined;
  createdBy: ObjectId | null;
}

export async function insertCatalogItem(
  catalogs: Collection<CatalogDoc>,
  item: NewCatalogItem,
  now: Date,
): Promise<WithId<CatalogDoc>> {
  const doc: CatalogDoc = {
    _id: newId(),
    type: item.type,
    name: item.name,
    nameKey: catalogNameKey(item.name),
    description: item.description ?? null,
    active: true,
    createdBy: item.createdBy,
    ...initialVersion(now),
  };
  await withUniqueCatalogName(item.type, item.name, () => catalogs.insertOne(doc));
  return doc;
}

export interface CatalogListFilter {
  type?: CatalogType | undefined;
  q?: string | undefined;
  includeInactive: boolean;
  page: number;
  limit: number;
}

/** Items by type and name, a page at a time; pickers get active items only. */
export function listCatalogItems(
  catalogs: Collection<CatalogDoc>,
  filter: CatalogListFilter,
): Promise<Page<CatalogItemView>> {
  const query: Filter<CatalogDoc> = {};
  if (filter.type) query.type = filter.type;
  if (!filter.includeInactive) query.active = true;
  if (filter.q) query.nameKey = new RegExp(`^${escapeRegex(catalogNameKey(filter.q))}`);
  const sort = filter.type ? { nameKey: 1, _id: 1 } : { type: 1, nameKey: 1, _id: 1 };
  return findPage(catalogs, query, { page: filter.page, limit: filter.limit, sort: sort as never }, toCatalogItemView);
}

/** The items with these ids (any type), by id. */
export function findCatalogItems(
  catalogs: Collection<CatalogDoc>,
  ids: readonly ObjectId[],
): Promise<Map<string, WithId<CatalogDoc>>> {
  return findByIds(catalogs, ids);
}

/** An item of a type by its name, any case. */
export function findCatalogItemByName(
  catalogs: Collection<CatalogDoc>,
  type: CatalogType,
  name: string,
): Promise<WithId<CatalogDoc> | null> {
  return catalogs.findOne({ type, nameKey: catalogNameKey(name) });
}

export function toCatalogItemView(doc: WithId<CatalogDoc>): CatalogItemView {
  return {
    id: doc._id.toHexString(),
    type: doc.type,
    name: doc.name,
    description: doc.description,
    active: doc.active,
    version: doc.version,
    createdAt: doc.createdAt.toISOString(),
    updatedAt: doc.updatedAt.toISOString(),
  };
}

export function toCatalogRef(doc: WithId<CatalogDoc>): CatalogRef {
  return { id: doc._id.toHexString(), name: doc.name, active: doc.active };
}
