// mergeSearchResults: merged hits equal one node's hits (score, sort, both pagination modes),
// whatever the partition and the answers' order; pages never overlap or skip; totals, facets,
// distinct, hybrid and field stripping behave as Meilisearch's single-index search.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mergeSearchResults,
  planShardRequest,
  validateSearchRequest,
  type Hit,
  type SearchRequest,
  type ShardSearchResponse,
} from '#core/merge/index.ts';
import { compareSortValues, normalizeFacet } from '#core/merge/sort-values.ts';
import { distinctScores, shardAnswers, shuffled } from './fixtures.ts';

const ids = (hits: readonly Hit[]) => hits.map((hit) => hit.id);

function scoredHits(scores: readonly number[]): Hit[] {
  return [...scores]
    .sort((a, b) => b - a)
    .map((score, i) => ({ id: i, title: `doc ${i}`, _miroir_shard: 0, _rankingScore: score }));
}

describe('mergeSearchResults: golden examples', () => {
  it('orders by _rankingScore, applies offset/limit after the merge and strips what the client did not ask for', () => {
    const answers: ShardSearchResponse[] = [
      {
        shard: 0,
        body: {
          hits: [
            { id: 'a', _miroir_shard: 0, _rankingScore: 0.9 },
            { id: 'c', _miroir_shard: 0, _rankingScore: 0.5 },
          ],
          query: 'x',
          processingTimeMs: 3,
          limit: 3,
          offset: 0,
          estimatedTotalHits: 2,
        },
      },
      {
        shard: 1,
        body: {
          hits: [
            { id: 'b', _miroir_shard: 1, _rankingScore: 0.7 },
            { id: 'd', _miroir_shard: 1, _rankingScore: 0.1 },
          ],
          query: 'x',
          processingTimeMs: 7,
          limit: 3,
          offset: 0,
          estimatedTotalHits: 40,
        },
      },
    ];
    const body = mergeSearchResults({ q: 'x', offset: 1, limit: 2 }, answers, { requestUid: '0190-uid' });
    expect(body).toStrictEqual({
      hits: [{ id: 'b' }, { id: 'c' }],
      query: 'x',
      processingTimeMs: 7,
      limit: 2,
      offset: 1,
      estimatedTotalHits: 42,
      requestUid: '0190-uid',
    });
    expect(Object.keys(body)).toEqual([
      'hits',
      'query',
      'processingTimeMs',
      'limit',
      'offset',
      'estimatedTotalHits',
      'requestUid',
    ]);
  });

  it('keeps _rankingScore and details when asked, answers page mode with Meilisearch totals', () => {
    const details = { words: { order: 0, matchingWords: 1, maxMatchingWords: 1, score: 1 } };
    const answers: ShardSearchResponse[] = [
      {
        shard: 0,
        body: {
          hits: [{ id: 1, _rankingScore: 0.8, _rankingScoreDetails: details }],
          hitsPerPage: 4,
          page: 1,
          totalPages: 1,
          totalHits: 3,
        },
      },
      {
        shard: 1,
        body: {
          hits: [{ id: 2, _rankingScore: 0.9, _rankingScoreDetails: details }],
          hitsPerPage: 4,
          page: 1,
          totalPages: 1,
          totalHits: 2,
        },
      },
    ];
    const body = mergeSearchResults({ q: 'y', page: 2, hitsPerPage: 2, showRankingScore: true }, answers, {
      processingTimeMs: 12,
    });
    expect(body).toStrictEqual({
      hits: [],
      query: 'y',
      processingTimeMs: 12,
      hitsPerPage: 2,
      page: 2,
      totalPages: 3,
      totalHits: 5,
    });
    const first = mergeSearchResults(
      { q: 'y', hitsPerPage: 2, showRankingScore: true, showRankingScoreDetails: true },
      answers,
    );
    expect(first.hits).toStrictEqual([
      { id: 2, _rankingScore: 0.9, _rankingScoreDetails: details },
      { id: 1, _rankingScore: 0.8, _rankingScoreDetails: details },
    ]);
    expect(first.totalPages).toBe(3);
  });

  it('caps the window by maxTotalHits but reports whole counts and echoes the request, as Meilisearch 1.50', () => {
    const answers: ShardSearchResponse[] = [0, 1].map((shard) => ({
      shard,
      body: { hits: [{ id: shard, _rankingScore: 1 }], totalHits: 8, hitsPerPage: 1, page: 1, totalPages: 8 },
    }));
    expect(mergeSearchResults({ hitsPerPage: 3 }, answers, { maxTotalHits: 10 })).toMatchObject({
      totalHits: 16,
      totalPages: 6,
    });
    expect(mergeSearchResults({ page: 0 }, answers, { maxTotalHits: 10 })).toMatchObject({
      hits: [],
      page: 0,
      hitsPerPage: 20,
      totalHits: 16,
      totalPages: 1,
    });
    expect(mergeSearchResults({ hitsPerPage: 0 }, answers)).toMatchObject({
      hits: [],
      totalPages: 0,
      totalHits: 16,
    });
    // Past the cap: no hits, the offset and limit as asked, the whole count.
    const offsetMode = mergeSearchResults({ offset: 50, limit: 5 }, answers, { maxTotalHits: 10 });
    expect(offsetMode).toMatchObject({ hits: [], offset: 50, limit: 5, estimatedTotalHits: 16 });
    expect(mergeSearchResults({ offset: 1, limit: 5 }, answers, { maxTotalHits: 1 }).hits).toStrictEqual([]);
  });

  it('sorts by the sort criteria with numbers before strings and missing values last, in both directions', () => {
    const docs = [
      { id: 1, price: 30 },
      { id: 2, price: 'apple' },
      { id: 3 },
      { id: 4, price: 5 },
      { id: 5, price: 'Banana' },
      { id: 6, price: null },
      { id: 7, price: [40, 'zzz'] },
      { id: 8, price: true },
    ];
    for (const asc of [true, false]) {
      const criterion = `price:${asc ? 'asc' : 'desc'}`;
      const value = (doc: Hit) => {
        const raw = doc.price;
        const values = (Array.isArray(raw) ? raw : [raw])
          .filter((v) => v !== null && v !== undefined)
          .map((v) =>
            typeof v === 'string' ? normalizeFacet(v) : typeof v === 'boolean' ? String(v) : (v as number),
          );
        return values.sort((a, b) => compareSortValues(asc, a, b))[0] ?? null;
      };
      const global = [...docs]
        .sort((a, b) => compareSortValues(asc, value(a), value(b)) || a.id - b.id)
        .map((doc) => ({ ...doc, _rankingScore: 1 }));
      // Two shards, no score details: the merge reads the values from the documents themselves.
      const answers = shardAnswers(global, [0, 1, 0, 1, 1, 0, 1, 0], 2, 20);
      const merged = mergeSearchResults({ sort: [criterion] }, answers);
      // Documents 3 (missing) and 6 (null) tie at the end: compare sort values, not ids.
      expect(merged.hits.map(value)).toEqual(global.map(value));
      expect(ids(merged.hits).slice(0, 6)).toEqual(ids(global).slice(0, 6));
      // Literal expectation: 5, 30, [40,'zzz'] at 40, 'apple', 'Banana', true as "true", then missing/null.
      expect(ids(merged.hits).slice(0, 6)).toEqual(asc ? [4, 1, 7, 2, 5, 8] : [7, 1, 4, 8, 5, 2]);
    }
  });

  /** Two shards ranked by `words`, then `price:asc`, then `exactness`, details keys in rule order or reversed. */
  const mergedBySortDetails = (reversedKeys: boolean) => {
    const hit = (id: number, words: number, price: number, exact: number): Hit => {
      const rules: [string, Record<string, number>][] = [
        ['words', { order: 0, score: words }],
        ['price:asc', { order: 1, value: price }],
        ['exactness', { order: 2, score: exact }],
      ];
      return {
        id,
        _rankingScore: 0.5,
        _rankingScoreDetails: Object.fromEntries(reversedKeys ? rules.reverse() : rules),
      };
    };
    const shard0 = [hit(1, 1, 50, 0.2), hit(2, 0.5, 1, 1)];
    const shard1 = [hit(3, 1, 10, 0.1), hit(4, 1, 50, 0.9), hit(5, 0.5, 2, 1)];
    return mergeSearchResults({ q: 'a b', sort: ['price:asc'] }, [
      { shard: 0, body: { hits: shard0, estimatedTotalHits: 2 } },
      { shard: 1, body: { hits: shard1, estimatedTotalHits: 3 } },
    ]);
  };

  it('ranks by the score details: relevancy rules placed before `sort` decide first, then the sort value', () => {
    const body = mergedBySortDetails(false);
    expect(ids(body.hits)).toEqual([3, 4, 1, 2, 5]);
    expect(body.hits[0]).toStrictEqual({ id: 3 });
  });

  it('reads the score details by their `order`, whatever order their keys come in', () => {
    const body = mergedBySortDetails(true);
    expect(ids(body.hits)).toEqual([3, 4, 1, 2, 5]);
  });

  it('sorts by geo distance from the score details, nearest first for asc', () => {
    const geo = (id: number, distance: number | null): Hit => ({
      id,
      _rankingScore: 1,
      _rankingScoreDetails: { '_geoPoint(48.8, 2.3):asc': { order: 0, value: null, distance } },
    });
    const body = mergeSearchResults({ sort: ['_geoPoint(48.8, 2.3):asc'] }, [
      { shard: 0, body: { hits: [geo(1, 10), geo(2, 500), geo(3, null)] } },
      { shard: 1, body: { hits: [geo(4, 20), geo(5, null)] } },
    ]);
    expect(ids(body.hits)).toEqual([1, 4, 2, 3, 5]);
  });

  it('removes fields fetched only for the merge, nested ones included, and every _miroir_ field, also in _formatted', () => {
    const request: SearchRequest = {
      q: 'x',
      attributesToRetrieve: ['title'],
      sort: ['meta.rank:desc'],
      distinct: 'brand',
    };
    const plan = planShardRequest(request, {});
    expect(plan.attributesToRetrieve).toEqual(['title', 'meta.rank', 'brand']);
    const hit = (id: number, rank: number): Hit => ({
      title: `t${id}`,
      meta: { rank },
      brand: `b${id}`,
      _miroir_shard: 1,
      _rankingScore: 1,
      _formatted: { title: `<em>t${id}</em>`, brand: `b${id}`, _miroir_shard: '1' },
    });
    const body = mergeSearchResults(request, [{ shard: 0, body: { hits: [hit(1, 5), hit(2, 3)] } }]);
    expect(body.hits).toStrictEqual([
      { title: 't1', _formatted: { title: '<em>t1</em>' } },
      { title: 't2', _formatted: { title: '<em>t2</em>' } },
    ]);
  });

  it('sums facet counts exactly, orders and cuts them like one node, merges facetStats', () => {
    const answers: ShardSearchResponse[] = [
      {
        shard: 1,
        body: {
          hits: [],
          estimatedTotalHits: 3,
          facetDistribution: { color: { red: 2, Blue: 1 }, size: { '10': 1, '9': 2 } },
          facetStats: { size: { min: 9, max: 10 } },
        },
      },
      {
        shard: 0,
        body: {
          hits: [],
          estimatedTotalHits: 4,
          facetDistribution: { color: { blue: 3, green: 1 }, size: { '2': 4 } },
          facetStats: { size: { min: 2, max: 2 } },
        },
      },
    ];
    const alpha = mergeSearchResults({ facets: ['color', 'size'] }, answers);
    // Spelling of the lower shard wins; at most 3000 candidates milli orders numbers as strings.
    expect(Object.entries(alpha.facetDistribution?.color ?? {})).toEqual([
      ['blue', 4],
      ['green', 1],
      ['red', 2],
    ]);
    expect(alpha.facetDistribution?.size).toStrictEqual({ '10': 1, '2': 4, '9': 2 });
    expect(alpha.facetStats).toStrictEqual({ size: { min: 2, max: 10 } });
    const byCount = mergeSearchResults({ facets: ['color'] }, answers, {
      sortFacetValuesBy: { '*': 'alpha', color: 'count' },
      maxValuesPerFacet: 2,
    });
    expect(Object.entries(byCount.facetDistribution?.color ?? {})).toEqual([
      ['blue', 4],
      ['red', 2],
    ]);
  });

  it('keeps one hit per distinct value across shards, the best one, and leaves documents without the field', () => {
    const h = (id: number, score: number, brand?: string): Hit => ({
      id,
      _rankingScore: score,
      ...(brand === undefined ? {} : { brand }),
    });
    const body = mergeSearchResults({ q: 'x', distinct: 'brand' }, [
      { shard: 0, body: { hits: [h(1, 0.9, 'Acme'), h(2, 0.5, 'Zed'), h(3, 0.4)], estimatedTotalHits: 3 } },
      { shard: 1, body: { hits: [h(4, 0.95, 'zed'), h(5, 0.8, 'acme '), h(6, 0.3)], estimatedTotalHits: 3 } },
    ]);
    expect(ids(body.hits)).toEqual([4, 1, 3, 6]);
    expect(body.estimatedTotalHits).toBe(4);
  });

  it('merges hybrid hits by score weighted by the semantic ratio and counts semantic hits of the page', () => {
    const keyword = (id: number, score: number): Hit => ({
      id,
      _rankingScore: score,
      _rankingScoreDetails: { words: { order: 0, score } },
    });
    const semantic = (id: number, score: number): Hit => ({
      id,
      _rankingScore: score,
      _rankingScoreDetails: { vectorSort: { order: 0, similarity: score } },
    });
    const request: SearchRequest = { q: 'x', hybrid: { embedder: 'default', semanticRatio: 0.8 }, limit: 3 };
    expect(planShardRequest(request).showRankingScoreDetails).toBe(true);
    const body = mergeSearchResults(request, [
      { shard: 0, body: { hits: [semantic(1, 0.6), keyword(2, 1)], semanticHitCount: 1 } },
      { shard: 1, body: { hits: [semantic(3, 0.5), keyword(4, 0.9)], semanticHitCount: 1 } },
    ]);
    // 0.6*0.8=0.48, 0.5*0.8=0.40 beat 1*0.2=0.20 and 0.9*0.2=0.18.
    expect(ids(body.hits)).toEqual([1, 3, 2]);
    expect(body.semanticHitCount).toBe(2);
  });

  it('copies the client request key by key, a parsed `__proto__` field included', () => {
    const client = JSON.parse('{"q":"a","__proto__":{"x":1},"limit":5,"offset":2}') as SearchRequest;
    const planned = planShardRequest(client);
    expect(Object.getPrototypeOf(planned)).toBe(Object.prototype);
    expect(JSON.stringify(planned)).toBe(
      '{"q":"a","__proto__":{"x":1},"showRankingScore":true,"offset":0,"limit":7}',
    );
    expect(client).toStrictEqual(JSON.parse('{"q":"a","__proto__":{"x":1},"limit":5,"offset":2}'));
  });

  it('honours rankingScoreThreshold even from a node that ignored it', () => {
    const body = mergeSearchResults({ q: 'x', rankingScoreThreshold: 0.5 }, [
      {
        shard: 0,
        body: {
          hits: [
            { id: 1, _rankingScore: 0.9 },
            { id: 2, _rankingScore: 0.2 },
          ],
          estimatedTotalHits: 2,
        },
      },
    ]);
    expect(ids(body.hits)).toEqual([1]);
    expect(body.estimatedTotalHits).toBe(1);
  });

  it('rejects bad requests with Meilisearch codes and broken node answers with remote_bad_response', () => {
    const ok = [{ shard: 0, body: { hits: [] } }];
    expect(() => mergeSearchResults({ limit: -1 }, ok)).toThrowError(
      expect.objectContaining({ code: 'invalid_search_limit', status: 400 }),
    );
    expect(() => mergeSearchResults({ sort: ['price'] }, ok)).toThrowError(
      expect.objectContaining({ code: 'invalid_search_sort' }),
    );
    expect(() => mergeSearchResults({ sort: ['_geoPoint(91, 0):asc'] }, ok)).toThrowError(
      expect.objectContaining({ code: 'invalid_search_sort' }),
    );
    expect(() => mergeSearchResults({ rankingScoreThreshold: 2 }, ok)).toThrowError(
      expect.objectContaining({ code: 'invalid_search_ranking_score_threshold' }),
    );
    // Meilisearch 1.50's own texts (read from its binary); the first bad field in body order wins.
    const messageOf = (request: Record<string, unknown>): string => {
      try {
        validateSearchRequest(request, {});
      } catch (err) {
        return `${(err as { code: string }).code}: ${(err as Error).message}`;
      }
      return 'accepted';
    };
    expect(messageOf({ q: 'x', limit: -1 })).toBe(
      'invalid_search_limit: Invalid value type at `.limit`: expected a positive integer, but found a negative integer: `-1`',
    );
    expect(messageOf({ limit: 'ten' })).toBe(
      'invalid_search_limit: Invalid value type at `.limit`: expected a positive integer, but found a string: `"ten"`',
    );
    expect(messageOf({ offset: null })).toBe(
      'invalid_search_offset: Invalid value type at `.offset`: expected a positive integer, but found null',
    );
    expect(messageOf({ page: null, hitsPerPage: null, facets: null, distinct: null })).toBe('accepted');
    expect(messageOf({ facets: 'major' })).toBe(
      'invalid_search_facets: Invalid value type at `.facets`: expected an array, but found a string: `"major"`',
    );
    expect(messageOf({ attributesToRetrieve: [1] })).toBe(
      'invalid_search_attributes_to_retrieve: Invalid value type at `.attributesToRetrieve[0]`: expected a string, but found a positive integer: `1`',
    );
    expect(messageOf({ sort: 'x' })).toBe(
      'invalid_search_sort: Invalid value type at `.sort`: expected an array, but found a string: `"x"`',
    );
    expect(messageOf({ distinct: true })).toBe(
      'invalid_search_distinct: Invalid value type at `.distinct`: expected a string, but found a boolean: `true`',
    );
    expect(messageOf({ rankingScoreThreshold: 2 })).toBe(
      'invalid_search_ranking_score_threshold: Invalid value at `.rankingScoreThreshold`: the value of `rankingScoreThreshold` is invalid, expected a float between `0.0` and `1.0`.',
    );
    expect(messageOf({ hybrid: { embedder: 'e', semanticRatio: 'a' } })).toBe(
      'invalid_search_semantic_ratio: Invalid value type at `.hybrid.semanticRatio`: expected a number, but found a string: `"a"`',
    );
    expect(messageOf({ offset: -1, limit: -1 })).toMatch(/^invalid_search_offset/);
    expect(messageOf({ limit: -1, offset: -1 })).toMatch(/^invalid_search_limit/);
    expect(() => mergeSearchResults({}, [{ shard: 0, body: { hits: 'nope' } as never }])).toThrowError(
      expect.objectContaining({ code: 'remote_bad_response', status: 502 }),
    );
    expect(() => mergeSearchResults({}, [{ shard: 0, body: { hits: [{ id: 1 }] } }])).toThrowError(
      /_rankingScore/,
    );
    expect(() => mergeSearchResults({}, [...ok, ...ok])).toThrowError(
      expect.objectContaining({ code: 'internal' }),
    );
  });
});

describe('mergeSearchResults: properties', () => {
  const partition = fc.record({
    scores: distinctScores(60),
    shards: fc.integer({ min: 1, max: 6 }),
    seed: fc.integer(),
    assignment: fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
  });

  it('equals the global list for any partition (offset mode) and does not depend on the answers order', () => {
    fc.assert(
      fc.property(
        partition,
        fc.nat(70),
        fc.nat(30),
        ({ scores, shards, seed, assignment }, offset, limit) => {
          const global = scoredHits(scores);
          const request: SearchRequest = { q: 'x', offset, limit };
          const plan = planShardRequest(request);
          const answers = shardAnswers(global, assignment, shards, plan.limit as number);
          const merged = mergeSearchResults(request, answers);
          expect(ids(merged.hits)).toEqual(ids(global.slice(offset, offset + limit)));
          expect(merged.estimatedTotalHits).toBe(global.length);
          expect(mergeSearchResults(request, shuffled(answers, seed))).toStrictEqual(merged);
        },
      ),
    );
  });

  it('equals the global list in page mode with exhaustive totals', () => {
    fc.assert(
      fc.property(
        partition,
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 0, max: 12 }),
        ({ scores, shards, assignment }, page, hitsPerPage) => {
          const global = scoredHits(scores);
          const request: SearchRequest = { q: 'x', page, hitsPerPage };
          const plan = planShardRequest(request);
          expect(plan).toMatchObject({ page: 1, showRankingScore: true });
          const answers = shardAnswers(
            global,
            assignment,
            shards,
            plan.hitsPerPage as number,
            (_s, hits) => ({ totalHits: hits.length, estimatedTotalHits: undefined }),
          );
          const merged = mergeSearchResults(request, answers);
          const start = page === 0 ? 0 : (page - 1) * hitsPerPage;
          expect(ids(merged.hits)).toEqual(page === 0 ? [] : ids(global.slice(start, start + hitsPerPage)));
          expect(merged.totalHits).toBe(global.length);
          expect(merged.totalPages).toBe(hitsPerPage === 0 ? 0 : Math.ceil(global.length / hitsPerPage));
        },
      ),
    );
  });

  it('equals the global order for multi-key sorts over mixed values, with or without score details', () => {
    const value = fc.oneof(
      fc.integer({ min: -5, max: 5 }),
      fc.constantFrom('a', 'B', 'b', 'é', 'z'),
      fc.constant(null),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(
        fc.array(fc.record({ a: value, b: value }), { maxLength: 40 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
        fc.nat(20),
        (rows, ascA, ascB, withDetails, shards, assignment, limit) => {
          const norm = (v: unknown) =>
            v === undefined || v === null ? null : typeof v === 'string' ? normalizeFacet(v) : (v as number);
          const docs = rows.map((row, id) => ({
            id,
            ...(row.a === undefined ? {} : { a: row.a }),
            ...(row.b === undefined ? {} : { b: row.b }),
          }));
          const global = [...docs]
            .sort(
              (x, y) =>
                compareSortValues(ascA, norm(x.a), norm(y.a)) ||
                compareSortValues(ascB, norm(x.b), norm(y.b)) ||
                x.id - y.id,
            )
            .map((doc) => ({
              ...doc,
              _rankingScore: 1,
              ...(withDetails
                ? {
                    _rankingScoreDetails: {
                      [`a:${ascA ? 'asc' : 'desc'}`]: { order: 0, value: norm(doc.a) },
                      [`b:${ascB ? 'asc' : 'desc'}`]: { order: 1, value: norm(doc.b) },
                    },
                  }
                : {}),
            }));
          const request: SearchRequest = {
            sort: [`a:${ascA ? 'asc' : 'desc'}`, `b:${ascB ? 'asc' : 'desc'}`],
            limit,
          };
          const merged = mergeSearchResults(request, shardAnswers(global, assignment, shards, limit));
          // Equal sort keys may come in another order (ties): compare the keys, not the ids.
          const keys = (hits: readonly Hit[]) => hits.map((hit) => [norm(hit.a), norm(hit.b)]);
          expect(keys(merged.hits)).toEqual(keys(global.slice(0, limit)));
        },
      ),
    );
  });

  it('consecutive pages never overlap nor skip, ties included (placeholder search scores every hit 1.0)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.nat(), { minLength: 50, maxLength: 50 }),
        fc.integer({ min: 1, max: 9 }),
        (count, shards, assignment, size) => {
          const global = Array.from({ length: count }, (_, id) => ({ id, _rankingScore: 1 }));
          const all = shardAnswers(global, assignment, shards, 100);
          const seen: unknown[] = [];
          for (let offset = 0; offset < count + size; offset += size) {
            const request: SearchRequest = { offset, limit: size };
            const window = planShardRequest(request).limit as number;
            const answers = all.map((answer) => ({
              ...answer,
              body: { ...answer.body, hits: answer.body.hits.slice(0, window) },
            }));
            seen.push(...ids(mergeSearchResults(request, answers).hits));
          }
          expect([...seen].sort((a, b) => (a as number) - (b as number))).toEqual(
            global.map((hit) => hit.id),
          );
          expect(new Set(seen).size).toBe(seen.length);
        },
      ),
    );
  });

  it('facet sums equal the facet counts of the whole, whatever the partition', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            color: fc.constantFrom('red', 'Red', 'blue', 'green', 'GREEN '),
            n: fc.integer({ min: 0, max: 4 }),
          }),
          { maxLength: 60 },
        ),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
        (docs, shards, assignment) => {
          const count = (subset: typeof docs) => {
            const colors: Record<string, number> = {};
            const ns: Record<string, number> = {};
            for (const doc of subset) {
              const key = normalizeFacet(doc.color);
              colors[key] = (colors[key] ?? 0) + 1;
              ns[String(doc.n)] = (ns[String(doc.n)] ?? 0) + 1;
            }
            return { color: colors, n: ns };
          };
          const answers: ShardSearchResponse[] = Array.from({ length: shards }, (_, shard) => {
            const mine = docs.filter((_, i) => (assignment[i] ?? 0) % shards === shard);
            return {
              shard,
              body: { hits: [], estimatedTotalHits: mine.length, facetDistribution: count(mine) },
            };
          });
          const merged = mergeSearchResults({ facets: ['color', 'n'] }, answers, { maxValuesPerFacet: 1000 });
          const whole = count(docs);
          const norm = (dist: Record<string, number> | undefined) =>
            Object.fromEntries(Object.entries(dist ?? {}).map(([k, v]) => [normalizeFacet(k), v]));
          expect(norm(merged.facetDistribution?.color)).toStrictEqual(whole.color);
          expect(merged.facetDistribution?.n).toStrictEqual(whole.n);
        },
      ),
    );
  });

  it('distinct yields one hit per value, the best ranked one', () => {
    fc.assert(
      fc.property(
        distinctScores(40),
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', undefined), { minLength: 40, maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
        (scores, brands, shards, assignment) => {
          const global = scoredHits(scores).map((hit, i) =>
            brands[i] === undefined ? hit : { ...hit, brand: brands[i] },
          );
          // Each shard applied distinct itself: it holds only its best hit per brand.
          const answers = shardAnswers(global, assignment, shards, 100).map((answer) => {
            const kept = new Set<unknown>();
            const hits = answer.body.hits.filter(
              (hit) => hit.brand === undefined || (!kept.has(hit.brand) && kept.add(hit.brand)),
            );
            return { ...answer, body: { ...answer.body, hits, estimatedTotalHits: hits.length } };
          });
          const merged = mergeSearchResults({ q: 'x', distinct: 'brand', limit: 100 }, answers);
          const kept = new Set<unknown>();
          const expected = global.filter(
            (hit) => hit.brand === undefined || (!kept.has(hit.brand) && kept.add(hit.brand)),
          );
          expect(ids(merged.hits)).toEqual(ids(expected));
          expect(merged.estimatedTotalHits).toBe(expected.length);
        },
      ),
    );
  });

  it('stripped fields never appear', () => {
    fc.assert(
      fc.property(
        distinctScores(20),
        fc.boolean(),
        fc.boolean(),
        fc.option(fc.constantFrom<string[]>(['id'], ['title'], ['*']), { nil: undefined }),
        (scores, showScore, showDetails, attributes) => {
          const hits = scoredHits(scores).map((hit) => ({
            ...hit,
            _miroir_other: 1,
            price: 3,
            _rankingScoreDetails: {},
            _formatted: { title: 'x', _miroir_shard: '0' },
          }));
          const request: SearchRequest = {
            sort: ['price:asc'],
            showRankingScore: showScore,
            showRankingScoreDetails: showDetails,
            ...(attributes ? { attributesToRetrieve: attributes } : {}),
          };
          const merged = mergeSearchResults(request, [{ shard: 0, body: { hits } }]);
          for (const hit of merged.hits) {
            expect(Object.keys(hit).some((key) => key.startsWith('_miroir_'))).toBe(false);
            expect(Object.keys(hit._formatted as object).some((key) => key.startsWith('_miroir_'))).toBe(
              false,
            );
            expect('_rankingScore' in hit).toBe(showScore);
            expect('_rankingScoreDetails' in hit).toBe(showDetails);
            expect('price' in hit).toBe(attributes === undefined || attributes.includes('*'));
          }
        },
      ),
    );
  });
});
