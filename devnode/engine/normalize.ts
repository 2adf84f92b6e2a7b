// Text normalization as Meilisearch's tokenizer (charabia) applies it to Latin text, plus the
// lighter normalization used for facet values (filters, facet distribution, distinct, sort).
// Search words: NFKD, lowercase, non-spacing marks removed ("Café" -> "cafe"), æ/œ folded.

// eslint-disable-next-line no-control-regex -- the ASCII range starts at NUL on purpose
const ASCII_ONLY = /^[\x00-\x7f]*$/;
const NON_SPACING_MARKS = /\p{Mn}/gu;
const CONTROL_CHARS = /\p{Cc}/gu;

/** Normalizes one token the way charabia does for Latin script (lowercase, no diacritics). */
export function normalizeWord(raw: string): string {
  if (ASCII_ONLY.test(raw)) return raw.toLowerCase();
  return raw
    .normalize('NFKD')
    .toLowerCase()
    .replace(NON_SPACING_MARKS, '')
    .replace(CONTROL_CHARS, '')
    .replace(/æ/g, 'ae')
    .replace(/œ/g, 'oe')
    .replace(/[\u2018\u2019\u201b]/g, "'");
}

/** Compatibility decomposition only: stop words are compared to tokens before lowercasing. */
export function decomposeWord(raw: string): string {
  return ASCII_ONLY.test(raw) ? raw : raw.normalize('NFKD');
}

/** Meilisearch caps facet strings (LMDB key size); values are cut at this many UTF-8 bytes. */
const MAX_FACET_VALUE_BYTES = 255;

/** Facet normalization: trim, NFKD, lowercase; diacritics are kept (filters are accent-sensitive). */
export function normalizeFacet(raw: string): string {
  const value = ASCII_ONLY.test(raw) ? raw.trim().toLowerCase() : raw.trim().normalize('NFKD').toLowerCase();
  if (value.length * 3 <= MAX_FACET_VALUE_BYTES) return value;
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= MAX_FACET_VALUE_BYTES) return value;
  // Cut on a character boundary so the key stays valid UTF-8.
  let end = MAX_FACET_VALUE_BYTES;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
