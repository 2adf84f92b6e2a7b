// Federated multi-search over sharded indexes: weights, ties by query position, duplicates across
// queries of one index, federation pagination and distinct, `_federation`, facets, RRF.
import { describe, expect, it } from 'vitest';
import {
  mergeFederatedSearch,
  planFederatedQueries,
  rrfMerge,
  type FederatedContext,
  type FederatedSearchRequest,
  type Hit,
  type SearchResponseBody,
} from '#core/merge/index.ts';

const ctx: FederatedContext = {
  indexes: {
    movies: { primaryKey: 'id' },
    books: { primaryKey: 'isbn', sortFacetValuesBy: { '*': 'alpha' } },
  },
  requestUid: 'uid-1',
};

describe('planFederatedQueries', () => {
  it('asks each query for the end of the federation page, scored, with its index facets once and the key', () => {
    const request: FederatedSearchRequest = {
      queries: [
        { indexUid: 'movies', q: 'a', attributesToRetrieve: ['title'] },
        { indexUid: 'movies', q: 'b' },
        { indexUid: 'books', q: 'a', federationOptions: { weight: 2 } },
      ],
      federation: { offset: 5, limit: 10, facetsByIndex: { movies: ['genre'] }, distinct: 'title' },
    };
    const planned = planFederatedQueries(request, ctx);
    expect(planned[0]).toStrictEqual({
      q: 'a',
      attributesToRetrieve: ['title', 'id'],
      offset: 0,
      limit: 15,
      showRankingScore: true,
      distinct: 'title',
      facets: ['genre'],
    });
    expect(planned[1]).toStrictEqual({
      q: 'b',
      offset: 0,
      limit: 15,
      showRankingScore: true,
      distinct: 'title',
    });
    expect(planned[2]).not.toHaveProperty('federationOptions');
  });

  it('refuses per-query pagination, per-query facets and negative weights', () => {
    const base = { federation: {} };
    expect(() => planFederatedQueries({ ...base, queries: [{ indexUid: 'm', limit: 3 }] })).toThrowError(
      expect.objectContaining({ code: 'invalid_multi_search_query_pagination' }),
    );
    expect(() => planFederatedQueries({ ...base, queries: [{ indexUid: 'm', facets: ['a'] }] })).toThrowError(
      expect.objectContaining({ code: 'invalid_multi_search_query_facets' }),
    );
    expect(() =>
      planFederatedQueries({ ...base, queries: [{ indexUid: 'm', federationOptions: { weight: -1 } }] }),
    ).toThrowError(expect.objectContaining({ code: 'invalid_multi_search_weight' }));
    expect(() => planFederatedQueries({ queries: [], federation: null as never })).toThrowError(
      expect.objectContaining({ code: 'invalid_multi_search_federated' }),
    );
  });
});

describe('mergeFederatedSearch', () => {
  const movie = (id: number, score: number, extra: Hit = {}): Hit => ({
    id,
    title: `m${id}`,
    _rankingScore: score,
    ...extra,
  });
  const book = (isbn: string, score: number): Hit => ({ isbn, title: `b${isbn}`, _rankingScore: score });

  it('orders by weighted score, breaks ties by query position, keeps a document once, adds _federation', () => {
    const request: FederatedSearchRequest = {
      queries: [
        { indexUid: 'movies', q: 'a' },
        { indexUid: 'books', q: 'a', federationOptions: { weight: 2 }, showRankingScore: true },
        { indexUid: 'movies', q: 'b' },
      ],
      federation: { limit: 10 },
    };
    const body = mergeFederatedSearch(
      request,
      [
        { hits: [movie(1, 0.9), movie(2, 0.8)], estimatedTotalHits: 2, processingTimeMs: 4 },
        { hits: [book('x', 0.4), book('y', 0.2)], estimatedTotalHits: 2, processingTimeMs: 6 },
        { hits: [movie(2, 0.85), movie(3, 0.8)], estimatedTotalHits: 2, processingTimeMs: 1 },
      ],
      ctx,
    );
    expect(body.hits.map((hit) => hit.id ?? hit.isbn)).toEqual([1, 2, 'x', 3, 'y']);
    expect(body.hits[0]).toStrictEqual({
      id: 1,
      title: 'm1',
      _federation: { indexUid: 'movies', queriesPosition: 0, weightedRankingScore: 0.9 },
    });
    expect(body.hits[1]?._federation).toStrictEqual({
      indexUid: 'movies',
      queriesPosition: 2,
      weightedRankingScore: 0.85,
    });
    expect(body.hits[2]).toStrictEqual({
      isbn: 'x',
      title: 'bx',
      _federation: { indexUid: 'books', queriesPosition: 1, weightedRankingScore: 0.8 },
      _rankingScore: 0.4,
    });
    expect(body).toMatchObject({
      processingTimeMs: 6,
      limit: 10,
      offset: 0,
      estimatedTotalHits: 5,
      requestUid: 'uid-1',
    });
  });

  it('paginates the merged list in page mode and applies federation distinct', () => {
    const request: FederatedSearchRequest = {
      queries: [
        { indexUid: 'movies', q: 'a' },
        { indexUid: 'books', q: 'a' },
      ],
      federation: { page: 2, hitsPerPage: 1, distinct: 'genre' },
    };
    const body = mergeFederatedSearch(
      request,
      [
        { hits: [movie(1, 0.9, { genre: 'x' }), movie(2, 0.5, { genre: 'y' })], totalHits: 2 },
        { hits: [{ ...book('b', 0.7), genre: 'X' }], totalHits: 1 },
      ],
      ctx,
    );
    expect(body.hits.map((hit) => hit.id ?? hit.isbn)).toEqual([2]);
    expect(body).toMatchObject({ hitsPerPage: 1, page: 2, totalPages: 2, totalHits: 2 });
  });

  it('merges facets across indexes with mergeFacets, or returns them by index', () => {
    const queries = [
      { indexUid: 'movies', q: 'a' },
      { indexUid: 'books', q: 'a' },
    ];
    const results: SearchResponseBody[] = [
      {
        hits: [],
        facetDistribution: { genre: { drama: 2, action: 1 } },
        facetStats: { year: { min: 1990, max: 2000 } },
      },
      {
        hits: [],
        facetDistribution: { genre: { drama: 5, poetry: 1 } },
        facetStats: { year: { min: 1850, max: 1999 } },
      },
    ];
    const facetsByIndex = { movies: ['genre', 'year'], books: ['genre', 'year'] };
    const merged = mergeFederatedSearch(
      { queries, federation: { facetsByIndex, mergeFacets: { maxValuesPerFacet: 2 } } },
      results,
      ctx,
    );
    expect(merged.facetDistribution).toStrictEqual({ genre: { action: 1, drama: 7 } });
    expect(merged.facetStats).toStrictEqual({ year: { min: 1850, max: 2000 } });
    const byIndex = mergeFederatedSearch({ queries, federation: { facetsByIndex } }, results, ctx);
    expect(byIndex.facetsByIndex).toStrictEqual({
      books: { distribution: { genre: { drama: 5, poetry: 1 } }, stats: { year: { min: 1850, max: 1999 } } },
      movies: { distribution: { genre: { drama: 2, action: 1 } }, stats: { year: { min: 1990, max: 2000 } } },
    });
    const inconsistent: FederatedContext = {
      indexes: { movies: { sortFacetValuesBy: { '*': 'count' } }, books: {} },
    };
    expect(() =>
      mergeFederatedSearch(
        { queries, federation: { facetsByIndex, mergeFacets: {} } },
        results,
        inconsistent,
      ),
    ).toThrowError(expect.objectContaining({ code: 'invalid_multi_search_facet_order' }));
  });

  it('uses reciprocal rank fusion when opted in, fusing a document found by several queries', () => {
    const request: FederatedSearchRequest = {
      queries: [
        { indexUid: 'movies', q: 'a' },
        { indexUid: 'movies', q: 'b' },
      ],
      federation: {},
    };
    const results = [{ hits: [movie(1, 0.99), movie(2, 0.98)] }, { hits: [movie(3, 0.5), movie(2, 0.4)] }];
    expect(mergeFederatedSearch(request, results, ctx).hits.map((hit) => hit.id)).toEqual([1, 2, 3]);
    expect(
      mergeFederatedSearch(request, results, { ...ctx, mergeStrategy: 'rrf' }).hits.map((hit) => hit.id),
    ).toEqual([2, 1, 3]);
  });
});

describe('rrfMerge', () => {
  it('scores weight / (k + rank) summed over lists, ties in order of first appearance', () => {
    const fused = rrfMerge([{ items: ['a', 'b'] }, { items: ['b', 'c'], weight: 1 }], (item) => item);
    expect(fused.map((entry) => entry.item)).toEqual(['b', 'a', 'c']);
    expect(fused[0]?.score).toBeCloseTo(1 / 62 + 1 / 61, 12);
    expect(fused[2]?.score).toBeCloseTo(1 / 62, 12);
    expect(() => rrfMerge([], () => null, -1)).toThrowError(RangeError);
  });
});
