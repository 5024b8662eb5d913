import type { CatalogType } from '@seed-pms/domain';
import type { ObjectId } from 'mongodb';
import { defineCollection } from '../collections.js';

/**
 * An item of an admin-managed list. Other records point at it by `_id`, so a
 * rename never breaks them; `nameKey` (see `catalogNameKey`) is what names are
 * unique on within a type.
 */
export interface CatalogDoc {
  _id: ObjectId;
  type: CatalogType;
  name: string;
  nameKey: string;
  /**
   * The name key with accents folded (catalogSearchKey): what `q` matches a
   * prefix of. Missing on items written before it existed, until the
   * catalogs' repair job (at start-up) adds it.
   */
  searchKey?: string;
  description: string | null;
  active: boolean;
  createdBy: ObjectId | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export const catalogsCollection = defineCollection<CatalogDoc>('catalogs', [
  { name: 'type_nameKey_unique', key: { type: 1, nameKey: 1 }, unique: true },
  { name: 'type_active_nameKey', key: { type: 1, active: 1, nameKey: 1 } },
  { name: 'nameKey', key: { nameKey: 1 } },
  { name: 'type_active_searchKey', key: { type: 1, active: 1, searchKey: 1 } },
  { name: 'searchKey', key: { searchKey: 1 } },
]);
