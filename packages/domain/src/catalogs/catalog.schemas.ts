import { z } from 'zod';
import { ExpectedVersion, Id, Instant, PageQuery, QueryFlag, SearchTerm } from '../common/common.schemas.js';
import { foldForSearch } from '../common/text.js';

/**
 * The admin-managed lists other records point at by id: skills and hobbies on
 * employee profiles, roles (job titles, an employee's designation) and project
 * types.
 */
export const CATALOG_TYPES = ['skill', 'hobby', 'role', 'project'] as const;
export const CatalogType = z.enum(CATALOG_TYPES).meta({ id: 'CatalogType' });
export type CatalogType = z.infer<typeof CatalogType>;

/**
 * The key names are unique on: case, surrounding and repeated inner spaces do
 * not make a different name ("  Type  Script " and "typescript" differ, "Type
 * Script" and "type  script" do not).
 */
export function catalogNameKey(name: string): string {
  return name.trim().replace(/\s+/g, ' ').toLowerCase();
}

/**
 * What a catalog search (`q`, a prefix of the name) compares: the name key
 * with accents and marks folded, so `cafe` finds "Café" and `café` finds
 * "Cafe". Only searches use it; names stay unique on catalogNameKey, so
 * "Résumé writing" and "Resume writing" remain two items.
 */
export function catalogSearchKey(name: string): string {
  return foldForSearch(catalogNameKey(name));
}

/** Names as stored: trimmed, inner runs of spaces collapsed. */
export function tidyCatalogName(name: string): string {
  return name.trim().replace(/\s+/g, ' ');
}

export const CatalogName = z
  .string()
  .transform(tidyCatalogName)
  .pipe(z.string().min(1, 'must not be empty').max(100))
  .meta({ example: 'TypeScript' });

const Description = z.string().trim().max(1000);

export const CatalogItemView = z
  .object({
    id: Id,
    type: CatalogType,
    name: z.string(),
    description: z.string().nullable(),
    active: z.boolean().meta({ description: 'Inactive items are hidden from pickers but stay on existing records.' }),
    version: z.number().int(),
    createdAt: Instant,
    updatedAt: Instant,
  })
  .meta({ id: 'CatalogItem' });
export type CatalogItemView = z.infer<typeof CatalogItemView>;

/** A reference to a catalog item as other records show it. */
export const CatalogRef = z
  .object({ id: Id, name: z.string(), active: z.boolean() })
  .meta({ id: 'CatalogRef', description: 'A catalog item as records that point at it show it.' });
export type CatalogRef = z.infer<typeof CatalogRef>;

export const CreateCatalogItemInput = z.strictObject({
  type: CatalogType,
  name: CatalogName,
  description: Description.optional(),
});
export type CreateCatalogItemInput = z.infer<typeof CreateCatalogItemInput>;

export const UpdateCatalogItemInput = z.strictObject({
  id: Id,
  version: ExpectedVersion,
  name: CatalogName.optional(),
  description: Description.nullable().optional(),
  active: z.boolean().optional().meta({ description: 'false hides the item from pickers; references stay.' }),
});
export type UpdateCatalogItemInput = z.infer<typeof UpdateCatalogItemInput>;

const CatalogListFilters = {
  q: SearchTerm.optional().meta({ description: 'Prefix of the name, any case or accents.' }),
  includeInactive: QueryFlag.default(false).meta({
    description: 'Also list deactivated items (pickers leave this off).',
  }),
};

export const ListCatalogQuery = PageQuery.extend({
  type: CatalogType.optional(),
  ...CatalogListFilters,
}).strict();
export type ListCatalogQuery = z.infer<typeof ListCatalogQuery>;

export const ListCatalogByTypeQuery = PageQuery.extend({
  type: CatalogType,
  ...CatalogListFilters,
}).strict();
export type ListCatalogByTypeQuery = z.infer<typeof ListCatalogByTypeQuery>;

/** Where a catalog item is used, counted by place (e.g. `employees.skills: 12`). */
export const CatalogReferencesView = z
  .object({
    id: Id,
    type: CatalogType,
    total: z.number().int().min(0),
    places: z.array(
      z.object({
        place: z.string().meta({ example: 'employees.skills' }),
        description: z.string(),
        count: z.number().int().min(0),
      }),
    ),
  })
  .meta({ id: 'CatalogReferences' });
export type CatalogReferencesView = z.infer<typeof CatalogReferencesView>;
