// The conformance comparator on small hand-made answers: ties (equal score and sort values) are
// free inside and may hold another subset at the page's edges, everything else is exact, timing
// fields are ignored, and each difference is named by its kind.
import { describe, expect, it } from 'vitest';
import { compareAnswers, type ConformanceRequest } from '../../conformance/compare.ts';

const search = (body: Record<string, unknown> = {}): ConformanceRequest => ({
  method: 'POST',
  path: '/indexes/npm/search',
  body,
});
const hit = (id: string, score?: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id,
  name: `pkg-${id}`,
  ...(score !== undefined ? { _rankingScore: score } : {}),
  ...extra,
});
const page = (hits: unknown[], extra: Record<string, unknown> = {}) => ({
  status: 200,
  body: { hits, query: 'q', limit: 3, offset: 0, estimatedTotalHits: 10, processingTimeMs: 1, ...extra },
});

describe('compareAnswers', () => {
  it('agrees on identical answers and ignores processingTimeMs and requestUid', () => {
    const expected = page([hit('a', 0.9), hit('b', 0.8)], { processingTimeMs: 3, requestUid: 'x' });
    const actual = page([hit('a', 0.9), hit('b', 0.8)], { processingTimeMs: 41, requestUid: 'y' });
    expect(compareAnswers(search({ limit: 3 }), expected, actual)).toEqual({
      agree: true,
      kinds: [],
      details: [],
    });
  });

  it('lets hits of one tie come in any order', () => {
    const expected = page([hit('a', 0.9), hit('b', 0.5), hit('c', 0.5)]);
    const actual = page([hit('a', 0.9), hit('c', 0.5), hit('b', 0.5)]);
    expect(compareAnswers(search({ limit: 3 }), expected, actual).agree).toBe(true);
  });

  it('reports hits of different scores in another order as hits.order', () => {
    const expected = page([hit('a'), hit('b'), hit('c')]);
    const actual = page([hit('b'), hit('a'), hit('c')]);
    // Without scores nothing is known to tie: the order is compared exactly.
    const verdict = compareAnswers(search({ limit: 3 }), expected, actual);
    expect(verdict.kinds).toEqual(['hits.order']);
  });

  it('tells ties apart by sort values as well as by score', () => {
    const sortReq = search({ limit: 3, sort: ['downloads:desc'] });
    const expected = page([
      hit('a', 0.5, { downloads: 9 }),
      hit('b', 0.5, { downloads: 7 }),
      hit('c', 0.5, { downloads: 7 }),
    ]);
    expect(
      compareAnswers(
        sortReq,
        expected,
        page([
          hit('a', 0.5, { downloads: 9 }),
          hit('c', 0.5, { downloads: 7 }),
          hit('b', 0.5, { downloads: 7 }),
        ]),
      ).agree,
    ).toBe(true);
    const swapped = page([
      hit('b', 0.5, { downloads: 7 }),
      hit('a', 0.5, { downloads: 9 }),
      hit('c', 0.5, { downloads: 7 }),
    ]);
    expect(compareAnswers(sortReq, expected, swapped).kinds).toEqual(['hits.order']);
  });

  it('accepts another member of a tie crossing the end of a full page', () => {
    const expected = page([hit('a', 0.9), hit('b', 0.5), hit('c', 0.5)]);
    const actual = page([hit('a', 0.9), hit('b', 0.5), hit('z', 0.5)]);
    expect(compareAnswers(search({ limit: 3 }), expected, actual).agree).toBe(true);
  });

  it('accepts another member of a tie crossing the start of a later page', () => {
    const expected = page([hit('b', 0.5), hit('c', 0.5), hit('d', 0.1)], { offset: 5 });
    const actual = page([hit('z', 0.5), hit('c', 0.5), hit('d', 0.1)], { offset: 5 });
    expect(compareAnswers(search({ limit: 3, offset: 5 }), expected, actual).agree).toBe(true);
    // The same page read as the first one has no hit before it: the substitute is wrong there.
    expect(
      compareAnswers(
        search({ limit: 3 }),
        { ...expected, body: { ...expected.body, offset: 0 } },
        { ...actual, body: { ...actual.body, offset: 0 } },
      ).kinds,
    ).toEqual(['hits']);
  });

  it('refuses a substitute inside the page, or at an edge that ends the results', () => {
    const expected = page([hit('a', 0.5), hit('b', 0.5), hit('c', 0.1)]);
    expect(
      compareAnswers(search({ limit: 3 }), expected, page([hit('z', 0.5), hit('b', 0.5), hit('c', 0.1)]))
        .kinds,
    ).toEqual(['hits']);
    // Two hits when 3 were asked: the last tie does not cross the end.
    const short = page([hit('a', 0.9), hit('b', 0.5)]);
    expect(compareAnswers(search({ limit: 3 }), short, page([hit('a', 0.9), hit('z', 0.5)])).kinds).toEqual([
      'hits',
    ]);
  });

  it('refuses a substitute whose score differs from the tie it fills', () => {
    const expected = page([hit('a', 0.9), hit('b', 0.5), hit('c', 0.5)]);
    expect(
      compareAnswers(search({ limit: 3 }), expected, page([hit('a', 0.9), hit('b', 0.5), hit('z', 0.4)]))
        .kinds,
    ).toEqual(['hits']);
  });

  it('reads the page edges of page/hitsPerPage requests', () => {
    const expected = page([hit('b', 0.5), hit('c', 0.1)]);
    const actual = page([hit('z', 0.5), hit('c', 0.1)]);
    expect(compareAnswers(search({ page: 2, hitsPerPage: 2 }), expected, actual).agree).toBe(true);
    expect(compareAnswers(search({ page: 1, hitsPerPage: 2 }), expected, actual).kinds).toEqual(['hits']);
  });

  it('names each difference by its kind', () => {
    const expected = page(
      [hit('a', 0.9, { _formatted: { name: '<em>a</em>' }, _rankingScoreDetails: { words: { score: 1 } } })],
      {
        facetDistribution: { major: { '1': 3 } },
      },
    );
    const actual = page(
      [
        hit('a', 0.8, {
          _formatted: { name: 'a' },
          _rankingScoreDetails: { words: { score: 0.5 } },
          version: '1.0.0',
        }),
      ],
      {
        estimatedTotalHits: 11,
        facetDistribution: { major: { '1': 2 } },
      },
    );
    const verdict = compareAnswers(search({ limit: 3 }), expected, actual);
    expect(verdict.agree).toBe(false);
    expect([...verdict.kinds].sort()).toEqual([
      '_formatted',
      '_rankingScore',
      '_rankingScoreDetails',
      'facets',
      'hits.fields',
      'totals',
    ]);
    expect(verdict.details.find((d) => d.startsWith('totals:'))).toContain('10 vs 11');
  });

  it('compares facet values in their order', () => {
    const expected = page([], { facetDistribution: { scope: { a: 1, b: 2 } } });
    const actual = page([], { facetDistribution: { scope: { b: 2, a: 1 } } });
    expect(compareAnswers(search(), expected, actual).kinds).toEqual(['facets.order']);
  });

  it('reports a status difference alone, and error fields one by one', () => {
    const error = (message: string, code = 'invalid_search_limit') => ({
      status: 400,
      body: { message, code, type: 'invalid_request', link: `https://docs.meilisearch.com/errors#${code}` },
    });
    expect(compareAnswers(search(), error('bad'), page([])).kinds).toEqual(['status']);
    expect(compareAnswers(search(), error('bad limit'), error('bad limit')).agree).toBe(true);
    expect(compareAnswers(search(), error('bad limit'), error('Bad limit.')).kinds).toEqual([
      'error.message',
    ]);
    expect(compareAnswers(search(), error('x'), error('x', 'invalid_search_offset')).kinds).toEqual([
      'error.code',
      'error.link',
    ]);
  });

  it('compares each result of a multi-search with its own query', () => {
    const req: ConformanceRequest = {
      method: 'POST',
      path: '/multi-search',
      body: {
        queries: [
          { indexUid: 'npm', q: 'a', limit: 2 },
          { indexUid: 'npm', q: 'b', limit: 2 },
        ],
      },
    };
    const answer = (second: unknown[]) => ({
      status: 200,
      body: {
        results: [
          {
            indexUid: 'npm',
            hits: [hit('a', 0.5), hit('b', 0.5)],
            limit: 2,
            offset: 0,
            estimatedTotalHits: 2,
          },
          { indexUid: 'npm', hits: second, limit: 2, offset: 0, estimatedTotalHits: 2, processingTimeMs: 2 },
        ],
      },
    });
    expect(
      compareAnswers(req, answer([hit('c', 0.7), hit('d', 0.2)]), answer([hit('c', 0.7), hit('d', 0.2)]))
        .agree,
    ).toBe(true);
    expect(
      compareAnswers(req, answer([hit('c', 0.7), hit('d', 0.2)]), answer([hit('d', 0.2), hit('c', 0.7)]))
        .kinds,
    ).toEqual(['hits.order']);
  });

  it('uses the weighted score of federated hits as their tie key', () => {
    const req: ConformanceRequest = {
      method: 'POST',
      path: '/multi-search',
      body: { federation: { limit: 2 }, queries: [] },
    };
    const fed = (id: string, score: number) =>
      hit(id, undefined, {
        _federation: { indexUid: 'npm', queriesPosition: 0, weightedRankingScore: score },
      });
    const answer = (hits: unknown[]) => ({
      status: 200,
      body: { hits, limit: 2, offset: 0, estimatedTotalHits: 5 },
    });
    expect(
      compareAnswers(req, answer([fed('a', 1), fed('b', 0.5)]), answer([fed('a', 1), fed('z', 0.5)])).agree,
    ).toBe(true);
    expect(
      compareAnswers(req, answer([fed('a', 1), fed('b', 0.5)]), answer([fed('z', 1), fed('b', 0.5)])).kinds,
    ).toEqual(['hits']);
  });

  it('compares other endpoints exactly, stats and settings as a whole', () => {
    const get = (path: string): ConformanceRequest => ({ method: 'GET', path });
    const stats = (size: number) => ({
      status: 200,
      body: { numberOfDocuments: 3, rawDocumentDbSize: size },
    });
    expect(compareAnswers(get('/indexes/npm/stats'), stats(1), stats(2)).kinds).toEqual(['stats']);
    const docs = (ids: string[]) => ({
      status: 200,
      body: { results: ids.map((id) => ({ id })), offset: 0, limit: 2, total: 9 },
    });
    const fetchDocs: ConformanceRequest = { method: 'POST', path: '/indexes/npm/documents/fetch', body: {} };
    expect(compareAnswers(fetchDocs, docs(['a', 'b']), docs(['b', 'a'])).kinds).toEqual(['documents']);
  });
});
