// Totals and facets with distinct: the merged `estimatedTotalHits` / `totalHits` and facet counts
// equal those of one node holding every document, simulated here as milli computes them
// (bucket_sort.rs: distinct applied to whole buckets, every candidate sharing a kept value leaves
// `all_candidates`; mod.rs: page mode applies distinct to every remaining candidate in internal id
// order; facets counted over those candidates). Shards answer the planned request, its companion
// count search and the follow-ups the same way.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DISTINCT_COUNTS_KEY,
  mergeSearchResults,
  planDistinctCountRequest,
  planDistinctFacetFollowUps,
  planDistinctFollowUps,
  planShardRequest,
  withDistinctCounts,
  withDistinctFacets,
  withDistinctTies,
  type Hit,
  type SearchRequest,
  type SearchResponseBody,
  type ShardSearchResponse,
} from '#core/merge/index.ts';

interface Doc {
  id: number;
  score: number;
  brand: string | null;
  /** A facet besides the distinct field. */
  color?: number;
}

/** The filters these tests send: none, or the follow-up's `brand IN [...]`. */
function matchesFilter(filter: unknown): (doc: Doc) => boolean {
  if (filter === undefined || filter === null) return () => true;
  const match = /^brand IN \[(.*)\]$/.exec(filter as string);
  if (match === null) throw new Error(`unexpected filter ${JSON.stringify(filter)}`);
  const values = new Set(JSON.parse(`[${match[1] ?? ''}]`) as string[]);
  return (doc) => doc.brand !== null && values.has(doc.brand);
}

/** One node's answer, as milli's bucket sort computes it (buckets = equal scores, ids ascending). */
function nodeSearch(docs: readonly Doc[], request: SearchRequest): SearchResponseBody {
  const pageMode = request.page !== undefined || request.hitsPerPage !== undefined;
  const page = request.page ?? 1;
  const from = pageMode ? Math.max(0, page - 1) * (request.hitsPerPage ?? 20) : (request.offset ?? 0);
  const length = pageMode ? (page === 0 ? 0 : (request.hitsPerPage ?? 20)) : (request.limit ?? 20);
  const universe = [...docs].filter(matchesFilter(request.filter)).sort((a, b) => a.id - b.id);
  const candidates = new Set(universe.map((doc) => doc.id));
  const hits: Doc[] = [];
  // Meilisearch 1.50 ranks the first offset + limit hits, whatever the universe.
  if (from + length > 0) {
    const scores = [...new Set(universe.map((doc) => doc.score))].sort((a, b) => b - a);
    const excluded = new Set<number>();
    let seen = 0;
    for (const score of scores) {
      if (seen >= from + length) break;
      const bucket = universe.filter((doc) => doc.score === score && !excluded.has(doc.id));
      const claimedNow = new Set<number>();
      const kept: Doc[] = [];
      for (const doc of bucket) {
        if (claimedNow.has(doc.id)) continue;
        if (doc.brand !== null)
          for (const other of universe) if (other.brand === doc.brand) claimedNow.add(other.id);
        kept.push(doc);
      }
      for (const id of claimedNow) {
        excluded.add(id);
        candidates.delete(id);
      }
      for (const doc of kept) {
        candidates.add(doc.id);
        if (seen >= from && hits.length < length) hits.push(doc);
        seen += 1;
      }
    }
  }
  let counted = universe.filter((doc) => candidates.has(doc.id));
  if (pageMode) {
    const claimed = new Set<string>();
    counted = counted.filter((doc) => {
      if (doc.brand === null) return true;
      if (claimed.has(doc.brand)) return false;
      claimed.add(doc.brand);
      return true;
    });
  }
  const body: SearchResponseBody = {
    hits: hits.map((doc): Hit => ({
      id: doc.id,
      brand: doc.brand,
      ...(doc.color === undefined ? {} : { color: doc.color }),
      _rankingScore: doc.score,
    })),
  };
  if (Array.isArray(request.facets) && request.facets.includes('brand')) {
    const values: Record<string, number> = {};
    for (const doc of counted) if (doc.brand !== null) values[doc.brand] = (values[doc.brand] ?? 0) + 1;
    body.facetDistribution = { brand: values };
  }
  if (Array.isArray(request.facets) && request.facets.includes('color')) {
    const values: Record<string, number> = {};
    for (const doc of counted) if (doc.color !== undefined) values[doc.color] = (values[doc.color] ?? 0) + 1;
    body.facetDistribution = { ...body.facetDistribution, color: values };
    const colors = counted.flatMap((doc) => (doc.color === undefined ? [] : [doc.color]));
    body.facetStats =
      colors.length === 0 ? {} : { color: { min: Math.min(...colors), max: Math.max(...colors) } };
  }
  if (pageMode) body.totalHits = counted.length;
  else body.estimatedTotalHits = counted.length;
  return body;
}

function shardAnswersFor(
  docs: readonly Doc[],
  shardOf: readonly number[],
  shards: number,
  client: SearchRequest,
): ShardSearchResponse[] {
  const planned = planShardRequest(client);
  const counting = planDistinctCountRequest(client, planned, {});
  const owned = Array.from({ length: shards }, (_, shard) => docs.filter((_, i) => shardOf[i] === shard));
  const answers: ShardSearchResponse[] = owned.map((own, shard) => {
    const body = nodeSearch(own, planned);
    return {
      shard,
      body: counting === null ? body : withDistinctCounts(body, nodeSearch(own, counting), 'brand'),
    };
  });
  if (counting === null) return answers;
  const followUps = planDistinctFollowUps(client, answers);
  const tied = answers.map((answer) => {
    const followUp = followUps.get(answer.shard);
    if (followUp === undefined) return answer;
    return {
      shard: answer.shard,
      body: withDistinctTies(answer.body, nodeSearch(owned[answer.shard] as Doc[], followUp)),
    };
  });
  const facetFollowUps = planDistinctFacetFollowUps(client, tied);
  return tied.map((answer) => {
    const followUp = facetFollowUps.get(answer.shard);
    if (followUp === undefined) return answer;
    return {
      shard: answer.shard,
      body: withDistinctFacets(answer.body, nodeSearch(owned[answer.shard] as Doc[], followUp)),
    };
  });
}

const corpus = fc
  .array(
    fc.record({
      score: fc.integer({ min: 1, max: 6 }).map((n) => n / 6),
      brand: fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), { nil: null }),
      shard: fc.integer({ min: 0, max: 2 }),
    }),
    { minLength: 0, maxLength: 60 },
  )
  .map((rows) => ({
    docs: rows.map((row, id): Doc => ({ id, score: row.score, brand: row.brand })),
    shardOf: rows.map((row) => row.shard),
  }));

/**
 * Documents whose internal ids grow shard by shard: a tie inside one bucket then keeps, on one node,
 * the document the merge keeps (lowest shard, then the shard's order). Otherwise which document of
 * a value a tie keeps depends on internal ids no shard can compare (see docs/search-merge.md).
 */
const facetCorpus = fc
  .array(
    fc.record({
      score: fc.integer({ min: 1, max: 6 }).map((n) => n / 6),
      brand: fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), { nil: null }),
      color: fc.option(fc.integer({ min: 0, max: 4 }), { nil: undefined }),
      shard: fc.integer({ min: 0, max: 2 }),
    }),
    { minLength: 0, maxLength: 60 },
  )
  .map((rows) => {
    const ordered = [...rows].sort((a, b) => a.shard - b.shard);
    return {
      docs: ordered.map((row, id): Doc => ({
        id,
        score: row.score,
        brand: row.brand,
        ...(row.color === undefined ? {} : { color: row.color }),
      })),
      shardOf: ordered.map((row) => row.shard),
    };
  });

describe('distinct facets', () => {
  it('offset mode: facet counts and stats are the single node ones, over its reduced candidates', () => {
    fc.assert(
      fc.property(
        facetCorpus,
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 12 }),
        fc.boolean(),
        ({ docs, shardOf }, offset, limit, withBrand) => {
          const client: SearchRequest = {
            q: 'x',
            distinct: 'brand',
            offset,
            limit,
            facets: withBrand ? ['color', 'brand'] : ['color'],
          };
          const single = nodeSearch(docs, client);
          const merged = mergeSearchResults(client, shardAnswersFor(docs, shardOf, 3, client));
          expect(merged.estimatedTotalHits).toBe(single.estimatedTotalHits);
          expect(merged.facetDistribution).toEqual(single.facetDistribution);
          expect(merged.facetStats).toEqual(single.facetStats);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('reads the facet values of kept hits a restricted attributesToRetrieve would leave out', () => {
    const client: SearchRequest = {
      q: 'x',
      distinct: 'brand',
      facets: ['color'],
      attributesToRetrieve: ['id'],
    };
    expect(planShardRequest(client).attributesToRetrieve).toEqual(['id', 'brand', 'color']);
    // A pattern cannot be retrieved by name: the merge then sums the shards' own counts.
    const pattern: SearchRequest = { ...client, facets: ['col*'] };
    expect(planShardRequest(pattern).attributesToRetrieve).toEqual(['id', 'brand']);
    expect(planDistinctFacetFollowUps(pattern, [])).toEqual(new Map());
  });
});

describe('distinct totals', () => {
  it('offset mode: the merged estimatedTotalHits is the single node one', () => {
    fc.assert(
      fc.property(
        corpus,
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 12 }),
        ({ docs, shardOf }, offset, limit) => {
          const client: SearchRequest = { q: 'x', distinct: 'brand', offset, limit };
          const single = nodeSearch(docs, client);
          const merged = mergeSearchResults(client, shardAnswersFor(docs, shardOf, 3, client));
          expect(merged.estimatedTotalHits).toBe(single.estimatedTotalHits);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('page mode: the merged totalHits is the single node one', () => {
    fc.assert(
      fc.property(
        corpus,
        fc.integer({ min: 0, max: 4 }),
        fc.integer({ min: 0, max: 8 }),
        ({ docs, shardOf }, page, hitsPerPage) => {
          const client: SearchRequest = { q: 'x', distinct: 'brand', page, hitsPerPage };
          const single = nodeSearch(docs, client);
          const merged = mergeSearchResults(client, shardAnswersFor(docs, shardOf, 3, client));
          expect(merged.totalHits).toBe(single.totalHits);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('counts every candidate sharing a kept value, even in buckets the page never reached', () => {
    const docs: Doc[] = [
      { id: 0, score: 1, brand: 'a' },
      { id: 1, score: 0.5, brand: 'a' },
      { id: 2, score: 0.5, brand: 'b' },
      { id: 3, score: 0.2, brand: 'a' },
      { id: 4, score: 0.2, brand: null },
    ];
    const client: SearchRequest = { q: 'x', distinct: 'brand', limit: 1 };
    const merged = mergeSearchResults(client, shardAnswersFor(docs, [0, 1, 2, 0, 1], 3, client));
    // Page: doc 0; brand a's other documents (1, 3) leave the count, wherever they rank.
    expect(merged.estimatedTotalHits).toBe(3);
    expect(merged.hits.map((hit) => hit.id)).toEqual([0]);
  });

  it('hides the distinct field facet the merge asked for, and keeps it when the client asked', () => {
    const docs: Doc[] = [
      { id: 0, score: 1, brand: 'a' },
      { id: 1, score: 0.5, brand: 'b' },
    ];
    const hidden: SearchRequest = { q: 'x', distinct: 'brand', facets: [] };
    expect(planShardRequest(hidden).facets).toEqual(['brand']);
    const merged = mergeSearchResults(hidden, shardAnswersFor(docs, [0, 1], 2, hidden));
    expect(merged.facetDistribution).toEqual({});
    expect(merged[DISTINCT_COUNTS_KEY]).toBeUndefined();
    const asked: SearchRequest = { q: 'x', distinct: 'brand', facets: ['br*'] };
    expect(planShardRequest(asked).facets).toEqual(['br*']);
    const mergedAsked = mergeSearchResults(
      { ...asked, facets: ['brand'] },
      shardAnswersFor(docs, [0, 1], 2, { ...asked, facets: ['brand'] }),
    );
    expect(mergedAsked.facetDistribution).toEqual({ brand: { a: 1, b: 1 } });
  });

  it('plans no companion search in page mode or without distinct', () => {
    const paged: SearchRequest = { q: 'x', distinct: 'brand', page: 2 };
    expect(planDistinctCountRequest(paged, planShardRequest(paged), {})).toBeNull();
    const plain: SearchRequest = { q: 'x', limit: 5 };
    expect(planDistinctCountRequest(plain, planShardRequest(plain), {})).toBeNull();
    const setting: SearchRequest = { q: 'x', offset: 3, limit: 5, attributesToRetrieve: ['id'] };
    const ctx = { distinctAttribute: 'brand', filterableAttributes: ['brand'] };
    expect(planDistinctCountRequest(setting, planShardRequest(setting, ctx), ctx)).toMatchObject({
      q: 'x',
      offset: 0,
      limit: 0,
      facets: ['brand'],
    });
  });

  it('counts a distinctAttribute setting only when it is filterable (facets need it)', () => {
    const request: SearchRequest = { q: 'x', limit: 5 };
    expect(planShardRequest(request, { distinctAttribute: 'brand' }).facets).toBeUndefined();
    expect(
      planDistinctCountRequest(request, planShardRequest(request), { distinctAttribute: 'brand' }),
    ).toBeNull();
    const filterable = {
      distinctAttribute: 'brand',
      filterableAttributes: [{ attributePatterns: ['br*'], features: { filter: { equality: true } } }],
    };
    expect(planShardRequest(request, filterable).facets).toEqual(['brand']);
    const notForFilter = {
      distinctAttribute: 'brand',
      filterableAttributes: [{ attributePatterns: ['brand'], features: { filter: { equality: false } } }],
    };
    expect(planShardRequest(request, notForFilter).facets).toBeUndefined();
  });

  it('falls back to the summed estimate when shards sent no counts', () => {
    const body: SearchResponseBody = {
      hits: [{ id: 1, brand: 'a', _rankingScore: 1 }],
      estimatedTotalHits: 7,
    };
    const merged = mergeSearchResults({ q: 'x', distinct: 'brand', limit: 1 }, [{ shard: 0, body }]);
    expect(merged.estimatedTotalHits).toBe(7);
  });
});
