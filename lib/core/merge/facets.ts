// Facet merge: counts summed per value across shards, then ordered and cut the way one node
// orders them (milli search/facet/facet_distribution.rs): numbers before strings; `alpha` walks
// values by key (numbers as strings when at most 3000 candidates, numerically above), `count`
// by count descending with ties on the larger key first; facet names in byte order.
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

// Rust's f64 Display never uses exponents: a key shaped like this is a number facet value.
const NUMBER_KEY = /^-?\d+(\.\d+)?$/;

interface ValueCount {
  display: string;
  /** Normalized string, or the key of a number. */
  norm: string;
  number: number | null;
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

function compareValues(order: FacetOrder, numericOrder: boolean): (a: ValueCount, b: ValueCount) => number {
  return (a, b) => {
    if ((a.number === null) !== (b.number === null)) return a.number === null ? 1 : -1;
    if (order === 'count' && a.count !== b.count) return b.count - a.count;
    const byKey =
      a.number !== null && b.number !== null && (numericOrder || order === 'count')
        ? a.number - b.number
        : compareCodePoints(a.norm, b.norm);
    return order === 'count' ? -byKey : byKey;
  };
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
    for (const [facet, values] of Object.entries(input.distribution ?? {})) {
      let merged = byFacet.get(facet);
      if (merged === undefined) {
        merged = new Map();
        byFacet.set(facet, merged);
      }
      for (const display in values) {
        const count = values[display] as number;
        // Most values come spelled the same from every shard: look the spelling up first.
        let entry = merged.get(display);
        if (entry === undefined) {
          const isNumber = NUMBER_KEY.test(display);
          const norm = isNumber ? display : normalizeFacet(display);
          const id = isNumber ? `\u0000n${display}` : `\u0000s${norm}`;
          entry = merged.get(id);
          if (entry === undefined) {
            entry = { display, norm, number: isNumber ? Number(display) : null, count: 0 };
            merged.set(id, entry);
          }
          merged.set(display, entry);
        }
        entry.count += count;
      }
    }
    for (const [facet, stat] of Object.entries(input.stats ?? {})) {
      const seen = stats.get(facet);
      if (seen === undefined) stats.set(facet, { min: stat.min, max: stat.max });
      else {
        seen.min = Math.min(seen.min, stat.min);
        seen.max = Math.max(seen.max, stat.max);
      }
    }
  }

  const numericOrder = candidates > LINEAR_SCAN_CANDIDATES_THRESHOLD;
  const facetDistribution: FacetDistribution = {};
  for (const facet of [...byFacet.keys()].sort(compareCodePoints)) {
    // The map holds each value under its id and its spellings: keep each value once.
    const values = [...new Set((byFacet.get(facet) as Map<string, ValueCount>).values())];
    values.sort(compareValues(facetOrderOf(facet, requested, ctx), numericOrder));
    const out: Record<string, number> = {};
    for (const value of values.slice(0, maxValues)) out[value.display] = value.count;
    facetDistribution[facet] = out;
  }
  const facetStats: FacetStats = {};
  for (const facet of [...stats.keys()].sort(compareCodePoints))
    facetStats[facet] = stats.get(facet) as { min: number; max: number };
  return { facetDistribution, facetStats };
}
