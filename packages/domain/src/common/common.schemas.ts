import { z } from 'zod';
import { singleLine } from './text.js';

/** A resource id as the API shows it: 24 lowercase hex characters. */
export const Id = z
  .string()
  .regex(/^[0-9a-f]{24}$/, 'must be a 24-character hexadecimal id')
  .meta({ description: 'Resource id (24 hexadecimal characters).', example: '665f1c2e8b3a4d0012345678' });
export type Id = z.infer<typeof Id>;

/** An instant, as an ISO 8601 UTC string. */
export const Instant = z.iso
  .datetime({ error: 'must be an ISO 8601 instant in UTC, such as 2026-01-15T10:30:00Z' })
  .meta({ description: 'Instant, ISO 8601 UTC.', example: '2026-01-15T10:30:00.000Z' });

/** A calendar day in the organisation's timezone. */
export const CalendarDay = z.iso
  .date({ error: 'must be a day as YYYY-MM-DD' })
  .refine((day) => day >= '1000-01-01' && day <= '9998-12-31', 'must be a day between the years 1000 and 9998')
  .meta({ description: 'Calendar day, YYYY-MM-DD.', example: '2026-01-15' });

/*
 * Query parameters. Every list takes its parameters from these, so each kind
 * of value is parsed, bounded and explained the same way everywhere: ids
 * (`Id`), days (`CalendarDay`), instants (`Instant`, or `QueryInstantOrDay`),
 * yes/no (`QueryFlag`), numbers (`QueryInt`), search terms (`SearchTerm`),
 * other short text (`QueryText`), sorts (`SortOf`), pages (`PageQuery`,
 * `CursorQuery`). A parameter given twice is refused by the REST adapter
 * unless its schema takes a list.
 */

/** A whole number from a query string (text coerced), within bounds, with messages that say so. */
export function QueryInt(min: number, max: number) {
  return z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });
}

/** A search term: a prefix matched against words; one line of text without control characters. */
export const SearchTerm = singleLine(z.string().trim().min(1, { error: 'must not be empty' }).max(100)).meta({
  description: 'Search text: matched as a prefix of words, ignoring case and accents.',
});

/** Short single-line text in a query (a tag, a department, an action name). */
export function QueryText(max: number) {
  return singleLine(z.string().trim().min(1, { error: 'must not be empty' }).max(max));
}

/** An instant, or a day (YYYY-MM-DD) meaning that day in the organisation's timezone. */
export const QueryInstantOrDay = z
  .union([z.iso.datetime(), z.iso.date()], {
    error: 'must be an ISO 8601 instant (2026-01-15T10:30:00Z) or a day (2026-01-15)',
  })
  .meta({ description: 'An instant (ISO 8601, UTC) or a day (YYYY-MM-DD, the organisation’s timezone).' });

/** A sort order: one of the fields, `-` first for descending. */
export function SortOf<const T extends readonly [string, ...string[]]>(fields: T) {
  return z.enum(fields, { error: `must be one of ${fields.join(', ')}` });
}

export const MAX_PAGE_LIMIT = 100;
export const DEFAULT_PAGE_LIMIT = 20;

/**
 * Offset pagination for lists that show a total. Query strings arrive as text,
 * so both fields coerce; the bounds are part of the contract.
 */
export const PageQuery = z.object({
  page: QueryInt(1, 100_000).default(1).meta({ description: 'Page number, from 1.' }),
  limit: QueryInt(1, MAX_PAGE_LIMIT)
    .default(DEFAULT_PAGE_LIMIT)
    .meta({ description: `Items per page, at most ${MAX_PAGE_LIMIT}.` }),
});
export type PageQuery = z.infer<typeof PageQuery>;

/** Keyset pagination for long, append-mostly lists (audit, messages). */
export const CursorQuery = z.object({
  cursor: singleLine(z.string().max(512))
    .optional()
    .meta({ description: 'Opaque cursor from the previous page’s nextCursor.' }),
  limit: QueryInt(1, MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT),
});
export type CursorQuery = z.infer<typeof CursorQuery>;

/** `{ items, total, page, limit }`, the shape of every paginated list. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int().min(0).meta({ description: 'Items matching the filters, over all pages.' }),
    page: z.number().int().min(1),
    limit: z.number().int().min(1),
  });
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}

/** `{ items }`: a short list that is never paged (a roster, your sessions, a batch's results). */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item) });
}

export interface List<T> {
  items: T[];
}

export function cursorPageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    nextCursor: z.string().nullable().meta({ description: 'Pass as cursor for the next page; null on the last.' }),
  });
}

export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

/** Optimistic locking: the version the client last saw. */
export const ExpectedVersion = z
  .number()
  .int()
  .min(1)
  .meta({ description: 'The version you last read; a stale one answers 409 VERSION_CONFLICT.' });

/**
 * A yes/no query parameter: a boolean from tRPC; `true`/`false` (or `1`/`0`)
 * text from a REST query string.
 */
export const QueryFlag = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])], { error: 'must be true or false (or 1 or 0)' })
  .transform((v) => v === true || v === 'true' || v === '1');
