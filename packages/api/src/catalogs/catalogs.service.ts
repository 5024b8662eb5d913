import { catalogItemView } from '@seed-pms/db';
import {
  type CatalogItemRecord,
  type CatalogItemView,
  type CatalogReferencesView,
  type CatalogType,
  type CreateCatalogItemInput,
  DomainError,
  type ListCatalogQuery,
  notFound,
  type Page,
  type UpdateCatalogItemInput,
  versionConflict,
} from '@seed-pms/domain';
import { assertCan } from '../access/ability.js';
import type { ActorContext } from '../app/call-context.js';
import type { ServiceDeps } from '../app/deps.js';
import type { AuditService } from '../audit/audit.service.js';

/** Deletes and new references take turns under this lease (see whileAssigning). */
const ASSIGNMENTS_LOCK = 'catalogs.assignments';

/**
 * A place whose records point at catalog items of one type (employee skills,
 * project types, …). Each area offers its places (wired in
 * events/subscriptions.ts), so delete and `references` count every collection
 * that can hold an item's id.
 */
export interface CatalogReferenceSource {
  type: CatalogType;
  place: string;
  description: string;
  count(id: string): Promise<number>;
}

export interface CatalogsService {
  list(ctx: ActorContext, query: ListCatalogQuery): Promise<Page<CatalogItemView>>;
  create(ctx: ActorContext, input: CreateCatalogItemInput): Promise<CatalogItemView>;
  update(ctx: ActorContext, input: UpdateCatalogItemInput): Promise<CatalogItemView>;
  delete(ctx: ActorContext, input: { id: string; version?: number | undefined }): Promise<CatalogItemView>;
  references(ctx: ActorContext, id: string): Promise<CatalogReferencesView>;
  /** Areas' reference places, registered once in events/subscriptions.ts. */
  registerReferences(source: CatalogReferenceSource): void;
  /**
   * Runs a change that makes records point at catalog items (check the ids,
   * then write) so that no delete runs in between: deletes count references
   * under the same lease, so an item is never deleted while a new reference
   * to it is being written.
   */
  whileAssigning<T>(change: () => Promise<T>): Promise<T>;
  /**
   * Checks ids a record is about to point at: each must exist and be of the
   * type; those not already on the record must be active. 422
   * CATALOG_ITEM_UNUSABLE naming the offending ids otherwise.
   */
  resolveForAssignment(
    type: CatalogType,
    ids: readonly string[],
    alreadyAssigned: ReadonlySet<string>,
    field: string,
  ): Promise<void>;
}

export function createCatalogsService(
  deps: Pick<ServiceDeps, 'repos'>,
  services: { audit: AuditService },
): CatalogsService {
  const { catalogs, leases } = deps.repos;
  const { audit } = services;
  const sources: CatalogReferenceSource[] = [];

  async function load(ctx: ActorContext, action: 'read' | 'update' | 'delete', id: string) {
    const item = await catalogs.get(id);
    if (!item) throw notFound('Catalog item', id);
    assertCan(ctx.actor, action, 'Catalog', { id, type: item.type });
    return item;
  }

  async function countReferences(item: CatalogItemRecord): Promise<CatalogReferencesView> {
    const places = await Promise.all(
      sources
        .filter((source) => source.type === item.type)
        .map(async (source) => ({
          place: source.place,
          description: source.description,
          count: await source.count(item.id),
        })),
    );
    return { id: item.id, type: item.type, total: places.reduce((sum, p) => sum + p.count, 0), places };
  }

  async function deleteItem(ctx: ActorContext, input: { id: string; version?: number | undefined }) {
    const item = await load(ctx, 'delete', input.id);
    if (input.version !== undefined && input.version !== item.version) {
      throw versionConflict('Catalog item', item.id, input.version, item.version);
    }
    const references = await countReferences(item);
    if (references.total > 0) {
      throw new DomainError(
        'IN_USE',
        `"${item.name}" is still used in ${references.total} place${references.total === 1 ? '' : 's'}; deactivate it instead, or remove it from them first`,
        { total: references.total, places: references.places.filter((p) => p.count > 0) },
      );
    }
    await catalogs.delete(item.id, item.version);
    const before = catalogItemView(item);
    await audit.record(ctx, { action: 'catalog.delete', resourceType: 'catalog', resourceId: before.id, before });
    return before;
  }

  return {
    registerReferences(source) {
      sources.push(source);
    },

    list: (_ctx, query) => catalogs.list(query),

    async create(ctx, input) {
      const view = catalogItemView(await catalogs.insert({ ...input, createdBy: ctx.actor.id }, ctx.now));
      await audit.record(ctx, { action: 'catalog.create', resourceType: 'catalog', resourceId: view.id, after: view });
      return view;
    },

    async update(ctx, input) {
      const item = await load(ctx, 'update', input.id);
      const after = catalogItemView(await catalogs.update(item, input.version, input, ctx.now));
      await audit.record(ctx, {
        action: 'catalog.update',
        resourceType: 'catalog',
        resourceId: after.id,
        before: catalogItemView(item),
        after,
      });
      return after;
    },

    whileAssigning: (change) => leases.withLease(ASSIGNMENTS_LOCK, change),

    delete: (ctx, input) => leases.withLease(ASSIGNMENTS_LOCK, () => deleteItem(ctx, input)),

    async references(ctx, id) {
      return countReferences(await load(ctx, 'read', id));
    },

    async resolveForAssignment(type, ids, alreadyAssigned, field) {
      const found = await catalogs.getMany(ids);
      const problems: { id: string; problem: string }[] = [];
      for (const id of ids) {
        const item = found.get(id);
        if (!item) problems.push({ id, problem: 'does not exist' });
        else if (item.type !== type) problems.push({ id, problem: `is a ${item.type}, not a ${type}` });
        else if (!item.active && !alreadyAssigned.has(id)) problems.push({ id, problem: 'is deactivated' });
      }
      if (problems.length > 0) {
        throw new DomainError('CATALOG_ITEM_UNUSABLE', `Some ${field} cannot be assigned`, { field, problems });
      }
    },
  };
}
