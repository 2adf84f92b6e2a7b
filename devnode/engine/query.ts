// Turns the `q` string into query terms as Meilisearch's query graph sees them: words with their
// query positions, quoted phrases, negative words/phrases, the prefix flag on the last word, the
// per-word typo budget (typoTolerance) and the 10-term limit. Stop words are dropped except last.
import type { Tokenizer, Token } from './tokenizer.ts';
import type { IndexSettings } from '#core/meili/settings.ts';

/** milli reads at most this many query words (`words_limit`). */
export const MAX_QUERY_TERMS = 10;

export interface QueryTerm {
  /** Normalized word, or the phrase's words. */
  words: string[];
  phrase: boolean;
  /** Position of the (first) word in the query, counted like document positions. */
  position: number;
  /** Position of the last word (phrases span several). */
  lastPosition: number;
  prefix: boolean;
  maxTypos: number;
}

export interface ParsedQuery {
  terms: QueryTerm[];
  negatives: string[][];
}

interface Part {
  text: string;
  phrase: boolean;
  negative: boolean;
}

function splitParts(q: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  let plain = '';
  const flush = (): void => {
    if (plain !== '') parts.push({ text: plain, phrase: false, negative: false });
    plain = '';
  };
  while (i < q.length) {
    const ch = q[i] as string;
    const atWordStart = i === 0 || /\s/.test(q[i - 1] as string);
    if (ch === '-' && atWordStart && i + 1 < q.length && !/\s/.test(q[i + 1] as string)) {
      flush();
      if (q[i + 1] === '"') {
        const end = q.indexOf('"', i + 2);
        const stop = end < 0 ? q.length : end;
        parts.push({ text: q.slice(i + 2, stop), phrase: true, negative: true });
        i = end < 0 ? q.length : end + 1;
      } else {
        let end = i + 1;
        while (end < q.length && !/\s/.test(q[end] as string)) end++;
        parts.push({ text: q.slice(i + 1, end), phrase: false, negative: true });
        i = end;
      }
      continue;
    }
    if (ch === '"') {
      flush();
      const end = q.indexOf('"', i + 1);
      const stop = end < 0 ? q.length : end;
      parts.push({ text: q.slice(i + 1, stop), phrase: true, negative: false });
      i = end < 0 ? q.length : end + 1;
      continue;
    }
    plain += ch;
    i++;
  }
  flush();
  return parts;
}

export function typoBudget(word: string, settings: IndexSettings): number {
  const tt = settings.typoTolerance;
  if (!tt.enabled || tt.disableOnWords.includes(word)) return 0;
  const chars = [...word].length;
  if (chars < tt.minWordSizeForTypos.oneTypo) return 0;
  if (chars < tt.minWordSizeForTypos.twoTypos) return 1;
  return 2;
}

/** Parses `q`; a result without terms means placeholder search. */
export function parseQuery(q: string, tokenizer: Tokenizer, settings: IndexSettings): ParsedQuery {
  const terms: QueryTerm[] = [];
  const negatives: string[][] = [];
  let nextPosition = 0;
  const parts = splitParts(q);
  // Candidate plain words with their tokens, to decide stop-word dropping once the last is known.
  const pending: { token: Token; position: number }[] = [];
  const phraseAt: { index: number; term: QueryTerm }[] = [];
  for (const part of parts) {
    const tokens: Token[] = [];
    const last = tokenizer.scan(part.text, nextPosition, (t) => tokens.push(t));
    if (tokens.length === 0) continue;
    nextPosition = last + 1;
    if (part.negative) {
      if (part.phrase) negatives.push(tokens.filter((t) => !t.stop).map((t) => t.word));
      else for (const t of tokens) if (!t.stop) negatives.push([t.word]);
      continue;
    }
    if (part.phrase) {
      const words = tokens.filter((t) => !t.stop).map((t) => t.word);
      if (words.length === 0) continue;
      const first = tokens.find((t) => !t.stop) as Token;
      const lastTok = [...tokens].reverse().find((t) => !t.stop) as Token;
      phraseAt.push({
        index: pending.length,
        term: {
          words,
          phrase: true,
          position: first.position,
          lastPosition: lastTok.position,
          prefix: false,
          maxTypos: 0,
        },
      });
      continue;
    }
    for (const token of tokens) pending.push({ token, position: token.position });
  }
  const lastPart = parts[parts.length - 1];
  // Prefix only when the last word ends the query: nothing, not even a space, after it.
  const endsWithWord =
    lastPart !== undefined &&
    !lastPart.phrase &&
    !lastPart.negative &&
    pending.length > 0 &&
    q.length > 0 &&
    (pending[pending.length - 1] as { token: Token }).token.end === lastPart.text.length &&
    q.endsWith(lastPart.text);
  let phraseIdx = 0;
  for (let i = 0; i <= pending.length; i++) {
    while (phraseIdx < phraseAt.length && (phraseAt[phraseIdx] as { index: number }).index === i) {
      terms.push((phraseAt[phraseIdx] as { term: QueryTerm }).term);
      phraseIdx++;
    }
    if (i === pending.length) break;
    const { token } = pending[i] as { token: Token };
    const isLast = i === pending.length - 1 && phraseIdx >= phraseAt.length;
    const prefix = isLast && endsWithWord && settings.prefixSearch !== 'disabled';
    // A stop word survives only as the last, still-being-typed word of the query.
    if (token.stop && !(isLast && endsWithWord)) continue;
    terms.push({
      words: [token.word],
      phrase: false,
      position: token.position,
      lastPosition: token.position,
      prefix,
      maxTypos: typoBudget(token.word, settings),
    });
  }
  return { terms: terms.slice(0, MAX_QUERY_TERMS), negatives };
}
