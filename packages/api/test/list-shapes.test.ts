import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { appRouter } from '../src/trpc/router.js';

/**
 * Every list the API answers has one of three shapes (README, "Lists"):
 * a page `{ items, total, page, limit }`, a cursor page `{ items, nextCursor }`,
 * or a short unpaged list `{ items }`. No procedure answers a bare array, and
 * nothing else sits beside `items`.
 */
const SHAPES = {
  page: ['items', 'limit', 'page', 'total'],
  cursor: ['items', 'nextCursor'],
  unpaged: ['items'],
} as const;

// Subscriptions yield a stream of events, not one answer: their events are typed by the procedure itself.
const procedures = Object.entries(
  appRouter._def.procedures as unknown as Record<string, { _def: { output?: unknown; meta?: unknown; type: string } }>,
).filter(([, p]) => p._def.type !== 'subscription');

function shapeOf(output: unknown): string {
  type Json = {
    type?: string;
    properties?: Record<string, { type?: string }>;
    $ref?: string;
    $defs?: Record<string, Json>;
  };
  const root = z.toJSONSchema(output as z.ZodType, { io: 'output', unrepresentable: 'any' }) as Json;
  // A schema with an id (`.meta({ id })`) comes back as a reference to its definition.
  const json = root.$ref ? (root.$defs?.[root.$ref.replace('#/$defs/', '')] ?? root) : root;
  if (json.type === 'array') return 'bare array';
  const keys = Object.keys(json.properties ?? {}).sort();
  if (!keys.includes('items')) return 'not a list';
  if (json.properties?.items?.type !== 'array') return 'items is not an array';
  for (const [name, shape] of Object.entries(SHAPES)) if (keys.join(',') === shape.join(',')) return name;
  return `{ ${keys.join(', ')} }`;
}

describe('list shapes', () => {
  it('every list procedure answers a page, a cursor page or { items }', () => {
    const lists = procedures
      .filter(([, p]) => p._def.output !== undefined)
      .map(([name, p]) => [name, shapeOf(p._def.output)] as const)
      .filter(([, shape]) => shape !== 'not a list');
    expect(lists.length).toBeGreaterThan(10);
    const odd = lists.filter(([, shape]) => !Object.keys(SHAPES).includes(shape));
    expect(odd).toEqual([]);
  });

  it('every procedure has an output schema (no database row can leak)', () => {
    expect(procedures.filter(([, p]) => p._def.output === undefined).map(([name]) => name)).toEqual([]);
  });

  it('the check tells the shapes apart', () => {
    expect(shapeOf(z.array(z.string()))).toBe('bare array');
    expect(shapeOf(z.object({ items: z.array(z.string()), projectId: z.string() }))).toBe('{ items, projectId }');
    expect(shapeOf(z.object({ items: z.array(z.string()) }))).toBe('unpaged');
  });
});
