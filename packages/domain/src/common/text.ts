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
