// Splits text into words and positions the way Meilisearch (charabia's Latin pipeline plus milli's
// position counting) does: separators are Unicode punctuation and spaces, a hard separator
// (sentence end) moves the next word 8 positions on, a soft one 1; stop words keep their position.
import { decomposeWord, normalizeWord } from './normalize.ts';

export interface TokenizerConfig {
  stopWords: string[];
  separatorTokens: string[];
  nonSeparatorTokens: string[];
  dictionary: string[];
}

export interface Token {
  /** Normalized form (what the index stores and queries compare). */
  word: string;
  /** UTF-16 offsets of the token in the source text. */
  start: number;
  end: number;
  position: number;
  stop: boolean;
  /** True when a hard separator (or the start of the text) comes right before the token. */
  hardBefore: boolean;
}

/** Gap milli leaves after a hard separator, and between the items of an array field. */
export const HARD_GAP = 8;
/** milli indexes at most this many positions per attribute. */
export const MAX_POSITION = 65_535;
const MAX_WORD_LENGTH = 255;

// charabia's default separators are, for the BMP Latin range, Unicode's punctuation (P*) and space
// (Z*) classes plus line breaks, the backtick (Meilisearch 1.50 matches `process` in
// "`process.hrtime`") and `+` (it matches `js` in "SVG+JS"); other symbols such as
// `$ < = > ^ | ~ °` stay in words.
const SEPARATOR_TABLE = new Uint8Array(65_536);
{
  // eslint-disable-next-line no-control-regex -- vertical tab and form feed separate words too
  const sep = /[\p{P}\p{Z}\n\r\t\u000b\u000c\u0085`+]/u;
  for (let cp = 0; cp < 65_536; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (sep.test(String.fromCharCode(cp))) SEPARATOR_TABLE[cp] = 1;
  }
}
// charabia's CONTEXT_SEPARATORS for Latin and general punctuation. `:` is listed there in some
// charabia releases, but Meilisearch's ranking snapshots ("returns: Part 1") show it soft, so it
// stays soft here; `.` and `,` are hard only when followed by a space.
const HARD_SEPARATORS = new Set(
  [...'!;?¡§¶¿\u037e․‥…※‼‽⁇⁈⁉⁏⁖⁚⸘⸮⹁、。︐︑︒︓︔︕︖︙︰﹅﹐﹑﹒﹔﹕﹖﹗！，．：；？｡､'].map((c) =>
    c.charCodeAt(0),
  ),
);

/**
 * Han, kana and Hangul (BMP): charabia segments text by script, so a Latin word inside CJK text
 * ("Taro3及React的") is a word of its own.
 */
function isCjk(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x3040 && code <= 0x30ff) ||
    (code >= 0xac00 && code <= 0xd7af) ||
    (code >= 0x1100 && code <= 0x11ff) ||
    (code >= 0x3130 && code <= 0x318f) ||
    (code >= 0xf900 && code <= 0xfaff)
  );
}

function isSpace(code: number): boolean {
  return (
    code === 32 ||
    code === 9 ||
    code === 10 ||
    code === 13 ||
    code === 0xa0 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x3000
  );
}

/**
 * Whether the separators in `text[start, end)` (the gap between two words, or before the first or
 * after the last) form a hard separator, by the rule `scan` applies to the gap before a word.
 */
export function isHardGap(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (HARD_SEPARATORS.has(code)) return true;
    if ((code === 46 || code === 44) && i + 1 < text.length && isSpace(text.charCodeAt(i + 1))) return true;
  }
  return false;
}

export class Tokenizer {
  private readonly stopWords: Set<string>;
  private readonly customSeparators: string[];
  private readonly nonSeparators: Set<number>;
  private readonly dictionary: string[];

  constructor(config: TokenizerConfig) {
    this.stopWords = new Set(config.stopWords.map(decomposeWord));
    // Longest first, so "::" wins over ":".
    this.customSeparators = [...config.separatorTokens]
      .filter((s) => s.length > 0)
      .sort((a, b) => b.length - a.length);
    this.nonSeparators = new Set(
      config.nonSeparatorTokens.filter((s) => s.length === 1).map((s) => s.charCodeAt(0)),
    );
    this.dictionary = [...config.dictionary].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  }

  isStopWord(raw: string): boolean {
    return this.stopWords.size > 0 && this.stopWords.has(decomposeWord(raw));
  }

  private separatorLength(text: string, i: number): number {
    for (const sep of this.customSeparators) if (text.startsWith(sep, i)) return sep.length;
    const code = text.charCodeAt(i);
    if (SEPARATOR_TABLE[code] === 1 && !this.nonSeparators.has(code)) return 1;
    return 0;
  }

  private dictionaryMatch(text: string, i: number): number {
    for (const entry of this.dictionary) {
      if (text.length - i < entry.length) continue;
      if (text.slice(i, i + entry.length).toLowerCase() !== entry.toLowerCase()) continue;
      const after = i + entry.length;
      if (after === text.length || this.separatorLength(text, after) > 0) return entry.length;
    }
    return 0;
  }

  /**
   * Calls `emit` for every word of `text` with positions starting at `firstPosition`; returns the
   * position of the last word (or `firstPosition - 1` when the text has no word).
   */
  scan(text: string, firstPosition: number, emit: (token: Token) => void): number {
    const n = text.length;
    let i = 0;
    let position = firstPosition - 1;
    let hard = false;
    let first = true;
    const hasCustom = this.customSeparators.length > 0 || this.nonSeparators.size > 0;
    const hasDictionary = this.dictionary.length > 0;
    while (i < n) {
      let sepLen: number;
      if (hasCustom) sepLen = this.separatorLength(text, i);
      else {
        const code = text.charCodeAt(i);
        sepLen = SEPARATOR_TABLE[code] === 1 ? 1 : 0;
      }
      if (sepLen > 0 && !(hasDictionary && this.dictionaryMatch(text, i) > 0)) {
        const code = text.charCodeAt(i);
        if (HARD_SEPARATORS.has(code)) hard = true;
        else if ((code === 46 || code === 44) && i + 1 < n && isSpace(text.charCodeAt(i + 1))) hard = true;
        i += sepLen;
        continue;
      }
      const start = i;
      const dict = hasDictionary ? this.dictionaryMatch(text, i) : 0;
      if (dict > 0) i += dict;
      else {
        const cjk = isCjk(text.charCodeAt(i));
        i++;
        while (i < n) {
          if (hasCustom ? this.separatorLength(text, i) > 0 : SEPARATOR_TABLE[text.charCodeAt(i)] === 1)
            break;
          if (isCjk(text.charCodeAt(i)) !== cjk) break;
          if (hasDictionary && this.dictionaryMatch(text, i) > 0) break;
          i++;
        }
      }
      const raw = text.slice(start, i);
      position = first ? position + 1 : position + (hard ? HARD_GAP : 1);
      const hardBefore = first || hard;
      first = false;
      hard = false;
      if (position > MAX_POSITION) break;
      const word = normalizeWord(raw);
      if (word.length === 0 || word.length > MAX_WORD_LENGTH) continue;
      emit({ word, start, end: i, position, stop: this.isStopWord(raw), hardBefore });
    }
    return position;
  }

  tokenize(text: string): Token[] {
    const out: Token[] = [];
    this.scan(text, 0, (t) => out.push(t));
    return out;
  }
}
