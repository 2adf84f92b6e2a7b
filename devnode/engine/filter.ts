// Filter evaluation over the facet value store: a FilterExpr becomes a bitmap of matching document
// slots. Semantics follow Meilisearch: values normalized like facets, `=` tries string and number,
// ranges compare numbers and (since v1.15) strings, `!=`/NOT complement over all documents.
import type { FilterExpr } from '#core/filter/ast.ts';
import { fieldMatchesPattern } from './fields.ts';
import type { FacetValueStore, FieldValues } from './facet-values.ts';
import { geoPoint, haversine, inBoundingBox, inPolygon } from './geo.ts';
import { normalizeFacet } from './normalize.ts';
import { EngineError, type Document } from './types.ts';

/** Attributes a filter reads (`_geo` for geo filters), in order of appearance. */
export function filterAttributes(expr: FilterExpr, out: string[] = []): string[] {
  switch (expr.type) {
    case 'and':
    case 'or':
      for (const c of expr.children) filterAttributes(c, out);
      break;
    case 'not':
      filterAttributes(expr.child, out);
      break;
    case 'geoRadius':
    case 'geoBoundingBox':
    case 'geoPolygon':
      out.push('_geo');
      break;
    default:
      out.push(expr.attribute);
  }
  return out;
}

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

function parseNumber(text: string): number | null {
  const t = text.trim();
  if (t === '') return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

type Predicate = (v: FieldValues) => boolean;

function comparePredicate(op: '=' | '>' | '>=' | '<' | '<=', value: string): Predicate {
  const s = normalizeFacet(value);
  const n = parseNumber(value);
  const cmpNum = (x: number): boolean => (n === null ? false : op === '=' ? x === n : op === '>' ? x > n : op === '>=' ? x >= n : op === '<' ? x < n : x <= n);
  const cmpStr = (x: string): boolean => (op === '=' ? x === s : op === '>' ? x > s : op === '>=' ? x >= s : op === '<' ? x < s : x <= s);
  return (v) => v.numbers.some(cmpNum) || v.strings.some(cmpStr);
}

export class FilterEvaluator {
  constructor(
    private readonly store: FacetValueStore,
    private readonly docs: readonly (Document | undefined)[],
  ) {}

  /** Bitmap (1 = matches) over document slots; free slots never match. */
  evaluate(expr: FilterExpr): Uint8Array {
    const out = new Uint8Array(this.docs.length);
    switch (expr.type) {
      case 'and': {
        out.fill(1);
        for (const child of expr.children) {
          const sub = this.evaluate(child);
          for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) & (sub[i] as number);
        }
        return this.live(out);
      }
      case 'or': {
        for (const child of expr.children) {
          const sub = this.evaluate(child);
          for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) | (sub[i] as number);
        }
        return out;
      }
      case 'not': {
        const sub = this.evaluate(expr.child);
        for (let i = 0; i < out.length; i++) out[i] = sub[i] === 1 ? 0 : 1;
        return this.live(out);
      }
      case 'compare': {
        if (expr.op === '!=') return this.evaluate({ type: 'not', child: { ...expr, op: '=' } });
        return this.byField(expr.attribute, comparePredicate(expr.op, expr.value));
      }
      case 'range': {
        const fromN = parseNumber(expr.from);
        const toN = parseNumber(expr.to);
        const fromS = normalizeFacet(expr.from);
        const toS = normalizeFacet(expr.to);
        return this.byField(
          expr.attribute,
          (v) => (fromN !== null && toN !== null && v.numbers.some((x) => x >= fromN && x <= toN)) || v.strings.some((x) => x >= fromS && x <= toS),
        );
      }
      case 'in': {
        const preds = expr.values.map((value) => comparePredicate('=', value));
        return this.byField(expr.attribute, (v) => preds.some((p) => p(v)));
      }
      case 'exists':
        return this.byField(expr.attribute, (v) => v.exists);
      case 'isNull':
        return this.byField(expr.attribute, (v) => v.isNull);
      case 'isEmpty':
        return this.byField(expr.attribute, (v) => v.isEmpty);
      case 'contains': {
        const s = normalizeFacet(expr.value);
        return this.byField(expr.attribute, (v) => v.strings.some((x) => x.includes(s)));
      }
      case 'startsWith': {
        const s = normalizeFacet(expr.value);
        return this.byField(expr.attribute, (v) => v.strings.some((x) => x.startsWith(s)));
      }
      case 'geoRadius':
        return this.byGeo((p) => haversine([expr.lat, expr.lng], p) <= expr.radius);
      case 'geoBoundingBox':
        return this.byGeo((p) => inBoundingBox(p, expr.topRight, expr.bottomLeft));
      case 'geoPolygon':
        return this.byGeo((p) => inPolygon(p, expr.points));
    }
  }

  private live(out: Uint8Array): Uint8Array {
    for (let i = 0; i < out.length; i++) if (this.docs[i] === undefined) out[i] = 0;
    return out;
  }

  private byField(field: string, predicate: Predicate): Uint8Array {
    const values = this.store.field(field);
    const out = new Uint8Array(this.docs.length);
    for (let i = 0; i < out.length; i++) {
      const v = values[i];
      if (v !== undefined && v.exists && predicate(v)) out[i] = 1;
    }
    return out;
  }

  private byGeo(predicate: (p: [number, number]) => boolean): Uint8Array {
    const out = new Uint8Array(this.docs.length);
    for (let i = 0; i < out.length; i++) {
      const doc = this.docs[i];
      if (doc === undefined) continue;
      const p = geoPoint(doc);
      if (p && predicate(p)) out[i] = 1;
    }
    return out;
  }
}
