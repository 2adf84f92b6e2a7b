// The inverted index: word -> postings, kept as flat number arrays
// `[doc, count, pos1..posN, doc, count, ...]` (one array per word, no per-posting objects), where a
// position packs the field id and the word position (`fieldId * 65536 + position`). A lazily sorted
// word list serves prefix and typo lookups.
import { prefixRange } from './typo-walk.ts';

export const POSITION_BITS = 65_536;

export class WordIndex {
  private readonly ids = new Map<string, number>();
  readonly words: string[] = [];
  readonly postings: number[][] = [];
  /** Number of documents each word appears in. */
  readonly docCounts: number[] = [];
  private sortedWords: string[] = [];
  private sortedIds: Int32Array = new Int32Array(0);
  private sortedDirty = false;

  wordId(word: string): number | undefined {
    return this.ids.get(word);
  }

  /** Adds one document's postings: word -> packed positions (ascending). */
  addDocument(doc: number, words: Map<string, number[]>): void {
    for (const [word, positions] of words) {
      let id = this.ids.get(word);
      if (id === undefined) {
        id = this.words.length;
        this.ids.set(word, id);
        this.words.push(word);
        this.postings.push([]);
        this.docCounts.push(0);
        this.sortedDirty = true;
      }
      const list = this.postings[id] as number[];
      if (list.length === 0) this.sortedDirty = true;
      list.push(doc, positions.length);
      for (const p of positions) list.push(p);
      this.docCounts[id] = (this.docCounts[id] as number) + 1;
    }
  }

  /** Drops the postings of `docs` from the given words (the words those documents contained). */
  removeDocuments(docs: Set<number>, words: Iterable<string>): void {
    for (const word of words) {
      const id = this.ids.get(word);
      if (id === undefined) continue;
      const list = this.postings[id] as number[];
      const kept: number[] = [];
      let count = 0;
      for (let i = 0; i < list.length; ) {
        const doc = list[i] as number;
        const n = list[i + 1] as number;
        if (!docs.has(doc)) {
          for (let j = i; j < i + 2 + n; j++) kept.push(list[j] as number);
          count++;
        }
        i += 2 + n;
      }
      this.postings[id] = kept;
      this.docCounts[id] = count;
      if (count === 0) this.sortedDirty = true;
    }
  }

  clear(): void {
    this.ids.clear();
    this.words.length = 0;
    this.postings.length = 0;
    this.docCounts.length = 0;
    this.sortedWords = [];
    this.sortedIds = new Int32Array(0);
    this.sortedDirty = false;
  }

  /** Live words in UTF-16 order (the order typo/prefix walks need). */
  sorted(): { words: string[]; ids: Int32Array } {
    if (this.sortedDirty) {
      // Default string sort (UTF-16 order) is much faster than a comparator over ids.
      const live: string[] = [];
      for (let id = 0; id < this.words.length; id++) if ((this.docCounts[id] as number) > 0) live.push(this.words[id] as string);
      live.sort();
      this.sortedIds = Int32Array.from(live, (w) => this.ids.get(w) as number);
      this.sortedWords = live;
      this.sortedDirty = false;
    }
    return { words: this.sortedWords, ids: this.sortedIds };
  }

  /** Ids of the live words starting with `prefix` (the word itself included). */
  prefixWordIds(prefix: string): number[] {
    const { words, ids } = this.sorted();
    const [start, end] = prefixRange(words, prefix);
    const out: number[] = [];
    for (let i = start; i < end; i++) out.push(ids[i] as number);
    return out;
  }
}
