// Builds a hit's `_formatted` (highlight with pre/post tags, crop to `cropLength` words with the
// crop marker) and `_matchesPosition` (UTF-8 byte start/length of every match), re-tokenizing the
// returned values and matching tokens against the words the query matched.
import { matchesAny } from './fields.ts';
import { normalizeWord } from './normalize.ts';
import type { Token, Tokenizer } from './tokenizer.ts';
import type { Document } from './types.ts';

export interface QueryWords {
  /** Normalized words matched whole (exact, typo or synonym derivations). */
  full: Set<string>;
  /** Normalized prefixes of prefix terms: a token starting with one matches on that many chars. */
  prefixes: string[];
  /** Term id of each full word / prefix, for the crop window choice. */
  termOf: Map<string, number>;
}

export interface FormatOptions {
  highlight: string[] | null;
  crop: { pattern: string; length: number }[] | null;
  cropLength: number;
  cropMarker: string;
  preTag: string;
  postTag: string;
}

interface Match {
  token: number;
  /** UTF-16 range highlighted in the source string. */
  start: number;
  end: number;
  term: number;
}

function originalPrefixEnd(text: string, token: Token, normalizedLength: number): number {
  // Walk original characters until their normalized forms cover the query prefix.
  let covered = 0;
  let i = token.start;
  while (i < token.end && covered < normalizedLength) {
    const cp = text.codePointAt(i) as number;
    const ch = String.fromCodePoint(cp);
    covered += normalizeWord(ch).length;
    i += ch.length;
  }
  return i;
}

export function findMatches(text: string, tokens: Token[], words: QueryWords): Match[] {
  const out: Match[] = [];
  tokens.forEach((t, index) => {
    if (words.full.has(t.word)) {
      out.push({ token: index, start: t.start, end: t.end, term: words.termOf.get(t.word) ?? 0 });
      return;
    }
    for (const p of words.prefixes) {
      if (t.word.startsWith(p)) {
        out.push({
          token: index,
          start: t.start,
          end: originalPrefixEnd(text, t, p.length),
          term: words.termOf.get(p) ?? 0,
        });
        return;
      }
    }
  });
  return out;
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Chooses [firstToken, lastToken] to keep: the window of `length` words with the best matches. */
function cropBounds(tokens: Token[], matches: Match[], length: number): [number, number] {
  const n = tokens.length;
  if (n <= length) return [0, n - 1];
  if (matches.length === 0) return [0, length - 1];
  let best: [number, number, number, number] | null = null; // distinct terms, -gaps, order, start match index
  for (let i = 0; i < matches.length; i++) {
    const startTok = (matches[i] as Match).token;
    const terms = new Set<number>();
    let gaps = 0;
    let order = 0;
    let j = i;
    for (; j < matches.length; j++) {
      const m = matches[j] as Match;
      if (m.token - startTok >= length) break;
      if (j > i) {
        const prev = matches[j - 1] as Match;
        gaps += Math.min(7, m.token - prev.token - 1);
        if (m.term > prev.term) order++;
      }
      terms.add(m.term);
    }
    const cand: [number, number, number, number] = [terms.size, -gaps, order, i];
    if (
      !best ||
      cand[0] > best[0] ||
      (cand[0] === best[0] && (cand[1] > best[1] || (cand[1] === best[1] && cand[2] > best[2])))
    )
      best = cand;
  }
  const first = matches[(best as [number, number, number, number])[3]] as Match;
  let lastTok = first.token;
  for (const m of matches)
    if (m.token >= first.token && m.token - first.token < length) lastTok = Math.max(lastTok, m.token);
  const remaining = length - (lastTok - first.token + 1);
  let before = Math.floor(remaining / 2);
  let after = remaining - before;
  if (first.token - before < 0) {
    after += before - first.token;
    before = first.token;
  }
  if (lastTok + after > n - 1) {
    const extra = lastTok + after - (n - 1);
    after -= extra;
    before = Math.min(first.token, before + extra);
  }
  return [first.token - before, lastTok + after];
}

function formatString(
  text: string,
  tokenizer: Tokenizer,
  words: QueryWords,
  highlight: boolean,
  cropLength: number | null,
  opts: FormatOptions,
): string {
  const tokens = tokenizer.tokenize(text);
  const matches = highlight || cropLength !== null ? findMatches(text, tokens, words) : [];
  let from = 0;
  let to = text.length;
  let prefix = '';
  let suffix = '';
  if (cropLength !== null) {
    if (tokens.length === 0 || cropLength === 0) return '';
    const [a, b] = cropBounds(tokens, matches, cropLength);
    from = (tokens[a] as Token).start;
    to = (tokens[b] as Token).end;
    if (a > 0) prefix = opts.cropMarker;
    if (b < tokens.length - 1) suffix = opts.cropMarker;
  }
  let out = prefix;
  let cursor = from;
  if (highlight) {
    for (const m of matches) {
      if (m.start < from || m.end > to) continue;
      out += text.slice(cursor, m.start) + opts.preTag + text.slice(m.start, m.end) + opts.postTag;
      cursor = m.end;
    }
  }
  return out + text.slice(cursor, to) + suffix;
}

export function formatDocument(
  doc: Document,
  fields: readonly string[],
  tokenizer: Tokenizer,
  words: QueryWords,
  opts: FormatOptions,
): Document {
  const visit = (value: unknown, name: string): unknown => {
    if (Array.isArray(value)) return value.map((v) => visit(v, name));
    if (typeof value === 'object' && value !== null) {
      const out: Document = {};
      for (const [k, v] of Object.entries(value)) out[k] = visit(v, `${name}.${k}`);
      return out;
    }
    if (typeof value === 'number') return String(value);
    if (typeof value !== 'string') return value;
    const highlight = opts.highlight !== null && matchesAny(name, opts.highlight);
    let cropLength: number | null = null;
    for (const c of opts.crop ?? []) if (matchesAny(name, [c.pattern])) cropLength = c.length;
    if (!highlight && cropLength === null) return value;
    return formatString(value, tokenizer, words, highlight, cropLength, opts);
  };
  const out: Document = {};
  for (const key of fields) if (key in doc) out[key] = visit(doc[key], key);
  return out;
}

export interface MatchPosition {
  start: number;
  length: number;
  indices?: number[];
}

export function matchesPosition(
  doc: Document,
  tokenizer: Tokenizer,
  words: QueryWords,
): Record<string, MatchPosition[]> {
  const out: Record<string, MatchPosition[]> = {};
  const visit = (value: unknown, name: string, indices: number[] | null): void => {
    if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, name, [...(indices ?? []), i]));
      return;
    }
    if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) visit(v, name === '' ? k : `${name}.${k}`, indices);
      return;
    }
    const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
    if (text === null) return;
    for (const m of findMatches(text, tokenizer.tokenize(text), words)) {
      const entry: MatchPosition = {
        start: byteLength(text.slice(0, m.start)),
        length: byteLength(text.slice(m.start, m.end)),
      };
      if (indices) entry.indices = indices;
      (out[name] ??= []).push(entry);
    }
  };
  visit(doc, '', null);
  return out;
}
