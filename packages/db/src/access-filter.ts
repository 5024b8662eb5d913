import type { AccessCondition, AccessQuery } from '@seed-pms/domain';
import type { Document, Filter } from 'mongodb';
import { objectIdOf } from './ids.js';

/** Where a subject field a rule may name is stored, and whether its values are ids (ObjectIds in storage). */
export type AccessFields = Readonly<Record<string, { path: string; id?: boolean }>>;

const LOGICAL = new Set(['$and', '$or', '$nor']);
const VALUE_OPERATORS = new Set(['$eq', '$ne', '$in', '$nin', '$all', '$exists', '$gt', '$gte', '$lt', '$lte']);

function storedValue(value: unknown, id: boolean): unknown {
  if (!id) return value;
  if (typeof value === 'string') return objectIdOf(value) ?? value;
  if (Array.isArray(value)) return value.map((item) => storedValue(item, id));
  return value;
}

function translate(condition: AccessCondition, fields: AccessFields): Document {
  const out: Document = {};
  for (const [key, value] of Object.entries(condition)) {
    if (LOGICAL.has(key)) {
      out[key] = (value as AccessCondition[]).map((part) => translate(part, fields));
      continue;
    }
    const field = fields[key];
    // A rule on a field this collection does not map would otherwise widen or break the list: refuse loudly.
    if (!field) throw new Error(`No stored field for the access rule's field "${key}"`);
    const isOperatorObject =
      value !== null &&
      typeof value === 'object' &&
      !Array.isArray(value) &&
      Object.keys(value).every((k) => k.startsWith('$'));
    if (isOperatorObject) {
      const ops: Document = {};
      for (const [op, operand] of Object.entries(value as Record<string, unknown>)) {
        if (!VALUE_OPERATORS.has(op)) throw new Error(`The access rule operator ${op} is not supported`);
        ops[op] = op === '$exists' ? operand : storedValue(operand, field.id === true);
      }
      out[field.path] = ops;
    } else {
      out[field.path] = storedValue(value, field.id === true);
    }
  }
  return out;
}

/**
 * A list's filter narrowed to what the caller may see (see AccessQuery in
 * domain): unchanged for `all`, null for `none` (the list is empty without a
 * query), else `{ $and: [filter, access] }` — combined, never spread, so
 * neither side can override the other's conditions on the same field.
 */
export function withAccess<TDoc extends Document>(
  filter: Filter<TDoc>,
  access: AccessQuery,
  fields: AccessFields,
): Filter<TDoc> | null {
  if (access.kind === 'none') return null;
  if (access.kind === 'all') return filter;
  const narrowed = translate(access.condition, fields) as Filter<TDoc>;
  return { $and: Object.keys(filter).length === 0 ? [narrowed] : [filter, narrowed] } as Filter<TDoc>;
}
