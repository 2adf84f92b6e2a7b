// The one home of Meilisearch's filter semantics: values are read through dotted paths (arrays fan
// out), strings compare after trim + NFKD + lowercase, numbers compare numerically, booleans are
// the strings "true"/"false", and NOT is a complement. `matchesFilter` checks one document;
// `compileFilter` gives the same semantics as per-value and per-point tests an index can apply.
import type { CompareOp, FilterExpr } from './ast.ts';

export interface MatchOptions {
  /** The field holding `{ lat, lng }` for geo filters; Meilisearch's is `_geo`. */
  geoField?: string;
}

type Doc = Record<string, unknown>;

/** Meilisearch's `normalize_facet`: trim, compatibility decomposition, lowercase. */
export function normalizeFacet(text: string): string {
  return text.trim().normalize('NFKD').toLowerCase();
}

const RUST_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Rust's `str::parse::<f64>` restricted to finite results (Meilisearch's `parse_finite_float`). */
export function parseFiniteFloat(text: string): number | null {
  if (!RUST_FLOAT.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

function isPlainObject(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Every value found at `path`, reading `a.b` both as nested objects and as a literal "a.b" key,
 * and descending into arrays of objects, the way Meilisearch flattens documents before indexing.
 * A non-empty object at the exact path is not a value: flattening replaces it by its leaves.
 */
export function valuesAtPath(doc: unknown, path: string): unknown[] {
  const out: unknown[] = [];
  const visit = (node: unknown, rest: string): void => {
    if (Array.isArray(node)) {
      for (const el of node) if (typeof el === 'object' && el !== null) visit(el, rest);
      return;
    }
    if (!isPlainObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === rest) {
        if (!(isPlainObject(value) && Object.keys(value).length > 0)) out.push(value);
      } else if (rest.startsWith(`${key}.`)) {
        visit(value, rest.slice(key.length + 1));
      }
    }
  };
  visit(doc, path);
  return out;
}

/** What a filter sees of one field of one document. */
export interface FieldFacets {
  exists: boolean;
  isNull: boolean;
  isEmpty: boolean;
  numbers: number[];
  /** Normalized (`normalizeFacet`), empty strings left out. */
  strings: string[];
}

type Facets = FieldFacets;

export function facetsOf(doc: unknown, path: string): FieldFacets {
  const found = valuesAtPath(doc, path);
  const numbers: number[] = [];
  const strings: string[] = [];
  // Arrays are read one level deep, as Meilisearch's facet extraction does.
  const extract = (v: unknown, canRecurse: boolean): void => {
    if (typeof v === 'boolean') strings.push(String(v));
    else if (typeof v === 'number') {
      if (Number.isFinite(v)) numbers.push(v);
    } else if (typeof v === 'string') {
      const n = normalizeFacet(v);
      if (n !== '') strings.push(n);
    } else if (Array.isArray(v) && canRecurse) for (const el of v) extract(el, false);
  };
  for (const v of found) extract(v, true);
  const single = found.length === 1 ? found[0] : found;
  const isEmpty =
    found.length > 0 &&
    (single === '' ||
      (Array.isArray(single) && single.length === 0) ||
      (isPlainObject(single) && Object.keys(single).length === 0));
  return {
    exists: found.length > 0,
    isNull: found.length === 1 && found[0] === null,
    isEmpty,
    numbers,
    strings,
  };
}

/** Compares by Unicode code point, which is the UTF-8 byte order Meilisearch's LMDB keys use. */
function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const d = (x.value.codePointAt(0) ?? 0) - (y.value.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
}

function inRange<T>(
  v: T,
  cmp: (a: T, b: T) => number,
  low: T | undefined,
  lowIncl: boolean,
  high: T | undefined,
  highIncl: boolean,
): boolean {
  if (low !== undefined) {
    const c = cmp(v, low);
    if (c < 0 || (c === 0 && !lowIncl)) return false;
  }
  if (high !== undefined) {
    const c = cmp(v, high);
    if (c > 0 || (c === 0 && !highIncl)) return false;
  }
  return true;
}

const numCmp = (a: number, b: number): number => a - b;

function equals(f: Facets, value: string): boolean {
  const n = parseFiniteFloat(value);
  const s = normalizeFacet(value);
  return f.strings.includes(s) || (n !== null && f.numbers.includes(n));
}

/**
 * Range comparisons match numbers when the bound is a number, and strings in byte order against
 * the bound as written (Meilisearch compares its normalized string facets to the raw bound).
 */
function compare(f: Facets, op: Exclude<CompareOp, '=' | '!='>, value: string): boolean {
  const n = parseFiniteFloat(value);
  const [low, lowIncl, high, highIncl] =
    op === '>'
      ? [true, false, false, true]
      : op === '>='
        ? [true, true, false, true]
        : op === '<'
          ? [false, true, true, false]
          : [false, true, true, true];
  const numMatch =
    n !== null &&
    f.numbers.some((x) => inRange(x, numCmp, low ? n : undefined, lowIncl, high ? n : undefined, highIncl));
  if (numMatch) return true;
  return f.strings.some((x) =>
    inRange(x, compareCodePoints, low ? value : undefined, lowIncl, high ? value : undefined, highIncl),
  );
}

function between(f: Facets, from: string, to: string): boolean {
  const a = parseFiniteFloat(from);
  const b = parseFiniteFloat(to);
  if (a !== null && b !== null && f.numbers.some((x) => x >= a && x <= b)) return true;
  return f.strings.some((x) => compareCodePoints(x, from) >= 0 && compareCodePoints(x, to) <= 0);
}

// ---- geo ----

/** The `{ lat, lng }` point of a document (numbers or numeric strings), or null. */
export function geoPoint(doc: Doc, field: string): [number, number] | null {
  const geo = doc[field];
  if (!isPlainObject(geo)) return null;
  const read = (v: unknown): number | null =>
    typeof v === 'number' ? v : typeof v === 'string' ? parseFiniteFloat(v.trim()) : null;
  const lat = read(geo.lat);
  const lng = read(geo.lng);
  return lat === null || lng === null ? null : [lat, lng];
}

const EARTH_RADIUS_M = 6371e3;

/** Haversine distance in meters, rounded to the millimetre as Meilisearch's geoutils does. */
export function haversineMeters(a: [number, number], b: [number, number]): number {
  const rad = (d: number): number => (d * Math.PI) / 180;
  const hav = (theta: number): number => (1 - Math.cos(theta)) / 2;
  const [phi1, phi2] = [rad(a[0]), rad(b[0])];
  const h = hav(phi2 - phi1) + Math.cos(phi1) * Math.cos(phi2) * hav(rad(b[1]) - rad(a[1]));
  return Math.round(2 * EARTH_RADIUS_M * Math.asin(Math.sqrt(h)) * 1000) / 1000;
}

/** Even-odd rule on (lat, lng) as plane coordinates. */
function inPolygon(point: [number, number], polygon: [number, number][]): boolean {
  const [y, x] = point;
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [yi, xi] = polygon[i] as [number, number];
    const [yj, xj] = polygon[j] as [number, number];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function pointMatches(expr: FilterExpr, p: [number, number]): boolean {
  switch (expr.type) {
    case 'geoRadius':
      return haversineMeters([expr.lat, expr.lng], p) <= expr.radius + Number.EPSILON;
    case 'geoBoundingBox': {
      const [top, right] = expr.topRight;
      const [bottom, left] = expr.bottomLeft;
      if (p[0] < bottom || p[0] > top) return false;
      // A box whose right edge is west of its left edge crosses the antimeridian.
      return right < left ? p[1] >= left || p[1] <= right : p[1] >= left && p[1] <= right;
    }
    case 'geoPolygon':
      return inPolygon(p, expr.points);
    default:
      return false;
  }
}

// ---- compiled form ----

/**
 * A filter as tests an index can run without the documents. `value` leaves match a document when
 * one of its values passes `test` (which takes a single number or normalized string); `field`
 * leaves read the field's flags; `geo` leaves test the document's point; `not` complements over
 * every document, so `a != x` matches documents without `a`, as Meilisearch does.
 */
export type CompiledFilter =
  | { kind: 'and'; children: CompiledFilter[] }
  | { kind: 'or'; children: CompiledFilter[] }
  | { kind: 'not'; child: CompiledFilter }
  | {
      kind: 'value';
      attribute: string;
      test: { number: (n: number) => boolean; string: (s: string) => boolean };
      equals?: { number: number | null; string: string }[];
    }
  | { kind: 'field'; attribute: string; flag: 'exists' | 'isNull' | 'isEmpty' }
  | { kind: 'geo'; test: (point: [number, number]) => boolean };

const one = (n: number | null, s: string | null): Facets => ({
  exists: true,
  isNull: false,
  isEmpty: false,
  numbers: n === null ? [] : [n],
  strings: s === null ? [] : [s],
});

/** Turns a leaf of the existential kinds into single-value tests through the same functions `matchesFilter` uses. */
function valueLeaf(
  attribute: string,
  pass: (f: Facets) => boolean,
  equals?: { number: number | null; string: string }[],
): CompiledFilter {
  return {
    kind: 'value',
    attribute,
    test: { number: (n) => pass(one(n, null)), string: (s) => pass(one(null, s)) },
    equals,
  };
}

export function compileFilter(expr: FilterExpr): CompiledFilter {
  switch (expr.type) {
    case 'and':
      return { kind: 'and', children: expr.children.map(compileFilter) };
    case 'or':
      return { kind: 'or', children: expr.children.map(compileFilter) };
    case 'not':
      return { kind: 'not', child: compileFilter(expr.child) };
    case 'compare': {
      const eq = { number: parseFiniteFloat(expr.value), string: normalizeFacet(expr.value) };
      if (expr.op === '=') return valueLeaf(expr.attribute, (f) => equals(f, expr.value), [eq]);
      if (expr.op === '!=')
        return { kind: 'not', child: valueLeaf(expr.attribute, (f) => equals(f, expr.value), [eq]) };
      const op = expr.op;
      return valueLeaf(expr.attribute, (f) => compare(f, op, expr.value));
    }
    case 'range':
      return valueLeaf(expr.attribute, (f) => between(f, expr.from, expr.to));
    case 'in':
      return valueLeaf(
        expr.attribute,
        (f) => expr.values.some((v) => equals(f, v)),
        expr.values.map((v) => ({ number: parseFiniteFloat(v), string: normalizeFacet(v) })),
      );
    case 'exists':
      return { kind: 'field', attribute: expr.attribute, flag: 'exists' };
    case 'isNull':
      return { kind: 'field', attribute: expr.attribute, flag: 'isNull' };
    case 'isEmpty':
      return { kind: 'field', attribute: expr.attribute, flag: 'isEmpty' };
    case 'contains': {
      const needle = normalizeFacet(expr.value);
      return valueLeaf(expr.attribute, (f) => f.strings.some((s) => s.includes(needle)));
    }
    case 'startsWith': {
      const prefix = normalizeFacet(expr.value);
      return valueLeaf(expr.attribute, (f) => f.strings.some((s) => s.startsWith(prefix)));
    }
    case 'geoRadius':
    case 'geoBoundingBox':
    case 'geoPolygon':
      return { kind: 'geo', test: (p) => pointMatches(expr, p) };
  }
}

/** Evaluates a compiled filter against one document (what `matchesFilter` does). */
export function matchesCompiled(filter: CompiledFilter, doc: Doc, opts: MatchOptions = {}): boolean {
  switch (filter.kind) {
    case 'and':
      return filter.children.every((c) => matchesCompiled(c, doc, opts));
    case 'or':
      return filter.children.some((c) => matchesCompiled(c, doc, opts));
    case 'not':
      return !matchesCompiled(filter.child, doc, opts);
    case 'value': {
      const f = facetsOf(doc, filter.attribute);
      return f.numbers.some(filter.test.number) || f.strings.some(filter.test.string);
    }
    case 'field':
      return facetsOf(doc, filter.attribute)[filter.flag];
    case 'geo': {
      const p = geoPoint(doc, opts.geoField ?? '_geo');
      return p !== null && filter.test(p);
    }
  }
}

// ---- evaluation ----

export function matchesFilter(expr: FilterExpr, doc: Doc, opts: MatchOptions = {}): boolean {
  return matchesCompiled(compileFilter(expr), doc, opts);
}

/** Attributes a filter reads, in first-use order; geo filters read `_geo` (must be filterable). */
export function filterAttributes(expr: FilterExpr, opts: MatchOptions = {}): string[] {
  return [...new Set(leafAttributes(expr, opts))];
}

/** The attribute of every leaf of a filter, in text order, repeats kept (geo leaves read `_geo`). */
export function leafAttributes(expr: FilterExpr, opts: MatchOptions = {}): string[] {
  const seen: string[] = [];
  const walk = (e: FilterExpr): void => {
    switch (e.type) {
      case 'and':
      case 'or':
        e.children.forEach(walk);
        return;
      case 'not':
        walk(e.child);
        return;
      case 'geoRadius':
      case 'geoBoundingBox':
      case 'geoPolygon':
        seen.push(opts.geoField ?? '_geo');
        return;
      default:
        seen.push(e.attribute);
    }
  };
  walk(expr);
  return seen;
}
