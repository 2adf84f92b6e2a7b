// Contract: search through the official client on a hand-built corpus whose answers are known:
// every filter operator, facets, sort (geo too), both pagination modes, distinct, typo and
// prefix matching, ranking order, highlight/crop, and federated multi-search.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Index } from 'meilisearch';
import { startTestNode, uniqueIndex, type TestNode } from './helpers.ts';

const movies = [
  { id: 1, title: 'The Matrix', genre: ['action', 'scifi'], year: 1999, rating: 8.7, director: 'Wachowski', _geo: { lat: 48.8566, lng: 2.3522 } },
  { id: 2, title: 'Matrix Reloaded', genre: ['action', 'scifi'], year: 2003, rating: 7.2, director: 'Wachowski', _geo: { lat: 51.5074, lng: -0.1278 } },
  { id: 3, title: 'The Godfather', genre: ['crime', 'drama'], year: 1972, rating: 9.2, director: 'Coppola', _geo: { lat: 40.7128, lng: -74.006 },
    overview: 'one two three four five six seven eight nine ten eleven twelve godfather thirteen fourteen fifteen sixteen' },
  { id: 4, title: 'Pulp Fiction', genre: ['crime'], year: 1994, rating: 8.9, director: 'Tarantino', tags: [], note: null },
  { id: 5, title: 'Amelie', genre: ['romance', 'comedy'], year: 2001, rating: 8.3, director: 'Jeunet', _geo: { lat: 48.8867, lng: 2.3431 } },
];

let t: TestNode;
let idx: Index;
beforeAll(async () => {
  t = await startTestNode();
  idx = t.client.index(uniqueIndex('movies'));
  await idx.updateSettings({
    filterableAttributes: ['genre', 'year', 'rating', 'director', 'note', 'tags', '_geo'],
    sortableAttributes: ['year', 'rating', '_geo'],
  }).waitTask();
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
    expect(res.facetDistribution?.genre).toEqual({ action: 2, comedy: 1, crime: 2, drama: 1, romance: 1, scifi: 2 });
    expect(res.facetStats?.rating).toEqual({ min: 7.2, max: 9.2 });
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
    await words.addDocuments([
      { id: 'typo', name: 'matrux' },
      { id: 'prefix', name: 'matrixes' },
      { id: 'exact', name: 'matrix' },
    ]).waitTask();
    const res = await words.search('matrix', { showRankingScore: true });
    expect(res.hits.map((h) => h.id)).toEqual(['exact', 'prefix', 'typo']);
    const scores = res.hits.map((h) => h._rankingScore as number);
    expect(scores[0]).toBeGreaterThan(scores[2]!);
    for (const s of scores) expect(s).toBeGreaterThanOrEqual(0);
  });

  it('highlights and crops', async () => {
    const res = await idx.search('godfather', { attributesToHighlight: ['title'], attributesToCrop: ['overview'], cropLength: 5 });
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

describe('multi-search', () => {
  it('answers each query in order', async () => {
    const res = await t.client.multiSearch({ queries: [{ indexUid: idx.uid, q: 'matrix' }, { indexUid: idx.uid, q: 'amelie' }] });
    expect(res.results.map((r) => r.hits.map((h) => h.id))).toEqual([[1, 2], [5]]);
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
