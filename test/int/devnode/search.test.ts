// Contract: search through the official client on a hand-built corpus whose answers are known:
// every filter operator, facets, sort (geo too), both pagination modes, distinct, typo and
// prefix matching, ranking order, highlight/crop, and federated multi-search.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Index } from 'meilisearch';
import { haversineMeters } from '#core/filter/evaluate.ts';
import { expectApiError, startTestNode, uniqueIndex, type TestNode } from './helpers.ts';

const movies = [
  {
    id: 1,
    title: 'The Matrix',
    genre: ['action', 'scifi'],
    year: 1999,
    rating: 8.7,
    director: 'Wachowski',
    _geo: { lat: 48.8566, lng: 2.3522 },
  },
  {
    id: 2,
    title: 'Matrix Reloaded',
    genre: ['action', 'scifi'],
    year: 2003,
    rating: 7.2,
    director: 'Wachowski',
    _geo: { lat: 51.5074, lng: -0.1278 },
  },
  {
    id: 3,
    title: 'The Godfather',
    genre: ['crime', 'drama'],
    year: 1972,
    rating: 9.2,
    director: 'Coppola',
    _geo: { lat: 40.7128, lng: -74.006 },
    overview:
      'one two three four five six seven eight nine ten eleven twelve godfather thirteen fourteen fifteen sixteen',
  },
  {
    id: 4,
    title: 'Pulp Fiction',
    genre: ['crime'],
    year: 1994,
    rating: 8.9,
    director: 'Tarantino',
    tags: [],
    note: null,
  },
  {
    id: 5,
    title: 'Amelie',
    genre: ['romance', 'comedy'],
    year: 2001,
    rating: 8.3,
    director: 'Jeunet',
    _geo: { lat: 48.8867, lng: 2.3431 },
  },
];

let t: TestNode;
let idx: Index;
beforeAll(async () => {
  t = await startTestNode();
  idx = t.client.index(uniqueIndex('movies'));
  await idx
    .updateSettings({
      filterableAttributes: ['genre', 'year', 'rating', 'director', 'note', 'tags', '_geo'],
      sortableAttributes: ['year', 'rating', '_geo'],
    })
    .waitTask();
  await idx.addDocuments(movies).waitTask();
});
afterAll(async () => {
  await t.stop();
});

async function ids(filter: string | (string | string[])[]): Promise<number[]> {
  const res = await idx.search('', { filter, limit: 100 });
  return res.hits.map((h) => h.id as number).sort((a, b) => a - b);
}

describe('filters', () => {
  it.each([
    ['year > 2000', [2, 5]],
    ['year >= 2001', [2, 5]],
    ['year < 1990', [3]],
    ['year <= 1994', [3, 4]],
    ['year 1990 TO 2001', [1, 4, 5]],
    ['genre = crime', [3, 4]],
    ['genre != crime', [1, 2, 5]],
    ['director IN [Coppola, Jeunet]', [3, 5]],
    ['director NOT IN [Coppola, Jeunet]', [1, 2, 4]],
    ['note EXISTS', [4]],
    ['note NOT EXISTS', [1, 2, 3, 5]],
    ['note IS NULL', [4]],
    ['tags IS EMPTY', [4]],
    ['tags IS NOT EMPTY', [1, 2, 3, 5]],
    ['note IS NOT NULL', [1, 2, 3, 5]],
    ['year = 1999', [1]],
    ['rating != 8.7', [2, 3, 4, 5]],
    ['rating 8.3 TO 8.9', [1, 4, 5]],
    ['NOT year 1990 TO 2001', [2, 3]],
    ['genre IN [drama, comedy]', [3, 5]],
    ['genre NOT IN [action, crime]', [5]],
    ['director = WACHOWSKI', [1, 2]],
    ['director = "Wachowski" AND NOT year < 2000', [2]],
    ['_geoRadius(48.8566, 2.3522, 1)', [1]],
    ['_geoRadius(40.7128, -74.006, 100000)', [3]],
    ['_geoBoundingBox([49, 3], [48, 2])', [1, 5]],
    ['NOT genre = scifi', [3, 4, 5]],
    ['(genre = crime OR genre = romance) AND year > 1980', [4, 5]],
    ['_geoRadius(48.8566, 2.3522, 10000)', [1, 5]],
    ['_geoBoundingBox([52, 3], [48, -1])', [1, 2, 5]],
  ])('%s', async (filter, expected) => {
    expect(await ids(filter)).toEqual(expected);
  });

  it('accepts the array form (outer AND, inner OR)', async () => {
    expect(await ids([['genre = crime', 'genre = romance'], 'year > 1980'])).toEqual([4, 5]);
  });
});

describe('facets, sort, pagination, distinct', () => {
  it('counts facet values and numeric stats', async () => {
    const res = await idx.search('', { facets: ['genre', 'rating'], limit: 0 });
    expect(res.facetDistribution?.genre).toEqual({
      action: 2,
      comedy: 1,
      crime: 2,
      drama: 1,
      romance: 1,
      scifi: 2,
    });
    expect(res.facetStats?.rating).toEqual({ min: 7.2, max: 9.2 });
  });

  it('counts facets over the matching documents only', async () => {
    const res = await idx.search('matrix', { facets: ['genre', 'year', 'director'], filter: 'year > 2000' });
    expect(res.hits.map((h) => h.id)).toEqual([2]);
    expect(res.facetDistribution).toEqual({
      director: { Wachowski: 1 },
      genre: { action: 1, scifi: 1 },
      year: { '2003': 1 },
    });
    expect(res.facetStats).toEqual({ year: { min: 2003, max: 2003 } });
    const none = await idx.search('zzzzzz', { facets: ['rating'] });
    expect(none.facetDistribution).toEqual({ rating: {} });
    expect(none.facetStats).toEqual({});
  });

  it('rejects facets on attributes that are not filterable', async () => {
    // Meilisearch checks the facets in its search route, so its message has no index prefix.
    const msg = await expectApiError(
      () => idx.search('', { facets: ['title'] }),
      'invalid_search_facets',
      400,
    );
    expect(msg).toMatch(/^Invalid facet distribution: Pattern `title` is not filterable\./);
  });

  it('sorts by an attribute and by distance', async () => {
    const byYear = await idx.search('', { sort: ['year:asc'] });
    expect(byYear.hits.map((h) => h.id)).toEqual([3, 4, 1, 5, 2]);
    const byGeo = await idx.search('', { sort: ['_geoPoint(48.8566,2.3522):asc'] });
    expect(byGeo.hits.map((h) => h.id)).toEqual([1, 5, 2, 3, 4]);
    expect(byGeo.hits[0]?._geoDistance).toBe(0);
  });

  it('pages with offset/limit and with page/hitsPerPage', async () => {
    const off = await idx.search('', { sort: ['year:asc'], offset: 1, limit: 2 });
    expect(off.hits.map((h) => h.id)).toEqual([4, 1]);
    expect(off).toMatchObject({ offset: 1, limit: 2, estimatedTotalHits: 5 });
    const page = await idx.search('', { sort: ['year:asc'], page: 3, hitsPerPage: 2 });
    expect(page.hits.map((h) => h.id)).toEqual([2]);
    expect(page).toMatchObject({ page: 3, hitsPerPage: 2, totalHits: 5, totalPages: 3 });
  });

  it('keeps one hit per distinct value', async () => {
    const res = await idx.search('', { distinct: 'director', sort: ['year:asc'] });
    expect(res.hits.map((h) => h.id)).toEqual([3, 4, 1, 5]);
  });
});

describe('matching and ranking', () => {
  it('tolerates a typo and matches a prefix', async () => {
    expect((await idx.search('godfathr')).hits.map((h) => h.id)).toEqual([3]);
    expect((await idx.search('godf')).hits.map((h) => h.id)).toEqual([3]);
    expect((await idx.search('zzzzzz')).hits).toEqual([]);
  });

  it('ranks an exact match before a prefix match before a typo match', async () => {
    const words = t.client.index(uniqueIndex('ranking'));
    await words
      .addDocuments([
        { id: 'typo', name: 'matrux' },
        { id: 'prefix', name: 'matrixes' },
        { id: 'exact', name: 'matrix' },
      ])
      .waitTask();
    const res = await words.search('matrix', { showRankingScore: true });
    expect(res.hits.map((h) => h.id)).toEqual(['exact', 'prefix', 'typo']);
    const scores = res.hits.map((h) => h._rankingScore as number);
    expect(scores[0]).toBeGreaterThan(scores[2]!);
    for (const s of scores) expect(s).toBeGreaterThanOrEqual(0);
  });

  it('ranks an exact match before a typo match before a partial match', async () => {
    const words = t.client.index(uniqueIndex('partial'));
    await words
      .addDocuments([
        { id: 'partial', name: 'matrix' },
        { id: 'typo', name: 'matrix reloadid' },
        { id: 'exact', name: 'matrix reloaded' },
      ])
      .waitTask();
    const res = await words.search('matrix reloaded', { showRankingScoreDetails: true });
    expect(res.hits.map((h) => h.id)).toEqual(['exact', 'typo', 'partial']);
    const details = res.hits.map((h) => h._rankingScoreDetails as Record<string, Record<string, number>>);
    expect(details.map((d) => [d.words?.matchingWords, d.typo?.typoCount])).toEqual([
      [2, 0],
      [2, 1],
      [1, 0],
    ]);
    expect(Object.keys(details[0]!)).toEqual([
      'words',
      'typo',
      'proximity',
      'attributeRank',
      'wordPosition',
      'exactness',
    ]);
    expect(details[0]!.words).toEqual({ order: 0, matchingWords: 2, maxMatchingWords: 2, score: 1 });
  });

  it('applies each matching strategy', async () => {
    const q = 'matrix godfather';
    const strategy = async (matchingStrategy: 'last' | 'all' | 'frequency') =>
      (await idx.search(q, { matchingStrategy })).hits.map((h) => h.id);
    // last drops "godfather" (the last word); frequency drops "matrix" (in more documents); all drops nothing.
    expect(await strategy('last')).toEqual([2, 1]);
    expect(await strategy('frequency')).toEqual([3]);
    expect(await strategy('all')).toEqual([]);
    expect((await idx.search('matrix reloaded', { matchingStrategy: 'all' })).hits.map((h) => h.id)).toEqual([
      2,
    ]);
  });

  it('reports sort values and geo distances in the score details', async () => {
    const res = await idx.search('', {
      sort: ['_geoPoint(48.8566, 2.3522):asc', 'year:desc'],
      showRankingScoreDetails: true,
      limit: 2,
    });
    expect(res.hits.map((h) => h.id)).toEqual([1, 5]);
    const details = res.hits[1]?._rankingScoreDetails as Record<
      string,
      { order: number; value: unknown; distance?: number }
    >;
    expect(Object.keys(details)).toEqual(['_geoPoint(48.8566, 2.3522):asc', 'year:desc']);
    expect(details['_geoPoint(48.8566, 2.3522):asc']).toMatchObject({
      order: 0,
      value: { lat: 48.8867, lng: 2.3431 },
    });
    // Haversine on a 6,371 km sphere, as Meilisearch computes it; `_geoDistance` is that, rounded.
    const distance = details['_geoPoint(48.8566, 2.3522):asc']?.distance as number;
    expect(distance).toBeCloseTo(haversineMeters([48.8566, 2.3522], [48.8867, 2.3431]), 2);
    expect(res.hits[1]?._geoDistance).toBe(Math.round(distance));
    expect(details['year:desc']).toEqual({ order: 1, value: 2001 });
  });

  it('highlights and crops', async () => {
    const res = await idx.search('godfather', {
      attributesToHighlight: ['title'],
      attributesToCrop: ['overview'],
      cropLength: 5,
    });
    const formatted = res.hits[0]?._formatted as Record<string, string | undefined>;
    expect(formatted.title).toBe('The <em>Godfather</em>');
    const overview = formatted.overview ?? '';
    expect(overview).toContain('godfather');
    expect(overview.startsWith('…')).toBe(true);
    expect(overview.endsWith('…')).toBe(true);
    expect(overview.replace(/…/g, ' ').trim().split(/\s+/).length).toBeLessThanOrEqual(5);
  });

  it('answers GET search like POST', async () => {
    const get = await idx.searchGet('', { filter: 'year > 2000', sort: ['year:desc'] });
    expect(get.hits.map((h) => h.id)).toEqual([2, 5]);
  });
});

describe('errors for bad search input', () => {
  it.each([
    [{ filter: 'title = x' }, 'invalid_search_filter'],
    [{ filter: 'year >' }, 'invalid_search_filter'],
    [{ filter: '_geoRadius(100, 2, 10)' }, 'invalid_search_filter'],
    [{ sort: ['title:asc'] }, 'invalid_search_sort'],
    [{ sort: ['_geo:asc'] }, 'invalid_search_sort'],
    [{ distinct: 'title' }, 'invalid_search_distinct'],
    [{ offset: -1 }, 'invalid_search_offset'],
    [{ hitsPerPage: 'x' }, 'invalid_search_hits_per_page'],
    [{ cropLength: 'x' }, 'invalid_search_crop_length'],
    [{ rankingScoreThreshold: 2 }, 'invalid_search_ranking_score_threshold'],
    [{ attributesToHighlight: 'title' }, 'invalid_search_attributes_to_highlight'],
  ])('%j gives %s', async (params, code) => {
    await expectApiError(() => idx.search('matrix', params as Parameters<typeof idx.search>[1]), code, 400);
  });

  it('names the index in errors that depend on its settings', async () => {
    const msg = await expectApiError(
      () => idx.search('', { filter: 'title = x' }),
      'invalid_search_filter',
      400,
    );
    expect(msg).toMatch(new RegExp(`^Index \`${idx.uid}\`: Attribute \`title\` is not filterable`));
  });
});

describe('multi-search', () => {
  it('answers each query in order', async () => {
    const res = await t.client.multiSearch({
      queries: [
        { indexUid: idx.uid, q: 'matrix' },
        { indexUid: idx.uid, q: 'amelie' },
      ],
    });
    // "Matrix Reloaded" (word at position 0, title starts with it) beats "The Matrix" (position 1)
    // on wordPosition and exactness once words, typo, proximity and attributeRank tie.
    expect(res.results.map((r) => r.hits.map((h) => h.id))).toEqual([[2, 1], [5]]);
    expect(res.results[0]?.indexUid).toBe(idx.uid);
  });

  it('merges federated queries by weighted score, pages them and merges facets', async () => {
    const res = await t.client.multiSearch({
      federation: { limit: 2, offset: 0, facetsByIndex: { [idx.uid]: ['genre'] }, mergeFacets: {} },
      queries: [
        { indexUid: idx.uid, q: 'matrix', federationOptions: { weight: 0.1 } },
        { indexUid: idx.uid, q: 'godfather', federationOptions: { weight: 2 } },
      ],
    });
    expect(res.hits[0]?.id).toBe(3);
    expect(res.hits[0]?._federation).toMatchObject({ indexUid: idx.uid, queriesPosition: 1 });
    expect(res.hits).toHaveLength(2);
    expect(res.estimatedTotalHits).toBe(3);
    expect(res.facetDistribution?.genre?.crime).toBe(1);
  });
});
