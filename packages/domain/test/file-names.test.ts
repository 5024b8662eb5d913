import { describe, expect, it } from 'vitest';
import { MAX_FILE_NAME_LENGTH, tidyFileName } from '../src/index.js';

describe('tidyFileName', () => {
  it('keeps short names as they are, without paths, quotes or control characters', () => {
    expect(tidyFileName('report.pdf')).toBe('report.pdf');
    expect(tidyFileName('C:\\Users\\me\\plan "final".txt')).toBe('plan final.txt');
    expect(tidyFileName('a\u0000b\u001f.md')).toBe('ab.md');
    expect(tidyFileName('  ')).toBe('file');
    expect(tidyFileName('..')).toBe('file');
    expect(tidyFileName(undefined, 'upload')).toBe('upload');
  });

  it('regression: a long file name loses its extension', () => {
    const long = `${'x'.repeat(197)}.txt`;
    expect(long).toHaveLength(201);
    const tidy = tidyFileName(long);
    expect(tidy).toHaveLength(MAX_FILE_NAME_LENGTH);
    expect(tidy).toBe(`${'x'.repeat(196)}.txt`);
  });

  it('shortens before the extension without splitting characters', () => {
    const emoji = `${'😀'.repeat(250)}.docx`;
    const tidy = tidyFileName(emoji);
    expect(Array.from(tidy)).toHaveLength(MAX_FILE_NAME_LENGTH);
    expect(tidy.endsWith('😀.docx')).toBe(true);
    // No half of a surrogate pair is left.
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(tidy)).toBe(false);
    // A dot far from the end (or in words) is not an extension: the name is simply cut.
    const sentence = `notes. ${'y'.repeat(300)}`;
    expect(tidyFileName(sentence)).toBe(sentence.slice(0, MAX_FILE_NAME_LENGTH));
    const spaced = `${'z'.repeat(250)}.final version`;
    expect(tidyFileName(spaced)).toBe(spaced.slice(0, MAX_FILE_NAME_LENGTH));
  });
});
