// Per-field facet values of every document (normalized strings, originals, numbers, null/empty
// flags), built on first use and kept in step with writes. Filters, facet distributions, sort and
// distinct read these instead of walking documents.
import { normalizeFacet } from './normalize.ts';
import type { Document } from './types.ts';

export interface FieldValues {
  strings: string[];
  originals: string[];
  numbers: number[];
  exists: boolean;
  isNull: boolean;
  isEmpty: boolean;
}

const NONE: FieldValues = {
  strings: [],
  originals: [],
  numbers: [],
  exists: false,
  isNull: false,
  isEmpty: false,
};

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function collect(value: unknown, out: FieldValues, top: boolean): void {
  if (value === null) {
    if (top) out.isNull = true;
    return;
  }
  if (Array.isArray(value)) {
    if (top && value.length === 0) out.isEmpty = true;
    for (const item of value) collect(item, out, false);
    return;
  }
  if (isPlainObject(value)) {
    if (top && Object.keys(value).length === 0) out.isEmpty = true;
    return;
  }
  if (typeof value === 'string') {
    if (top && value === '') out.isEmpty = true;
    out.strings.push(normalizeFacet(value));
    out.originals.push(value);
  } else if (typeof value === 'number') {
    if (Number.isFinite(value)) out.numbers.push(value);
  } else if (typeof value === 'boolean') {
    out.strings.push(value ? 'true' : 'false');
    out.originals.push(value ? 'true' : 'false');
  }
}

/** Walks a dotted path through objects and arrays (`a.b` reaches `{a: [{b: 1}]}` and `{"a.b": 1}`). */
function walkPath(value: unknown, path: string, out: FieldValues): void {
  if (Array.isArray(value)) {
    for (const item of value) walkPath(item, path, out);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const key of Object.keys(value)) {
    if (key === path) {
      out.exists = true;
      collect(value[key], out, true);
    } else if (path.startsWith(key) && path.charCodeAt(key.length) === 46) {
      walkPath(value[key], path.slice(key.length + 1), out);
    } else if (key.startsWith(path) && key.charCodeAt(path.length) === 46) {
      // A nested field under the path: the path exists (as an object), values belong to children.
      out.exists = true;
    }
  }
}

export function fieldValues(doc: Document, field: string): FieldValues {
  const out: FieldValues = {
    strings: [],
    originals: [],
    numbers: [],
    exists: false,
    isNull: false,
    isEmpty: false,
  };
  walkPath(doc, field, out);
  return out.exists ? out : NONE;
}

/**
 * Counting form of one field's values: every distinct value once (numbers, then normalized
 * strings) and, per document, its value ids in CSR layout with the document's own spelling of
 * each, so a facet distribution is one pass of integer increments over the candidates.
 */
export interface FacetCountIndex {
  /** Per value id: the number, or null for a string value. */
  numbers: (number | null)[];
  /** Per value id: the normalized string (numbers: their text). */
  normalized: string[];
  /** Document d's value ids are ids[start[d] .. start[d + 1]). */
  start: Int32Array;
  ids: Int32Array;
  /** Spelling of each (document, value) entry, parallel to `ids`. */
  spellings: string[];
  /** Value ids in facet alpha order (numbers ascending, then strings in UTF-16 order), built on first use. */
  alphaOrder?: Int32Array;
}

/** The value ids of `index` in alpha order: numbers first, ascending, then normalized strings. */
export function alphaOrder(index: FacetCountIndex): Int32Array {
  if (!index.alphaOrder) {
    const ids = Array.from({ length: index.numbers.length }, (_, id) => id);
    const nums = ids
      .filter((id) => index.numbers[id] !== null)
      .sort((a, b) => (index.numbers[a] as number) - (index.numbers[b] as number));
    const strs = ids.filter((id) => index.numbers[id] === null);
    const text = index.normalized;
    strs.sort((a, b) =>
      (text[a] as string) < (text[b] as string) ? -1 : (text[a] as string) > (text[b] as string) ? 1 : 0,
    );
    index.alphaOrder = Int32Array.from([...nums, ...strs]);
  }
  return index.alphaOrder;
}

/** A field's value ids, stable for the life of the store: a value keeps its id once seen. */
interface ValueTable {
  ids: Map<string, number>;
  numbers: (number | null)[];
  normalized: string[];
}

/** One document's distinct value ids for a field (strings first, then numbers) with its spellings. */
interface DocValues {
  ids: number[];
  spellings: string[];
}

const NONE_ID = -1;
const MULTI_ID = -2;

/**
 * Per document slot of one field: its only value id (NONE_ID without values, MULTI_ID with the ids
 * in `multi`) and that value's spelling (strings only; numbers show their text): compact, since
 * almost every document holds at most one value of a facet.
 */
interface FieldIds {
  single: Int32Array;
  spelling: (string | undefined)[];
  multi: Map<number, DocValues>;
}

export class FacetValueStore {
  private readonly fields = new Map<string, (FieldValues | undefined)[]>();
  private readonly tables = new Map<string, ValueTable>();
  /** Per field: each document's value ids, kept current by writes once the field is materialized. */
  private readonly docIds = new Map<string, FieldIds>();
  private readonly counting = new Map<string, FacetCountIndex>();

  constructor(private readonly docs: () => readonly (Document | undefined)[]) {}

  /** Values of `field` for every document slot (undefined for free slots). */
  field(field: string): readonly (FieldValues | undefined)[] {
    let values = this.fields.get(field);
    if (!values) {
      const docs = this.docs();
      values = new Array<FieldValues | undefined>(docs.length);
      this.fields.set(field, values);
      this.docIds.set(field, {
        single: new Int32Array(Math.max(1024, docs.length)).fill(NONE_ID),
        spelling: [],
        multi: new Map(),
      });
      for (let id = 0; id < docs.length; id++) {
        const doc = docs[id];
        values[id] = doc === undefined ? undefined : fieldValues(doc, field);
        this.setIds(field, id, values[id]);
      }
    }
    return values;
  }

  /** Materializes these fields now, so writes keep them (and their value ids) current from here on. */
  prepare(fields: readonly string[]): void {
    for (const f of fields) this.field(f);
  }

  private setIds(field: string, doc: number, v: FieldValues | undefined): void {
    const slots = this.docIds.get(field) as FieldIds;
    if (doc >= slots.single.length) {
      const grown = new Int32Array(Math.max(doc + 1, Math.ceil(slots.single.length * 1.5))).fill(NONE_ID);
      grown.set(slots.single);
      slots.single = grown;
    }
    slots.multi.delete(doc);
    slots.single[doc] = NONE_ID;
    slots.spelling[doc] = undefined;
    if (!v || !v.exists || (v.strings.length === 0 && v.numbers.length === 0)) return;
    let table = this.tables.get(field);
    if (!table) {
      table = { ids: new Map(), numbers: [], normalized: [] };
      this.tables.set(field, table);
    }
    const t = table;
    const ids: number[] = [];
    const spellings: string[] = [];
    const push = (key: string, n: number | null, text: string, spelling: string): void => {
      let id = t.ids.get(key);
      if (id === undefined) {
        id = t.numbers.length;
        t.ids.set(key, id);
        t.numbers.push(n);
        t.normalized.push(text);
      }
      if (ids.includes(id)) return; // a value counts once per document
      ids.push(id);
      spellings.push(spelling);
    };
    v.strings.forEach((str, i) => push(`s${str}`, null, str, v.originals[i] ?? str));
    for (const n of v.numbers) push(`n${n}`, n, String(n), String(n));
    if (ids.length === 1) {
      slots.single[doc] = ids[0] as number;
      if (t.numbers[ids[0] as number] === null) slots.spelling[doc] = spellings[0];
    } else {
      slots.single[doc] = MULTI_ID;
      slots.multi.set(doc, { ids, spellings });
    }
  }

  /**
   * The counting index of `field`, rebuilt after writes on first use: a concatenation of the
   * per-document value ids the writes keep current (no value extraction or hashing here).
   */
  countIndex(field: string): FacetCountIndex {
    let index = this.counting.get(field);
    if (index) return index;
    this.field(field);
    const slots = this.docIds.get(field) as FieldIds;
    const table = this.tables.get(field) ?? { ids: new Map(), numbers: [], normalized: [] };
    const n = this.docs().length;
    const start = new Int32Array(n + 1);
    let total = 0;
    for (let d = 0; d < n; d++) {
      start[d] = total;
      const id = slots.single[d] ?? NONE_ID;
      total += id >= 0 ? 1 : id === MULTI_ID ? (slots.multi.get(d) as DocValues).ids.length : 0;
    }
    start[n] = total;
    const ids = new Int32Array(total);
    const spellings = new Array<string>(total);
    for (let d = 0; d < n; d++) {
      const id = slots.single[d] ?? NONE_ID;
      const at = start[d] as number;
      if (id >= 0) {
        ids[at] = id;
        spellings[at] = slots.spelling[d] ?? (table.normalized[id] as string);
      } else if (id === MULTI_ID) {
        const v = slots.multi.get(d) as DocValues;
        for (let k = 0; k < v.ids.length; k++) {
          ids[at + k] = v.ids[k] as number;
          spellings[at + k] = v.spellings[k] as string;
        }
      }
    }
    // Copies: value ids added by later writes must not change an index already handed out.
    index = { numbers: table.numbers.slice(), normalized: table.normalized.slice(), start, ids, spellings };
    this.counting.set(field, index);
    return index;
  }

  get(field: string, doc: number): FieldValues {
    return this.field(field)[doc] ?? NONE;
  }

  onDocumentSet(id: number, doc: Document): void {
    this.counting.clear();
    for (const [field, values] of this.fields) {
      values[id] = fieldValues(doc, field);
      this.setIds(field, id, values[id]);
    }
  }

  onDocumentRemoved(id: number): void {
    this.counting.clear();
    for (const [field, values] of this.fields) {
      values[id] = undefined;
      this.setIds(field, id, undefined);
    }
  }

  clear(): void {
    this.fields.clear();
    this.tables.clear();
    this.docIds.clear();
    this.counting.clear();
  }
}
