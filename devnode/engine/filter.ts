// Filters over the index: the semantics live in `#core/filter/evaluate.ts` (`compileFilter`); this
// module applies the compiled tests through per-field value indexes (distinct values -> document
// lists), so a filter costs a pass over distinct values and matching documents, not over every
// document. Also the filterability checks with Meilisearch's messages.
import type { FilterExpr } from '#core/filter/ast.ts';
import { compileFilter, facetsOf, filterAttributes, geoPoint, type CompiledFilter } from '#core/filter/evaluate.ts';
import { fieldMatchesPattern } from './fields.ts';
import { EngineError, type Document } from './types.ts';

export function isFilterable(attribute: string, filterable: readonly string[]): boolean {
  return filterable.some((p) => fieldMatchesPattern(attribute, p));
}

/** Meilisearch's list of filterable patterns for error messages: each in backticks, sorted. */
export function describeFilterable(filterable: readonly string[]): string {
  if (filterable.length === 0) return 'This index does not have configured filterable attributes.';
  return `Available filterable attribute patterns are: ${[...filterable].sort().map((p) => `\`${p}\``).join(', ')}.`;
}

export function checkFilterable(expr: FilterExpr, filterable: readonly string[], prefix: string): void {
  for (const attribute of filterAttributes(expr)) {
    if (!isFilterable(attribute, filterable)) {
      throw new EngineError('invalid_search_filter', `${prefix}Attribute \`${attribute}\` is not filterable. ${describeFilterable(filterable)}`);
    }
  }
}

/** One field's filter index: distinct numbers and normalized strings with their documents, and the flags. */
interface FieldIndex {
  numbers: Map<number, number[]>;
  strings: Map<string, number[]>;
  exists: number[];
  isNull: number[];
  isEmpty: number[];
}

function buildFieldIndex(docs: readonly (Document | undefined)[], attribute: string): FieldIndex {
  const index: FieldIndex = { numbers: new Map(), strings: new Map(), exists: [], isNull: [], isEmpty: [] };
  for (let id = 0; id < docs.length; id++) {
    const doc = docs[id];
    if (doc === undefined) continue;
    const f = facetsOf(doc, attribute);
    if (!f.exists) continue;
    index.exists.push(id);
    if (f.isNull) index.isNull.push(id);
    if (f.isEmpty) index.isEmpty.push(id);
    for (const n of f.numbers) {
      const list = index.numbers.get(n);
      if (!list) index.numbers.set(n, [id]);
      else if (list[list.length - 1] !== id) list.push(id);
    }
    for (const s of f.strings) {
      const list = index.strings.get(s);
      if (!list) index.strings.set(s, [id]);
      else if (list[list.length - 1] !== id) list.push(id);
    }
  }
  return index;
}

/**
 * Filter indexes of one engine, built per attribute on first use and dropped on every write batch
 * (a write invalidates them all; the next filter rebuilds only the attributes it reads).
 */
export class FilterIndex {
  private readonly fields = new Map<string, FieldIndex>();
  private geo: Float64Array | null = null;

  constructor(private readonly docs: () => readonly (Document | undefined)[]) {}

  invalidate(): void {
    this.fields.clear();
    this.geo = null;
  }

  private field(attribute: string): FieldIndex {
    let index = this.fields.get(attribute);
    if (!index) {
      index = buildFieldIndex(this.docs(), attribute);
      this.fields.set(attribute, index);
    }
    return index;
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
  evaluate(expr: FilterExpr): Uint8Array {
    return this.run(compileFilter(expr));
  }

  private run(filter: CompiledFilter): Uint8Array {
    const docs = this.docs();
    const out = new Uint8Array(docs.length);
    switch (filter.kind) {
      case 'and': {
        const [first] = filter.children;
        if (first === undefined) {
          for (let i = 0; i < out.length; i++) out[i] = docs[i] === undefined ? 0 : 1;
          return out;
        }
        out.set(this.run(first));
        for (const child of filter.children.slice(1)) {
          const sub = this.run(child);
          for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) & (sub[i] as number);
        }
        return out;
      }
      case 'or': {
        for (const child of filter.children) {
          const sub = this.run(child);
          for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) | (sub[i] as number);
        }
        return out;
      }
      case 'not': {
        const sub = this.run(filter.child);
        for (let i = 0; i < out.length; i++) out[i] = sub[i] === 1 || docs[i] === undefined ? 0 : 1;
        return out;
      }
      case 'field': {
        for (const id of this.field(filter.attribute)[filter.flag]) out[id] = 1;
        return out;
      }
      case 'value': {
        const index = this.field(filter.attribute);
        const mark = (list: number[] | undefined): void => {
          if (list) for (const id of list) out[id] = 1;
        };
        if (filter.equals) {
          // Equality: direct lookups instead of a pass over the distinct values.
          for (const eq of filter.equals) {
            if (eq.number !== null) mark(index.numbers.get(eq.number));
            mark(index.strings.get(eq.string));
          }
          return out;
        }
        for (const [n, list] of index.numbers) if (filter.test.number(n)) mark(list);
        for (const [s, list] of index.strings) if (filter.test.string(s)) mark(list);
        return out;
      }
      case 'geo': {
        const points = this.geoPoints();
        for (let i = 0; i < points.length; i += 3) {
          if (filter.test([points[i + 1] as number, points[i + 2] as number])) out[points[i] as number] = 1;
        }
        return out;
      }
    }
  }
}
