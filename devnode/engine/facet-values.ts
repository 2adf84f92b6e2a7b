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

export class FacetValueStore {
  private readonly fields = new Map<string, (FieldValues | undefined)[]>();

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

  get(field: string, doc: number): FieldValues {
    return this.field(field)[doc] ?? NONE;
  }

  onDocumentSet(id: number, doc: Document): void {
    for (const [field, values] of this.fields) values[id] = fieldValues(doc, field);
  }

  onDocumentRemoved(id: number): void {
    for (const values of this.fields.values()) values[id] = undefined;
  }

  clear(): void {
    this.fields.clear();
  }
}
