import type { CatalogType } from './catalog.schemas.js';

/**
 * A catalog item as the use cases and rules see it: plain data with string
 * ids, read and written by the catalog repository (packages/db). What the API
 * shows is CatalogItemView; this also carries what only the server needs.
 */
export interface CatalogItemRecord {
  id: string;
  type: CatalogType;
  name: string;
  description: string | null;
  active: boolean;
  createdBy: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}
