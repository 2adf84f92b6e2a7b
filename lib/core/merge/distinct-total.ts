// The hit count of a search with distinct, as one node holding every document computes it
// (milli search/new/bucket_sort.rs, distinct.rs, mod.rs), rebuilt from what shards report.
// Offset mode: every candidate sharing a value with a document of the buckets ranked up to the
// page end leaves the count, wherever it ranks. Page mode: one document per value, plus every
// document without the field. Shards report value counts through a facet distribution of the
// distinct field (hidden from the client) and, in offset mode, a companion count-only search.
import { facetValuesOf, normalizeFacet } from './sort-values.ts';
import type {
  FacetDistribution,
  Hit,
  MergeContext,
  SearchRequest,
  SearchResponseBody,
  ShardAnswer,
} from './types.ts';

/** Where the query role puts a shard's companion count answer on the main answer's body. */
export const DISTINCT_COUNTS_KEY = '_miroirDistinctCounts';
/** Where it puts a shard's follow-up answer (its best hit per value left unseen at the page end). */
export const DISTINCT_TIES_KEY = '_miroirDistinctTies';

/** What a shard's count-only search (limit 0: milli ranks nothing, so no document leaves) reports. */
export interface DistinctCounts {
  /** The shard's candidates: `estimatedTotalHits` of the count search. */
  candidates: number;
  /** Candidates per value of the distinct field (display key -> count). */
  values: Record<string, number>;
  /** The client's facets over every candidate, when it asked for facets (see distinct-facets.ts). */
  facets?: FacetDistribution;
}

/** The distinct field in effect: the request's `distinct`, else the index setting. */
export function distinctFieldOf(request: SearchRequest, ctx: MergeContext): string | null {
  const field = request.distinct ?? ctx.distinctAttribute ?? null;
  return typeof field === 'string' ? field : null;
}

/** A Meilisearch attribute pattern (`*` anywhere) matched against a field name. */
function patternMatches(pattern: string, field: string): boolean {
  if (!pattern.includes('*')) return pattern === field;
  const parts = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`).test(field);
}

/**
 * The distinct field when shards can count its values (a facet distribution needs a filterable
 * field): when the index's filterable rules cover it. A request's `distinct` is accepted by nodes
 * only when filterable, so without known rules it is trusted; one the rules do not cover is sent
 * as is, and the node answers Meilisearch's own `invalid_search_distinct` (asking for its facet
 * would make a node report `invalid_search_facets` first).
 */
export function countableDistinctField(request: SearchRequest, ctx: MergeContext): string | null {
  const field = distinctFieldOf(request, ctx);
  if (field === null) return null;
  if (typeof request.distinct === 'string' && ctx.filterableAttributes === undefined) return field;
  const rules = ctx.filterableAttributes ?? [];
  const covered = rules.some((rule) => {
    if (typeof rule === 'string') return patternMatches(rule, field);
    if (typeof rule !== 'object' || rule === null) return false;
    const { attributePatterns, features } = rule as {
      attributePatterns?: unknown;
      features?: { filter?: { equality?: unknown } };
    };
    return (
      Array.isArray(attributePatterns) &&
      attributePatterns.some((pattern) => typeof pattern === 'string' && patternMatches(pattern, field)) &&
      features?.filter?.equality !== false
    );
  });
  return covered ? field : null;
}

/** Whether the client's own `facets` already ask for the distinct field. */
export function clientFacetsCover(request: SearchRequest, field: string): boolean {
  return Array.isArray(request.facets) && request.facets.some((pattern) => patternMatches(pattern, field));
}

/**
 * The companion search a shard runs beside the main one when offset mode needs exact totals with
 * distinct: the same candidates (query, filter, distinct), `limit: 0`, and the distinct field's
 * facet distribution. With limit 0 milli's bucket sort ranks nothing, so nothing leaves the count.
 */
export function planDistinctCountRequest(
  clientRequest: SearchRequest,
  shardRequest: SearchRequest,
  ctx: MergeContext,
): SearchRequest | null {
  const field = countableDistinctField(clientRequest, ctx);
  if (field === null || shardRequest.page !== undefined || shardRequest.hitsPerPage !== undefined)
    return null;
  const {
    attributesToRetrieve: _retrieve,
    attributesToHighlight: _highlight,
    attributesToCrop: _crop,
    showMatchesPosition: _positions,
    showRankingScoreDetails: _details,
    ...rest
  } = shardRequest;
  // The client's facets too: their counts over every candidate, reduced by the merge as milli does.
  const facets = [field];
  if (Array.isArray(clientRequest.facets))
    for (const facet of clientRequest.facets) if (facet !== field) facets.push(facet);
  return { ...rest, offset: 0, limit: 0, facets, attributesToRetrieve: [] };
}

/** The main answer with the companion's counts attached for the merge. */
export function withDistinctCounts(
  main: SearchResponseBody,
  counts: SearchResponseBody,
  field: string,
): SearchResponseBody {
  const values = counts.facetDistribution?.[field];
  const attached: DistinctCounts = {
    candidates: typeof counts.estimatedTotalHits === 'number' ? counts.estimatedTotalHits : 0,
    values: typeof values === 'object' && values !== null ? values : {},
  };
  if (typeof counts.facetDistribution === 'object' && counts.facetDistribution !== null)
    attached.facets = counts.facetDistribution;
  return { ...main, [DISTINCT_COUNTS_KEY]: attached };
}

/** A value's identity across shards and hits: a number's text, or the normalized string. */
export function valueId(value: number | string): string {
  return typeof value === 'number' ? String(value) : normalizeFacet(value);
}

function distributionOf(body: SearchResponseBody, field: string): Record<string, number> | null {
  const values = body.facetDistribution?.[field];
  return typeof values === 'object' && values !== null ? values : null;
}

export function countsOf(body: SearchResponseBody): DistinctCounts | null {
  const counts = body[DISTINCT_COUNTS_KEY] as DistinctCounts | undefined;
  return typeof counts === 'object' && counts !== null && typeof counts.candidates === 'number'
    ? counts
    : null;
}

/** Every shard's counts, in answer order; null when one shard sent none. */
export function allCountsOf(answers: readonly ShardAnswer<SearchResponseBody>[]): DistinctCounts[] | null {
  const counts: DistinctCounts[] = [];
  for (const answer of answers) {
    const shardCounts = countsOf(answer.body);
    if (shardCounts === null) return null;
    counts.push(shardCounts);
  }
  return counts;
}

/** Per value id, summed over shards; and the total of the counts. */
export function sumValues(maps: readonly Record<string, number>[]): {
  byValue: Map<string, number>;
  sum: number;
} {
  const byValue = new Map<string, number>();
  let sum = 0;
  for (const map of maps) {
    for (const [key, count] of Object.entries(map)) {
      const id = valueId(key);
      byValue.set(id, (byValue.get(id) ?? 0) + count);
      sum += count;
    }
  }
  return { byValue, sum };
}

/**
 * Page mode: each shard's `totalHits` is one document per value plus its documents without the
 * field, and its facet distribution (over those candidates) lists its values once each; a value on
 * several shards counts once. Null when a shard sent no distribution (the merge then estimates).
 */
export function pageModeDistinctTotal(
  answers: readonly ShardAnswer<SearchResponseBody>[],
  field: string,
): number | null {
  const values = new Set<string>();
  let withoutValue = 0;
  for (const answer of answers) {
    const distribution = distributionOf(answer.body, field);
    const total = answer.body.totalHits;
    if (distribution === null || typeof total !== 'number') return null;
    const keys = Object.keys(distribution);
    withoutValue += Math.max(0, total - keys.length);
    for (const key of keys) values.add(valueId(key));
  }
  return withoutValue + values.size;
}

/** What the merge walk saw, for the offset-mode count. */
export interface DistinctWalk {
  /** Values of every merged hit ranked up to (and tied with) the hit that ended the page. */
  examined: Set<string>;
  /** Whether the page end was reached; if not, a node holding everything ranks every candidate. */
  pageFilled: boolean;
  /** Per answer: its last hit ties the hit that ended the page (so it may hold unseen ties). */
  cutInside: ReadonlySet<number>;
  /** Whether a hit of `shard` ranks before or with the hit that ended the page. */
  reached: (hit: Hit, shard: number) => boolean;
  /** Whether a hit of `shard` ties the hit that ended the page. */
  tiesEnd: (hit: Hit, shard: number) => boolean;
  /** Per value id, the merged hit that kept it (the first accepted hit holding it) and its shard. */
  kept: Map<string, { hit: Hit; shard: number }>;
}

/**
 * Values a shard whose list ends inside the page's last bucket may hold there unseen, and that
 * change the count: one candidate on that shard (its own distribution cannot tell whether it was
 * examined), more elsewhere, not already known to be examined. Keys as the shard spelled them.
 * With `keepers` (exact facet counts), also the values that shard examined there without showing
 * the hit that kept them: the follow-up brings that hit, whose facet values stay counted.
 */
export function unresolvedValues(
  answers: readonly ShardAnswer<SearchResponseBody>[],
  field: string,
  walk: DistinctWalk,
  keepers = false,
): Map<number, string[]> {
  const out = new Map<number, string[]>();
  if (!walk.pageFilled || walk.cutInside.size === 0) return out;
  const counts = allCountsOf(answers);
  if (counts === null) return out;
  const { byValue } = sumValues(counts.map((shard) => shard.values));
  const examined = examinedValues(answers, field, walk, counts);
  answers.forEach((answer, i) => {
    if (!walk.cutInside.has(answer.shard)) return;
    const own = keepers ? (distributionOf(answer.body, field) ?? {}) : {};
    const keys = Object.entries((counts[i] as DistinctCounts).values)
      .filter(([key, count]) => {
        const id = valueId(key);
        const total = byValue.get(id) ?? 0;
        if (count === 1 && total > 1 && !examined.has(id)) return true;
        if (!keepers) return false;
        const keeper = walk.kept.get(id);
        if (keeper === undefined) return count > 1 && own[key] === 1;
        // A document of this shard tied with the page end would come before a keeper of a
        // higher shard tied with it too (ties go by shard).
        return keeper.shard > answer.shard && walk.tiesEnd(keeper.hit, keeper.shard);
      })
      .map(([key]) => key);
    if (keys.length > 0) out.set(answer.shard, keys);
  });
  return out;
}

/** A filter string matching documents whose `field` holds one of `keys`. */
export function valuesFilter(field: string, keys: readonly string[]): string {
  const quoted = keys.map((key) => `"${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`);
  return `${field} IN [${quoted.join(', ')}]`;
}

/**
 * The follow-up search for a shard's unresolved values: the shard's own search restricted to them,
 * one hit per value (distinct), so the merge sees where each ranks against the page's end.
 */
export function planDistinctFollowUp(
  shardRequest: SearchRequest,
  field: string,
  keys: readonly string[],
): SearchRequest {
  const { facets: _facets, page: _page, hitsPerPage: _hitsPerPage, ...rest } = shardRequest;
  const clause = valuesFilter(field, keys);
  const filter = rest.filter;
  const combined =
    filter === undefined || filter === null || (typeof filter === 'string' && filter.trim() === '')
      ? clause
      : Array.isArray(filter)
        ? [...(filter as unknown[]), clause]
        : [filter, clause];
  return { ...rest, filter: combined, offset: 0, limit: keys.length };
}

/** The main answer with a follow-up answer attached for the merge. */
export function withDistinctTies(main: SearchResponseBody, ties: SearchResponseBody): SearchResponseBody {
  return { ...main, [DISTINCT_TIES_KEY]: Array.isArray(ties.hits) ? ties.hits : [] };
}

/** Values known to be examined: seen in the walk, or shown by a cut shard's own distribution. */
export function examinedValues(
  answers: readonly ShardAnswer<SearchResponseBody>[],
  field: string,
  walk: DistinctWalk,
  counts: readonly DistinctCounts[],
): Set<string> {
  const examined = new Set(walk.examined);
  answers.forEach((answer, i) => {
    if (!walk.cutInside.has(answer.shard)) return;
    // A value with several candidates there but one left in its answer was examined by it.
    const own = distributionOf(answer.body, field) ?? {};
    for (const [key, count] of Object.entries((counts[i] as DistinctCounts).values))
      if (count > 1 && own[key] === 1) examined.add(valueId(key));
    const ties = answer.body[DISTINCT_TIES_KEY];
    if (Array.isArray(ties)) {
      for (const hit of ties as Hit[]) {
        if (typeof hit !== 'object' || hit === null || !walk.reached(hit, answer.shard)) continue;
        for (const value of facetValuesOf(hit, field)) examined.add(valueId(value));
      }
    }
  });
  return examined;
}

/**
 * Offset mode: the candidates, minus, for every value examined while filling the page, all its
 * candidates but one (milli removes every document sharing a kept value from `all_candidates`).
 * A shard whose list ends inside the last examined bucket examined the rest of that bucket too:
 * its values with several candidates show a count of 1 in its own (post-distinct) distribution;
 * for its values with one candidate, a follow-up search tells where they rank.
 * Null when a shard sent no counts (the merge then estimates).
 */
export function offsetModeDistinctTotal(
  answers: readonly ShardAnswer<SearchResponseBody>[],
  field: string,
  walk: DistinctWalk,
  skip: number,
  take: number,
): number | null {
  const counts = allCountsOf(answers);
  if (counts === null) return null;
  const candidates = counts.reduce((sum, shard) => sum + shard.candidates, 0);
  // Meilisearch 1.50 ranks the first offset + limit hits (checked on its binary: an offset past
  // every candidate, or `limit: 0` after an offset, still ranks), so only `offset + limit = 0`
  // ranks nothing.
  if (skip + take === 0) return candidates;
  const { byValue, sum } = sumValues(counts.map((shard) => shard.values));
  if (!walk.pageFilled) return candidates - sum + byValue.size;
  const examined = examinedValues(answers, field, walk, counts);
  let removed = 0;
  for (const id of examined) removed += Math.max(0, (byValue.get(id) ?? 1) - 1);
  return candidates - removed;
}
