import { describe, expect, it } from 'vitest';
import type { FilterExpr } from '#core/filter/ast.ts';
import { EngineError } from '#devnode/engine/index.ts';
import { engineWith, ids, searchRequest } from './helpers.ts';

const movies = [
  { id: 1, title: 'Carol', genre: 'Romance', year: 2015, tags: ['drama', 'Love'] },
  { id: 2, title: 'Wonder Woman', genre: 'Action', year: 2017, tags: ['hero'] },
  { id: 3, title: 'Life of Pi', genre: 'action', year: 2012, tags: [] },
  { id: 4, title: 'Mad Max', genre: 'Action', year: 2015, director: null },
  { id: 5, title: 'Moana', genre: 'Animation', year: '2016' },
];
const cmp = (attribute: string, op: '=' | '!=' | '>' | '>=' | '<' | '<=', value: string): FilterExpr => ({
  type: 'compare',
  attribute,
  op,
  value,
});

describe('filters', () => {
  const engine = engineWith(movies, { filterableAttributes: ['genre', 'year', 'tags', 'director', 'title'] });
  it('evaluates comparisons, ranges, IN, NOT, EXISTS, NULL, EMPTY', () => {
    expect(ids(engine, { filter: cmp('genre', '=', 'ACTION') })).toEqual([2, 3, 4]);
    expect(ids(engine, { filter: cmp('genre', '!=', 'action') })).toEqual([1, 5]);
    expect(ids(engine, { filter: cmp('year', '>', '2014') })).toEqual([1, 2, 4, 5]); // "2016" string > "2014"
    expect(ids(engine, { filter: { type: 'range', attribute: 'year', from: '2012', to: '2015' } })).toEqual([
      1, 3, 4,
    ]);
    expect(ids(engine, { filter: { type: 'in', attribute: 'tags', values: ['love', 'hero'] } })).toEqual([
      1, 2,
    ]);
    expect(ids(engine, { filter: { type: 'not', child: cmp('year', '=', '2015') } })).toEqual([2, 3, 5]);
    expect(ids(engine, { filter: { type: 'exists', attribute: 'director' } })).toEqual([4]);
    expect(ids(engine, { filter: { type: 'isNull', attribute: 'director' } })).toEqual([4]);
    expect(ids(engine, { filter: { type: 'isEmpty', attribute: 'tags' } })).toEqual([3]);
    expect(
      ids(engine, {
        filter: { type: 'and', children: [cmp('genre', '=', 'action'), cmp('year', '<', '2016')] },
      }),
    ).toEqual([3, 4]);
    expect(
      ids(engine, {
        filter: { type: 'or', children: [cmp('year', '=', '2012'), cmp('title', '=', 'moana')] },
      }),
    ).toEqual([3, 5]);
  });

  it('rejects a non-filterable attribute with Meilisearch message', () => {
    const e = engineWith(movies, { filterableAttributes: ['year', 'genre'] });
    expect(() => e.search(searchRequest({ filter: cmp('title', '=', 'x') }))).toThrow(
      new EngineError(
        'invalid_search_filter',
        'Attribute `title` is not filterable. Available filterable attribute patterns are: `genre`, `year`.\n2:7 "title" = "x"',
      ),
    );
    // Meilisearch names the last leaf that fails, located where it stands.
    const or = { type: 'or' as const, children: [cmp('title', '=', 'x'), cmp('author', '=', 'y')] };
    expect(() => e.search(searchRequest({ filter: or }))).toThrow(
      'Attribute `author` is not filterable. Available filterable attribute patterns are: `genre`, `year`.\n22:28 ("title" = "x") OR ("author" = "y")',
    );
    const none = engineWith(movies);
    expect(() => none.search(searchRequest({ filter: cmp('title', '=', 'x') }))).toThrow(
      'This index does not have configured filterable attributes.',
    );
  });

  it('geo filters', () => {
    const geo = engineWith(
      [
        { id: 'paris', _geo: { lat: 48.8566, lng: 2.3522 } },
        { id: 'lyon', _geo: { lat: 45.764, lng: 4.8357 } },
        { id: 'nowhere' },
      ],
      { filterableAttributes: ['_geo'] },
    );
    expect(ids(geo, { filter: { type: 'geoRadius', lat: 48.85, lng: 2.35, radius: 10_000 } })).toEqual([
      'paris',
    ]);
    expect(ids(geo, { filter: { type: 'geoBoundingBox', topRight: [50, 5], bottomLeft: [45, 2] } })).toEqual([
      'paris',
      'lyon',
    ]);
  });
});

describe('facets', () => {
  it('counts values over every candidate, grouped case-insensitively, with stats', () => {
    const engine = engineWith(movies, { filterableAttributes: ['genre', 'year'] });
    const res = engine.search(searchRequest({ facets: ['year', 'genre'] }));
    expect(res.facetDistribution).toEqual({
      genre: { Action: 3, Animation: 1, Romance: 1 },
      year: { '2012': 1, '2015': 2, '2017': 1, '2016': 1 },
    });
    expect(res.facetStats).toEqual({ year: { min: 2012, max: 2017 } });
  });

  it('honours maxValuesPerFacet and sortFacetValuesBy count', () => {
    const engine = engineWith(movies, {
      filterableAttributes: ['genre'],
      faceting: { maxValuesPerFacet: 2, sortFacetValuesBy: { genre: 'count' } },
    });
    // milli's count walk is a max-heap of (count, value): equal counts come larger value first.
    expect(engine.search(searchRequest({ facets: ['genre'] })).facetDistribution).toEqual({
      genre: { Action: 3, Romance: 1 },
    });
  });

  it('rejects non-filterable facets and searches facet values with prefix and typo', () => {
    const engine = engineWith(movies, { filterableAttributes: ['genre'] });
    expect(() => engine.search(searchRequest({ facets: ['title'] }))).toThrow(EngineError);
    // Attribute rules match a facet pattern only as itself, a parent or a child (Meilisearch 1.50).
    expect(() => engine.search(searchRequest({ facets: ['*'] }))).toThrow(
      'Invalid facet distribution: Pattern `*` is not filterable. Available filterable attributes patterns are: `genre`.',
    );
    expect(() => engine.search(searchRequest({ facets: ['gen*'] }))).toThrow(EngineError);
    const wildcard = engineWith(movies, { filterableAttributes: ['*'] });
    expect(Object.keys(wildcard.search(searchRequest({ facets: ['*'] })).facetDistribution ?? {})).toContain(
      'genre',
    );
    const base = {
      facetName: 'genre',
      q: null,
      filter: null,
      matchingStrategy: 'last' as const,
      attributesToSearchOn: null,
      exhaustiveFacetCount: false,
    };
    expect(engine.facetSearch({ ...base, facetQuery: 'act' }).facetHits).toEqual([
      { value: 'Action', count: 3 },
    ]);
    expect(engine.facetSearch({ ...base, facetQuery: 'animatoin' }).facetHits).toEqual([
      { value: 'Animation', count: 1 },
    ]);
  });
});

describe('sort and distinct', () => {
  const shop = [
    { id: 1, name: 'shirt', price: 20, brand: 'a' },
    { id: 2, name: 'shirt', price: 'cheap', brand: 'b' },
    { id: 3, name: 'shirt', brand: 'a' },
    { id: 4, name: 'shirt', price: 5, brand: 'b' },
  ];
  it('lists numbers before strings in both directions, missing last', () => {
    const engine = engineWith(shop, { sortableAttributes: ['price'] });
    expect(ids(engine, { sort: ['price:asc'] })).toEqual([4, 1, 2, 3]);
    expect(ids(engine, { sort: ['price:desc'] })).toEqual([1, 4, 2, 3]);
    expect(ids(engine, { q: 'shirt', sort: ['price:desc'] })).toEqual([1, 4, 2, 3]);
  });

  it('errors on non-sortable fields', () => {
    const engine = engineWith(shop, { sortableAttributes: ['price'] });
    expect(() => engine.search(searchRequest({ sort: ['brand:asc'] }))).toThrow(
      new EngineError(
        'invalid_search_sort',
        'Attribute `brand` is not sortable. Available sortable attributes are: `price`.',
      ),
    );
  });

  it('sorts by geo distance and adds _geoDistance', () => {
    const engine = engineWith(
      [
        { id: 'lyon', _geo: { lat: 45.764, lng: 4.8357 } },
        { id: 'none' },
        { id: 'paris', _geo: { lat: 48.8566, lng: 2.3522 } },
      ],
      { sortableAttributes: ['_geo'] },
    );
    const res = engine.search(searchRequest({ sort: ['_geoPoint(48.85, 2.35):asc'] }));
    expect(res.hits.map((h) => h.id)).toEqual(['paris', 'lyon', 'none']);
    // Haversine, R = 6 371 000 m: dLat 0.0066° ≈ 733.9 m, dLng 0.0022° · cos(48.85°) ≈ 160.9 m -> ≈ 751 m.
    expect(res.hits[0]?._geoDistance).toBe(751);
    expect(ids(engine, { sort: ['_geoPoint(48.85, 2.35):desc'] })).toEqual(['lyon', 'paris', 'none']);
  });

  it('keeps the best document per distinct value', () => {
    const engine = engineWith(shop, { filterableAttributes: ['brand'], distinctAttribute: 'brand' });
    const res = engine.search(searchRequest({ q: 'shirt' }));
    expect(res.hits.map((h) => h.id)).toEqual([1, 2]);
    const paged = engine.search(searchRequest({ q: 'shirt', page: 1, hitsPerPage: 1 }));
    expect(paged.totalHits).toBe(2);
    expect(paged.totalPages).toBe(2);
  });
});

describe('hits formatting', () => {
  const engine = engineWith([
    { id: 1, text: 'The quick brown fox jumps over the lazy dog near the river bank today', n: 7 },
  ]);
  it('highlights exact and prefix matches', () => {
    const [hit] = engine.search(searchRequest({ q: 'lazy riv', attributesToHighlight: ['text'] })).hits;
    expect((hit?._formatted as Record<string, unknown>).text).toBe(
      'The quick brown fox jumps over the <em>lazy</em> dog near the <em>riv</em>er bank today',
    );
    expect((hit?._formatted as Record<string, unknown>).n).toBe('7');
  });

  it('crops around the best match with the marker', () => {
    const [hit] = engine.search(searchRequest({ q: 'lazy', attributesToCrop: ['text'], cropLength: 4 })).hits;
    const text = (hit?._formatted as Record<string, unknown>).text as string;
    expect(text.startsWith('…') && text.endsWith('…')).toBe(true);
    expect(text.slice(1, -1).split(' ')).toHaveLength(4);
    expect(text).toContain('lazy dog');
    const [noMatch] = engine.search(
      searchRequest({ q: 'fox', attributesToCrop: ['text:3'], attributesToHighlight: ['text'] }),
    ).hits;
    expect((noMatch?._formatted as Record<string, unknown>).text).toBe('…brown <em>fox</em> jumps…');
  });

  it('reports match byte positions', () => {
    const e = engineWith([{ id: 1, text: 'café lazy' }]);
    const [hit] = e.search(searchRequest({ q: 'lazy', showMatchesPosition: true })).hits;
    expect(hit?._matchesPosition).toEqual({ text: [{ start: 6, length: 4 }] });
  });

  it('retrieves only displayed and requested attributes', () => {
    const e = engineWith([{ id: 1, a: 'x', b: 'y', c: 'z' }], { displayedAttributes: ['id', 'a', 'b'] });
    expect(e.search(searchRequest({ attributesToRetrieve: ['a', 'c'] })).hits).toEqual([{ a: 'x' }]);
  });
});

describe('pagination', () => {
  const docs = Array.from({ length: 25 }, (_, i) => ({ id: i, t: 'item' }));
  // Meilisearch 1.50 caps the hits at maxTotalHits and reports the whole count.
  it('offset/limit with estimatedTotalHits and page mode with totals', () => {
    const engine = engineWith(docs, { pagination: { maxTotalHits: 22 } });
    const res = engine.search(searchRequest({ q: 'item', offset: 20, limit: 5 }));
    expect(res.hits.map((h) => h.id)).toEqual([20, 21]);
    expect(res.estimatedTotalHits).toBe(25);
    expect(engine.search(searchRequest({ q: 'item', offset: 30, limit: 5 }))).toMatchObject({
      hits: [],
      offset: 30,
      estimatedTotalHits: 25,
    });
    const page = engine.search(searchRequest({ q: 'item', page: 3, hitsPerPage: 10 }));
    expect(page).toMatchObject({ page: 3, hitsPerPage: 10, totalHits: 25, totalPages: 3 });
    expect(page.hits.map((h) => h.id)).toEqual([20, 21]);
    expect(engine.search(searchRequest({ page: 0, hitsPerPage: 10 })).hits).toEqual([]);
  });
});

describe('documents', () => {
  it('replaces, merges, deletes and reuses internal ids', () => {
    const engine = engineWith(
      [
        { id: 'a', t: 'alpha' },
        { id: 'b', t: 'beta' },
        { id: 'c', t: 'gamma' },
      ],
      { filterableAttributes: ['t'] },
    );
    engine.addDocuments([{ id: 'a', extra: 1 }], 'update');
    expect(engine.getDocument('a')).toEqual({ id: 'a', t: 'alpha', extra: 1 });
    engine.addDocuments([{ id: 'b', t: 'delta' }], 'replace');
    expect(ids(engine, { q: 'beta' })).toEqual([]);
    expect(ids(engine, { q: 'delta' })).toEqual(['b']);
    expect(engine.deleteDocuments(['a', 'zzz'])).toEqual({ deletedDocuments: 1 });
    engine.addDocuments([{ id: 'd', t: 'alpha' }], 'replace');
    // "d" takes the hole left by "a": first in placeholder order.
    expect(ids(engine, {})).toEqual(['d', 'b', 'c']);
    expect(engine.deleteByFilter(cmp('t', '=', 'gamma'))).toEqual({ deletedDocuments: 1 });
    expect(engine.stats()).toEqual({ numberOfDocuments: 2, fieldDistribution: { id: 2, t: 2 } });
    const list = engine.listDocuments({
      offset: 0,
      limit: 10,
      fields: ['t'],
      filter: null,
      ids: null,
      sort: null,
    });
    expect(list).toEqual({ results: [{ t: 'alpha' }, { t: 'delta' }], total: 2 });
    expect(engine.clear()).toEqual({ deletedDocuments: 2 });
    expect(engine.stats().numberOfDocuments).toBe(0);
  });

  it('indexes nested fields, stop words, synonyms and diacritics', () => {
    const engine = engineWith(
      [
        { id: 1, info: { city: 'Zürich' } },
        { id: 2, t: 'the sofa' },
      ],
      { stopWords: ['the'], synonyms: { couch: ['sofa'] }, filterableAttributes: ['info.city'] },
    );
    expect(ids(engine, { q: 'zurich' })).toEqual([1]);
    expect(ids(engine, { q: 'couch' })).toEqual([2]);
    expect(ids(engine, { filter: cmp('info.city', '=', 'zürich') })).toEqual([1]);
    expect(ids(engine, { q: '-sofa' })).toEqual([1]);
  });

  it('rejects a document without its primary key', () => {
    const engine = engineWith([]);
    expect(() => engine.addDocuments([{ name: 'x' }], 'replace')).toThrow(EngineError);
  });
});
