// Lexical facts of Meilisearch's filter grammar shared by the parser and the printer: which words
// are reserved, which characters make a bare word, and how Rust prints the floats it echoes back.

const KEYWORDS = new Set([
  'AND',
  'OR',
  'IN',
  'NOT',
  'TO',
  'EXISTS',
  'IS',
  'NULL',
  'EMPTY',
  'CONTAINS',
  'STARTS',
  'WITH',
  '_geoRadius',
  '_geoBoundingBox',
]);

/** Rust's `char::is_alphanumeric` (Alphabetic or Numeric) plus `_ - .` */
const VALUE_CHAR = /^[\p{Alphabetic}\p{N}_.-]$/u;

export function isKeyword(word: string): boolean {
  return KEYWORDS.has(word);
}

/** True when `text` is one bare word of the grammar (so it can be printed without quotes). */
export function isBareWord(text: string): boolean {
  if (text === '') return false;
  for (const ch of text) if (!VALUE_CHAR.test(ch)) return false;
  return true;
}

/** Rust's `f64` Display: shortest round-trip digits, never an exponent. */
export function rustFloat(n: number): string {
  if (Object.is(n, -0)) return '-0';
  const text = String(n);
  if (!/e/i.test(text)) return text;
  const [mantissa = '', expText = '0'] = text.toLowerCase().split('e');
  const exp = Number(expText);
  const negative = mantissa.startsWith('-');
  const [int = '', frac = ''] = mantissa.replace('-', '').split('.');
  const digits = int + frac;
  const point = int.length + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${out}` : out;
}
