// Meilisearch's value model for sorting, distinct and facets: facet normalization, UTF-8 byte
// order of strings, `sort` expressions (incl. `_geoPoint(lat, lng)`), the values a document
// holds for a field, and the order of mixed values (milli score_details::compare_sort_values).
import { miroirError } from '#core/errors.ts';
import { typeError } from '#core/meili/deserr.ts';

export type SortValue = number | string | null;

export interface FieldSort {
  kind: 'field';
  field: string;
  asc: boolean;
}

export interface GeoSort {
  kind: 'geo';
  lat: number;
  lng: number;
  asc: boolean;
}

export type SortCriterion = FieldSort | GeoSort;

/** milli `normalize_facet`: trim, NFKD compatibility decomposition, lowercase. */
export function normalizeFacet(value: string): string {
  // ASCII has no compatibility decomposition: skip the costly NFKD pass for it.
  return ASCII.test(value) ? value.trim().toLowerCase() : value.trim().normalize('NFKD').toLowerCase();
}

const ASCII = /^[ -~]*$/; // printable ASCII; anything else takes the full path

/**
 * Strings compared as their UTF-8 bytes, like LMDB keys and Rust's `str::cmp`. UTF-16 order
 * differs only when a surrogate (a code point above U+FFFF) meets a unit at U+E000 or higher.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xSurrogate = x >= 0xd800 && x <= 0xdfff;
    const ySurrogate = y >= 0xd800 && y <= 0xdfff;
    if (xSurrogate !== ySurrogate) return xSurrogate ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Order of two sort values, negative when `a` ranks first. Both directions put numbers before
 * strings and missing values (null) last; only the order inside numbers and inside strings flips.
 */
export function compareSortValues(asc: boolean, a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  let order: number;
  if (typeof a === 'number') {
    if (typeof b !== 'number') return -1;
    order = a < b ? -1 : a > b ? 1 : 0;
  } else {
    if (typeof b === 'number') return 1;
    order = compareCodePoints(a, b);
  }
  return asc ? order : -order;
}

const GEO_POINT = /^_geoPoint\(\s*([^,()]+?)\s*,\s*([^,()]+?)\s*\)$/;

/** Parses one `sort` entry the way Meilisearch's `AscDesc::from_str` accepts it. */
export function parseSortCriterion(expression: unknown, position = 0): SortCriterion {
  if (typeof expression !== 'string')
    throw typeError('invalid_search_sort', `.sort[${position}]`, ['string'], expression);
  const colon = expression.lastIndexOf(':');
  const direction = colon < 0 ? '' : expression.slice(colon + 1);
  if (direction !== 'asc' && direction !== 'desc') {
    throw miroirError(
      'invalid_search_sort',
      `Invalid syntax for the sort parameter: expected expression ending by \`:asc\` or \`:desc\`, found \`${expression}\`.`,
    );
  }
  const asc = direction === 'asc';
  const field = expression.slice(0, colon);
  if (field.startsWith('_geoPoint(')) {
    const match = GEO_POINT.exec(field);
    const lat = Number(match?.[1]);
    const lng = Number(match?.[2]);
    if (!match || !Number.isFinite(lat) || !Number.isFinite(lng)) {
      throw miroirError(
        'invalid_search_sort',
        `Invalid syntax for the geo parameter: expected expression formated like \`_geoPoint(latitude, longitude)\` and ending by \`:asc\` or \`:desc\`, found \`${expression}\`.`,
      );
    }
    if (lat < -90 || lat > 90 || lng < -180 || lng > 180) {
      throw miroirError(
        'invalid_search_sort',
        `Bad latitude or longitude in \`${expression}\`: latitude must be in [-90, 90] and longitude in [-180, 180].`,
      );
    }
    return { kind: 'geo', lat, lng, asc };
  }
  if (field === '' || field.startsWith('_geo')) {
    throw miroirError(
      'invalid_search_sort',
      `\`${field}\` is a reserved keyword and thus can't be used as a sort expression. Use the _geoPoint(latitude, longitude) built-in rule to sort on _geo field coordinates.`,
    );
  }
  return { kind: 'field', field, asc };
}

export function parseSort(sort: unknown): SortCriterion[] {
  if (sort === undefined || sort === null) return [];
  if (!Array.isArray(sort)) throw typeError('invalid_search_sort', '.sort', ['array'], sort);
  return sort.map((expression, position) => parseSortCriterion(expression, position));
}

function pushLeaf(value: unknown, out: (number | string)[]): void {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) out.push(value);
  } else if (typeof value === 'string') {
    out.push(normalizeFacet(value));
  } else if (typeof value === 'boolean') {
    // Meilisearch indexes booleans as the facet strings "true" and "false".
    out.push(value ? 'true' : 'false');
  } else if (Array.isArray(value)) {
    // Nested arrays flatten; objects inside an array are reached through a longer path instead.
    for (const item of value) if (Array.isArray(item) || typeof item !== 'object') pushLeaf(item, out);
  }
}

function collect(value: unknown, segments: readonly string[], from: number, out: (number | string)[]): void {
  if (from === segments.length) {
    pushLeaf(value, out);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) collect(item, segments, from, out);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  const record = value as Record<string, unknown>;
  // Documents may hold `a.b` as nested objects or as a literal dotted key: try every split.
  let key = '';
  for (let end = from; end < segments.length; end++) {
    key = end === from ? (segments[end] ?? '') : `${key}.${segments[end] ?? ''}`;
    if (Object.hasOwn(record, key)) collect(record[key], segments, end + 1, out);
  }
}

/** The facet values a document holds for a field: numbers, and normalized strings. */
export function facetValuesOf(document: Record<string, unknown>, field: string): (number | string)[] {
  const out: (number | string)[] = [];
  collect(document, field.split('.'), 0, out);
  return out;
}

/** The value a document sorts by: a multi-valued field sorts at its best value (numbers first). */
export function documentSortValue(document: Record<string, unknown>, criterion: FieldSort): SortValue {
  let best: SortValue = null;
  for (const value of facetValuesOf(document, criterion.field)) {
    if (best === null || compareSortValues(criterion.asc, value, best) < 0) best = value;
  }
  return best;
}

const EARTH_RADIUS_M = 6_371_000;

/** Haversine distance in meters, as milli's `distance_between_two_points`. */
export function geoDistance(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLng = (lng2 - lng1) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

function coordinate(value: unknown): number | null {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? n : null;
}

/** Distance of a hit to a geo sort point: from `_geo` when retrieved, else the node's `_geoDistance`. */
export function documentGeoDistance(hit: Record<string, unknown>, criterion: GeoSort): number | null {
  const geo = hit._geo;
  if (typeof geo === 'object' && geo !== null) {
    const lat = coordinate((geo as Record<string, unknown>).lat);
    const lng = coordinate((geo as Record<string, unknown>).lng);
    if (lat !== null && lng !== null) return geoDistance(criterion.lat, criterion.lng, lat, lng);
  }
  return typeof hit._geoDistance === 'number' ? hit._geoDistance : null;
}
