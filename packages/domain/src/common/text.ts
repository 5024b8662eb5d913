import type { z } from 'zod';

/**
 * Letters that Unicode does not decompose into a base letter and a mark, and
 * that people type without their stroke or ligature.
 */
const SPECIAL_LETTERS: Record<string, string> = {
  ł: 'l',
  đ: 'd',
  ð: 'd',
  ø: 'o',
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  þ: 'th',
  ħ: 'h',
  ı: 'i',
};

/**
 * Text as searches compare it: lower case, accents and other marks removed
 * (`Wójcik` and `wojcik` match each other, either way round), compatibility
 * forms unified. Used for the stored search keys and for the query alike.
 */
export function foldForSearch(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[łđðøßæœþħı]/g, (c) => SPECIAL_LETTERS[c] ?? c);
}

/** Where words part: spaces, hyphens, apostrophes, dots, commas, slashes, colons. */
const WORD_BREAK = /[\s\-'’.,/:]+/;

/**
 * The words a prefix search matches, folded (see foldForSearch): `Łucja
 * Wójcik-Żak` gives `lucja`, `wojcik`, `zak`. Stored beside what is searched,
 * and recomputed by the search-key repair job when folding changes.
 */
export function searchWordsOf(text: string): string[] {
  return [...new Set(foldForSearch(text).split(WORD_BREAK).filter(Boolean))];
}

/**
 * The terms of a search, folded like the stored words; each must be the start
 * of some stored word. Something with an @ is an email (or its start) and
 * stays whole. At most five terms.
 */
export function searchTermsOf(q: string): string[] {
  const query = foldForSearch(q.trim());
  if (query.includes('@')) return [query];
  return [...new Set(query.split(/[\s\-'’,]+/).filter(Boolean))].slice(0, 5);
}

/** A UTF-16 code unit of a surrogate pair without its partner: not text, and not storable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Control characters other than tab, line feed and carriage return (C0, DEL, C1). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is this pattern's purpose
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
/** Line breaks and tabs: fine in free text, never in a name, code, identifier or search term. */
const LINE_BREAK_OR_TAB = /[\t\n\r\u2028\u2029]/;

/**
 * Why a string cannot be accepted anywhere in the API, or null: NUL (which
 * no query can carry and PostgreSQL-backed storage refuses) and lone
 * surrogates (which UTF-8 cannot store, so they would come back as U+FFFD).
 * Every string of every input is checked for these before its schema runs.
 */
export function unstorableText(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(value)) return 'must be valid Unicode text (a lone surrogate was sent)';
  return null;
}

/**
 * Why a string cannot be a single-line value (a name, code, identifier, tag,
 * search term), or null: no control characters, no line breaks or tabs.
 */
export function notSingleLine(value: string): string | null {
  if (CONTROL.test(value)) return 'must not contain control characters';
  if (LINE_BREAK_OR_TAB.test(value)) return 'must be a single line (no line breaks or tabs)';
  return unstorableText(value);
}

/** Refines a string schema to single-line text (see notSingleLine); the issue's code is `invalid_characters`. */
export function singleLine<T extends z.ZodType<string>>(schema: T): T {
  return schema.superRefine((value, ctx) => {
    const problem = notSingleLine(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, params: { reason: 'invalid_characters' } });
  }) as unknown as T;
}
