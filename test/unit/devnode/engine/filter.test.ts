// The engine's index-backed filter agrees with the shared reference evaluator (`matchesFilter`) on
// generated documents and filters, including after replacements and deletions that update the value columns.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FilterExpr } from '#core/filter/ast.ts';
import { matchesFilter } from '#core/filter/evaluate.ts';
import { parseFilter } from '#core/filter/parse.ts';
import { defaultSettings } from '#core/meili/settings.ts';
import type { Document } from '#devnode/engine/types.ts';
import { engineWith, searchRequest } from './helpers.ts';

const value = fc.oneof(
  fc.constantFrom('red', 'Red ', 'blue', 'ÉTÉ', 'ete', '', '10', '2', 'b'),
  fc.integer({ min: -3, max: 12 }),
  fc.constantFrom(1.5, 10, true, false, null),
);
const fieldValue = fc.oneof(
  value,
  fc.array(value, { maxLength: 3 }),
  fc.constant({}),
  fc.record({ x: value }),
);
const docArb = fc.record(
  {
    a: fieldValue,
    b: fieldValue,
    _geo: fc.record({
      lat: fc.double({ min: 40, max: 50, noNaN: true }),
      lng: fc.double({ min: 0, max: 10, noNaN: true }),
    }),
  },
  { requiredKeys: [] },
);

const filters = [
  'a = red',
  'a != red',
  'a = 10',
  'a = "10"',
  'a > 2',
  'a >= 1.5',
  'a < b',
  'a <= 10',
  'a 2 TO 10',
  'a IN [red, 2, ete]',
  'a NOT IN [blue, -3]',
  'a EXISTS',
  'a NOT EXISTS',
  'a IS NULL',
  'a IS NOT NULL',
  'a IS EMPTY',
  'a IS NOT EMPTY',
  'a.x = red',
  'a.x EXISTS',
  'a CONTAINS e',
  'a STARTS WITH r',
  'a = true',
  'NOT a = false',
  '(a = red OR b > 2) AND NOT b IS EMPTY',
  'a = red AND b = red',
  '_geoRadius(45, 5, 300000)',
  '_geoBoundingBox([48, 8], [42, 2])',
  '_geoPolygon([40, 0], [50, 0], [50, 5])',
];

function engineIds(docs: Document[], expr: FilterExpr, engine: ReturnType<typeof engineWith>): number[] {
  const res = engine.search(searchRequest({ filter: expr, limit: docs.length + 1 }));
  return res.hits.map((h) => h.id as number).sort((x, y) => x - y);
}

describe('index-backed filters', () => {
  it('match exactly the documents the reference evaluator accepts', () => {
    fc.assert(
      fc.property(
        fc.array(docArb, { minLength: 1, maxLength: 25 }),
        fc.array(docArb, { maxLength: 5 }),
        fc.array(fc.nat(30), { maxLength: 4 }),
        (raw, later, removed) => {
          const docs: Document[] = raw.map((d, i) => ({ id: i, ...d }));
          const engine = engineWith(docs, {
            filterableAttributes: ['a', 'b', '_geo'],
            pagination: { maxTotalHits: 1000 },
          });
          // Replacing and deleting documents afterwards must keep the value columns current.
          const parsed = filters.map((f) => parseFilter(f) as FilterExpr);
          for (const expr of parsed) engineIds(docs, expr, engine);
          const replaced: Document[] = later.map((d, i) => ({ id: i, ...d }));
          engine.addDocuments(replaced, 'replace');
          engine.deleteDocuments(removed.map(String));
          let current: Document[] = [...docs];
          for (const d of replaced) current[d.id as number] = d;
          current = current.filter((d) => !removed.includes(d.id as number));
          for (const expr of parsed) {
            const expected = current.filter((d) => matchesFilter(expr, d)).map((d) => d.id as number);
            expect(engineIds(current, expr, engine)).toEqual(expected);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('answers a repeated filter from its kept bitmap until a write or a settings change', () => {
    const docs: Document[] = [
      { id: 0, a: 1 },
      { id: 1, a: 2 },
      { id: 2, a: 3 },
    ];
    const engine = engineWith(docs, { filterableAttributes: ['a'] });
    const expr = parseFilter('a >= 2') as FilterExpr;
    expect(engineIds(docs, expr, engine)).toEqual([1, 2]);
    expect(engineIds(docs, expr, engine)).toEqual([1, 2]);
    engine.addDocuments(
      [
        { id: 3, a: 5 },
        { id: 1, a: 0 },
      ],
      'replace',
    );
    expect(engineIds(docs, expr, engine)).toEqual([2, 3]);
    engine.deleteDocuments(['2']);
    expect(engineIds(docs, expr, engine)).toEqual([3]);
    engine.applySettings({ ...defaultSettings(), filterableAttributes: ['b'] });
    expect(() => engineIds(docs, expr, engine)).toThrow(/not filterable/);
  });
});
