// Filters over the index: the semantics live in `#core/filter/evaluate.ts` (`compileFilter`); this
// module applies the compiled tests through per-attribute value columns maintained at write time,
// so a filter costs one test per distinct value and a typed-array pass over the document slots.
// Also the filterability checks with Meilisearch's messages.
import type { FilterExpr } from '#core/filter/ast.ts';
import {
  compileFilter,
  facetsOf,
  geoPoint,
  leafAttributes,
  type CompiledFilter,
  type FieldFacets,
} from '#core/filter/evaluate.ts';
import { fieldMatchesPattern } from './fields.ts';
import { EngineError, type Document } from './types.ts';

export function isFilterable(attribute: string, filterable: readonly string[]): boolean {
  return filterable.some((p) => fieldMatchesPattern(attribute, p));
}

/** Meilisearch's list of filterable patterns for error messages: each in backticks, sorted. */
export function describeFilterable(filterable: readonly string[]): string {
  if (filterable.length === 0) return 'This index does not have configured filterable attributes.';
  return `Available filterable attribute patterns are: ${[...filterable]
    .sort()
    .map((p) => `\`${p}\``)
    .join(', ')}.`;
}

/** Meilisearch 1.50 names the last leaf (in text order) whose attribute is not filterable. */
export function checkFilterable(expr: FilterExpr, filterable: readonly string[], prefix: string): void {
  const attribute = leafAttributes(expr)
    .filter((a) => !isFilterable(a, filterable))
    .pop();
  if (attribute === undefined) return;
  const location = filterLocation(expr, attribute);
  throw new EngineError(
    'invalid_search_filter',
    `${prefix}Attribute \`${attribute}\` is not filterable. ${describeFilterable(filterable)}${location === null ? '' : `\n${location}`}`,
  );
}

/** Rust's `{:?}` of a string, as Meilisearch prints filter tokens. */
function debugString(text: string): string {
  const escaped = text.replace(
    /[\\"\n\r\t\0]/g,
    (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\0': '\\0' })[c] as string,
  );
  return `"${escaped}"`;
}

/**
 * Where Meilisearch 1.50 locates a non-filterable attribute: in the filter as it prints its parsed
 * form (every token quoted, each `AND`/`OR` operand and `NOT` operand in parentheses), as
 * `start:end text` in characters, 1-based. Null for geo filters, located differently.
 */
export function filterLocation(expr: FilterExpr, attribute: string): string | null {
  let at = -1;
  let text = '';
  const fid = (name: string): string => {
    // The last occurrence: the attribute checked is the last leaf that fails.
    if (name === attribute) at = [...text].length + 1;
    return debugString(name);
  };
  const render = (e: FilterExpr): boolean => {
    switch (e.type) {
      case 'and':
      case 'or':
        for (let i = 0; i < e.children.length; i++) {
          text += i === 0 ? '(' : `) ${e.type === 'and' ? 'AND' : 'OR'} (`;
          if (!render(e.children[i] as FilterExpr)) return false;
        }
        text += ')';
        return true;
      case 'not':
        text += 'NOT (';
        if (!render(e.child)) return false;
        text += ')';
        return true;
      case 'compare':
        text += fid(e.attribute);
        text += ` ${e.op} ${debugString(e.value)}`;
        return true;
      case 'range':
        text += fid(e.attribute);
        text += ` ${debugString(e.from)} TO ${debugString(e.to)}`;
        return true;
      case 'in':
        text += fid(e.attribute);
        text += ` IN [${e.values.map(debugString).join(', ')}]`;
        return true;
      case 'exists':
      case 'isNull':
      case 'isEmpty':
        text += fid(e.attribute);
        text += e.type === 'exists' ? ' EXISTS' : e.type === 'isNull' ? ' IS NULL' : ' IS EMPTY';
        return true;
      case 'contains':
      case 'startsWith':
        text += fid(e.attribute);
        text += ` ${e.type === 'contains' ? 'CONTAINS' : 'STARTS WITH'} ${debugString(e.value)}`;
        return true;
      default:
        return false;
    }
  };
  if (!render(expr) || at < 0) return null;
  return `${at + 1}:${at + 1 + [...debugString(attribute)].length - 2} ${text}`;
}

/** Filter bitmaps kept per index (one byte per document slot each). */
const RECENT_FILTERS = 16;

const NO_VALUE = -1;
const MULTI = -2;
const FLAG_EXISTS = 1;
const FLAG_NULL = 2;
const FLAG_EMPTY = 4;
const FLAG_BITS = { exists: FLAG_EXISTS, isNull: FLAG_NULL, isEmpty: FLAG_EMPTY } as const;

/**
 * One attribute's filter column, kept in step with writes: every distinct value (number or
 * normalized string) gets an id once; per document slot, its value id (or NO_VALUE, or MULTI with
 * the ids in `multi`) and its exists / null / empty flags. A value leaf tests each distinct value
 * once and marks the documents of the matching ones through a value -> documents CSR, which a
 * write drops and the next filter rebuilds in two linear passes (no per-document extraction).
 */
class FilterColumn {
  private readonly numberIds = new Map<number, number>();
  private readonly stringIds = new Map<string, number>();
  /** Per value id: the number or the normalized string. */
  readonly values: (number | string)[] = [];
  single = new Int32Array(0);
  flags = new Uint8Array(0);
  readonly multi = new Map<number, Int32Array>();
  /** Documents per value id (CSR: value v's documents are docs[start[v] .. start[v + 1])), rebuilt after writes on first use. */
  private byValue: { start: Int32Array; docs: Int32Array } | null = null;

  private ensure(slots: number): void {
    if (slots <= this.single.length) return;
    const size = Math.max(slots, Math.ceil(this.single.length * 1.5), 1024);
    const single = new Int32Array(size).fill(NO_VALUE);
    single.set(this.single);
    const flags = new Uint8Array(size);
    flags.set(this.flags);
    this.single = single;
    this.flags = flags;
  }

  numberId(n: number): number | undefined {
    return this.numberIds.get(n);
  }

  stringId(s: string): number | undefined {
    return this.stringIds.get(s);
  }

  private idOf(value: number | string): number {
    const map = typeof value === 'number' ? this.numberIds : this.stringIds;
    let id = (map as Map<number | string, number>).get(value);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(value);
      (map as Map<number | string, number>).set(value, id);
    }
    return id;
  }

  set(doc: number, facets: FieldFacets | null): void {
    this.ensure(doc + 1);
    this.byValue = null;
    this.multi.delete(doc);
    if (facets === null || !facets.exists) {
      this.single[doc] = NO_VALUE;
      this.flags[doc] = 0;
      return;
    }
    this.flags[doc] = FLAG_EXISTS | (facets.isNull ? FLAG_NULL : 0) | (facets.isEmpty ? FLAG_EMPTY : 0);
    const ids: number[] = [];
    for (const n of facets.numbers) ids.push(this.idOf(n));
    for (const s of facets.strings) ids.push(this.idOf(s));
    const unique = ids.length > 1 ? [...new Set(ids)] : ids;
    if (unique.length === 0) this.single[doc] = NO_VALUE;
    else if (unique.length === 1) this.single[doc] = unique[0] as number;
    else {
      this.single[doc] = MULTI;
      this.multi.set(doc, Int32Array.from(unique));
    }
  }

  /** The CSR of documents per value: a counting sort of the slots, one pass each way. */
  private documentsByValue(): { start: Int32Array; docs: Int32Array } {
    if (this.byValue) return this.byValue;
    const single = this.single;
    const start = new Int32Array(this.values.length + 1);
    for (let d = 0; d < single.length; d++) {
      const id = single[d] as number;
      if (id >= 0) start[id + 1] = (start[id + 1] as number) + 1;
    }
    for (const ids of this.multi.values())
      for (const id of ids) start[id + 1] = (start[id + 1] as number) + 1;
    for (let v = 1; v < start.length; v++) start[v] = (start[v] as number) + (start[v - 1] as number);
    const docs = new Int32Array(start[start.length - 1] as number);
    const fill = start.slice(0, -1);
    for (let d = 0; d < single.length; d++) {
      const id = single[d] as number;
      if (id < 0) continue;
      const at = fill[id] as number;
      docs[at] = d;
      fill[id] = at + 1;
    }
    for (const [doc, ids] of this.multi) {
      for (const id of ids) {
        const at = fill[id] as number;
        docs[at] = doc;
        fill[id] = at + 1;
      }
    }
    this.byValue = { start, docs };
    return this.byValue;
  }

  /** Sets `out[doc] = 1` for every document holding one of the value ids `matched`. */
  markValues(matched: Iterable<number>, out: Uint8Array): void {
    const { start, docs } = this.documentsByValue();
    for (const id of matched) {
      const end = start[id + 1] as number;
      for (let k = start[id] as number; k < end; k++) out[docs[k] as number] = 1;
    }
  }

  markFlag(bit: number, out: Uint8Array): void {
    const flags = this.flags;
    const n = Math.min(flags.length, out.length);
    for (let d = 0; d < n; d++) if (((flags[d] as number) & bit) !== 0) out[d] = 1;
  }
}

/**
 * Filter indexes of one engine: a column per attribute, built from every document on first use
 * (or up front for the declared filterable attributes) and then updated by each write, so no
 * search pays a rebuild after a write. Geo points are gathered again after writes.
 */
export class FilterIndex {
  private readonly columns = new Map<string, FilterColumn>();
  private geo: Float64Array | null = null;
  /**
   * Bitmaps of the latest filters, by parsed tree: request validation hands out the same tree for
   * the same filter text, and the shard clause Miroir adds repeats on every search. Any write
   * drops them all.
   */
  private readonly recent = new Map<FilterExpr, Uint8Array>();

  constructor(private readonly docs: () => readonly (Document | undefined)[]) {}

  /** Drops every column (settings changed, index cleared). */
  invalidate(): void {
    this.columns.clear();
    this.geo = null;
    this.recent.clear();
  }

  /** Builds the columns of these attributes now, so writes keep them current from here on. */
  prepare(attributes: readonly string[]): void {
    for (const a of attributes) this.column(a);
  }

  onDocumentSet(id: number, doc: Document): void {
    for (const [attribute, column] of this.columns) column.set(id, facetsOf(doc, attribute));
    this.geo = null;
    if (this.recent.size > 0) this.recent.clear();
  }

  onDocumentRemoved(id: number): void {
    for (const column of this.columns.values()) column.set(id, null);
    this.geo = null;
    if (this.recent.size > 0) this.recent.clear();
  }

  private column(attribute: string): FilterColumn {
    let column = this.columns.get(attribute);
    if (!column) {
      column = new FilterColumn();
      const docs = this.docs();
      for (let id = 0; id < docs.length; id++) {
        const doc = docs[id];
        column.set(id, doc === undefined ? null : facetsOf(doc, attribute));
      }
      this.columns.set(attribute, column);
    }
    return column;
  }

  /** [doc, lat, lng, doc, lat, lng, ...] for every document with a `_geo` point. */
  private geoPoints(): Float64Array {
    if (!this.geo) {
      const docs = this.docs();
      const out: number[] = [];
      for (let id = 0; id < docs.length; id++) {
        const doc = docs[id];
        const p = doc === undefined ? null : geoPoint(doc, '_geo');
        if (p) out.push(id, p[0], p[1]);
      }
      this.geo = Float64Array.from(out);
    }
    return this.geo;
  }

  /** Bitmap (1 = matches) over document slots; free slots never match. */
  evaluate(expr: FilterExpr, into?: Uint8Array): Uint8Array {
    // `into`: a zeroed array of one byte per slot to fill instead of a new one.
    const slots = this.docs().length;
    const out = into ?? new Uint8Array(slots);
    const known = this.recent.get(expr);
    if (known !== undefined && known.length === slots) {
      out.set(known);
      return out;
    }
    this.mark(compileFilter(expr), out);
    // The oldest bitmap's bytes are reused: a slot-sized copy per search would drive major GCs
    // through external memory on large indexes where most filters differ.
    let copy: Uint8Array | undefined;
    if (this.recent.size >= RECENT_FILTERS) {
      const [oldest, bytes] = this.recent.entries().next().value as [FilterExpr, Uint8Array];
      this.recent.delete(oldest);
      if (bytes.length === slots) copy = bytes;
    }
    if (copy === undefined) copy = out.slice();
    else copy.set(out);
    this.recent.set(expr, copy);
    return out;
  }

  /** Sets `out[doc] = 1` for the documents matching `filter` (never clears: `or` children share `out`). */
  private mark(filter: CompiledFilter, out: Uint8Array): void {
    const docs = this.docs();
    switch (filter.kind) {
      case 'and': {
        const [first, ...rest] = filter.children;
        if (first === undefined) {
          for (let i = 0; i < out.length; i++) if (docs[i] !== undefined) out[i] = 1;
          return;
        }
        const acc = new Uint8Array(out.length);
        this.mark(first, acc);
        for (const child of rest) {
          const sub = new Uint8Array(out.length);
          this.mark(child, sub);
          for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) & (sub[i] as number);
        }
        for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) | (acc[i] as number);
        return;
      }
      case 'or':
        for (const child of filter.children) this.mark(child, out);
        return;
      case 'not': {
        const sub = new Uint8Array(out.length);
        this.mark(filter.child, sub);
        for (let i = 0; i < out.length; i++) if (sub[i] === 0 && docs[i] !== undefined) out[i] = 1;
        return;
      }
      case 'field':
        this.column(filter.attribute).markFlag(FLAG_BITS[filter.flag], out);
        return;
      case 'value': {
        const column = this.column(filter.attribute);
        const values = column.values;
        const matched: number[] = [];
        if (filter.equals) {
          // Equality: direct lookups instead of a test of every distinct value.
          for (const eq of filter.equals) {
            const n = eq.number === null ? undefined : column.numberId(eq.number);
            if (n !== undefined) matched.push(n);
            const s = column.stringId(eq.string);
            if (s !== undefined) matched.push(s);
          }
        } else {
          for (let id = 0; id < values.length; id++) {
            const v = values[id] as number | string;
            if (typeof v === 'number' ? filter.test.number(v) : filter.test.string(v)) matched.push(id);
          }
        }
        column.markValues(matched, out);
        return;
      }
      case 'geo': {
        const points = this.geoPoints();
        for (let i = 0; i < points.length; i += 3) {
          if (filter.test([points[i + 1] as number, points[i + 2] as number])) out[points[i] as number] = 1;
        }
        return;
      }
    }
  }
}
