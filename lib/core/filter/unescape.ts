// Backslash escapes inside filter values, as the `unescaper` crate that Meilisearch's filter parser
// runs on every value (quoted or bare): \b \f \n \r \t \' \" \\, \uXXXX, \u{X..}, \xXX and octal \o..
// The three failure classes map to three different filter errors, so they are kept distinct.

export type UnescapeResult =
  { ok: true; value: string } | { ok: false; reason: 'incomplete' | 'parseInt' | 'invalidChar' };

const SIMPLE: Record<string, string> = {
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  "'": "'",
  '"': '"',
  '\\': '\\',
};

const HEX = /^[0-9a-fA-F]+$/;

export function unescapeValue(text: string): UnescapeResult {
  if (!text.includes('\\')) return { ok: true, value: text };
  const chars = [...text];
  let out = '';
  let i = 0;
  while (i < chars.length) {
    const c = chars[i++] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    if (i >= chars.length) return { ok: false, reason: 'incomplete' };
    const e = chars[i++] as string;
    const simple = SIMPLE[e];
    if (simple !== undefined) {
      out += simple;
    } else if (e === 'u') {
      if (i >= chars.length) return { ok: false, reason: 'incomplete' };
      let digits = '';
      if (chars[i] === '{') {
        i++;
        while (i < chars.length && chars[i] !== '}') digits += chars[i++] as string;
        i++; // the closing brace, when present
      } else {
        if (i + 4 > chars.length) return { ok: false, reason: 'incomplete' };
        digits = chars.slice(i, i + 4).join('');
        i += 4;
      }
      if (!HEX.test(digits) || digits.length > 4) return { ok: false, reason: 'parseInt' };
      const code = parseInt(digits, 16);
      if (code >= 0xd800 && code <= 0xdfff) return { ok: false, reason: 'invalidChar' };
      out += String.fromCodePoint(code);
    } else if (e === 'x') {
      if (i + 2 > chars.length) return { ok: false, reason: 'incomplete' };
      const digits = chars.slice(i, i + 2).join('');
      i += 2;
      if (!HEX.test(digits)) return { ok: false, reason: 'parseInt' };
      out += String.fromCharCode(parseInt(digits, 16));
    } else if (e >= '0' && e <= '7') {
      // Octal stays below 0o400 (one byte): three digits after 0-3, two after 4-7.
      let digits = e;
      const max = e <= '3' ? 3 : 2;
      while (digits.length < max && i < chars.length && /[0-7]/.test(chars[i] as string))
        digits += chars[i++] as string;
      out += String.fromCharCode(parseInt(digits, 8));
    } else {
      return { ok: false, reason: 'invalidChar' };
    }
  }
  return { ok: true, value: out };
}
