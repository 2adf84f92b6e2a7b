// Merges the shard answers of one search into the body one node holding every document would
// return: hits in global order (ties: shard, then the shard's own order), pagination applied after
// the merge, totals summed (uncapped, as Meilisearch 1.50 reports them), facets summed, distinct
// across shards, merge-only fields removed.
import { miroirError } from '#core/errors.ts';
import { DistinctFilter } from './distinct.ts';
import {
  clientFacetsCover,
  countableDistinctField,
  distinctFieldOf,
  offsetModeDistinctTotal,
  pageModeDistinctTotal,
  planDistinctFollowUp,
  unresolvedValues,
  valueId,
  type DistinctWalk,
} from './distinct-total.ts';
import {
  exactDistinctFacets,
  planDistinctFacetFollowUp,
  reducedFacetInputs,
  reducedValuesByShard,
} from './distinct-facets.ts';
import { mergeFacets } from './facets.ts';
import {
  needsCandidates,
  planThresholdCountRequest,
  shortShards,
  thresholdTotal,
} from './threshold-total.ts';
import { HitCleaner, type HitCleanup } from './fields.ts';
import { createHitRanker, isSemanticHit, type RankKey } from './hit-order.ts';
import { KWayMerger, type MergeList, type MergeWalk } from './kway-merge.ts';
import { pageWindow, paginationFields } from './pagination.ts';
import { fieldsAddedForMerge, planShardRequest, validateSearchRequest } from './plan-shard-request.ts';
import { ScoreMerger } from './score-merge.ts';
import { facetValuesOf } from './sort-values.ts';
import {
  DEFAULT_MAX_TOTAL_HITS,
  type Hit,
  type MergeContext,
  type SearchRequest,
  type SearchResponseBody,
  type ShardAnswer,
} from './types.ts';

/** Rejects answers the merge cannot trust: a node that broke the protocol is a 502, not a crash. */
export function checkShardAnswers<B>(
  answers: readonly ShardAnswer<B>[],
  check: (body: B) => string | null,
): void {
  const seen = new Set<number>();
  for (const answer of answers) {
    if (typeof answer !== 'object' || answer === null || !Number.isInteger(answer.shard)) {
      throw miroirError('internal', 'Every shard answer needs an integer `shard`.');
    }
    if (seen.has(answer.shard))
      throw miroirError(
        'internal',
        `Shard ${answer.shard} was answered twice; a merge takes one answer per shard.`,
      );
    seen.add(answer.shard);
    const problem =
      typeof answer.body === 'object' && answer.body !== null
        ? check(answer.body)
        : 'the body is not an object';
    if (problem !== null)
      throw miroirError(
        'remote_bad_response',
        `The node answering for shard ${answer.shard} sent an unexpected search response: ${problem}.`,
      );
  }
}

export function checkSearchBody(body: SearchResponseBody): string | null {
  const hits: unknown = body.hits;
  if (!Array.isArray(hits)) return '`hits` is not an array';
  for (let i = 0; i < hits.length; i++) {
    const hit: unknown = hits[i];
    if (typeof hit !== 'object' || hit === null || Array.isArray(hit)) return 'a hit is not an object';
  }
  return null;
}

/** A shard's match count: exhaustive `totalHits` in page mode, else `estimatedTotalHits`. */
export function shardHitCount(body: SearchResponseBody): number {
  const count = body.totalHits ?? body.estimatedTotalHits;
  return typeof count === 'number' && count >= 0 ? count : 0;
}

export function cleanupFor(request: SearchRequest, ctx: MergeContext): HitCleanup {
  return {
    showRankingScore: request.showRankingScore === true,
    showRankingScoreDetails: request.showRankingScoreDetails === true,
    added: fieldsAddedForMerge(request, ctx),
  };
}

export interface RankedHits {
  /** The merged hits of the requested page, in order, still carrying their merge-only fields. */
  page: Hit[];
  /** Merged hits dropped after the node's own filtering: cross-shard distinct and threshold. */
  dropped: number;
  /** With distinct: what the walk examined, for the exact total (see distinct-total.ts). */
  walk: DistinctWalk | null;
  /** Merged hits kept (up to the page end when the walk stops there). */
  accepted: number;
}

/**
 * The ranked page of a merge, before cleanup. Only the window up to the page's end is walked
 * (every fetched hit with distinct, so duplicates leave the total); when the score alone orders
 * hits, the merge compares plain numbers instead of building rank keys.
 */
export function rankShardHits(
  request: SearchRequest,
  answers: readonly ShardAnswer<SearchResponseBody>[],
  ctx: MergeContext,
  skip: number,
  take: number,
): RankedHits {
  const ranker = createHitRanker(request, ctx);
  const distinctField = request.distinct ?? ctx.distinctAttribute ?? null;
  const distinct = typeof distinctField === 'string' ? new DistinctFilter(distinctField) : null;
  const threshold = typeof request.rankingScoreThreshold === 'number' ? request.rankingScoreThreshold : null;
  const lists: MergeList<Hit>[] = answers.map((answer) => ({ shard: answer.shard, items: answer.body.hits }));
  const merger: MergeWalk<Hit> =
    ranker.score !== null
      ? new ScoreMerger(lists, ranker.score)
      : new KWayMerger(lists, ranker.key, ranker.compare);
  if (distinct !== null && distinctField !== null)
    return rankDistinct(merger, ranker, distinct, distinctField, threshold, answers, skip, take);
  // Without distinct the page is complete once its last hit is reached.
  const page: Hit[] = [];
  let accepted = 0;
  let belowThreshold = 0;
  const end = skip + take;
  while (merger.next()) {
    const hit = merger.item as Hit;
    // Nodes already apply the threshold; this guards against one that ignored it.
    if (threshold !== null && (hit._rankingScore as number) < threshold) {
      belowThreshold += 1;
      continue;
    }
    if (accepted >= skip && accepted < end) page.push(hit);
    accepted += 1;
    if (accepted >= end) break;
  }
  return { page, dropped: belowThreshold, walk: null, accepted };
}

/**
 * The distinct walk, apart so the plain merge loop stays small: every fetched hit is walked so
 * rejected duplicates leave the total, as Meilisearch's federated merge does.
 */
function rankDistinct(
  merger: MergeWalk<Hit>,
  ranker: ReturnType<typeof createHitRanker>,
  distinct: DistinctFilter,
  distinctField: string,
  threshold: number | null,
  answers: readonly ShardAnswer<SearchResponseBody>[],
  skip: number,
  take: number,
): RankedHits {
  const page: Hit[] = [];
  let accepted = 0;
  let belowThreshold = 0;
  const end = skip + take;
  const examined = new Set<string>();
  const kept = new Map<string, { hit: Hit; shard: number }>();
  let cut: RankKey | null = null;
  while (merger.next()) {
    const hit = merger.item as Hit;
    if (threshold !== null && (hit._rankingScore as number) < threshold) {
      belowThreshold += 1;
      continue;
    }
    // A node holding everything applies distinct to whole buckets: every hit ranked up to the
    // one ending the page, and every hit tied with it, is examined.
    const inExamined = cut === null || ranker.compare(ranker.key(hit, 0), cut) <= 0;
    if (inExamined) for (const value of facetValuesOf(hit, distinctField)) examined.add(valueId(value));
    if (!distinct.accept(hit)) continue;
    // The hit keeping a value for one node is the first one examined holding it.
    if (inExamined) {
      for (const value of facetValuesOf(hit, distinctField)) {
        const id = valueId(value);
        if (!kept.has(id)) kept.set(id, { hit, shard: merger.shard });
      }
    }
    if (accepted >= skip && accepted < end) page.push(hit);
    accepted += 1;
    if (cut === null && accepted === end) cut = ranker.key(hit, 0);
  }
  const cutInside = new Set<number>();
  if (cut !== null) {
    for (const answer of answers) {
      const hits = answer.body.hits;
      const last = hits[hits.length - 1];
      if (
        hits.length >= end &&
        last !== undefined &&
        ranker.compare(ranker.key(last, answer.shard), cut) <= 0
      )
        cutInside.add(answer.shard);
    }
  }
  const pageEnd = cut;
  const walk: DistinctWalk = {
    examined,
    pageFilled: pageEnd !== null,
    cutInside,
    reached: (hit, shard) => pageEnd !== null && ranker.compare(ranker.key(hit, shard), pageEnd) <= 0,
    tiesEnd: (hit, shard) => pageEnd !== null && ranker.compare(ranker.key(hit, shard), pageEnd) === 0,
    kept,
  };
  return { page, dropped: distinct.rejected + belowThreshold, walk, accepted };
}

/**
 * The merged walk of an offset-mode page, as the follow-up planners below need it (null in page
 * mode, where no follow-up is asked for): the request and answers checked, then ranked.
 */
function rankOffsetPage(
  clientRequest: SearchRequest,
  shardResponses: readonly ShardSearchResponseLike[],
  ctx: MergeContext,
): (ReturnType<typeof rankShardHits> & { window: ReturnType<typeof pageWindow> }) | null {
  validateSearchRequest(clientRequest, ctx);
  checkShardAnswers(shardResponses, checkSearchBody);
  const window = pageWindow(clientRequest, ctx.maxTotalHits ?? DEFAULT_MAX_TOTAL_HITS);
  if (window.pageMode) return null;
  return { ...rankShardHits(clientRequest, shardResponses, ctx, window.skip, window.take), window };
}

/**
 * Follow-up searches the exact offset-mode total with distinct needs, per shard (usually none):
 * a shard whose list ends inside the page's last bucket may hold there, unseen, a value with one
 * candidate on it and more elsewhere. Answers carry their companion counts (`withDistinctCounts`);
 * the follow-up answers go back with `withDistinctTies` before `mergeSearchResults`.
 */
export function planDistinctFollowUps(
  clientRequest: SearchRequest,
  shardResponses: readonly ShardSearchResponseLike[],
  ctx: MergeContext = {},
): Map<number, SearchRequest> {
  const field = countableDistinctField(clientRequest, ctx);
  const out = new Map<number, SearchRequest>();
  if (field === null) return out;
  const ranked = rankOffsetPage(clientRequest, shardResponses, ctx);
  if (ranked === null || ranked.walk === null) return out;
  const { walk } = ranked;
  const shardRequest = planShardRequest(clientRequest, ctx);
  const keepers = exactDistinctFacets(clientRequest);
  for (const [shard, keys] of unresolvedValues(shardResponses, field, walk, keepers))
    out.set(shard, planDistinctFollowUp(shardRequest, field, keys));
  return out;
}

/**
 * Follow-up searches exact facet counts with distinct need, per shard (offset mode with facets):
 * the shard's count search restricted to the values the merged walk examined that it holds with
 * other candidates elsewhere. Answers carry their companion counts and, when asked, their ties
 * (`withDistinctTies`); the follow-up answers go back with `withDistinctFacets`.
 */
export function planDistinctFacetFollowUps(
  clientRequest: SearchRequest,
  shardResponses: readonly ShardSearchResponseLike[],
  ctx: MergeContext = {},
): Map<number, SearchRequest> {
  const field = countableDistinctField(clientRequest, ctx);
  const out = new Map<number, SearchRequest>();
  if (field === null || !exactDistinctFacets(clientRequest)) return out;
  const ranked = rankOffsetPage(clientRequest, shardResponses, ctx);
  if (ranked === null || ranked.walk === null) return out;
  const { window, walk } = ranked;
  const reduced = reducedValuesByShard(shardResponses, field, walk, window.skip, window.take);
  if (reduced === null) return out;
  const shardRequest = planShardRequest(clientRequest, ctx);
  for (const [shard, keys] of reduced) {
    const followUp = planDistinctFacetFollowUp(clientRequest, shardRequest, ctx, field, keys);
    if (followUp !== null) out.set(shard, followUp);
  }
  return out;
}

/**
 * Count searches an offset-mode search with `rankingScoreThreshold` needs (no distinct): when one
 * node would count every candidate (see threshold-total.ts), each shard that did not fill its own
 * list tells its candidates. Answers go back with `withThresholdCandidates`.
 */
export function planThresholdCounts(
  clientRequest: SearchRequest,
  shardResponses: readonly ShardSearchResponseLike[],
  ctx: MergeContext = {},
): Map<number, SearchRequest> {
  const out = new Map<number, SearchRequest>();
  if (typeof clientRequest.rankingScoreThreshold !== 'number' || distinctFieldOf(clientRequest, ctx) !== null)
    return out;
  const ranked = rankOffsetPage(clientRequest, shardResponses, ctx);
  if (ranked === null) return out;
  const { window, accepted } = ranked;
  if (!needsCandidates(window.skip, window.take, accepted)) return out;
  const count = planThresholdCountRequest(planShardRequest(clientRequest, ctx));
  for (const shard of shortShards(shardResponses, window.skip + window.take)) out.set(shard, count);
  return out;
}

export function mergeSearchResults(
  clientRequest: SearchRequest,
  shardResponses: readonly ShardSearchResponseLike[],
  ctx: MergeContext = {},
): SearchResponseBody {
  validateSearchRequest(clientRequest, ctx);
  checkShardAnswers(shardResponses, checkSearchBody);
  const maxTotalHits = ctx.maxTotalHits ?? DEFAULT_MAX_TOTAL_HITS;
  const window = pageWindow(clientRequest, maxTotalHits);
  const { page, dropped, walk, accepted } = rankShardHits(
    clientRequest,
    shardResponses,
    ctx,
    window.skip,
    window.take,
  );

  const cleaner = new HitCleaner(cleanupFor(clientRequest, ctx));
  const hits = page.map((hit) => cleaner.clean(hit));
  const summed = shardResponses.reduce((sum, answer) => sum + shardHitCount(answer.body), 0);
  const field = countableDistinctField(clientRequest, ctx);
  let exact: number | null = null;
  if (field !== null && walk !== null) {
    exact = window.pageMode
      ? pageModeDistinctTotal(shardResponses, field)
      : offsetModeDistinctTotal(shardResponses, field, walk, window.skip, window.take);
  } else if (walk === null && !window.pageMode && typeof clientRequest.rankingScoreThreshold === 'number') {
    exact = thresholdTotal(shardResponses, window.skip, window.take, accepted);
  }
  // Meilisearch 1.50 caps the hits at maxTotalHits, never the count.
  const hitCount = exact ?? Math.max(0, summed - dropped);

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
    // The distinct field's distribution was asked for the total only, unless the client wants it.
    const hidden = field !== null && !clientFacetsCover(clientRequest, field) ? field : null;
    // With distinct, one node counts facets over its reduced candidates: rebuilt when possible.
    const reduced =
      field !== null && walk !== null && !window.pageMode && exactDistinctFacets(clientRequest)
        ? reducedFacetInputs(shardResponses, field, walk, window.skip, window.take)
        : null;
    const inputs =
      reduced ??
      shardResponses.map((answer) => ({
        shard: answer.shard,
        distribution: answer.body.facetDistribution,
        stats: answer.body.facetStats,
      }));
    const facets = mergeFacets(
      inputs.map((input) => ({
        shard: input.shard,
        distribution: hidden === null ? input.distribution : without(input.distribution, hidden),
        stats: hidden === null ? input.stats : without(input.stats, hidden),
      })),
      clientRequest.facets,
      ctx,
      // milli counts facets over the candidates left after distinct: the exact count when known.
      // Node counts are never capped (1.50 reports the whole count), so the sum is the candidates.
      exact ?? summed,
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
    // Nodes count semantic hits of their own window; the merged page's count is what one node
    // would report. Without score details to tell sources apart, the page length bounds it.
    body.semanticHitCount = flagged > 0 || reported === 0 ? flagged : Math.min(reported, page.length);
  }
  return body;
}

type ShardSearchResponseLike = ShardAnswer<SearchResponseBody>;

function without<T extends Record<string, unknown>>(map: T | undefined, key: string): T | undefined {
  if (map === undefined || map === null || !Object.hasOwn(map, key)) return map;
  const { [key]: _dropped, ...rest } = map;
  return rest as T;
}
