import { rulesToCondition } from '@casl/ability/extra';
import type { Action, AppAbility, SubjectName } from './abilities.js';

/**
 * What of a subject an ability lets its holder see, as a query over the
 * subject's own fields (the names rules use: `userId`, `managerChain`, …):
 * everything, nothing, or the rows matching a condition. The one way a list
 * is filtered by what its caller may see: the repository turns the
 * condition into its storage query and combines it with the list's filters
 * under `$and` (packages/db/src/access-filter.ts).
 */
export type AccessQuery =
  | { readonly kind: 'all' }
  | { readonly kind: 'none' }
  | { readonly kind: 'where'; readonly condition: AccessCondition };

/** A MongoDB-style condition (`$and`, `$or`, `$nor`, field equality and operators) over subject fields. */
export type AccessCondition = Readonly<Record<string, unknown>>;

/**
 * The rows of `subject` the ability allows `action` on. CASL evaluates the
 * highest-priority rule first and a `cannot` stops it; the flattened query
 * keeps that: each `can` branch is bounded by the `cannot` rules above it.
 * Field-limited rules grant the rows too (which fields show is a separate check).
 */
export function accessQuery(ability: AppAbility, action: Action, subject: SubjectName): AccessQuery {
  const condition = rulesToCondition<AppAbility, AccessCondition, AccessCondition>(
    ability.rulesFor(action, subject),
    (rule) => (rule.inverted ? { $nor: [rule.conditions ?? {}] } : (rule.conditions ?? {})),
    {
      and: (conditions) => (conditions.length === 1 ? (conditions[0] as AccessCondition) : { $and: conditions }),
      or: (conditions) => (conditions.length === 1 ? (conditions[0] as AccessCondition) : { $or: conditions }),
      empty: () => ({}),
    },
  );
  if (condition === null) return { kind: 'none' };
  if (Object.keys(condition).length === 0) return { kind: 'all' };
  return { kind: 'where', condition };
}
