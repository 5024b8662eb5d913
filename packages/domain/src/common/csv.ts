/**
 * RFC 4180 CSV: fields with a comma, quote or line break are quoted. Cells
 * that a spreadsheet would run as a formula (starting with = + - @, tab or
 * carriage return) are prefixed with an apostrophe, so a name like
 * `=HYPERLINK(...)` stays text when the download is opened.
 */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | null)[])[]): string {
  const cell = (value: string | number | null): string => {
    if (value === null) return '';
    if (typeof value === 'number') return String(value);
    const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return [header, ...rows]
    .map((row) => row.map(cell).join(','))
    .join('\r\n')
    .concat('\r\n');
}
