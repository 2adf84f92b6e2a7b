// The search merge written plainly, without its fast paths: every shard hit ranked through rank
// keys and the generic k-way merge, every hit cleaned key by key, facet values normalized and
// fully sorted with one comparator. Property tests check the fast merge against this oracle.
import { DistinctFilter } from '#core/merge/distinct.ts';
import { facetOrderOf, LINEAR_SCAN_CANDIDATES_THRESHOLD, type FacetInput } from '#core/merge/facets.ts';
import { RESERVED_FIELD_PREFIX } from '#core/ingest/reserved-fields.ts';
import { withoutPath, type HitCleanup } from '#core/merge/fields.ts';
import { createHitRanker, isSemanticHit } from '#core/merge/hit-order.ts';
import { kwayMerge, type MergeList } from '#core/merge/kway-merge.ts';
import { checkShardAnswers, cleanupFor, shardHitCount } from '#core/merge/merge-search.ts';
import { pageWindow, paginationFields } from '#core/merge/pagination.ts';
import { validateSearchRequest } from '#core/merge/plan-shard-request.ts';
import { thresholdTotal } from '#core/merge/threshold-total.ts';
import { compareCodePoints, normalizeFacet } from '#core/merge/sort-values.ts';
import {
  DEFAULT_MAX_TOTAL_HITS,
  DEFAULT_MAX_VALUES_PER_FACET,
  type FacetDistribution,
  type FacetOrder,
  type FacetStats,
  type Hit,
  type MergeContext,
  type SearchRequest,
  type SearchResponseBody,
  type ShardAnswer,
} from '#core/merge/types.ts';

const NUMBER_KEY = /^-?\d+(\.\d+)?$/;

interface ValueCount {
  display: string;
  norm: string;
  number: number | null;
  count: number;
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

export function referenceMergeFacets(
  inputs: readonly FacetInput[],
  requested: readonly string[],
  ctx: MergeContext,
  candidates: number,
): { facetDistribution: FacetDistribution; facetStats: FacetStats } {
  const maxValues = ctx.maxValuesPerFacet ?? DEFAULT_MAX_VALUES_PER_FACET;
  // Keyed by `n` + number key or `s` + normalized string: a number and a string never meet.
  const byFacet = new Map<string, Map<string, ValueCount>>();
  const stats = new Map<string, { min: number; max: number }>();
  for (const input of [...inputs].sort((a, b) => a.shard - b.shard)) {
    for (const [facet, values] of Object.entries(input.distribution ?? {})) {
      let merged = byFacet.get(facet);
      if (merged === undefined) {
        merged = new Map();
        byFacet.set(facet, merged);
      }
      for (const display in values) {
        const isNumber = NUMBER_KEY.test(display);
        const norm = isNumber ? display : normalizeFacet(display);
        const id = isNumber ? `n${display}` : `s${norm}`;
        const entry = merged.get(id);
        if (entry === undefined)
          merged.set(id, {
            display,
            norm,
            number: isNumber ? Number(display) : null,
            count: values[display] as number,
          });
        else entry.count += values[display] as number;
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
    const values = [...(byFacet.get(facet) as Map<string, ValueCount>).values()];
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

function mustDrop(key: string, cleanup: HitCleanup, topLevel: boolean): boolean {
  if (key.startsWith(RESERVED_FIELD_PREFIX)) return true;
  if (topLevel && key === '_rankingScore') return !cleanup.showRankingScore;
  if (topLevel && key === '_rankingScoreDetails') return !cleanup.showRankingScoreDetails;
  return cleanup.added.includes(key);
}

function cleanObject(
  source: Record<string, unknown>,
  cleanup: HitCleanup,
  topLevel: boolean,
): Record<string, unknown> {
  let out: Record<string, unknown> = {};
  for (const key in source) {
    if (mustDrop(key, cleanup, topLevel)) continue;
    const value = source[key];
    out[key] =
      topLevel && key === '_formatted' && typeof value === 'object' && value !== null
        ? cleanObject(value as Record<string, unknown>, cleanup, false)
        : value;
  }
  for (const field of cleanup.added) {
    if (field.includes('.')) out = withoutPath(out, field.split('.')) as Record<string, unknown>;
  }
  return out;
}

export function referenceCleanHit(hit: Hit, cleanup: HitCleanup): Hit {
  return cleanObject(hit, cleanup, true);
}

/** The page and the dropped count, through rank keys and the generic merge, whatever the order. */
export function referenceRank(
  request: SearchRequest,
  answers: readonly ShardAnswer<SearchResponseBody>[],
  ctx: MergeContext,
  skip: number,
  take: number,
): { page: Hit[]; dropped: number; accepted: number } {
  const ranker = createHitRanker(request, ctx);
  const distinctField = request.distinct ?? ctx.distinctAttribute ?? null;
  const distinct = typeof distinctField === 'string' ? new DistinctFilter(distinctField) : null;
  const threshold = typeof request.rankingScoreThreshold === 'number' ? request.rankingScoreThreshold : null;
  const lists: MergeList<Hit>[] = answers.map((answer) => ({ shard: answer.shard, items: answer.body.hits }));
  const page: Hit[] = [];
  let accepted = 0;
  let belowThreshold = 0;
  for (const merged of kwayMerge(lists, ranker.key, ranker.compare)) {
    if (threshold !== null && (merged.item._rankingScore as number) < threshold) {
      belowThreshold += 1;
      continue;
    }
    if (distinct !== null && !distinct.accept(merged.item)) continue;
    if (accepted >= skip && accepted < skip + take) page.push(merged.item);
    accepted += 1;
    if (distinct === null && accepted >= skip + take) break;
  }
  return { page, dropped: (distinct?.rejected ?? 0) + belowThreshold, accepted };
}

function referenceCheckBody(body: SearchResponseBody): string | null {
  if (!Array.isArray(body.hits)) return '`hits` is not an array';
  if (body.hits.some((hit) => typeof hit !== 'object' || hit === null || Array.isArray(hit)))
    return 'a hit is not an object';
  return null;
}

export function referenceMergeSearchResults(
  clientRequest: SearchRequest,
  shardResponses: readonly ShardAnswer<SearchResponseBody>[],
  ctx: MergeContext = {},
): SearchResponseBody {
  validateSearchRequest(clientRequest, ctx);
  checkShardAnswers(shardResponses, referenceCheckBody);
  const maxTotalHits = ctx.maxTotalHits ?? DEFAULT_MAX_TOTAL_HITS;
  const window = pageWindow(clientRequest, maxTotalHits);
  const { page, dropped, accepted } = referenceRank(
    clientRequest,
    shardResponses,
    ctx,
    window.skip,
    window.take,
  );
  const cleanup = cleanupFor(clientRequest, ctx);
  const hits = page.map((hit) => referenceCleanHit(hit, cleanup));
  const summed = shardResponses.reduce((sum, answer) => sum + shardHitCount(answer.body), 0);
  // The threshold's count rule is not a fast path: the same pure helper decides it.
  const thresholdCount =
    typeof clientRequest.rankingScoreThreshold === 'number' &&
    !window.pageMode &&
    typeof (clientRequest.distinct ?? ctx.distinctAttribute) !== 'string'
      ? thresholdTotal(shardResponses, window.skip, window.take, accepted)
      : null;
  const hitCount = thresholdCount ?? Math.max(0, summed - dropped);
  const byShard = [...shardResponses].sort((a, b) => a.shard - b.shard);
  const body: SearchResponseBody = {
    hits,
    query: typeof clientRequest.q === 'string' ? clientRequest.q : '',
  };
  const queryVector = byShard.find((answer) => Array.isArray(answer.body.queryVector))?.body.queryVector;
  if (queryVector !== undefined) body.queryVector = queryVector;
  body.processingTimeMs =
    ctx.processingTimeMs ?? Math.max(0, ...shardResponses.map((answer) => answer.body.processingTimeMs ?? 0));
  Object.assign(body, paginationFields(window, hitCount));
  if (Array.isArray(clientRequest.facets)) {
    const facets = referenceMergeFacets(
      shardResponses.map((answer) => ({
        shard: answer.shard,
        distribution: answer.body.facetDistribution,
        stats: answer.body.facetStats,
      })),
      clientRequest.facets,
      ctx,
      summed,
    );
    body.facetDistribution = facets.facetDistribution;
    body.facetStats = facets.facetStats;
  }
  if (ctx.requestUid !== undefined) body.requestUid = ctx.requestUid;
  const semanticCounts = shardResponses
    .map((answer) => answer.body.semanticHitCount)
    .filter((count) => typeof count === 'number');
  if (semanticCounts.length > 0) {
    const flagged = page.filter(isSemanticHit).length;
    const reported = semanticCounts.reduce((sum, count) => sum + count, 0);
    body.semanticHitCount = flagged > 0 || reported === 0 ? flagged : Math.min(reported, page.length);
  }
  return body;
}
