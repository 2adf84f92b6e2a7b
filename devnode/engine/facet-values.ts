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

const NONE: FieldValues = { strings: [], originals: [], numbers: [], exists: false, isNull: false, isEmpty: false };

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
  const out: FieldValues = { strings: [], originals: [], numbers: [], exists: false, isNull: false, isEmpty: false };
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
}

export class FacetValueStore {
  private readonly fields = new Map<string, (FieldValues | undefined)[]>();
  private readonly counting = new Map<string, FacetCountIndex>();

  constructor(private readonly docs: () => readonly (Document | undefined)[]) {}

  /** Values of `field` for every document slot (undefined for free slots). */
  field(field: string): readonly (FieldValues | undefined)[] {
    let values = this.fields.get(field);
    if (!values) {
      const docs = this.docs();
      values = new Array<FieldValues | undefined>(docs.length);
      for (let id = 0; id < docs.length; id++) {
        const doc = docs[id];
        values[id] = doc === undefined ? undefined : fieldValues(doc, field);
      }
      this.fields.set(field, values);
    }
    return values;
  }

  /** The counting index of `field`, rebuilt after writes on first use. */
  countIndex(field: string): FacetCountIndex {
    let index = this.counting.get(field);
    if (index) return index;
    const values = this.field(field);
    const valueIds = new Map<string, number>();
    const numbers: (number | null)[] = [];
    const normalized: string[] = [];
    const start = new Int32Array(values.length + 1);
    const ids: number[] = [];
    const spellings: string[] = [];
    const idOf = (key: string, n: number | null, text: string): number => {
      let id = valueIds.get(key);
      if (id === undefined) {
        id = numbers.length;
        valueIds.set(key, id);
        numbers.push(n);
        normalized.push(text);
      }
      return id;
    };
    for (let d = 0; d < values.length; d++) {
      start[d] = ids.length;
      const v = values[d];
      if (!v || !v.exists) continue;
      const first = ids.length;
      const push = (id: number, spelling: string): void => {
        for (let k = first; k < ids.length; k++) if (ids[k] === id) return; // a value counts once per document
        ids.push(id);
        spellings.push(spelling);
      };
      v.strings.forEach((str, i) => push(idOf(`s${str}`, null, str), v.originals[i] ?? str));
      for (const n of v.numbers) push(idOf(`n${n}`, n, String(n)), String(n));
    }
    start[values.length] = ids.length;
    index = { numbers, normalized, start, ids: Int32Array.from(ids), spellings };
    this.counting.set(field, index);
    return index;
  }

  get(field: string, doc: number): FieldValues {
    return this.field(field)[doc] ?? NONE;
  }

  onDocumentSet(id: number, doc: Document): void {
    this.counting.clear();
    for (const [field, values] of this.fields) values[id] = fieldValues(doc, field);
  }

  onDocumentRemoved(id: number): void {
    this.counting.clear();
    for (const values of this.fields.values()) values[id] = undefined;
  }

  clear(): void {
    this.fields.clear();
    this.counting.clear();
  }
}
