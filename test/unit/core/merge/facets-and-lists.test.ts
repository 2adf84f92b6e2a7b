// Facet ordering edge cases, facet search, document listing and stats across shards.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mergeDocumentLists,
  mergeFacetSearch,
  averageDocumentSize,
  mergeStats,
  planShardDocumentsRequest,
  type DocumentsResponseBody,
  type ShardAnswer,
} from '#core/merge/index.ts';
import { mergeFacets } from '#core/merge/facets.ts';
import { compareCodePoints, compareSortValues, parseSort } from '#core/merge/sort-values.ts';

describe('facet value order', () => {
  const inputs = [
    { shard: 0, distribution: { n: { '9': 2, '10': 2, '2': 1, b: 2, a: 2 } }, stats: undefined },
  ];
  it('alpha: numbers first, as strings up to 3000 candidates and numerically above', () => {
    const small = mergeFacets(inputs, ['n'], {}, 3000).facetDistribution.n ?? {};
    const large = mergeFacets(inputs, ['n'], {}, 3001).facetDistribution.n ?? {};
    // JS objects list integer keys ascending, so check the kept set through a cut.
    expect(
      Object.keys(
        mergeFacets(inputs, ['n'], { maxValuesPerFacet: 2 }, 3000).facetDistribution.n ?? {},
      ).sort(),
    ).toEqual(['10', '2']);
    expect(
      Object.keys(
        mergeFacets(inputs, ['n'], { maxValuesPerFacet: 2 }, 3001).facetDistribution.n ?? {},
      ).sort(),
    ).toEqual(['2', '9']);
    expect(small).toStrictEqual(large);
  });
  it('count: numbers block first, counts descending, ties on the larger value first; the cut counts both kinds', () => {
    const cut =
      mergeFacets(inputs, ['n'], { sortFacetValuesBy: { '*': 'count' }, maxValuesPerFacet: 4 }, 10)
        .facetDistribution.n ?? {};
    expect(Object.keys(cut).sort()).toEqual(['10', '2', '9', 'b']);
    const strings = mergeFacets(
      [{ shard: 0, distribution: { s: { a: 2, c: 2, b: 5 } }, stats: undefined }],
      ['s'],
      { sortFacetValuesBy: { s: 'count' } },
      10,
    );
    expect(Object.keys(strings.facetDistribution.s ?? {})).toEqual(['b', 'c', 'a']);
  });
  it('per-facet order applies only to a facet named in the request, as milli resolves it', () => {
    const dist = [{ shard: 0, distribution: { s: { a: 1, b: 5 } }, stats: undefined }];
    expect(
      Object.keys(
        mergeFacets(dist, ['*'], { sortFacetValuesBy: { '*': 'alpha', s: 'count' } }, 1).facetDistribution
          .s ?? {},
      ),
    ).toEqual(['a', 'b']);
    expect(
      Object.keys(
        mergeFacets(dist, ['s'], { sortFacetValuesBy: { '*': 'alpha', s: 'count' } }, 1).facetDistribution
          .s ?? {},
      ),
    ).toEqual(['b', 'a']);
  });
});

describe('sort values', () => {
  it('compares strings by UTF-8 bytes, not UTF-16 units', () => {
    expect(compareCodePoints('\u{1F600}', '\uFF5E')).toBeGreaterThan(0);
    expect('\u{1F600}' < '\uFF5E').toBe(true);
    expect(compareSortValues(true, 1, 'a')).toBeLessThan(0);
    expect(compareSortValues(false, 1, 'a')).toBeLessThan(0);
    expect(compareSortValues(false, null, 'a')).toBeGreaterThan(0);
  });
  it('parses geo points and refuses malformed expressions', () => {
    expect(parseSort(['_geoPoint(45.1, -3):desc', 'a.b:asc'])).toEqual([
      { kind: 'geo', lat: 45.1, lng: -3, asc: false },
      { kind: 'field', field: 'a.b', asc: true },
    ]);
    for (const bad of [['x:up'], ['_geoPoint(1):asc'], ['_geo:asc'], 'x:asc', [3]]) {
      expect(() => parseSort(bad)).toThrowError(expect.objectContaining({ code: 'invalid_search_sort' }));
    }
  });
});

describe('mergeFacetSearch', () => {
  it('sums counts per normalized value, orders by count then value descending, cuts to the limit', () => {
    const body = mergeFacetSearch(
      { facetName: 'genre', facetQuery: 'a' },
      [
        {
          shard: 1,
          body: {
            facetHits: [
              { value: 'action', count: 3 },
              { value: 'Adventure', count: 1 },
            ],
            facetQuery: 'a',
            processingTimeMs: 2,
          },
        },
        {
          shard: 0,
          body: {
            facetHits: [
              { value: 'adventure', count: 2 },
              { value: 'animation', count: 3 },
              { value: 'art', count: 1 },
            ],
            facetQuery: 'a',
            processingTimeMs: 5,
          },
        },
      ],
      { sortFacetValuesBy: { '*': 'alpha', genre: 'count' }, maxValuesPerFacet: 3 },
    );
    expect(body).toStrictEqual({
      facetHits: [
        { value: 'animation', count: 3 },
        { value: 'adventure', count: 3 },
        { value: 'action', count: 3 },
      ],
      facetQuery: 'a',
      processingTimeMs: 5,
    });
    const alpha = mergeFacetSearch({ facetName: 'genre' }, [
      {
        shard: 0,
        body: {
          facetHits: [
            { value: 'b', count: 1 },
            { value: 'A', count: 1 },
          ],
          facetQuery: null,
          processingTimeMs: 1,
        },
      },
    ]);
    expect(alpha.facetHits.map((hit) => hit.value)).toEqual(['A', 'b']);
    expect(alpha.facetQuery).toBeNull();
  });
  it('rejects a missing facetName and malformed node answers', () => {
    expect(() => mergeFacetSearch({} as never, [])).toThrowError(
      expect.objectContaining({ code: 'missing_facet_search_facet_name' }),
    );
    expect(() =>
      mergeFacetSearch({ facetName: 'g' }, [{ shard: 0, body: { facetHits: [{ value: 1 }] } as never }]),
    ).toThrowError(expect.objectContaining({ code: 'remote_bad_response' }));
  });
});

describe('mergeDocumentLists', () => {
  const lists = (sizes: readonly number[]): ShardAnswer<DocumentsResponseBody>[] =>
    sizes.map((size, shard) => ({
      shard,
      body: {
        results: Array.from({ length: size }, (_, i) => ({
          id: `${shard}-${i}`,
          rank: (i * 7 + shard * 3) % 10,
          _miroir_shard: shard,
        })),
        offset: 0,
        limit: 1000,
        total: size,
      },
    }));

  it('interleaves shards position by position; pages are stable, disjoint and complete', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(12), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 7 }),
        (sizes, limit) => {
          const all = lists(sizes);
          const total = sizes.reduce((a, b) => a + b, 0);
          const seen: unknown[] = [];
          for (let offset = 0; offset < total + limit; offset += limit) {
            const plan = planShardDocumentsRequest({ offset, limit });
            expect(plan).toMatchObject({ offset: 0, limit: offset + limit });
            const answers = all.map((answer) => ({
              ...answer,
              body: { ...answer.body, results: answer.body.results.slice(0, plan.limit) },
            }));
            const body = mergeDocumentLists({ offset, limit }, answers);
            expect(body.total).toBe(total);
            expect(body.results.every((doc) => !('_miroir_shard' in doc))).toBe(true);
            seen.push(...body.results.map((doc) => doc.id));
          }
          expect(new Set(seen).size).toBe(total);
          expect(seen.length).toBe(total);
        },
      ),
    );
    expect(mergeDocumentLists({ limit: 4 }, lists([2, 3])).results.map((doc) => doc.id)).toEqual([
      '0-0',
      '1-0',
      '0-1',
      '1-1',
    ]);
  });

  it('orders by sort values when asked, fetching and then removing the sort field', () => {
    const shardLists = lists([4, 4]).map((answer) => ({
      ...answer,
      body: {
        ...answer.body,
        results: [...answer.body.results].sort((a, b) => (a.rank as number) - (b.rank as number)),
      },
    }));
    expect(planShardDocumentsRequest({ fields: 'id', sort: ['rank:asc'] }).fields).toBe('id,rank');
    const body = mergeDocumentLists({ fields: 'id', sort: ['rank:asc'], limit: 8 }, shardLists);
    const ranks = shardLists
      .flatMap((answer) => answer.body.results.map((doc) => doc.rank as number))
      .sort((a, b) => a - b);
    expect(body.results.every((doc) => Object.keys(doc).join() === 'id')).toBe(true);
    const rankOf = new Map(
      shardLists.flatMap((answer) => answer.body.results.map((doc) => [doc.id, doc.rank])),
    );
    expect(body.results.map((doc) => rankOf.get(doc.id))).toEqual(ranks);
    expect(() => mergeDocumentLists({ sort: ['rank'] }, [])).toThrowError(
      expect.objectContaining({ code: 'invalid_document_sort' }),
    );
    expect(() => mergeDocumentLists({ limit: -2 }, [])).toThrowError(
      expect.objectContaining({ code: 'invalid_document_limit' }),
    );
  });
});

describe('mergeStats', () => {
  it('sums counts and sizes over one covering set and hides reserved fields', () => {
    const body = mergeStats([
      {
        shard: 0,
        body: {
          numberOfDocuments: 2,
          rawDocumentDbSize: 300,
          avgDocumentSize: 150,
          isIndexing: false,
          numberOfEmbeddings: 0,
          numberOfEmbeddedDocuments: 0,
          fieldDistribution: { title: 2, id: 2, _miroir_shard: 2 },
        },
      },
      {
        shard: 1,
        body: {
          numberOfDocuments: 1,
          rawDocumentDbSize: 101,
          avgDocumentSize: 101,
          isIndexing: true,
          numberOfEmbeddings: 0,
          numberOfEmbeddedDocuments: 0,
          fieldDistribution: { id: 1, year: 1, _miroir_shard: 1 },
        },
      },
    ]);
    expect(body).toStrictEqual({
      numberOfDocuments: 3,
      rawDocumentDbSize: 401,
      // milli: (401 - 8 bytes of key per document) / 3
      avgDocumentSize: 125,
      isIndexing: true,
      numberOfEmbeddings: 0,
      numberOfEmbeddedDocuments: 0,
      fieldDistribution: { id: 3, title: 2, year: 1 },
    });
    expect(Object.keys(body)).toEqual([
      'numberOfDocuments',
      'rawDocumentDbSize',
      'avgDocumentSize',
      'isIndexing',
      'numberOfEmbeddings',
      'numberOfEmbeddedDocuments',
      'fieldDistribution',
    ]);
    // The figures of Meilisearch 1.50 on 30,000 npm records.
    expect(averageDocumentSize(5_234_688, 30_000)).toBe(166);
    expect(mergeStats([])).toStrictEqual({ numberOfDocuments: 0, isIndexing: false, fieldDistribution: {} });
    expect(() => mergeStats([{ shard: 0, body: { numberOfDocuments: 'x' } as never }])).toThrowError(
      expect.objectContaining({ code: 'remote_bad_response' }),
    );
  });
});
