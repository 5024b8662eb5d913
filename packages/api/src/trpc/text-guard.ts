import { type FieldIssue, unstorableText, validationFailed } from '@seed-pms/domain';

/** Inputs deeper than this are not walked further (no schema of ours nests anywhere near it). */
const MAX_DEPTH = 32;

function walk(value: unknown, path: string[], issues: FieldIssue[], depth: number): void {
  if (issues.length >= 20 || depth > MAX_DEPTH) return;
  if (typeof value === 'string') {
    const problem = unstorableText(value);
    if (problem) issues.push({ path: path.join('.'), message: problem, code: 'invalid_characters' });
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) walk(item, [...path, String(i)], issues, depth + 1);
    return;
  }
  if (value instanceof FormData) {
    for (const [key, entry] of value.entries()) {
      walk(key, [key], issues, depth + 1);
      walk(typeof entry === 'string' ? entry : entry.name, [key], issues, depth + 1);
    }
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const problem = unstorableText(key);
      if (problem)
        issues.push({ path: [...path, key].join('.'), message: `field name ${problem}`, code: 'invalid_characters' });
      walk(item, [...path, key], issues, depth + 1);
    }
  }
}

/**
 * The one rule for text in every input, query and body alike, over tRPC and
 * REST: no string may carry NUL or a lone surrogate (neither can be stored
 * and read back as sent). Refused with 400 VALIDATION_FAILED naming the
 * fields, before any schema runs. Stricter rules (single-line names, codes and
 * search terms) are the schemas' (`singleLine` in domain/common/text.ts).
 */
export function assertStorableText(input: unknown): void {
  const issues: FieldIssue[] = [];
  walk(input, [], issues, 0);
  if (issues.length > 0) throw validationFailed('Some text cannot be accepted', issues);
}
