// Facet merge: counts summed per value across shards, then ordered and cut the way one node
// orders them (milli search/facet/facet_distribution.rs): numbers before strings; `alpha` walks
// values by key (numbers as strings when at most 3000 candidates, numerically above), `count`
// by count descending with ties on the larger key first; facet names in byte order.
import { isReservedField } from '#core/ingest/reserved-fields.ts';
import { compareCodePoints, normalizeFacet } from './sort-values.ts';
import {
  DEFAULT_MAX_VALUES_PER_FACET,
  type FacetDistribution,
  type FacetOrder,
  type FacetStats,
  type MergeContext,
} from './types.ts';

// Below this many candidates milli counts facets document by document (numbers keyed as strings).
export const LINEAR_SCAN_CANDIDATES_THRESHOLD = 3000;

interface ValueCount {
  /** The spelling shown: the first one seen, shards walked in id order. */
  readonly display: string;
  /** Normalized string, or the key of a number. */
  readonly norm: string;
  readonly number: number | null;
  /** The normalized string holds a UTF-16 unit at or above U+D800: plain `<` may differ from UTF-8 order. */
  readonly wide: boolean;
  count: number;
}

export interface FacetInput {
  shard: number;
  distribution: FacetDistribution | undefined;
  stats: FacetStats | undefined;
}

/** The order `sortFacetValuesBy` gives a facet, as milli's `OrderByMap::get` resolves it. */
export function facetOrderOf(facet: string, requested: readonly string[], ctx: MergeContext): FacetOrder {
  const byFacet = ctx.sortFacetValuesBy ?? {};
  const fallback = byFacet['*'] ?? 'alpha';
  // A `*` request computes every facet with the default order; so does a pattern that is not the name.
  if (requested.includes('*') || !requested.includes(facet)) return fallback;
  return byFacet[facet] ?? fallback;
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57;

/**
 * A key shaped like Rust's f64 Display (`-?\d+(\.\d+)?`, never an exponent) is a number facet
 * value. Hand-written: it runs once per facet value of every shard.
 */
export function isNumberKey(key: string): boolean {
  const n = key.length;
  let i = key.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  const start = i;
  while (i < n && isDigit(key.charCodeAt(i))) i++;
  if (i === start) return false;
  if (i === n) return true;
  if (key.charCodeAt(i) !== 46 /* . */) return false;
  const fraction = ++i;
  while (i < n && isDigit(key.charCodeAt(i))) i++;
  return i > fraction && i === n;
}

// How a displayed facet value maps to its identity within a facet.
const PLAIN = 0; // printable ASCII, no uppercase, no edge space: already normalized
const NUMBER = 1;
const OTHER = 2; // needs normalizeFacet

function kindOf(display: string): number {
  const n = display.length;
  let numeric = n > 0;
  for (let i = 0; i < n; i++) {
    const code = display.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || (code >= 0x41 && code <= 0x5a)) return OTHER;
    if (numeric && !isDigit(code) && code !== 45 && code !== 46) numeric = false;
  }
  if (numeric && isNumberKey(display)) return NUMBER;
  if (n > 0 && (display.charCodeAt(0) === 0x20 || display.charCodeAt(n - 1) === 0x20)) return OTHER;
  return PLAIN;
}

function hasWideUnit(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) >= 0xd800) return true;
  return false;
}

/**
 * One map per facet, keyed by a value's identity: a number's key, or a string's normalized form
 * (most values arrive normalized, so the key is the spelling itself and costs no allocation). A
 * normalized string that looks like a number, or starts with U+0000, is prefixed with U+0000 so
 * it can never meet a number key or another prefixed key.
 */
function addValue(merged: Map<string, ValueCount>, display: string, count: number): void {
  // A spelling seen before is usually its own key: an entry first spelled `display` was stored
  // under the key of `display`, so finding it under `display` proves that key. No scan needed.
  const seen = merged.get(display);
  if (seen !== undefined && seen.display === display) {
    seen.count += count;
    return;
  }
  const kind = kindOf(display);
  let key = display;
  let norm = display;
  if (kind === OTHER) {
    norm = normalizeFacet(display);
    key = isNumberKey(norm) || norm.charCodeAt(0) === 0 ? `\u0000${norm}` : norm;
  }
  // A plain or number spelling is its own key, just looked up: only a normalized one can exist.
  const entry = kind === OTHER ? merged.get(key) : seen;
  if (entry !== undefined) {
    entry.count += count;
    return;
  }
  merged.set(key, {
    display,
    norm,
    number: kind === NUMBER ? Number(display) : null,
    wide: kind === OTHER && hasWideUnit(norm),
    count,
  });
}

function compareNorms(a: ValueCount, b: ValueCount): number {
  if (a.wide || b.wide) return compareCodePoints(a.norm, b.norm);
  return a.norm < b.norm ? -1 : a.norm > b.norm ? 1 : 0;
}

const byNorm = compareNorms;
const byNumber = (a: ValueCount, b: ValueCount): number => (a.number as number) - (b.number as number);
// `count` order: count descending, ties on the larger key first.
const byCountThenNorm = (a: ValueCount, b: ValueCount): number =>
  a.count !== b.count ? b.count - a.count : compareNorms(b, a);
const byCountThenNumber = (a: ValueCount, b: ValueCount): number =>
  a.count !== b.count ? b.count - a.count : (b.number as number) - (a.number as number);

/** How many values `Array.prototype.slice(0, maxValues)` keeps of `total`. */
function keptCount(maxValues: number, total: number): number {
  const end = Math.trunc(maxValues);
  if (Number.isNaN(end)) return 0;
  return end < 0 ? Math.max(0, total + end) : Math.min(end, total);
}

/** The values of one facet in the node's order, cut to `maxValues`, as the response object. */
function orderedValues(
  merged: Map<string, ValueCount>,
  order: FacetOrder,
  numericOrder: boolean,
  maxValues: number,
): Record<string, number> {
  // Numbers come before strings in both orders: sort each block with a one-kind comparator.
  const numbers: ValueCount[] = [];
  const strings: ValueCount[] = [];
  for (const entry of merged.values()) (entry.number === null ? strings : numbers).push(entry);
  const out: Record<string, number> = {};
  let left = keptCount(maxValues, numbers.length + strings.length);
  if (left === 0) return out;
  if (order === 'count') numbers.sort(byCountThenNumber);
  else numbers.sort(numericOrder ? byNumber : byNorm);
  for (let i = 0; i < numbers.length && left > 0; i++, left--) {
    const value = numbers[i] as ValueCount;
    out[value.display] = value.count;
  }
  if (left === 0 || strings.length === 0) return out;
  strings.sort(order === 'count' ? byCountThenNorm : byNorm);
  for (let i = 0; i < strings.length && left > 0; i++, left--) {
    const value = strings[i] as ValueCount;
    out[value.display] = value.count;
  }
  return out;
}

/**
 * Sums shard distributions and stats. `candidates` is the number of matching documents across
 * shards (it decides how milli orders numbers in `alpha`); `maxValues` cuts each facet.
 */
export function mergeFacets(
  inputs: readonly FacetInput[],
  requested: readonly string[],
  ctx: MergeContext,
  candidates: number,
): { facetDistribution: FacetDistribution; facetStats: FacetStats } {
  const maxValues = ctx.maxValuesPerFacet ?? DEFAULT_MAX_VALUES_PER_FACET;
  const byFacet = new Map<string, Map<string, ValueCount>>();
  const stats = new Map<string, { min: number; max: number }>();
  // Lower shard ids first so the displayed spelling of a value does not depend on arrival order.
  const ordered = [...inputs].sort((a, b) => a.shard - b.shard);
  for (const input of ordered) {
    const distribution = input.distribution;
    if (distribution !== undefined && distribution !== null) {
      for (const facet of Object.keys(distribution)) {
        // `facets: ["*"]` also names the reserved `_miroir_shard` fields: they never leave Miroir.
        if (isReservedField(facet)) continue;
        const values: unknown = distribution[facet];
        let merged = byFacet.get(facet);
        if (merged === undefined) {
          merged = new Map();
          byFacet.set(facet, merged);
        }
        if (typeof values === 'object' && values !== null) {
          // Keys and values as two arrays: much cheaper than a keyed load per key on a large object.
          const displays = Object.keys(values);
          const counts = Object.values(values) as number[];
          for (let i = 0; i < displays.length; i++)
            addValue(merged, displays[i] as string, counts[i] as number);
        } else {
          // Not an object (a broken node): walked the way for-in walks any value, so the result is defined.
          const boxed = Object(values) as Record<string, number>;
          for (const display in boxed) addValue(merged, display, boxed[display] as number);
        }
      }
    }
    const shardStats = input.stats;
    if (shardStats !== undefined && shardStats !== null) {
      for (const facet of Object.keys(shardStats)) {
        if (isReservedField(facet)) continue;
        const stat = shardStats[facet] as { min: number; max: number };
        const seen = stats.get(facet);
        if (seen === undefined) stats.set(facet, { min: stat.min, max: stat.max });
        else {
          seen.min = Math.min(seen.min, stat.min);
          seen.max = Math.max(seen.max, stat.max);
        }
      }
    }
  }

  const numericOrder = candidates > LINEAR_SCAN_CANDIDATES_THRESHOLD;
  const facetDistribution: FacetDistribution = {};
  for (const facet of [...byFacet.keys()].sort(compareCodePoints)) {
    facetDistribution[facet] = orderedValues(
      byFacet.get(facet) as Map<string, ValueCount>,
      facetOrderOf(facet, requested, ctx),
      numericOrder,
      maxValues,
    );
  }
  const facetStats: FacetStats = {};
  for (const facet of [...stats.keys()].sort(compareCodePoints))
    facetStats[facet] = stats.get(facet) as { min: number; max: number };
  return { facetDistribution, facetStats };
}
