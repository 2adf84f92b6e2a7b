// The hit count of an offset-mode search with `rankingScoreThreshold`, as one node computes it
// (milli search/new/bucket_sort.rs): buckets come in descending score, and a bucket below the
// threshold leaves the candidates only when the walk reaches it. A node that fills its page
// (offset + limit hits) stops first and reports every candidate; one that does not reaches every
// bucket and reports the hits above the threshold. A shard decides for its own list, so when the merged page is filled a
// shard that did not fill its own list is asked its candidate count (a `limit: 0` search walks
// nothing).
import type { SearchRequest, SearchResponseBody, ShardAnswer } from './types.ts';

/** Where the query role puts a shard's candidate count (its count search's total). */
export const THRESHOLD_CANDIDATES_KEY = '_miroirCandidates';

/** Shards whose own list did not reach the page end: their count is not their candidates. */
export function shortShards(answers: readonly ShardAnswer<SearchResponseBody>[], end: number): number[] {
  return answers.filter((answer) => answer.body.hits.length < end).map((answer) => answer.shard);
}

/** The count search of a shard: same candidates, nothing ranked. */
export function planThresholdCountRequest(shardRequest: SearchRequest): SearchRequest {
  const {
    facets: _facets,
    attributesToHighlight: _highlight,
    attributesToCrop: _crop,
    showMatchesPosition: _positions,
    showRankingScoreDetails: _details,
    ...rest
  } = shardRequest;
  return { ...rest, offset: 0, limit: 0, attributesToRetrieve: [] };
}

/** The main answer with its count search's total attached for the merge. */
export function withThresholdCandidates(
  main: SearchResponseBody,
  counts: SearchResponseBody,
): SearchResponseBody {
  const candidates = counts.estimatedTotalHits;
  return typeof candidates === 'number' ? { ...main, [THRESHOLD_CANDIDATES_KEY]: candidates } : main;
}

/**
 * Whether one node counts every candidate: Meilisearch 1.50 ranks the first offset + limit hits
 * and stops there, so it does when the page is filled (or offset + limit is 0, nothing ranked);
 * otherwise it reaches every bucket and counts the hits above the threshold.
 */
export function needsCandidates(skip: number, take: number, accepted: number): boolean {
  return accepted >= skip + take;
}

/**
 * The exact count when one node counts every candidate: each shard's own count when it filled its
 * list, else its count search's. Null when the shards' summed counts already are exact (every node
 * reached every bucket) or a shard's candidates are missing (the merge then keeps the sum).
 */
export function thresholdTotal(
  answers: readonly ShardAnswer<SearchResponseBody>[],
  skip: number,
  take: number,
  accepted: number,
): number | null {
  if (!needsCandidates(skip, take, accepted)) return null;
  const end = skip + take;
  let total = 0;
  for (const answer of answers) {
    const body = answer.body;
    const count = body.hits.length >= end ? body.estimatedTotalHits : body[THRESHOLD_CANDIDATES_KEY];
    if (typeof count !== 'number') return null;
    total += count;
  }
  return total;
}
