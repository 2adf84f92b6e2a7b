// Property tests: printing then parsing returns the same tree, and evaluation obeys boolean laws.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CompareOp, FilterExpr } from '#core/filter/ast.ts';
import { formatFilter, parseFilter } from '#core/filter/parse.ts';
import { matchesFilter } from '#core/filter/evaluate.ts';

const anyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({
    unit: fc.constantFrom('a', 'Z', '1', '.', '-', '_', ' ', '"', "'", '\\', '(', ']', 'é', '🐻'),
    maxLength: 8,
  }),
  fc.constantFrom(
    'AND',
    'OR',
    'NOT',
    'TO',
    'IN',
    'EXISTS',
    '_geo',
    '_geoPoint',
    '_geoRadius',
    '_vectors.x',
    '1e5',
    '-3',
  ),
);
const coord = (max: number): fc.Arbitrary<number> =>
  fc.double({ min: -max, max, noNaN: true, noDefaultInfinity: true });
const op = fc.constantFrom<CompareOp>('=', '!=', '>', '>=', '<', '<=');

/** Trees in the parser's normal form: no NOT directly under NOT, AND/OR with two or more children. */
function exprArb(text: fc.Arbitrary<string>, withGeo: boolean): fc.Arbitrary<FilterExpr> {
  const leaf: fc.Arbitrary<FilterExpr>[] = [
    fc.record({ type: fc.constant('compare' as const), attribute: text, op, value: text }),
    fc.record({ type: fc.constant('range' as const), attribute: text, from: text, to: text }),
    fc.record({
      type: fc.constant('in' as const),
      attribute: text,
      values: fc.array(text, { maxLength: 3 }),
    }),
    fc.record({ type: fc.constant('exists' as const), attribute: text }),
    fc.record({ type: fc.constant('isNull' as const), attribute: text }),
    fc.record({ type: fc.constant('isEmpty' as const), attribute: text }),
    fc.record({ type: fc.constant('contains' as const), attribute: text, value: text }),
    fc.record({ type: fc.constant('startsWith' as const), attribute: text, value: text }),
  ];
  if (withGeo) {
    leaf.push(
      fc.record({
        type: fc.constant('geoRadius' as const),
        lat: coord(90),
        lng: coord(180),
        radius: fc.double({ min: 0, max: 1e7, noNaN: true }),
      }),
      fc.record({
        type: fc.constant('geoPolygon' as const),
        points: fc.array(fc.tuple(coord(90), coord(180)), { minLength: 3, maxLength: 5 }),
      }),
    );
  }
  const { tree } = fc.letrec<{ tree: FilterExpr; node: FilterExpr }>((tie) => ({
    tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, ...leaf, tie('node')),
    node: fc.oneof(
      fc.record({
        type: fc.constant('and' as const),
        children: fc.array(tie('tree'), { minLength: 2, maxLength: 3 }),
      }),
      fc.record({
        type: fc.constant('or' as const),
        children: fc.array(tie('tree'), { minLength: 2, maxLength: 3 }),
      }),
      tie('tree')
        .filter((t) => t.type !== 'not')
        .map((child): FilterExpr => ({ type: 'not', child })),
    ),
  }));
  return tree;
}

describe('formatFilter / parseFilter round trip', () => {
  it('parses the printed form back to the same tree', () => {
    fc.assert(
      fc.property(exprArb(anyText, true), (expr) => {
        expect(parseFilter(formatFilter(expr), { checkGeoRanges: false })).toEqual(expr);
      }),
      { numRuns: 500 },
    );
  });
});

describe('evaluation laws', () => {
  const small = fc.constantFrom('a', 'b', 'c.d', 'tags');
  const value = fc.constantFrom('1', '2', '10', 'x', 'X', 'true', '');
  const docValue = fc.oneof(
    fc.constantFrom(1, 2, 10, 'x', 'X ', 'y', true, false, null, '', 'true'),
    fc.array(fc.constantFrom(1, 'x', 'y', 2), { maxLength: 3 }),
  );
  const doc = fc.record(
    {
      a: docValue,
      b: docValue,
      c: fc.oneof(fc.record({ d: docValue }), fc.array(fc.record({ d: docValue }), { maxLength: 2 })),
      tags: docValue,
    },
    { requiredKeys: [] },
  );
  const expr = exprArb(fc.oneof(small, value), false);

  it('NOT x is the complement of x', () => {
    fc.assert(
      fc.property(expr, doc, (e, d) => matchesFilter({ type: 'not', child: e }, d) === !matchesFilter(e, d)),
      { numRuns: 1000 },
    );
  });

  it('AND and OR are conjunction and disjunction, and De Morgan holds', () => {
    fc.assert(
      fc.property(expr, expr, doc, (x, y, d) => {
        const [mx, my] = [matchesFilter(x, d), matchesFilter(y, d)];
        const and: FilterExpr = { type: 'and', children: [x, y] };
        const or: FilterExpr = { type: 'or', children: [x, y] };
        const notAnd: FilterExpr = { type: 'not', child: and };
        const orOfNots: FilterExpr = {
          type: 'or',
          children: [
            { type: 'not', child: x },
            { type: 'not', child: y },
          ],
        };
        return (
          matchesFilter(and, d) === (mx && my) &&
          matchesFilter(or, d) === (mx || my) &&
          matchesFilter(notAnd, d) === matchesFilter(orOfNots, d)
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('evaluation does not depend on how the filter was written', () => {
    fc.assert(
      fc.property(
        expr,
        doc,
        (e, d) => matchesFilter(parseFilter(formatFilter(e)) as FilterExpr, d) === matchesFilter(e, d),
      ),
      { numRuns: 500 },
    );
  });
});
