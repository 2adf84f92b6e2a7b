// The merge's fast paths give exactly what the plain merge gives (reference-merge.ts): the score
// merge equals the rank-key merge (near-ties within EPSILON, hybrid weights, threshold, distinct),
// the shape-learning hit cleaner equals a key-by-key copy (any mix of shapes), and the facet merge
// equals normalizing and sorting every value (tricky spellings, both orders, any cut).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeFacets, type FacetInput } from '#core/merge/facets.ts';
import { HitCleaner, type HitCleanup } from '#core/merge/fields.ts';
import { compareScores } from '#core/merge/hit-order.ts';
import { KWayMerger, type MergeList } from '#core/merge/kway-merge.ts';
import { mergeSearchResults } from '#core/merge/merge-search.ts';
import { ScoreMerger } from '#core/merge/score-merge.ts';
import type {
  Hit,
  MergeContext,
  SearchRequest,
  SearchResponseBody,
  ShardSearchResponse,
} from '#core/merge/types.ts';
import { referenceCleanHit, referenceMergeFacets, referenceMergeSearchResults } from './reference-merge.ts';

const EPS = Number.EPSILON;

/** The result of `run`, or the error it threw, in a form `toStrictEqual` can compare. */
function outcome(run: () => unknown): unknown {
  try {
    return { ok: run() };
  } catch (err) {
    const error = err as { code?: unknown; message?: unknown };
    return { error: { code: error.code, message: error.message } };
  }
}

/** Same content and the same key order at every level (toStrictEqual ignores key order). */
function expectIdentical(actual: unknown, expected: unknown): void {
  expect(actual).toStrictEqual(expected);
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
}

describe('ScoreMerger', () => {
  it('walks lists in the order KWayMerger walks them with compareScores, near-ties and odd numbers included', () => {
    const score = fc.oneof(
      fc.constantFrom(1, 0.5, 0.5 + EPS / 2, 0.5 + EPS, 0.5 + 2 * EPS, 0.5 - EPS, 0, -0, Infinity, NaN),
      fc.double(),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ shard: fc.integer({ min: 0, max: 9 }), items: fc.array(score, { maxLength: 12 }) }),
          {
            maxLength: 6,
          },
        ),
        (raw) => {
          const lists: MergeList<number>[] = raw;
          const walk = (merger: { next(): boolean; shard: number; position: number }) => {
            const order: [number, number][] = [];
            while (merger.next()) order.push([merger.shard, merger.position]);
            return order;
          };
          const byScore = walk(new ScoreMerger(lists, (value) => value));
          expect(byScore).toEqual(walk(new KWayMerger(lists, (value) => value, compareScores)));
          expect(byScore).toHaveLength(raw.reduce((sum, list) => sum + list.items.length, 0));
        },
      ),
    );
  });
});

describe('mergeSearchResults equals the plain merge', () => {
  const score = fc.constantFrom(1, 0.9, 0.5, 0.5 + EPS / 2, 0.5 + EPS, 0.5 + 3 * EPS, 0.25, 0);
  const hit = (shard: number) =>
    fc
      .record({
        score,
        semantic: fc.constantFrom('none', 'score', 'details'),
        d: fc.option(fc.constantFrom('x', 'X', 'y', 1, 2), { nil: undefined }),
        missingScore: fc.integer({ min: 0, max: 99 }).map((roll) => roll === 0),
      })
      .map(({ score: value, semantic, d, missingScore }) => {
        const out: Hit = { title: `t${shard}`, _miroir_shard: shard };
        if (d !== undefined) out.d = d;
        if (semantic === 'score') out._semanticScore = value;
        if (semantic === 'details')
          out._rankingScoreDetails = { vectorSort: { order: 0, similarity: value } };
        // A hit without a score (rare) is a broken node: both merges fail alike, or never read it.
        if (!missingScore) out._rankingScore = value;
        return out;
      });
  const answers = fc
    .uniqueArray(fc.integer({ min: 0, max: 7 }), { minLength: 1, maxLength: 4 })
    .chain((shards) =>
      fc
        .tuple(
          ...shards.map((shard) =>
            fc.record({
              hits: fc.array(hit(shard), { maxLength: 15 }),
              sorted: fc.boolean(),
              total: fc.nat(40),
              // Now and then a node breaks the protocol with a last hit that is not an object.
              broken: fc.integer({ min: 0, max: 39 }).map((roll) => roll === 0),
            }),
          ),
        )
        .map((bodies) =>
          bodies.map(({ hits, sorted, total, broken }, i): ShardSearchResponse => {
            const shard = shards[i] as number;
            const ordered = sorted
              ? [...hits].sort(
                  (a, b) => ((b._rankingScore as number) ?? 0) - ((a._rankingScore as number) ?? 0),
                )
              : hits;
            return {
              shard,
              body: {
                hits: [
                  ...ordered.map((h, position) => ({ id: `${shard}-${position}`, ...h })),
                  ...(broken ? [null as unknown as Hit] : []),
                ],
                estimatedTotalHits: total,
                processingTimeMs: shard,
                ...(i === 0 ? { semanticHitCount: 1 } : {}),
              },
            };
          }),
        ),
    );
  const request = fc.record(
    {
      q: fc.constant('q'),
      offset: fc.oneof({ arbitrary: fc.constant(0), weight: 2 }, { arbitrary: fc.nat(12), weight: 1 }),
      limit: fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 20 }), weight: 9 },
        { arbitrary: fc.constant(0), weight: 1 },
      ),
      hybrid: fc.option(
        fc.record({ embedder: fc.constant('e'), semanticRatio: fc.constantFrom(0, 0.3, 0.5, 1) }),
        { nil: undefined },
      ),
      rankingScoreThreshold: fc.option(fc.constantFrom(0.25, 0.5, 0.5 + EPS), { nil: undefined }),
      distinct: fc.option(fc.constant('d'), { nil: undefined }),
      showRankingScore: fc.boolean(),
      attributesToRetrieve: fc.option(fc.constantFrom(['title'], ['id', 'title'], ['*']), { nil: undefined }),
      sort: fc.option(fc.constant(['d:asc']), { nil: undefined }),
    },
    { requiredKeys: ['q', 'offset', 'limit'] },
  );

  it('gives the same body (or the same error) for any answers and request', () => {
    let pages = 0;
    fc.assert(
      fc.property(
        answers,
        request,
        fc.constantFrom<MergeContext>({}, { primaryKey: 'id' }, { maxTotalHits: 7 }),
        (shardAnswers, req, ctx) => {
          const clientRequest = req as SearchRequest;
          const fast = outcome(() => mergeSearchResults(clientRequest, shardAnswers, ctx));
          expectIdentical(
            fast,
            outcome(() => referenceMergeSearchResults(clientRequest, shardAnswers, ctx)),
          );
          if ((fast as { ok?: SearchResponseBody }).ok?.hits.length) pages += 1;
        },
      ),
      { numRuns: 600 },
    );
    // Most runs (about 55%) must compare real pages, not two identical errors or empty answers.
    expect(pages).toBeGreaterThan(200);
  });
});

describe('HitCleaner equals a key-by-key copy', () => {
  const keys = [
    'id',
    'title',
    'a',
    'a.b',
    '0',
    '7',
    'b',
    '_geo',
    '_miroir_shard',
    '_miroir_x',
    '_rankingScore',
    '_rankingScoreDetails',
    '_formatted',
    '__proto__',
    // Keys that must reach a compiled shape copy only as data: quotes, escapes, code, odd code units.
    '"',
    'a\\"b',
    '}; throw new Error(); ({',
    '\u2028',
    '\ud800',
    '',
    'constructor',
    '4294967295',
  ];
  const leaf = fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null));
  const nested = fc.oneof(
    leaf,
    fc.dictionary(fc.constantFrom(...keys), leaf, { maxKeys: 4 }),
    fc.array(fc.dictionary(fc.constantFrom('b', 'c', '_miroir_y'), leaf, { maxKeys: 2 }), { maxLength: 2 }),
  );
  // A few shapes (key lists) shared by many hits: both the learnt-shape copy and the fallback run.
  const shape = fc.uniqueArray(fc.constantFrom(...keys), { maxLength: 8 });
  const hits = fc
    .array(shape, { minLength: 1, maxLength: 3 })
    .chain((shapes) =>
      fc.array(
        fc
          .nat(shapes.length - 1)
          .chain((which) =>
            fc.tuple(
              ...(shapes[which] as string[]).map((key) => nested.map((value) => [key, value] as const)),
            ),
          ),
        { maxLength: 12 },
      ),
    )
    // Hits come from JSON.parse, which makes `__proto__` an own key like any other.
    .map((entries) => entries.map((pairs) => JSON.parse(JSON.stringify(Object.fromEntries(pairs))) as Hit));
  const cleanup = fc.record({
    showRankingScore: fc.boolean(),
    showRankingScoreDetails: fc.boolean(),
    added: fc.uniqueArray(
      fc.constantFrom('a', 'a.b', 'b', 'id', '_formatted', '_rankingScore', 'title.x', '7'),
      {
        maxLength: 3,
      },
    ),
  });

  it('copies every hit of a sequence as the plain copy does, leaving the input untouched', () => {
    fc.assert(
      fc.property(hits, cleanup, (list, rules: HitCleanup) => {
        const before = JSON.stringify(list);
        const cleaner = new HitCleaner(rules);
        for (const input of list) {
          const cleaned = cleaner.clean(input);
          const expected = referenceCleanHit(input, rules);
          expectIdentical(cleaned, expected);
          expect(Object.getPrototypeOf(cleaned)).toBe(Object.getPrototypeOf(expected));
        }
        expect(JSON.stringify(list)).toBe(before);
      }),
      { numRuns: 400 },
    );
  });
});

describe('mergeFacets equals normalizing and sorting every value', () => {
  const spelling = fc.oneof(
    fc.constantFrom(
      '1',
      '2',
      '9',
      '10',
      '-3',
      '2.5',
      '01',
      '1.0',
      '-0',
      '0',
      '1e3',
      '.5',
      '5.',
      ' 42',
      '４２',
      '42',
      'Blue',
      'blue',
      ' blue ',
      'BLUE',
      'café',
      'cafe\u0301',
      '😀',
      '\uE000',
      '\uFFFD',
      'a',
      'b',
      '',
      ' ',
      '\u0000x',
      '\u000042',
      'Ⅷ',
      'viii',
      'ß',
      'İ',
      'i\u0307',
      '\tz',
    ),
    fc.string({
      maxLength: 3,
      unit: fc.constantFrom('a', 'B', ' ', '1', '.', '-', 'é', '😀', '\uE000', '\u0000'),
    }),
  );
  const distribution = fc.dictionary(
    fc.constantFrom('color', 'n', 'z', 'Zeta'),
    fc.dictionary(spelling, fc.integer({ min: 1, max: 20 }), { maxKeys: 12 }),
    { maxKeys: 3 },
  );
  const stats = fc.dictionary(
    fc.constantFrom('n', 'z'),
    fc.record({ min: fc.integer({ min: -5, max: 5 }), max: fc.integer({ min: 5, max: 9 }) }),
    { maxKeys: 2 },
  );
  const inputs = fc
    .uniqueArray(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 4 })
    .chain((shards) =>
      fc.tuple(
        ...shards.map((shard) =>
          fc.record({
            shard: fc.constant(shard),
            distribution: fc.option(distribution, { nil: undefined }),
            stats: fc.option(stats, { nil: undefined }),
          }),
        ),
      ),
    );
  const order = fc.constantFrom<'alpha' | 'count'>('alpha', 'count');
  const ctx = fc.record(
    {
      maxValuesPerFacet: fc.constantFrom(0, 1, 2, 3, 5, 100, 2.5, -1),
      sortFacetValuesBy: fc.record({ '*': order, color: order }, { requiredKeys: [] }),
    },
    { requiredKeys: [] },
  );

  it('sums, orders and cuts exactly as the plain merge, in both orders and on both sides of 3000 candidates', () => {
    fc.assert(
      fc.property(
        inputs,
        fc.constantFrom(['color', 'n'], ['*'], ['z']),
        ctx,
        fc.constantFrom(0, 3000, 3001, Number.POSITIVE_INFINITY),
        (list, requested, context, candidates) => {
          const facetInputs: FacetInput[] = list;
          expectIdentical(
            mergeFacets(facetInputs, requested, context, candidates),
            referenceMergeFacets(facetInputs, requested, context, candidates),
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});
