import {
  type CatalogItemRecord,
  type CatalogItemView,
  type CatalogType,
  catalogNameKey,
  catalogSearchKey,
  DomainError,
  type Page,
} from '@seed-pms/domain';
import type { Collection, Filter, ObjectId } from 'mongodb';
import type { Collections } from '../connection.js';
import { isDuplicateKey } from '../errors.js';
import { newId, objectIdOf, objectIdsOf } from '../ids.js';
import { findByIds } from '../lookups.js';
import { findPage } from '../pagination.js';
import { escapeRegex } from '../regex.js';
import { initialVersion, updateVersioned, versionConflictOrGone } from '../versioning.js';
import type { CatalogDoc } from './catalog.doc.js';
import { catalogItemView, toCatalogItemRecord } from './catalog.mapper.js';

/** What may change on an item; a new name also moves its unique key. */
export interface CatalogItemChanges {
  name?: string | undefined;
  description?: string | null | undefined;
  active?: boolean | undefined;
}

/**
 * The catalog's storage: string ids and records in, records and views out.
 * Every write that can break a rule is one conditional write (the version, the
 * unique name index).
 */
export interface CatalogRepository {
  /** The item, or null when there is none (a malformed id names none). */
  get(id: string): Promise<CatalogItemRecord | null>;
  /** Items by id, any type; unknown ids are absent from the map. */
  getMany(ids: readonly string[]): Promise<Map<string, CatalogItemRecord>>;
  /** An item of a type by its name, any case or spacing. */
  findByName(type: CatalogType, name: string): Promise<CatalogItemRecord | null>;
  /** Items of a type by name (any case or spacing), keyed by catalogNameKey; names with no item are absent. */
  findByNames(type: CatalogType, names: readonly string[]): Promise<Map<string, CatalogItemRecord>>;
  /**
   * Items by type and name, a page at a time; `q` is a prefix of the name,
   * accents ignored (catalogSearchKey); pickers get active items only.
   */
  list(filter: CatalogListFilter): Promise<Page<CatalogItemView>>;
  /** 409 ALREADY_EXISTS when the type already has the name. */
  insert(item: NewCatalogItem, now: Date): Promise<CatalogItemRecord>;
  /**
   * Items written in one go (the seed), each with its id drawn beforehand; a
   * name the type already has is refused (409 ALREADY_EXISTS) and nothing
   * after it is written.
   */
  insertMany(items: readonly (NewCatalogItem & { id: string })[], now: Date): Promise<CatalogItemRecord[]>;
  /**
   * Gives items written before search keys existed (or under an older
   * folding) their key. Search keys are derived data: neither the version nor
   * `updatedAt` changes, and each write is conditional on the name it was
   * derived from, so a rename in between keeps its own key. Returns how many
   * items it fixed.
   */
  repairSearchKeys(): Promise<number>;
  /** At `expectedVersion` only (409 VERSION_CONFLICT, 404 when gone); 409 ALREADY_EXISTS on a taken name. */
  update(
    item: CatalogItemRecord,
    expectedVersion: number,
    changes: CatalogItemChanges,
    now: Date,
  ): Promise<CatalogItemRecord>;
  /** Deletes the item at `expectedVersion` (409 VERSION_CONFLICT, 404 when gone). */
  delete(id: string, expectedVersion: number): Promise<void>;
}

export function createCatalogRepository(collections: Pick<Collections, 'catalogs'>): CatalogRepository {
  const { catalogs } = collections;
  return {
    async get(id) {
      const _id = objectIdOf(id);
      const doc = _id ? await catalogs.findOne({ _id }) : null;
      return doc ? toCatalogItemRecord(doc) : null;
    },
    async getMany(ids) {
      const found = await findByIds(catalogs, objectIdsOf(ids));
      return new Map([...found].map(([id, doc]) => [id, toCatalogItemRecord(doc)]));
    },
    async findByName(type, name) {
      const doc = await catalogs.findOne({ type, nameKey: catalogNameKey(name) });
      return doc ? toCatalogItemRecord(doc) : null;
    },
    async findByNames(type, names) {
      if (names.length === 0) return new Map();
      const docs = await catalogs.find({ type, nameKey: { $in: [...new Set(names.map(catalogNameKey))] } }).toArray();
      return new Map(docs.map((doc) => [doc.nameKey, toCatalogItemRecord(doc)]));
    },
    list: (filter) => listCatalogItems(catalogs, filter),
    async insert(item, now) {
      const doc = newCatalogDoc(newId(), item, now);
      await withUniqueCatalogName(item.type, item.name, () => catalogs.insertOne(doc));
      return toCatalogItemRecord(doc);
    },
    async insertMany(items, now) {
      if (items.length === 0) return [];
      const docs = items.map((item) => newCatalogDoc(objectIdOf(item.id) as ObjectId, item, now));
      try {
        await catalogs.insertMany(docs);
      } catch (error) {
        if (isDuplicateKey(error)) {
          throw new DomainError('ALREADY_EXISTS', 'A catalog item of that type and name already exists', {
            field: 'name',
          });
        }
        throw error;
      }
      return docs.map(toCatalogItemRecord);
    },
    async repairSearchKeys() {
      let repaired = 0;
      for await (const doc of catalogs.find({}, { projection: { name: 1, searchKey: 1 } })) {
        const searchKey = catalogSearchKey(doc.name);
        if (doc.searchKey === searchKey) continue;
        const { modifiedCount } = await catalogs.updateOne({ _id: doc._id, name: doc.name }, { $set: { searchKey } });
        repaired += modifiedCount;
      }
      return repaired;
    },
    async update(item, expectedVersion, changes, now) {
      const _id = objectIdOf(item.id) as ObjectId;
      const set: Partial<CatalogDoc> = {};
      if (changes.name !== undefined && changes.name !== item.name) {
        set.name = changes.name;
        set.nameKey = catalogNameKey(changes.name);
        set.searchKey = catalogSearchKey(changes.name);
      }
      if (changes.description !== undefined) set.description = changes.description || null;
      if (changes.active !== undefined) set.active = changes.active;
      const updated = await withUniqueCatalogName(item.type, changes.name ?? item.name, () =>
        updateVersioned(catalogs, _id, expectedVersion, { $set: set }, { resource: 'Catalog item', now }),
      );
      return toCatalogItemRecord(updated);
    },
    async delete(id, expectedVersion) {
      const _id = objectIdOf(id);
      if (!_id) throw new DomainError('NOT_FOUND', 'Catalog item not found', { resource: 'Catalog item', id });
      const { deletedCount } = await catalogs.deleteOne({ _id, version: expectedVersion });
      if (deletedCount === 0) throw await versionConflictOrGone(catalogs, _id, expectedVersion, 'Catalog item');
    },
  };
}

const duplicateName = (type: CatalogType, name: string) =>
  new DomainError('ALREADY_EXISTS', `A ${type} named "${name}" already exists`, { field: 'name', type });

/** Runs a write that may set a name; a clash on the unique (type, nameKey) index becomes 409 ALREADY_EXISTS. */
async function withUniqueCatalogName<T>(type: CatalogType, name: string, write: () => Promise<T>): Promise<T> {
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
  /** The creating user's id; null for seeded items. */
  createdBy: string | null;
}

function newCatalogDoc(_id: ObjectId, item: NewCatalogItem, now: Date): CatalogDoc {
  return {
    _id,
    type: item.type,
    name: item.name,
    nameKey: catalogNameKey(item.name),
    searchKey: catalogSearchKey(item.name),
    description: item.description ?? null,
    active: true,
    createdBy: item.createdBy ? objectIdOf(item.createdBy) : null,
    ...initialVersion(now),
  };
}

export interface CatalogListFilter {
  type?: CatalogType | undefined;
  q?: string | undefined;
  includeInactive: boolean;
  page: number;
  limit: number;
}

function listCatalogItems(catalogs: Collection<CatalogDoc>, filter: CatalogListFilter): Promise<Page<CatalogItemView>> {
  const query: Filter<CatalogDoc> = {};
  if (filter.type) query.type = filter.type;
  if (!filter.includeInactive) query.active = true;
  if (filter.q) query.searchKey = new RegExp(`^${escapeRegex(catalogSearchKey(filter.q))}`);
  const sort = filter.type ? { nameKey: 1, _id: 1 } : { type: 1, nameKey: 1, _id: 1 };
  return findPage(catalogs, query, { page: filter.page, limit: filter.limit, sort: sort as never }, (doc) =>
    catalogItemView(toCatalogItemRecord(doc)),
  );
}
