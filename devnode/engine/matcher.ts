// Matches query terms against the inverted index: for every term, the documents containing one of
// its derivations (exact word, prefix words, typo words, synonyms) with the fewest typos, and the
// positions of those derivations, kept in typed-array pools instead of per-posting objects.
import { POSITION_BITS, type WordIndex } from './word-index.ts';
import type { QueryTerm } from './query.ts';
import { typoDerivations } from './typo-walk.ts';

export const FLAG_EXACT = 1;
export const FLAG_PREFIX = 2;
export const FLAG_SYNONYM = 4;

export interface MatchOptions {
  slots: number;
  /** Fields a match may come from (attributesToSearchOn); null = every searchable field. */
  allowedFields: Uint8Array | null;
  /** Fields whose words never match through typos (typoTolerance.disableOnAttributes). */
  noTypoFields: Uint8Array | null;
  disableOnNumbers: boolean;
  /** Normalized synonyms: word -> alternatives (each an array of words). */
  synonyms: Map<string, string[][]>;
  scratch: ScratchPool;
}

/** Growable entry pool: one entry = one derivation's positions in one document. */
class EntryPool {
  source: Int32Array = new Int32Array(1024);
  offset: Int32Array = new Int32Array(1024);
  count: Int32Array = new Int32Array(1024);
  typo: Uint8Array = new Uint8Array(1024);
  flags: Uint8Array = new Uint8Array(1024);
  next: Int32Array = new Int32Array(1024);
  size = 0;
  readonly sources: number[][] = [];

  /** Empties the pool for the next search (the typed arrays are kept). */
  reset(): void {
    this.size = 0;
    this.sources.length = 0;
  }

  add(source: number, offset: number, count: number, typo: number, flags: number, next: number): number {
    if (this.size === this.source.length) this.grow();
    const i = this.size++;
    this.source[i] = source;
    this.offset[i] = offset;
    this.count[i] = count;
    this.typo[i] = typo;
    this.flags[i] = flags;
    this.next[i] = next;
    return i;
  }

  private grow(): void {
    const n = this.source.length * 2;
    const g32 = (a: Int32Array): Int32Array => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    const g8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(n);
      b.set(a);
      return b;
    };
    this.source = g32(this.source);
    this.offset = g32(this.offset);
    this.count = g32(this.count);
    this.next = g32(this.next);
    this.typo = g8(this.typo);
    this.flags = g8(this.flags);
  }
}

interface TermBuffers {
  presence: Uint8Array;
  exact: Uint8Array;
  head: Int32Array;
  /** The matching documents in discovery order (the first `docCount` entries). */
  docList: Int32Array;
}

/**
 * Per-document scratch arrays reused across searches: allocating three slot-sized arrays per
 * term and query dominated garbage collection. Released buffers are cleared through the
 * documents they touched, so reuse costs O(matches), not O(slots).
 */
export class ScratchPool {
  private free: TermBuffers[] = [];
  private capacity = 0;
  private entries: EntryPool[] = [];
  private bytes: Uint8Array[] = [];

  /** A zeroed byte per document slot (words steps, filter bitmaps): slot-sized arrays allocated per
   *  search drove major garbage collections through external memory. */
  acquireBytes(slots: number): Uint8Array {
    const buffer = this.bytes.pop();
    return buffer !== undefined && buffer.length === slots ? buffer : new Uint8Array(slots);
  }

  releaseBytes(buffer: Uint8Array): void {
    buffer.fill(0);
    if (this.bytes.length < 4) this.bytes.push(buffer);
  }

  acquire(slots: number): TermBuffers {
    if (slots > this.capacity) {
      this.capacity = Math.max(slots, Math.ceil(this.capacity * 1.5));
      this.free = [];
    }
    const c = this.capacity;
    return (
      this.free.pop() ?? {
        presence: new Uint8Array(c),
        exact: new Uint8Array(c),
        head: new Int32Array(c).fill(-1),
        docList: new Int32Array(c),
      }
    );
  }

  release(match: TermMatch): void {
    const { presence, exact, head, docList } = match;
    if (presence.length !== this.capacity) return;
    const n = match.docCount;
    if (n * 16 > presence.length) {
      // Dense: clearing whole arrays (memset) beats visiting the documents.
      presence.fill(0);
      exact.fill(0);
      head.fill(-1);
    } else {
      for (let i = 0; i < n; i++) {
        const doc = docList[i] as number;
        presence[doc] = 0;
        exact[doc] = 0;
        head[doc] = -1;
      }
    }
    match.docCount = 0;
    this.free.push({ presence, exact, head, docList });
  }

  /** An empty entry pool whose typed arrays survive from earlier searches (growing them showed in profiles). */
  acquireEntries(): EntryPool {
    const pool = this.entries.pop() ?? new EntryPool();
    pool.reset();
    return pool;
  }

  releaseEntries(pool: EntryPool): void {
    pool.reset();
    if (this.entries.length < 4) this.entries.push(pool);
  }
}

export class TermMatch {
  /** 0 = absent, else 1 + fewest typos among the document's derivations. */
  readonly presence: Uint8Array;
  /** 1 when the document holds the query word itself (no typo, prefix or synonym). */
  readonly exact: Uint8Array;
  readonly head: Int32Array;
  readonly docList: Int32Array;
  docCount = 0;
  /** Largest typo count among the derivations scattered (0: every document matched without typo). */
  maxTypo = 0;
  /** Words (normalized) that matched, with their flags, for highlighting. */
  readonly matchedWords = new Map<string, { typo: number; flags: number }>();
  /** Synonyms and the split word, each a phrase of consecutive words, for highlighting. */
  readonly phrases: string[][] = [];
  /**
   * For a quoted phrase: every position of its first word in each matching document. milli's
   * attribute and position rules place a phrase where its first word is, whether or not the
   * phrase itself stands there.
   */
  firstWordPositions: Map<number, number[]> | null = null;
  /**
   * A prefix term whose prefix milli keeps in its prefix database (at most 4 bytes, starting 100
   * words or more): milli then lists no prefix words for highlighting and reads the prefix
   * backwards (proximity) through the exact word only.
   */
  usesPrefixDatabase = false;
  /** Derivations seen only outside attributesToSearchOn, attached once the term is matched. */
  outside: { doc: number; list: number[]; count: number; typo: number; flags: number }[] | null = null;

  constructor(
    readonly term: QueryTerm,
    buffers: TermBuffers,
  ) {
    this.presence = buffers.presence;
    this.exact = buffers.exact;
    this.head = buffers.head;
    this.docList = buffers.docList;
  }

  /** Matching documents in discovery order (a view: valid until the match is released). */
  get docs(): Int32Array {
    return this.docList.subarray(0, this.docCount);
  }
}

export class QueryMatcher {
  readonly pool: EntryPool;
  /** Set by filterPositions when a derivation's positions all lie outside attributesToSearchOn. */
  private outside: { list: number[]; count: number } | null = null;

  constructor(
    private readonly index: WordIndex,
    private readonly opts: MatchOptions,
  ) {
    this.pool = opts.scratch.acquireEntries();
  }

  /** Returns the entry pool to the scratch pool; the matches' positions are gone after this. */
  dispose(): void {
    this.opts.scratch.releaseEntries(this.pool);
  }

  /**
   * A derivation's positions in one document, or null when it does not make the document match:
   * positions in `noTypoFields` never match through a typo, and the document must hold one in an
   * allowed field (attributesToSearchOn). The positions in other fields are kept: Meilisearch's
   * proximity, wordPosition and exactness rules read word positions from every field.
   */
  private filterPositions(
    list: number[],
    offset: number,
    count: number,
    typo: number,
    anyField: boolean,
  ): [number[], number, number] | null {
    const allowed = anyField ? null : this.opts.allowedFields;
    const noTypo = typo > 0 ? this.opts.noTypoFields : null;
    if (!allowed && !noTypo) return [list, offset, count];
    const kept: number[] = [];
    let inAllowed = allowed === null;
    for (let j = offset; j < offset + count; j++) {
      const field = Math.floor((list[j] as number) / POSITION_BITS);
      if (noTypo && noTypo[field] === 1) continue;
      if (allowed && allowed[field] === 1) inAllowed = true;
      kept.push(list[j] as number);
    }
    if (kept.length > 0 && !inAllowed) this.outside = { list: kept, count: kept.length };
    return kept.length === 0 || !inAllowed ? null : [kept, 0, kept.length];
  }

  /** True when a match in `field` counts for the attributeRank and exactness rules. */
  fieldAllowed(field: number): boolean {
    const allowed = this.opts.allowedFields;
    return allowed === null || allowed[field] === 1;
  }

  private scatter(match: TermMatch, list: number[], typo: number, flags: number, anyField = false): void {
    const pool = this.pool;
    if (typo > match.maxTypo && list.length > 0) match.maxTypo = typo;
    const filtering =
      (this.opts.allowedFields !== null && !anyField) || (typo > 0 && this.opts.noTypoFields !== null);
    let source = -1;
    if (!filtering) {
      source = pool.sources.length;
      pool.sources.push(list);
    }
    for (let i = 0; i < list.length;) {
      const doc = list[i] as number;
      const n = list[i + 1] as number;
      let src = source;
      let off = i + 2;
      let cnt = n;
      i += 2 + n;
      if (filtering) {
        this.outside = null;
        const kept = this.filterPositions(list, off, cnt, typo, anyField);
        if (!kept) {
          const outside = this.outside as { list: number[]; count: number } | null;
          if (outside !== null) (match.outside ??= []).push({ doc, ...outside, typo, flags });
          continue;
        }
        src = pool.sources.length;
        pool.sources.push(kept[0]);
        off = kept[1];
        cnt = kept[2];
      }
      match.head[doc] = pool.add(src, off, cnt, typo, flags, match.head[doc] as number);
      const cur = match.presence[doc] as number;
      if (cur === 0) {
        match.presence[doc] = typo + 1;
        match.docList[match.docCount++] = doc;
      } else if (typo + 1 < cur) match.presence[doc] = typo + 1;
      if (flags & FLAG_EXACT) match.exact[doc] = 1;
    }
  }

  /** Document -> start positions of `words` appearing consecutively in one field. */
  phrasePositions(words: string[]): Map<number, number[]> {
    const out = new Map<number, number[]>();
    const lists: number[][] = [];
    for (const w of words) {
      const id = this.index.wordId(w);
      if (id === undefined) return out;
      lists.push(this.index.postings[id] as number[]);
    }
    const perWord: Map<number, Set<number>>[] = lists.slice(1).map((list) => {
      const m = new Map<number, Set<number>>();
      for (let i = 0; i < list.length;) {
        const n = list[i + 1] as number;
        const set = new Set<number>();
        for (let j = i + 2; j < i + 2 + n; j++) set.add(list[j] as number);
        m.set(list[i] as number, set);
        i += 2 + n;
      }
      return m;
    });
    const first = lists[0] as number[];
    for (let i = 0; i < first.length;) {
      const doc = first[i] as number;
      const n = first[i + 1] as number;
      const starts: number[] = [];
      for (let j = i + 2; j < i + 2 + n; j++) {
        const p = first[j] as number;
        let ok = true;
        for (let k = 0; k < perWord.length && ok; k++) ok = perWord[k]?.get(doc)?.has(p + k + 1) ?? false;
        if (ok) starts.push(p);
      }
      if (starts.length > 0) out.set(doc, starts);
      i += 2 + n;
    }
    return out;
  }

  private firstWordPositions(match: TermMatch, word: string): Map<number, number[]> {
    const out = new Map<number, number[]>();
    const id = this.index.wordId(word);
    if (id === undefined) return out;
    const list = this.index.postings[id] as number[];
    for (let i = 0; i < list.length;) {
      const doc = list[i] as number;
      const n = list[i + 1] as number;
      if ((match.presence[doc] as number) > 0) {
        out.set(doc, list.slice(i + 2, i + 2 + n));
      }
      i += 2 + n;
    }
    return out;
  }

  /**
   * A phrase matches a document holding its words side by side in any field, provided each word
   * is also in a field attributesToSearchOn allows (milli checks the pair adjacency on every field
   * and the words on the allowed ones).
   */
  private scatterPhrase(match: TermMatch, words: string[], flags: number, typo = 0): void {
    const positions = this.phrasePositions(words);
    const allowed = this.opts.allowedFields;
    const inAllowed = allowed === null ? null : words.map((w) => this.docsWithWordIn(w, allowed));
    for (const [doc, starts] of positions) {
      const list = [doc, starts.length, ...starts];
      const anyField = inAllowed !== null && inAllowed.every((docs) => docs.has(doc));
      this.scatter(match, list, typo, flags, anyField);
    }
  }

  /** Documents holding `word` in one of the `fields`. */
  private docsWithWordIn(word: string, fields: Uint8Array): Set<number> {
    const out = new Set<number>();
    const id = this.index.wordId(word);
    if (id === undefined) return out;
    const list = this.index.postings[id] as number[];
    for (let i = 0; i < list.length;) {
      const n = list[i + 1] as number;
      for (let j = i + 2; j < i + 2 + n; j++)
        if (fields[Math.floor((list[j] as number) / POSITION_BITS)] === 1) {
          out.add(list[i] as number);
          break;
        }
      i += 2 + n;
    }
    return out;
  }

  /**
   * milli's split_best_frequency: the cut of `word` into two indexed words that most documents
   * hold side by side (the first such cut on a tie), or null.
   */
  private bestSplit(word: string): [string, string] | null {
    const chars = [...word];
    let best: [string, string] | null = null;
    let bestCount = 0;
    for (let i = 1; i < chars.length; i++) {
      const left = chars.slice(0, i).join('');
      const right = chars.slice(i).join('');
      const l = this.index.wordId(left);
      const r = this.index.wordId(right);
      if (l === undefined || r === undefined) continue;
      // A cut whose rarer word is in no more documents than the best pair so far cannot win.
      if (Math.min(this.index.docCounts[l] as number, this.index.docCounts[r] as number) <= bestCount)
        continue;
      const count = this.phrasePositions([left, right]).size;
      if (count > bestCount) {
        best = [left, right];
        bestCount = count;
      }
    }
    return best;
  }

  matchTerm(term: QueryTerm): TermMatch {
    const match = new TermMatch(term, this.opts.scratch.acquire(this.opts.slots));
    if (term.phrase) {
      this.scatterPhrase(match, term.words, FLAG_EXACT);
      match.firstWordPositions = this.firstWordPositions(match, term.words[0] as string);
      return match;
    }
    const word = term.words[0] as string;
    const index = this.index;
    const seen = new Set<number>();
    const exactId = index.wordId(word);
    if (exactId !== undefined && (index.docCounts[exactId] as number) > 0) {
      seen.add(exactId);
      this.scatter(match, index.postings[exactId] as number[], 0, FLAG_EXACT);
      match.matchedWords.set(word, { typo: 0, flags: FLAG_EXACT });
    }
    if (term.prefix) {
      match.usesPrefixDatabase =
        Buffer.byteLength(word, 'utf8') <= 4 && index.prefixWordIds(word).length >= 100;
      for (const id of index.prefixWordIds(word)) {
        if (seen.has(id)) continue;
        seen.add(id);
        this.scatter(match, index.postings[id] as number[], 0, FLAG_PREFIX);
        match.matchedWords.set(index.words[id] as string, { typo: 0, flags: FLAG_PREFIX });
      }
    }
    for (const alternative of this.opts.synonyms.get(word) ?? []) {
      match.phrases.push(alternative);
      if (alternative.length === 1) {
        const id = index.wordId(alternative[0] as string);
        if (id === undefined || seen.has(id)) continue;
        seen.add(id);
        this.scatter(match, index.postings[id] as number[], 0, FLAG_SYNONYM);
        match.matchedWords.set(alternative[0] as string, { typo: 0, flags: FLAG_SYNONYM });
      } else {
        this.scatterPhrase(match, alternative, FLAG_SYNONYM);
        for (const w of alternative) match.matchedWords.set(w, { typo: 0, flags: FLAG_SYNONYM });
      }
    }
    if (term.maxTypos > 0) {
      const numbersOff = this.opts.disableOnNumbers;
      const key = `${term.maxTypos}${term.prefix ? 'p' : 'w'}${numbersOff ? 'n' : ''}:${word}`;
      const derived = index.cachedDerivations(key, () => {
        const { words, ids } = index.sorted();
        const numeric = /^[\p{N}\p{P}]+$/u;
        const accept = numbersOff ? (i: number) => !numeric.test(words[i] as string) : () => true;
        const found = typoDerivations(words, word, term.maxTypos, term.prefix, accept);
        return {
          ids: Int32Array.from(found, (m) => ids[m.index] as number),
          typos: Uint8Array.from(found, (m) => m.typos),
        };
      });
      for (let k = 0; k < derived.ids.length; k++) {
        const id = derived.ids[k] as number;
        if (seen.has(id)) continue;
        seen.add(id);
        const typos = derived.typos[k] as number;
        this.scatter(match, index.postings[id] as number[], typos, 0);
        match.matchedWords.set(index.words[id] as string, { typo: typos, flags: 0 });
      }
    }
    // Split words ("filesystem" -> "file system") are a one-typo derivation in milli, whatever the
    // word's typo budget.
    const split = index.cachedSplit(word, () => this.bestSplit(word));
    if (split) {
      this.scatterPhrase(match, split, 0, 1);
      match.phrases.push(split);
    }
    this.attachOutside(match);
    return match;
  }

  /**
   * Positions of derivations found only outside attributesToSearchOn, in documents the term matches
   * through another derivation: they do not make the document match, but milli's position-based
   * rules (wordPosition, proximity) read every field.
   */
  private attachOutside(match: TermMatch): void {
    if (match.outside === null) return;
    const pool = this.pool;
    for (const o of match.outside) {
      if ((match.presence[o.doc] as number) === 0) continue;
      const src = pool.sources.length;
      pool.sources.push(o.list);
      match.head[o.doc] = pool.add(
        src,
        0,
        o.count,
        o.typo,
        o.flags & ~FLAG_EXACT,
        match.head[o.doc] as number,
      );
    }
    match.outside = null;
  }

  /** Smallest `cost(position)` over the positions of the document's fewest-typo derivations. */
  minOverPositions(match: TermMatch, doc: number, cost: (packed: number) => number, worst: number): number {
    const loose = match.firstWordPositions?.get(doc);
    if (loose !== undefined) {
      let min = worst;
      for (const p of loose) min = Math.min(min, cost(p));
      return min;
    }
    const pool = this.pool;
    const best = (match.presence[doc] as number) - 1;
    let min = worst;
    for (let e = match.head[doc] as number; e >= 0; e = pool.next[e] as number) {
      if (pool.typo[e] !== best) continue;
      const src = pool.sources[pool.source[e] as number] as number[];
      const off = pool.offset[e] as number;
      const end = off + (pool.count[e] as number);
      for (let j = off; j < end; j++) {
        const c = cost(src[j] as number);
        if (c < min) {
          min = c;
          if (min === 0) return 0;
        }
      }
    }
    return min;
  }

  /**
   * `minOverPositions` for the wordPosition rule: the cost of a word position comes from `table`
   * (positions below its length) or `far` (the rare later positions), with no call per position.
   */
  minTableCost(
    match: TermMatch,
    doc: number,
    table: Uint8Array,
    far: (position: number) => number,
    worst: number,
  ): number {
    const loose = match.firstWordPositions?.get(doc);
    if (loose !== undefined) {
      let min = worst;
      for (const p of loose) {
        const position = p & (POSITION_BITS - 1);
        min = Math.min(min, position < table.length ? (table[position] as number) : far(position));
      }
      return min;
    }
    const pool = this.pool;
    const best = (match.presence[doc] as number) - 1;
    const size = table.length;
    let min = worst;
    for (let e = match.head[doc] as number; e >= 0; e = pool.next[e] as number) {
      if (pool.typo[e] !== best) continue;
      const src = pool.sources[pool.source[e] as number] as number[];
      const off = pool.offset[e] as number;
      const end = off + (pool.count[e] as number);
      for (let j = off; j < end; j++) {
        const position = (src[j] as number) & (POSITION_BITS - 1);
        const c = position < size ? (table[position] as number) : far(position);
        if (c < min) {
          min = c;
          if (min === 0) return 0;
        }
      }
    }
    return min;
  }

  /** Positions (packed) of the term's derivations in `doc` that have the document's fewest typos. */
  positions(match: TermMatch, doc: number, exactOnly = false): number[] {
    const pool = this.pool;
    const best = (match.presence[doc] as number) - 1;
    const out: number[] = [];
    for (let e = match.head[doc] as number; e >= 0; e = pool.next[e] as number) {
      if (exactOnly ? ((pool.flags[e] as number) & FLAG_EXACT) === 0 : pool.typo[e] !== best) continue;
      const src = pool.sources[pool.source[e] as number] as number[];
      const off = pool.offset[e] as number;
      const cnt = pool.count[e] as number;
      for (let j = off; j < off + cnt; j++) out.push(src[j] as number);
    }
    return out;
  }
}
