// The inverted index: word -> postings, kept as flat number arrays
// `[doc, count, pos1..posN, doc, count, ...]` (one array per word, no per-posting objects), where a
// position packs the field id and the word position (`fieldId * 65536 + position`). A sorted word
// list, merged with each write batch's new words, serves prefix and typo lookups; typo derivations
// are cached per query word until the word list changes.
import { prefixRange } from './typo-walk.ts';

export const POSITION_BITS = 65_536;

const NO_TYPOS = new Uint8Array(0);

export class WordIndex {
  private readonly ids = new Map<string, number>();
  readonly words: string[] = [];
  readonly postings: number[][] = [];
  /** Number of documents each word appears in. */
  readonly docCounts: number[] = [];
  private sortedWords: string[] = [];
  private sortedIds: Int32Array = new Int32Array(0);
  private sortedDirty = false;
  /** Word ids that became live (new, or back from zero documents) since the last sort. */
  private pendingWords: number[] = [];
  private readonly derivations = new Map<string, { ids: Int32Array; typos: Uint8Array }>();
  /** Best split of a query word into two adjacent words, per word; depends on postings, so any write drops it. */
  private readonly splits = new Map<string, [string, string] | null>();

  wordId(word: string): number | undefined {
    return this.ids.get(word);
  }

  /** Adds one document's postings: word -> packed positions (ascending). */
  addDocument(doc: number, words: Map<string, number[]>): void {
    if (this.splits.size > 0) this.splits.clear();
    for (const [word, positions] of words) {
      let id = this.ids.get(word);
      if (id === undefined) {
        id = this.words.length;
        this.ids.set(word, id);
        this.words.push(word);
        this.postings.push([]);
        this.docCounts.push(0);
      }
      const list = this.postings[id] as number[];
      if (list.length === 0) {
        this.sortedDirty = true;
        this.pendingWords.push(id);
      }
      list.push(doc, positions.length);
      for (const p of positions) list.push(p);
      this.docCounts[id] = (this.docCounts[id] as number) + 1;
    }
  }

  /** Drops the postings of `docs` from the given words (the words those documents contained). */
  removeDocuments(docs: Set<number>, words: Iterable<string>): void {
    if (this.splits.size > 0) this.splits.clear();
    for (const word of words) {
      const id = this.ids.get(word);
      if (id === undefined) continue;
      const list = this.postings[id] as number[];
      const kept: number[] = [];
      let count = 0;
      for (let i = 0; i < list.length;) {
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
    this.pendingWords = [];
    this.derivations.clear();
    this.splits.clear();
  }

  /** Live words in UTF-16 order (the order typo/prefix walks need). */
  sorted(): { words: string[]; ids: Int32Array } {
    if (this.sortedDirty) {
      // Merge the batch's new words (sorted alone: the default string sort is UTF-16 order) into
      // the live list, dropping words left without documents: linear in the vocabulary.
      const fresh = [...new Set(this.pendingWords)]
        .filter((id) => (this.docCounts[id] as number) > 0)
        .map((id) => this.words[id] as string);
      fresh.sort();
      const old = this.sortedWords;
      const oldIds = this.sortedIds;
      const words: string[] = [];
      const ids: number[] = [];
      let i = 0;
      let j = 0;
      while (i < old.length || j < fresh.length) {
        if (j >= fresh.length || (i < old.length && (old[i] as string) < (fresh[j] as string))) {
          const id = oldIds[i] as number;
          if ((this.docCounts[id] as number) > 0) {
            words.push(old[i] as string);
            ids.push(id);
          }
          i++;
        } else {
          const w = fresh[j] as string;
          if (i < old.length && old[i] === w) i++; // revived word still listed
          words.push(w);
          ids.push(this.ids.get(w) as number);
          j++;
        }
      }
      // One JSON round trip lays the strings out afresh in sorted order: the typo walk reads them
      // in that order, and neighbours in memory made it about 1.5 times faster than strings
      // scattered over the heap in insertion order.
      this.sortedWords = JSON.parse(JSON.stringify(words)) as string[];
      this.sortedIds = Int32Array.from(ids);
      this.pendingWords = [];
      this.sortedDirty = false;
      this.derivations.clear();
    }
    return { words: this.sortedWords, ids: this.sortedIds };
  }

  /** Cached typo derivations (word ids and typo counts) of one query word, computed by `compute` on a miss. */
  cachedDerivations(
    key: string,
    compute: () => { ids: Int32Array; typos: Uint8Array },
  ): { ids: Int32Array; typos: Uint8Array } {
    this.sorted();
    let hit = this.derivations.get(key);
    if (!hit) {
      if (this.derivations.size >= 50_000) this.derivations.clear();
      hit = compute();
      this.derivations.set(key, hit);
    }
    return hit;
  }

  /** The cached split of `word`, computed by `compute` on a miss. */
  cachedSplit(word: string, compute: () => [string, string] | null): [string, string] | null {
    let hit = this.splits.get(word);
    if (hit === undefined) {
      if (this.splits.size >= 50_000) this.splits.clear();
      hit = compute();
      this.splits.set(word, hit);
    }
    return hit;
  }

  /** Ids of the live words starting with `prefix` (the word itself included), cached like typo derivations. */
  prefixWordIds(prefix: string): Int32Array {
    return this.cachedDerivations(`prefix:${prefix}`, () => {
      const { words, ids } = this.sorted();
      const [start, end] = prefixRange(words, prefix);
      return { ids: ids.slice(start, end), typos: NO_TYPOS };
    }).ids;
  }
}
