// Totals with rankingScoreThreshold in offset mode: the merged `estimatedTotalHits` equals that of
// one node holding every document, simulated as milli's bucket sort computes it: buckets in
// descending score, a bucket below the threshold (and everything after it) leaves the candidates
// only if the walk reaches it, and the walk stops once the page is filled.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mergeSearchResults,
  planShardRequest,
  planThresholdCounts,
  withThresholdCandidates,
  type SearchRequest,
  type SearchResponseBody,
  type ShardSearchResponse,
} from '#core/merge/index.ts';
import { distinctScores } from './fixtures.ts';

interface Doc {
  id: number;
  score: number;
}

function nodeSearch(docs: readonly Doc[], request: SearchRequest): SearchResponseBody {
  const from = request.offset ?? 0;
  const length = request.limit ?? 20;
  const threshold = request.rankingScoreThreshold ?? 0;
  const ranked = [...docs].sort((a, b) => b.score - a.score);
  const above = ranked.filter((doc) => doc.score >= threshold);
  // Meilisearch 1.50 ranks the first offset + limit hits: a filled page stops the walk before any
  // bucket below the threshold, else every bucket is reached.
  const walked = above.length < from + length;
  return {
    hits: above.slice(from, from + length).map((doc) => ({ id: doc.id, _rankingScore: doc.score })),
    estimatedTotalHits: walked ? above.length : docs.length,
  };
}

function mergedSearch(
  docs: readonly Doc[],
  shardOf: readonly number[],
  client: SearchRequest,
): SearchResponseBody {
  const planned = planShardRequest(client);
  const owned = [0, 1, 2].map((shard) => docs.filter((_, i) => shardOf[i] === shard));
  const answers: ShardSearchResponse[] = owned.map((own, shard) => ({
    shard,
    body: nodeSearch(own, planned),
  }));
  const counts = planThresholdCounts(client, answers);
  const completed = answers.map((answer) => {
    const count = counts.get(answer.shard);
    if (count === undefined) return answer;
    return {
      shard: answer.shard,
      body: withThresholdCandidates(answer.body, nodeSearch(owned[answer.shard] as Doc[], count)),
    };
  });
  return mergeSearchResults(client, completed);
}

describe('threshold totals', () => {
  it('offset mode: the merged estimatedTotalHits is the single node one', () => {
    fc.assert(
      fc.property(
        distinctScores(40),
        fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 40, maxLength: 40 }),
        fc.integer({ min: 0, max: 10 }).map((n) => n / 10),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 12 }),
        (scores, shardOf, threshold, offset, limit) => {
          const docs = scores.map((score, id) => ({ id, score }));
          const client: SearchRequest = { q: 'x', rankingScoreThreshold: threshold, offset, limit };
          const single = nodeSearch(docs, client);
          const merged = mergedSearch(docs, shardOf, client);
          expect(merged.estimatedTotalHits).toBe(single.estimatedTotalHits);
          expect(merged.hits.map((hit) => hit.id)).toEqual(single.hits.map((hit) => hit.id));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('asks only the shards that did not fill their own list, and only when the merged page is full', () => {
    const docs: Doc[] = [
      { id: 0, score: 0.9 },
      { id: 1, score: 0.8 },
      { id: 2, score: 0.2 },
      { id: 3, score: 0.1 },
    ];
    const client: SearchRequest = { q: 'x', rankingScoreThreshold: 0.5, limit: 2 };
    const answers: ShardSearchResponse[] = [
      { shard: 0, body: nodeSearch([docs[0] as Doc, docs[1] as Doc], planShardRequest(client)) },
      { shard: 1, body: nodeSearch([docs[2] as Doc, docs[3] as Doc], planShardRequest(client)) },
    ];
    expect([...planThresholdCounts(client, answers).keys()]).toEqual([1]);
    expect(planThresholdCounts(client, answers).get(1)).toMatchObject({ offset: 0, limit: 0 });
    expect(planThresholdCounts({ ...client, limit: 3 }, answers).size).toBe(0);
    expect(planThresholdCounts({ ...client, hitsPerPage: 2 }, answers).size).toBe(0);
    // Without the count the merge keeps the summed estimate.
    expect(mergeSearchResults(client, answers).estimatedTotalHits).toBe(2);
    expect(mergedSearch(docs, [0, 0, 1, 1], client).estimatedTotalHits).toBe(4);
  });
});
