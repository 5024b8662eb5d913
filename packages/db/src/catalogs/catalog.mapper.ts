import type { CatalogItemRecord, CatalogItemView, CatalogRef } from '@seed-pms/domain';
import type { WithId } from 'mongodb';
import { idOrNull } from '../ids.js';
import type { CatalogDoc } from './catalog.doc.js';

/** Documents ⇄ what the rest of the server sees; `_id` ⇄ `id` happens here and nowhere else. */
export function toCatalogItemRecord(doc: WithId<CatalogDoc>): CatalogItemRecord {
  return {
    id: doc._id.toHexString(),
    type: doc.type,
    name: doc.name,
    description: doc.description,
    active: doc.active,
    createdBy: idOrNull(doc.createdBy),
    version: doc.version,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export function catalogItemView(item: CatalogItemRecord): CatalogItemView {
  return {
    id: item.id,
    type: item.type,
    name: item.name,
    description: item.description,
    active: item.active,
    version: item.version,
    createdAt: item.createdAt.toISOString(),
    updatedAt: item.updatedAt.toISOString(),
  };
}

export function catalogRef(item: Pick<CatalogItemRecord, 'id' | 'name' | 'active'>): CatalogRef {
  return { id: item.id, name: item.name, active: item.active };
}
