// A model of one node holding every document, and of the same documents spread over shards:
// each shard answers with its own documents in the global order (a node ranks its documents with
// the same rules), which is what the merge must undo.
import fc from 'fast-check';
import type { Hit, SearchResponseBody, ShardSearchResponse } from '#core/merge/index.ts';

export interface ModelDoc {
  id: number;
  score: number;
  price?: number | string | null;
  color?: string;
  brand?: string;
}

/** Splits a globally ordered hit list into shard answers, each holding its hits in that order. */
export function shardAnswers(
  ordered: readonly Hit[],
  assignment: readonly number[],
  shards: number,
  window: number,
  extra: (shard: number, hits: Hit[]) => Partial<SearchResponseBody> = () => ({}),
): ShardSearchResponse[] {
  const lists: Hit[][] = Array.from({ length: shards }, () => []);
  ordered.forEach((hit, i) => lists[(assignment[i] ?? 0) % shards]?.push(hit));
  return lists.map((hits, shard) => ({
    shard,
    body: {
      hits: hits.slice(0, window),
      query: '',
      processingTimeMs: shard,
      limit: window,
      offset: 0,
      estimatedTotalHits: hits.length,
      ...extra(shard, hits),
    },
  }));
}

/** Distinct scores: the global order is fully determined, no ties to argue about. */
export const distinctScores = (max: number) =>
  fc
    .uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 0, maxLength: max })
    .map((values) => values.map((v) => v / 1_000_000));

export const shuffled = <T>(items: readonly T[], seed: number): T[] => {
  const out = [...items];
  let state = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
};
