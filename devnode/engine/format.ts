// Builds a hit's `_formatted` (highlight with pre/post tags, crop to `cropLength` words with the
// crop marker) and `_matchesPosition` (UTF-8 byte start/length of every match) as milli's
// matches/mod.rs does: the text is re-tokenized into words and separators, tokens are matched
// against the query's matching words (phrases first, then words, prefix terms by their derived
// words), and the crop window grows around the best interval of matches.
import { matchesAny } from './fields.ts';
import { normalizeWord } from './normalize.ts';
import { isHardGap, type Tokenizer } from './tokenizer.ts';
import type { Document } from './types.ts';

/** Consecutive words to match together (a quoted phrase, a split word, a synonym), with their term ids. */
export interface MatchingPhrase {
  words: string[];
  ids: readonly [number, number];
}

/** The words one query term matches, with its term ids (milli's `LocatedMatchingWords`). */
export interface MatchingTerm {
  /**
   * Derived words in milli's order (the query word, then prefix and typo derivations in byte
   * order); a token matches the first one it equals, or for a prefix term the first it starts with.
   */
  words: string[];
  ids: readonly [number, number];
  prefix: boolean;
  /** Characters of the query word: a prefix match highlights at most that many. */
  queryChars: number;
}

export interface QueryWords {
  phrases: MatchingPhrase[];
  /** Non-prefix terms first, then wider id ranges first (milli's order). */
  terms: MatchingTerm[];
}

export const NO_QUERY_WORDS: QueryWords = { phrases: [], terms: [] };

export interface FormatOptions {
  highlight: string[] | null;
  crop: { pattern: string; length: number }[] | null;
  cropLength: number;
  cropMarker: string;
  preTag: string;
  postTag: string;
}

/** A word or one separator character, UTF-16 offsets (charabia gives each separator its own token). */
interface FormatToken {
  start: number;
  end: number;
  /** Normalized word, or null for separators. */
  word: string | null;
  hard: boolean;
}

interface Match {
  firstToken: number;
  lastToken: number;
  /** Word positions (separators not counted) of the first and last word. */
  firstWord: number;
  lastWord: number;
  /** UTF-16 offset where the highlight ends (a prefix match stops inside its word). */
  highlightEnd: number;
  ids: readonly [number, number];
  phrase: boolean;
}

/** An ASCII word without a letter or digit (a lone `+`): charabia counts it as a separator. */
const ASCII_SYMBOLS = /^[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]+$/;

function isSpaceCode(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

function formatTokens(text: string, tokenizer: Tokenizer): FormatToken[] {
  const out: FormatToken[] = [];
  let cursor = 0;
  // One token per separator character, but a sentence end (`. `, `, `) is one hard token.
  const separators = (end: number): void => {
    while (cursor < end) {
      const code = text.charCodeAt(cursor);
      let next = cursor + (code >= 0xd800 && code <= 0xdbff ? 2 : 1);
      if ((code === 46 || code === 44) && next < end && isSpaceCode(text.charCodeAt(next))) next += 1;
      out.push({ start: cursor, end: next, word: null, hard: isHardGap(text, cursor, next) });
      cursor = next;
    }
  };
  for (const t of tokenizer.tokenize(text)) {
    separators(t.start);
    if (ASCII_SYMBOLS.test(t.word)) separators(t.end);
    else out.push({ start: t.start, end: t.end, word: t.word, hard: false });
    cursor = t.end;
  }
  separators(text.length);
  return out;
}

/** Where the first `normalizedLength` UTF-16 units of the token's normalized form end in the source. */
function originalPrefixEnd(text: string, token: FormatToken, normalizedLength: number): number {
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

/** UTF-16 length of the first `chars` characters of `word`. */
function charsLength(word: string, chars: number): number {
  let length = 0;
  let n = 0;
  for (const ch of word) {
    if (n === chars) break;
    length += ch.length;
    n += 1;
  }
  return length;
}

/** The highlight end of a word token matched by a term's words, or -1. */
function matchWord(text: string, token: FormatToken, term: MatchingTerm): number {
  const word = token.word as string;
  for (const w of term.words) {
    if (term.prefix) {
      if (word.startsWith(w)) return originalPrefixEnd(text, token, charsLength(w, term.queryChars));
    } else if (word === w) return token.end;
  }
  return -1;
}

function computeMatches(text: string, tokens: FormatToken[], words: QueryWords): Match[] {
  const wordTokens: number[] = [];
  tokens.forEach((t, i) => {
    if (t.word !== null) wordTokens.push(i);
  });
  const wordAt = (k: number): string => (tokens[wordTokens[k] as number] as FormatToken).word as string;
  const out: Match[] = [];
  let k = 0;
  while (k < wordTokens.length) {
    const tokenPosition = wordTokens[k] as number;
    const token = tokens[tokenPosition] as FormatToken;
    let next = k + 1;
    let found = false;
    for (const phrase of words.phrases) {
      if (phrase.words[0] !== token.word) continue;
      let j = 1;
      while (j < phrase.words.length && k + j < wordTokens.length && wordAt(k + j) === phrase.words[j]) j++;
      if (j < phrase.words.length) continue;
      const lastToken = wordTokens[k + j - 1] as number;
      out.push({
        firstToken: tokenPosition,
        lastToken,
        firstWord: k,
        lastWord: k + j - 1,
        highlightEnd: (tokens[lastToken] as FormatToken).end,
        ids: phrase.ids,
        phrase: j > 1,
      });
      next = k + j;
      found = true;
      break;
    }
    if (!found) {
      for (const term of words.terms) {
        const end = matchWord(text, token, term);
        if (end < 0) continue;
        out.push({
          firstToken: tokenPosition,
          lastToken: tokenPosition,
          firstWord: k,
          lastWord: k,
          highlightEnd: end,
          ids: term.ids,
          phrase: false,
        });
        break;
      }
    }
    k = next;
  }
  return out;
}

/** milli's best_match_interval.rs score: distinct term ids, then closeness, then order. */
function intervalScore(matches: readonly Match[]): [number, number, number] {
  const ids = new Set<number>();
  let order = 0;
  let distance = 0;
  matches.forEach((m, i) => {
    const next = matches[i + 1];
    if (m.phrase) {
      order += m.lastWord - m.firstWord;
      distance -= m.lastWord - m.firstWord;
    }
    if (next !== undefined) {
      if (next.ids[0] > m.ids[0]) order += 1;
      distance -= Math.min(7, next.firstWord - m.lastWord);
    }
    for (let id = m.ids[0]; id <= m.ids[1]; id++) ids.add(id);
  });
  return [ids.size, distance, order];
}

function bestMatchInterval(matches: readonly Match[], cropSize: number): [Match, Match] {
  let best: { first: number; last: number; score: [number, number, number] } | null = null;
  const save = (first: number, last: number): void => {
    const score = intervalScore(matches.slice(first, last + 1));
    const better =
      best === null ||
      score[0] > best.score[0] ||
      (score[0] === best.score[0] &&
        (score[1] > best.score[1] || (score[1] === best.score[1] && score[2] > best.score[2])));
    if (better) best = { first, last, score };
  };
  let first = 0;
  let firstPosition = (matches[0] as Match).firstWord;
  matches.forEach((next, index) => {
    const nextLast = next.lastWord;
    if (nextLast - firstPosition < cropSize) return;
    if (index !== 0) save(first, index - 1);
    for (;;) {
      first += 1;
      if (first === matches.length) {
        first -= 1;
        break;
      }
      firstPosition = (matches[first] as Match).firstWord;
      if (firstPosition > nextLast || nextLast - firstPosition < cropSize) break;
    }
  });
  const last = matches.length - 1;
  const firstMatch = matches[first] as Match;
  if (first !== last || firstMatch.lastWord - firstMatch.firstWord + 1 < cropSize) save(first, last);
  const chosen = best as { first: number; last: number } | null;
  if (chosen === null) return [matches[0] as Match, matches[0] as Match];
  return [matches[chosen.first] as Match, matches[chosen.last] as Match];
}

/**
 * milli's crop_bounds: from the best interval of matches, the window grows word by word on both
 * sides (a word before a separator, the soft side between two separators), and keeps the
 * separators it passed; returns UTF-16 [start, end).
 */
function cropBounds(
  text: string,
  tokens: FormatToken[],
  matches: Match[],
  cropSize: number,
): [number, number] {
  const n = tokens.length;
  let remaining: number;
  let forward = true;
  let before: number;
  let after: number;
  if (matches.length > 0) {
    const [first, last] = bestMatchInterval(matches, cropSize);
    const size = last.lastWord - first.firstWord + 1;
    forward = cropSize >= size;
    remaining = forward ? cropSize - size : size - cropSize;
    after = last.lastToken + 1 < n ? last.lastToken + 1 : n;
    before = (forward ? first.firstToken : 0) - 1;
    // Going backwards, the window shrinks from the end of the one long match.
    if (!forward) after = Math.min(after, n - 1);
  } else {
    remaining = cropSize;
    before = -1;
    after = 0;
  }
  const afterToken = (): FormatToken | undefined =>
    forward ? tokens[after] : after >= 0 ? tokens[after] : undefined;
  const advanceAfter = (): void => {
    after += forward ? 1 : -1;
  };
  while (remaining > 0) {
    const b = before >= 0 ? tokens[before] : undefined;
    const a = afterToken();
    if (b !== undefined && a !== undefined) {
      if (b.word === null && a.word === null) {
        if (b.hard === a.hard) {
          before -= 1;
          // No separator left at the end before a crop marker.
          if (remaining > 1) advanceAfter();
        } else if (b.hard) advanceAfter();
        else before -= 1;
      } else if (b.word !== null && a.word === null) {
        before -= 1;
        remaining -= 1;
      } else if (b.word === null) {
        advanceAfter();
        remaining -= 1;
      } else {
        before -= 1;
        remaining -= 1;
        if (remaining > 0) {
          advanceAfter();
          remaining -= 1;
        }
      }
    } else if (b !== undefined) {
      before -= 1;
      if (b.word !== null) remaining -= 1;
    } else if (a !== undefined) {
      advanceAfter();
      if (a.word !== null) remaining -= 1;
    } else break;
  }
  const start = before >= 0 ? (tokens[before] as FormatToken).end : 0;
  const endToken = afterToken();
  return [start, endToken === undefined ? text.length : endToken.start];
}

function formatString(
  text: string,
  tokenizer: Tokenizer,
  words: QueryWords,
  highlight: boolean,
  cropLength: number | null,
  opts: FormatOptions,
): string {
  const tokens = formatTokens(text, tokenizer);
  const matches = computeMatches(text, tokens, words);
  const [from, to] =
    cropLength !== null && cropLength > 0 ? cropBounds(text, tokens, matches, cropLength) : [0, text.length];
  let out = from > 0 ? opts.cropMarker : '';
  let cursor = from;
  if (highlight) {
    for (const m of matches) {
      const start = (tokens[m.firstToken] as FormatToken).start;
      const end = (tokens[m.lastToken] as FormatToken).end;
      if (end < from || start > to) continue;
      const s = Math.max(start, from);
      const e = Math.min(end, to);
      const h = Math.min(Math.max(m.highlightEnd, s), e);
      if (cursor < s) out += text.slice(cursor, s);
      out += opts.preTag + text.slice(s, h) + opts.postTag;
      if (h < e) out += text.slice(h, e);
      cursor = e;
    }
  }
  if (cursor < to) out += text.slice(cursor, to);
  if (to < text.length) out += opts.cropMarker;
  return out;
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

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
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
    const tokens = formatTokens(text, tokenizer);
    for (const m of computeMatches(text, tokens, words)) {
      const start = (tokens[m.firstToken] as FormatToken).start;
      const entry: MatchPosition = {
        start: byteLength(text.slice(0, start)),
        length: byteLength(text.slice(start, m.highlightEnd)),
      };
      if (indices) entry.indices = indices;
      (out[name] ??= []).push(entry);
    }
  };
  visit(doc, '', null);
  return out;
}
