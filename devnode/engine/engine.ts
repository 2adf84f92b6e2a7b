// The in-memory index behind one devnode index: documents with milli-style internal ids, the
// inverted index built with Meilisearch's tokenization, facet values, and the entry points the
// HTTP layer calls (writes, document reads, search, facet search, stats).
import type { FilterExpr } from '#core/filter/ast.ts';
import type { IndexSettings } from '#core/meili/settings.ts';
import { DocumentStore } from './document-store.ts';
import { FacetValueStore } from './facet-values.ts';
import { flattenDocument, projectDocument } from './fields.ts';
import { checkFilterable, FilterIndex } from './filter.ts';
import { ScratchPool } from './matcher.ts';
import { runFacetSearch, runSearch } from './search.ts';
import { buildFieldSortKeys, type FieldSortKeys } from './sort-keys.ts';
import { HARD_GAP, Tokenizer } from './tokenizer.ts';
import {
  EngineError,
  type Document,
  type FacetSearchRequest,
  type FacetSearchResponse,
  type IndexEngine,
  type ListDocumentsRequest,
  type SearchRequest,
  type SearchResponse,
} from './types.ts';
import { POSITION_BITS, WordIndex } from './word-index.ts';

export interface EngineOptions {
  /** Index uid, used to prefix error messages as Meilisearch does ("Index `movies`: ..."). */
  indexUid?: string;
}

/** Max field ids a packed position can carry while staying a small integer. */
const MAX_FIELDS = 16_383;

export class MemoryIndexEngine implements IndexEngine {
  primaryKey: string | null;
  settings: IndexSettings;
  readonly store = new DocumentStore();
  readonly words = new WordIndex();
  readonly facets: FacetValueStore;
  readonly filters: FilterIndex;
  tokenizer: Tokenizer;
  /** Every field name (dotted for nested) in order of first appearance. */
  readonly fieldNames: string[] = [];
  private readonly fieldIds = new Map<string, number>();
  /** attributeRank weight per field id, -1 when the field is not searchable. */
  fieldWeights = new Int32Array(64).fill(-2);
  private readonly topLevelCounts = new Map<string, number>();
  private sortKeyCache = new Map<string, FieldSortKeys>();
  readonly scratch = new ScratchPool();
  /** Per document: [fieldId, wordCount, ...] for searchable fields of at most 30 words (exactness). */
  private readonly wordCounts: (number[] | undefined)[] = [];

  constructor(
    primaryKey: string | null,
    settings: IndexSettings,
    public options: EngineOptions = {},
  ) {
    this.primaryKey = primaryKey;
    this.settings = settings;
    this.tokenizer = this.buildTokenizer();
    this.facets = new FacetValueStore(() => this.store.docs);
    this.filters = new FilterIndex(() => this.store.docs);
  }

  get errorPrefix(): string {
    return this.options.indexUid === undefined ? '' : `Index \`${this.options.indexUid}\`: `;
  }

  private buildTokenizer(): Tokenizer {
    const s = this.settings;
    return new Tokenizer({
      stopWords: s.stopWords,
      separatorTokens: s.separatorTokens,
      nonSeparatorTokens: s.nonSeparatorTokens,
      dictionary: s.dictionary,
    });
  }

  setPrimaryKey(primaryKey: string): void {
    this.primaryKey = primaryKey;
  }

  setIndexUid(uid: string): void {
    this.options = { ...this.options, indexUid: uid };
  }

  applySettings(settings: IndexSettings): void {
    const before = this.settings;
    this.settings = settings;
    const reindex =
      JSON.stringify(before.searchableAttributes) !== JSON.stringify(settings.searchableAttributes) ||
      JSON.stringify(before.stopWords) !== JSON.stringify(settings.stopWords) ||
      JSON.stringify(before.separatorTokens) !== JSON.stringify(settings.separatorTokens) ||
      JSON.stringify(before.nonSeparatorTokens) !== JSON.stringify(settings.nonSeparatorTokens) ||
      JSON.stringify(before.dictionary) !== JSON.stringify(settings.dictionary);
    this.fieldWeights.fill(-2);
    this.sortKeyCache.clear();
    if (JSON.stringify(before.filterableAttributes) !== JSON.stringify(settings.filterableAttributes))
      this.filters.invalidate();
    if (!reindex) return;
    this.tokenizer = this.buildTokenizer();
    this.words.clear();
    for (const id of this.store.ids()) this.indexDocument(id, this.store.docs[id] as Document);
  }

  fieldId(name: string): number {
    let id = this.fieldIds.get(name);
    if (id === undefined) {
      id = this.fieldNames.length;
      if (id > MAX_FIELDS)
        throw new EngineError(
          'max_fields_limit_exceeded',
          `A document cannot contain more than ${MAX_FIELDS} fields.`,
        );
      this.fieldIds.set(name, id);
      this.fieldNames.push(name);
    }
    return id;
  }

  /** attributeRank weight of a field: its searchableAttributes index (`a` covers `a.b`), -1 if not searchable. */
  fieldWeight(id: number): number {
    if (id >= this.fieldWeights.length) {
      const grown = new Int32Array(Math.max(id + 1, this.fieldWeights.length * 2)).fill(-2);
      grown.set(this.fieldWeights);
      this.fieldWeights = grown;
    }
    let w = this.fieldWeights[id] as number;
    if (w === -2) {
      const name = this.fieldNames[id] as string;
      const searchable = this.settings.searchableAttributes;
      if (searchable.includes('*')) w = 0;
      else {
        w = -1;
        for (let i = 0; i < searchable.length; i++) {
          const s = searchable[i] as string;
          if (name === s || (name.startsWith(s) && name.charCodeAt(s.length) === 46)) {
            w = i;
            break;
          }
        }
      }
      this.fieldWeights[id] = w;
    }
    return w;
  }

  /** Tokenizes a document's searchable fields: word -> packed positions. */
  private documentWords(doc: Document, register: boolean, counts?: number[]): Map<string, number[]> {
    const out = new Map<string, number[]>();
    const flat = flattenDocument(doc);
    for (const [name, values] of flat) {
      const fid = register ? this.fieldId(name) : this.fieldIds.get(name);
      if (fid === undefined || this.fieldWeight(fid) < 0) continue;
      const base = fid * POSITION_BITS;
      let first = 0;
      let words = 0;
      for (const value of values) {
        if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
        const text = String(value);
        let any = false;
        const last = this.tokenizer.scan(text, first, (t) => {
          any = true;
          words++;
          if (t.stop) return;
          const list = out.get(t.word);
          if (list) {
            if (list[list.length - 1] !== base + t.position) list.push(base + t.position);
          } else out.set(t.word, [base + t.position]);
        });
        // Successive values of one field sit 8 positions apart, like sentences.
        if (any) first = last + HARD_GAP;
        if (first >= POSITION_BITS) break;
      }
      if (counts && words <= 30) counts.push(fid, words);
    }
    return out;
  }

  /** Number of word tokens of one field (milli only records it for fields of at most 30 words). */
  fieldWordCount(internalId: number, fieldId: number): number {
    const counts = this.wordCounts[internalId];
    if (!counts) return -1;
    for (let i = 0; i < counts.length; i += 2) if (counts[i] === fieldId) return counts[i + 1] as number;
    return -1;
  }

  private indexDocument(id: number, doc: Document): void {
    const counts: number[] = [];
    this.words.addDocument(id, this.documentWords(doc, true, counts));
    this.wordCounts[id] = counts;
  }

  private countFields(doc: Document, delta: number): void {
    for (const key of Object.keys(doc)) {
      const n = (this.topLevelCounts.get(key) ?? 0) + delta;
      if (n === 0) this.topLevelCounts.delete(key);
      else this.topLevelCounts.set(key, n);
    }
  }

  /** Removes the postings of documents about to be replaced or deleted. */
  private unindex(ids: number[]): void {
    if (ids.length === 0) return;
    const words = new Set<string>();
    for (const id of ids) {
      const doc = this.store.docs[id];
      if (!doc) continue;
      for (const w of this.documentWords(doc, false).keys()) words.add(w);
      this.countFields(doc, -1);
    }
    this.words.removeDocuments(new Set(ids), words);
  }

  private externalId(doc: Document): string {
    const pk = this.primaryKey;
    if (pk === null)
      throw new EngineError(
        'index_primary_key_no_candidate_found',
        'The primary key inference failed as the engine did not find any field ending with `id` in its name. Please specify the primary key manually using the `primaryKey` query parameter.',
      );
    const value = doc[pk];
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    throw new EngineError(
      'missing_document_id',
      `Document doesn't have a \`${pk}\` attribute: \`${JSON.stringify(doc)}\`.`,
    );
  }

  addDocuments(documents: Document[], mode: 'replace' | 'update'): { indexedDocuments: number } {
    // Resolve the final version of each document first (later payload entries win or merge).
    const finals = new Map<string, Document>();
    for (const doc of documents) {
      const ext = this.externalId(doc);
      if (mode === 'update') {
        const base = finals.get(ext) ?? this.store.get(ext);
        finals.set(ext, base ? { ...base, ...doc } : doc);
      } else finals.set(ext, doc);
    }
    const replaced: number[] = [];
    for (const ext of finals.keys()) {
      const id = this.store.internalId(ext);
      if (id !== undefined) replaced.push(id);
    }
    this.unindex(replaced);
    // Filter columns and facet values of the declared attributes exist before the batch, so it keeps
    // them current and no search after it pays a rebuild from the documents.
    const filterable = this.settings.filterableAttributes.filter((a) => !a.includes('*'));
    this.filters.prepare(filterable);
    this.facets.prepare(filterable);
    for (const [ext, doc] of finals) {
      const { id } = this.store.put(ext, doc);
      this.indexDocument(id, doc);
      this.countFields(doc, 1);
      this.facets.onDocumentSet(id, doc);
      this.filters.onDocumentSet(id, doc);
    }
    this.sortKeyCache.clear();
    this.words.sorted(); // merge the batch's new words now, not on the first search
    return { indexedDocuments: documents.length };
  }

  deleteDocuments(ids: string[]): { deletedDocuments: number } {
    const internal: number[] = [];
    for (const ext of new Set(ids)) {
      const id = this.store.internalId(ext);
      if (id !== undefined) internal.push(id);
    }
    this.unindex(internal);
    for (const id of internal) {
      this.store.remove(this.store.externalIds[id] as string);
      this.facets.onDocumentRemoved(id);
      this.filters.onDocumentRemoved(id);
    }
    this.sortKeyCache.clear();
    this.words.sorted();
    return { deletedDocuments: internal.length };
  }

  /** Bitmap of documents matching `filter`, checking filterability with the given error code. */
  filterBitmap(
    filter: FilterExpr,
    code: 'invalid_search_filter' | 'invalid_document_filter',
    into?: Uint8Array,
  ): Uint8Array {
    try {
      checkFilterable(filter, this.settings.filterableAttributes, this.errorPrefix);
    } catch (err) {
      if (err instanceof EngineError) throw new EngineError(code, err.message);
      throw err;
    }
    return this.filters.evaluate(filter, into);
  }

  deleteByFilter(filter: FilterExpr): { deletedDocuments: number } {
    const bitmap = this.filterBitmap(filter, 'invalid_document_filter');
    const ids: string[] = [];
    for (let id = 0; id < bitmap.length; id++)
      if (bitmap[id] === 1) ids.push(this.store.externalIds[id] as string);
    return this.deleteDocuments(ids);
  }

  clear(): { deletedDocuments: number } {
    const n = this.store.count;
    this.store.clear();
    this.words.clear();
    this.wordCounts.length = 0;
    this.facets.clear();
    this.topLevelCounts.clear();
    this.sortKeyCache.clear();
    this.filters.invalidate();
    return { deletedDocuments: n };
  }

  getDocument(id: string): Document | undefined {
    return this.store.get(id);
  }

  sortKeys(field: string): FieldSortKeys {
    let keys = this.sortKeyCache.get(field);
    if (!keys) {
      keys = buildFieldSortKeys(this.facets, field, this.store.docs.length);
      this.sortKeyCache.set(field, keys);
    }
    return keys;
  }

  listDocuments(request: ListDocumentsRequest): { results: Document[]; total: number } {
    let ids: number[];
    if (request.ids !== null) {
      const wanted = new Set<number>();
      for (const ext of request.ids) {
        const id = this.store.internalId(ext);
        if (id !== undefined) wanted.add(id);
      }
      ids = [...wanted].sort((a, b) => a - b);
    } else ids = [...this.store.ids()];
    if (request.filter !== null) {
      const bitmap = this.filterBitmap(request.filter, 'invalid_document_filter');
      ids = ids.filter((id) => bitmap[id] === 1);
    }
    if (request.sort !== null && request.sort.length > 0) {
      const keys = request.sort.map((s) => {
        const m = /^(.+):(asc|desc)$/.exec(s);
        const field = m?.[1] ?? s;
        if (!this.settings.sortableAttributes.some((a) => a === field || field.startsWith(`${a}.`))) {
          const list = this.settings.sortableAttributes;
          throw new EngineError(
            'invalid_document_sort',
            `${this.errorPrefix}Attribute \`${field}\` is not sortable. ${list.length === 0 ? 'This index does not have configured sortable attributes.' : `Available sortable attributes are: \`${list.join(', ')}\`.`}`,
          );
        }
        const k = this.sortKeys(field);
        return m?.[2] === 'desc' ? k.desc : k.asc;
      });
      ids.sort((a, b) => {
        for (const k of keys) {
          const d = (k[a] as number) - (k[b] as number);
          if (d !== 0) return d;
        }
        return a - b;
      });
    }
    const page = ids.slice(request.offset, request.offset + request.limit);
    const fields = request.fields;
    return {
      results: page.map((id) => {
        const doc = this.store.docs[id] as Document;
        return fields === null ? doc : projectDocument(doc, fields);
      }),
      total: ids.length,
    };
  }

  search(request: SearchRequest): SearchResponse {
    return runSearch(this, request);
  }

  facetSearch(request: FacetSearchRequest): FacetSearchResponse {
    return runFacetSearch(this, request);
  }

  stats(): { numberOfDocuments: number; fieldDistribution: Record<string, number> } {
    const fieldDistribution: Record<string, number> = {};
    for (const key of [...this.topLevelCounts.keys()].sort())
      fieldDistribution[key] = this.topLevelCounts.get(key) as number;
    return { numberOfDocuments: this.store.count, fieldDistribution };
  }

  *allDocuments(): IterableIterator<Document> {
    for (const id of this.store.ids()) yield this.store.docs[id] as Document;
  }
}
