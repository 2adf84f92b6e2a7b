// Evaluation against hand-written documents, one Meilisearch facet rule per case.
import { describe, expect, it } from 'vitest';
import { filterAttributes, haversineMeters, matchesFilter, valuesAtPath } from '#core/filter/evaluate.ts';
import { parseFilter } from '#core/filter/parse.ts';

const match = (filter: string, doc: Record<string, unknown>): boolean => {
  const expr = parseFilter(filter);
  if (!expr) throw new Error('empty filter');
  return matchesFilter(expr, doc);
};

describe('equality', () => {
  it('folds case, trims and decomposes strings', () => {
    expect(match('genre = horror', { genre: 'Horror' })).toBe(true);
    expect(match('genre = "  HORROR "', { genre: 'horror' })).toBe(true);
    expect(match('genre = ﬁlm', { genre: 'film' })).toBe(true); // NFKD turns the ligature into "fi"
    expect(match('genre = horror', { genre: 'drama' })).toBe(false);
  });

  it('compares numbers numerically and keeps numeric strings as strings', () => {
    expect(match('price = 10', { price: 10 })).toBe(true);
    expect(match('price = 10.0', { price: 10 })).toBe(true);
    expect(match('price = 1e1', { price: 10 })).toBe(true);
    expect(match('price = 10', { price: '10' })).toBe(true); // same text
    expect(match('price = 10.0', { price: '10' })).toBe(false); // a string facet is not a number
    expect(match('price > 5', { price: '10' })).toBe(false); // "10" < "5" as strings
  });

  it('reads booleans as the strings true and false', () => {
    expect(match('active = true', { active: true })).toBe(true);
    expect(match('active = TRUE', { active: true })).toBe(true);
    expect(match('active = false', { active: true })).toBe(false);
    expect(match('active = true', { active: 'true' })).toBe(true);
  });

  it('matches when any array element matches, one level deep', () => {
    expect(match('tags = b', { tags: ['a', 'B'] })).toBe(true);
    expect(match('tags = 2', { tags: [1, 2] })).toBe(true);
    expect(match('tags = c', { tags: [['c']] })).toBe(false);
  });

  it('complements != and NOT IN over documents missing the field', () => {
    expect(match('genre != horror', {})).toBe(true);
    expect(match('genre NOT IN [a, b]', { other: 1 })).toBe(true);
    expect(match('genre IN [a, B]', { genre: 'b' })).toBe(true);
  });
});

describe('paths', () => {
  it('follows dots through objects, arrays of objects and dotted keys', () => {
    expect(match('a.b = 1', { a: { b: 1 } })).toBe(true);
    expect(match('a.b = 2', { a: [{ b: 1 }, { b: 2 }] })).toBe(true);
    expect(match('a.b = 3', { 'a.b': 3 })).toBe(true);
    expect(match('a.b.c = x', { a: { 'b.c': 'x' } })).toBe(true);
    expect(valuesAtPath({ a: [{ b: [1] }, { c: 1 }, 5] }, 'a.b')).toEqual([[1]]);
  });
});

describe('ranges', () => {
  it('TO is inclusive and needs both bounds numeric for numbers', () => {
    expect(match('n 1 TO 3', { n: 1 })).toBe(true);
    expect(match('n 1 TO 3', { n: 3 })).toBe(true);
    expect(match('n 1 TO 3', { n: 3.5 })).toBe(false);
    expect(match('n 3 TO 1', { n: 2 })).toBe(false);
  });

  it('compares strings in byte order against the bound as written', () => {
    expect(match('name > b', { name: 'c' })).toBe(true);
    expect(match('name >= b', { name: 'b' })).toBe(true);
    expect(match('name < b', { name: 'a' })).toBe(true);
    expect(match('name > B', { name: 'a' })).toBe(true); // documents are lowercased, the bound is not
    expect(match('name a TO c', { name: 'B' })).toBe(true);
  });

  it('handles strict and loose number bounds', () => {
    expect(match('n > 1', { n: 1 })).toBe(false);
    expect(match('n >= 1', { n: 1 })).toBe(true);
    expect(match('n < 1', { n: 0.5 })).toBe(true);
    expect(match('n <= 1', { n: 2 })).toBe(false);
  });
});

describe('presence', () => {
  it('EXISTS is true for any present value, null included', () => {
    expect(match('a EXISTS', { a: null })).toBe(true);
    expect(match('a EXISTS', {})).toBe(false);
    expect(match('a NOT EXISTS', {})).toBe(true);
    expect(match('a.b EXISTS', { a: [{ b: 0 }] })).toBe(true);
  });

  it('IS NULL and IS EMPTY', () => {
    expect(match('a IS NULL', { a: null })).toBe(true);
    expect(match('a IS NULL', {})).toBe(false);
    expect(match('a IS NOT NULL', { a: 1 })).toBe(true);
    expect(match('a IS EMPTY', { a: '' })).toBe(true);
    expect(match('a IS EMPTY', { a: [] })).toBe(true);
    expect(match('a IS EMPTY', { a: {} })).toBe(true);
    expect(match('a IS EMPTY', { a: ' ' })).toBe(false);
    expect(match('a IS EMPTY', {})).toBe(false);
    expect(match('a IS NOT EMPTY', { a: [1] })).toBe(true);
  });
});

describe('CONTAINS and STARTS WITH', () => {
  it('work on normalized strings', () => {
    expect(match('title CONTAINS "LORD of"', { title: 'The Lord of the Rings' })).toBe(true);
    expect(match('title NOT CONTAINS ring', { title: 'Dune' })).toBe(true);
    expect(match('title STARTS WITH the', { title: 'The Lord' })).toBe(true);
    expect(match('title STARTS WITH lord', { title: 'The Lord' })).toBe(false);
    expect(match('n CONTAINS 1', { n: 12 })).toBe(false); // numbers are not strings
  });
});

describe('geo', () => {
  const paris = { _geo: { lat: 48.8566, lng: 2.3522 } };
  const london = { _geo: { lat: '51.5074', lng: '-0.1278' } };

  it('measures haversine distances in meters', () => {
    const d = haversineMeters([48.8566, 2.3522], [51.5074, -0.1278]);
    expect(d).toBeGreaterThan(343_000);
    expect(d).toBeLessThan(344_500);
    expect(haversineMeters([0, 0], [0, 0])).toBe(0);
  });

  it('_geoRadius includes the boundary and reads string coordinates', () => {
    const d = haversineMeters([48.8566, 2.3522], [51.5074, -0.1278]);
    expect(match(`_geoRadius(48.8566, 2.3522, ${d})`, london)).toBe(true);
    expect(match(`_geoRadius(48.8566, 2.3522, ${d - 1})`, london)).toBe(false);
    expect(match('_geoRadius(48.8566, 2.3522, 1)', paris)).toBe(true);
    expect(match('_geoRadius(48.8566, 2.3522, 1)', {})).toBe(false);
  });

  it('_geoBoundingBox, including one that crosses the antimeridian', () => {
    expect(match('_geoBoundingBox([52, 3], [48, -1])', paris)).toBe(true);
    expect(match('_geoBoundingBox([52, 3], [48, -1])', { _geo: { lat: 40, lng: 0 } })).toBe(false);
    const fiji = { _geo: { lat: -17.7, lng: 178.1 } };
    const samoa = { _geo: { lat: -13.8, lng: -171.8 } };
    expect(match('_geoBoundingBox([0, -170], [-20, 170])', fiji)).toBe(true);
    expect(match('_geoBoundingBox([0, -170], [-20, 170])', samoa)).toBe(true);
    expect(match('_geoBoundingBox([0, -170], [-20, 170])', { _geo: { lat: -15, lng: 0 } })).toBe(false);
  });

  it('_geoPolygon', () => {
    expect(
      match('_geoPolygon([45.49, 9.17], [45.49, 9.21], [45.45, 9.19])', {
        _geo: { lat: 45.4777599, lng: 9.1967508 },
      }),
    ).toBe(true);
    expect(match('_geoPolygon([45.49, 9.17], [45.49, 9.21], [45.45, 9.19])', paris)).toBe(false);
  });
});

describe('filterAttributes', () => {
  it('lists attributes once, in order, with _geo for geo filters', () => {
    const expr = parseFilter('(a = 1 OR b.c EXISTS) AND NOT a IN [2] AND _geoRadius(1, 2, 3)');
    expect(expr && filterAttributes(expr)).toEqual(['a', 'b.c', '_geo']);
  });
});
