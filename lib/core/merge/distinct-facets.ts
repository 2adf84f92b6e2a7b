// Facet counts with distinct in offset mode, as one node holding every document counts them: over
// its candidates after the bucket sort's distinct reduction (milli search/new/distinct.rs removes
// every candidate sharing a value with a kept document). Shards reduce only by what they met
// themselves, so their counts cannot be summed; instead each shard reports its facets over every
// candidate (the companion count search), then, for the values the merged walk examined, the facets
// of the documents holding them (a follow-up filtered on those values); the merge subtracts those
// and adds back the one kept document per value.
import {
  DISTINCT_TIES_KEY,
  allCountsOf,
  countsOf,
  examinedValues,
  planDistinctCountRequest,
  sumValues,
  valueId,
  valuesFilter,
  type DistinctCounts,
  type DistinctWalk,
} from './distinct-total.ts';
import type { FacetInput } from './facets.ts';
import { isNumberKey } from './facets.ts';
import { facetValuesOf } from './sort-values.ts';
import type {
  FacetDistribution,
  FacetStats,
  Hit,
  MergeContext,
  SearchRequest,
  SearchResponseBody,
  ShardAnswer,
} from './types.ts';

/** Where the query role puts a shard's facet follow-up answer (facets of the examined values). */
export const DISTINCT_FACETS_KEY = '_miroirDistinctFacets';

/**
 * Whether exact facet counts with distinct are planned: offset mode with client facets. With a
 * restricted `attributesToRetrieve`, the kept hits must carry the facet fields, which only plain
 * facet names (no `*` pattern) can add.
 */
export function exactDistinctFacets(request: SearchRequest): boolean {
  const facets = request.facets;
  if (!Array.isArray(facets) || facets.length === 0) return false;
  const restricted =
    Array.isArray(request.attributesToRetrieve) && !request.attributesToRetrieve.includes('*');
  return !restricted || facets.every((facet) => !facet.includes('*'));
}

/**
 * Per shard, the values (as the shard spells them) whose documents leave the candidates: values a
 * node holding everything examined, with more than one candidate across shards, held by the shard.
 * Null when the reduction cannot be rebuilt (a shard sent no companion counts).
 */
export function reducedValuesByShard(
  answers: readonly ShardAnswer<SearchResponseBody>[],
  field: string,
  walk: DistinctWalk,
  skip: number,
  take: number,
): Map<number, string[]> | null {
  const counts = allCountsOf(answers);
  if (counts === null || counts.some((shard) => shard.facets === undefined)) return null;
  const out = new Map<number, string[]>();
  // Meilisearch 1.50 ranks up to offset + limit, so only `offset + limit = 0` ranks nothing.
  if (skip + take === 0) return out;
  const { byValue } = sumValues(counts.map((shard) => shard.values));
  // A page that was not filled ranks every candidate: every value is examined.
  const examined = walk.pageFilled ? examinedValues(answers, field, walk, counts) : null;
  answers.forEach((answer, i) => {
    const keys = Object.keys((counts[i] as DistinctCounts).values).filter((key) => {
      const id = valueId(key);
      return (byValue.get(id) ?? 0) > 1 && (examined === null || examined.has(id));
    });
    if (keys.length > 0) out.set(answer.shard, keys);
  });
  return out;
}

/**
 * The facet follow-up of one shard: its companion count search restricted to `keys`, so its facet
 * distribution counts the candidates that hold them.
 */
export function planDistinctFacetFollowUp(
  clientRequest: SearchRequest,
  shardRequest: SearchRequest,
  ctx: MergeContext,
  field: string,
  keys: readonly string[],
): SearchRequest | null {
  const counting = planDistinctCountRequest(clientRequest, shardRequest, ctx);
  if (counting === null) return null;
  const clause = valuesFilter(field, keys);
  const filter = counting.filter;
  const combined =
    filter === undefined || filter === null || (typeof filter === 'string' && filter.trim() === '')
      ? clause
      : Array.isArray(filter)
        ? [...(filter as unknown[]), clause]
        : [filter, clause];
  return { ...counting, filter: combined };
}

/** The main answer with its facet follow-up's distribution attached for the merge. */
export function withDistinctFacets(
  main: SearchResponseBody,
  followUp: SearchResponseBody,
): SearchResponseBody {
  const facets = followUp.facetDistribution;
  return { ...main, [DISTINCT_FACETS_KEY]: typeof facets === 'object' && facets !== null ? facets : {} };
}

/** A cut shard's follow-up hits that rank with the page's end, by value id. */
function tieHitsByValue(
  answer: ShardAnswer<SearchResponseBody>,
  field: string,
  walk: DistinctWalk,
): Map<string, Hit> {
  const out = new Map<string, Hit>();
  const ties = answer.body[DISTINCT_TIES_KEY];
  if (!Array.isArray(ties)) return out;
  for (const hit of ties as Hit[]) {
    if (typeof hit !== 'object' || hit === null || !walk.reached(hit, answer.shard)) continue;
    for (const value of facetValuesOf(hit, field)) if (!out.has(valueId(value))) out.set(valueId(value), hit);
  }
  return out;
}

interface Counted {
  display: string;
  count: number;
}

function countsById(values: Readonly<Record<string, number>> | undefined): Map<string, Counted> {
  const out = new Map<string, Counted>();
  if (typeof values !== 'object' || values === null) return out;
  for (const [display, count] of Object.entries(values)) {
    if (typeof count !== 'number') continue;
    const id = valueId(display);
    const seen = out.get(id);
    if (seen === undefined) out.set(id, { display, count });
    else seen.count += count;
  }
  return out;
}

/**
 * Every shard's facets over the reduced candidates: its companion facets, less its documents of
 * the examined values, plus the kept document of each such value it holds. Facet stats are read
 * from the reduced numbers (nodes list every value of a facet). Null when a shard's part is
 * missing (the merge then sums the shards' own counts).
 */
export function reducedFacetInputs(
  answers: readonly ShardAnswer<SearchResponseBody>[],
  field: string,
  walk: DistinctWalk,
  skip: number,
  take: number,
): FacetInput[] | null {
  const reduced = reducedValuesByShard(answers, field, walk, skip, take);
  if (reduced === null) return null;
  // One kept hit per value: the walk's, unless a follow-up brought one tied with the page end
  // from a lower shard (ties go by shard); a value first met in a follow-up, its lowest shard's.
  const keepers = new Map(walk.kept);
  for (const answer of [...answers].sort((a, b) => a.shard - b.shard)) {
    for (const [id, hit] of tieHitsByValue(answer, field, walk)) {
      const keeper = keepers.get(id);
      if (
        keeper === undefined ||
        (keeper.shard > answer.shard &&
          walk.tiesEnd(keeper.hit, keeper.shard) &&
          walk.tiesEnd(hit, answer.shard))
      )
        keepers.set(id, { hit, shard: answer.shard });
    }
  }
  const out: FacetInput[] = [];
  for (const answer of answers) {
    const companion = (countsOf(answer.body) as DistinctCounts).facets as FacetDistribution;
    const keys = reduced.get(answer.shard);
    let removed: FacetDistribution = {};
    const kept = new Map<string, Map<string, number>>();
    if (keys !== undefined) {
      const attached = answer.body[DISTINCT_FACETS_KEY];
      if (typeof attached !== 'object' || attached === null) return null;
      removed = attached as FacetDistribution;
      for (const key of keys) {
        const keeper = keepers.get(valueId(key));
        if (keeper === undefined || keeper.shard !== answer.shard) continue;
        const hit = keeper.hit;
        for (const facet of Object.keys(companion)) {
          let byValue = kept.get(facet);
          if (byValue === undefined) kept.set(facet, (byValue = new Map()));
          // A document counts once per value, however often it holds it.
          for (const valueOf of new Set(facetValuesOf(hit, facet).map(valueId)))
            byValue.set(valueOf, (byValue.get(valueOf) ?? 0) + 1);
        }
      }
    }
    const distribution: FacetDistribution = {};
    const stats: FacetStats = {};
    for (const facet of Object.keys(companion)) {
      const minus = countsById(removed[facet]);
      const plus = kept.get(facet);
      const values: Record<string, number> = {};
      let min = Number.POSITIVE_INFINITY;
      let max = Number.NEGATIVE_INFINITY;
      for (const [id, { display, count }] of countsById(companion[facet])) {
        const left = count - (minus.get(id)?.count ?? 0) + (plus?.get(id) ?? 0);
        if (left <= 0) continue;
        values[display] = left;
        if (isNumberKey(display)) {
          const n = Number(display);
          if (n < min) min = n;
          if (n > max) max = n;
        }
      }
      distribution[facet] = values;
      if (min <= max) stats[facet] = { min, max };
    }
    out.push({ shard: answer.shard, distribution, stats });
  }
  return out;
}
