import { describe, expect, it } from 'vitest';
import { globalScore } from '#devnode/engine/ranker.ts';
import { engineWith, ids, searchRequest } from './helpers.ts';

// Expected scores follow milli's crates/milli/src/score_details.rs: `Rank::merge` (outer.rank - 1)
// * inner.max_rank + inner.rank, max multiplied) folded by `Rank::global_score`, `Typo::rank`
// (max_typo + 1 - typo over max_typo + 1), `ExactWords::rank` (+1 on both sides) and
// `ExactAttribute::rank` (3/2/1 of 3). The four values reproduce Meilisearch's upstream snapshot
// `test_score_threshold` (crates/meilisearch/tests/search/mod.rs) for query "Badman dark returns 1".
const batman = [
  { id: 'A', title: 'Batman the dark knight returns: Part 1' },
  { id: 'B', title: 'Batman the dark knight returns: Part 2' },
  { id: 'C', title: 'Batman Returns' },
  { id: 'D', title: 'Batman' },
  { id: 'E', title: 'Badman' },
];

describe('ranking scores', () => {
  it('reproduces upstream _rankingScore values', () => {
    const engine = engineWith(batman);
    const res = engine.search(searchRequest({ q: 'Badman dark returns 1', showRankingScore: true }));
    expect(res.hits.map((h) => [h.id, h._rankingScore])).toEqual([
      ['A', 0.9343008130081301],
      ['B', 0.6685627880184332],
      ['E', 0.25],
      ['C', 0.11553030303030302],
      ['D', 0.11553030303030302],
    ]);
  });

  it('reports per-rule details with Meilisearch shapes', () => {
    const engine = engineWith(batman);
    const [a] = engine.search(
      searchRequest({ q: 'Badman dark returns 1', showRankingScoreDetails: true }),
    ).hits;
    expect(a?._rankingScoreDetails).toEqual({
      words: { order: 0, matchingWords: 4, maxMatchingWords: 4, score: 1 },
      typo: { order: 1, typoCount: 1, maxTypoCount: 4, score: 0.8 },
      proximity: { order: 2, score: 0.7 },
      attributeRank: { order: 3, score: 1 },
      wordPosition: { order: 4, score: 36 / 41 },
      exactness: {
        order: 5,
        matchType: 'noExactMatch',
        matchingWords: 3,
        maxMatchingWords: 4,
        score: globalScore([
          { rank: 1, max: 3 },
          { rank: 4, max: 5 },
        ]),
      },
    });
  });

  it('merges ranks like Rank::global_score', () => {
    expect(globalScore([])).toBe(1);
    expect(globalScore([{ rank: 1, max: 4 }])).toBe(0.25);
    // ((2 - 1) * 3 + 3) / (2 * 3) = 1; ((1 - 1) * 3 + 1) / 6 = 1/6
    expect(
      globalScore([
        { rank: 2, max: 2 },
        { rank: 3, max: 3 },
      ]),
    ).toBe(1);
    expect(
      globalScore([
        { rank: 1, max: 2 },
        { rank: 1, max: 3 },
      ]),
    ).toBeCloseTo(1 / 6, 12);
  });

  it('orders exact before typo before prefix-only partial matches', () => {
    const engine = engineWith([
      { id: 'prefix', name: 'dragonfly' },
      { id: 'typo', name: 'dragin' },
      { id: 'exact', name: 'dragon' },
    ]);
    // "dragon": exact (0 typo, exact word), prefix "dragonfly" (0 typo, not exact), "dragin" (1 typo).
    expect(ids(engine, { q: 'dragon' })).toEqual(['exact', 'prefix', 'typo']);
    // With a trailing space the word is no longer a prefix: "dragonfly" does not match.
    expect(ids(engine, { q: 'dragon ' })).toEqual(['exact', 'typo']);
  });

  it('words rule: more matched query words first, last word dropped first', () => {
    const engine = engineWith([
      { id: 1, t: 'red apple' },
      { id: 2, t: 'red apple pie' },
      { id: 3, t: 'green pie' },
    ]);
    expect(ids(engine, { q: 'red apple pie' })).toEqual([2, 1]);
    expect(ids(engine, { q: 'red apple pie', matchingStrategy: 'all' })).toEqual([2]);
    // frequency drops the most frequent term ("pie", in 2 docs) and keeps the rarest ("green").
    expect(ids(engine, { q: 'green pie', matchingStrategy: 'frequency' })).toEqual([3]);
    expect(ids(engine, { q: 'pie green', matchingStrategy: 'frequency' })).toEqual([3]);
    expect(ids(engine, { q: 'pie green', matchingStrategy: 'last' })).toEqual([3, 2]);
  });

  it('proximity rule: adjacent words first', () => {
    const engine = engineWith([
      { id: 'far', t: 'quick brown lazy fox' },
      { id: 'near', t: 'quick fox' },
    ]);
    expect(ids(engine, { q: 'quick fox' })).toEqual(['near', 'far']);
  });

  it('attributeRank rule follows searchableAttributes order', () => {
    const docs = [
      { id: 'inBody', title: 'other', body: 'kiwi' },
      { id: 'inTitle', title: 'kiwi', body: 'other' },
    ];
    expect(ids(engineWith(docs, { searchableAttributes: ['title', 'body'] }), { q: 'kiwi' })).toEqual([
      'inTitle',
      'inBody',
    ]);
    expect(ids(engineWith(docs, { searchableAttributes: ['body', 'title'] }), { q: 'kiwi' })).toEqual([
      'inBody',
      'inTitle',
    ]);
  });

  it('wordPosition rule: earlier words first; exactness: exact field match first', () => {
    const engine = engineWith([
      { id: 'late', t: 'one two three four five six seven eight nine ten mango' },
      { id: 'start', t: 'mango tree' },
      { id: 'exact', t: 'mango' },
    ]);
    expect(ids(engine, { q: 'mango' })).toEqual(['exact', 'start', 'late']);
    const details = engine
      .search(searchRequest({ q: 'mango', showRankingScoreDetails: true }))
      .hits.map(
        (h) => (h._rankingScoreDetails as Record<string, { matchType?: string }>).exactness?.matchType,
      );
    expect(details).toEqual(['exactMatch', 'matchesStart', 'noExactMatch']);
  });

  it('custom field rules and the legacy attribute rule', () => {
    const docs = [
      { id: 1, t: 'book', price: 30 },
      { id: 2, t: 'book', price: 10 },
    ];
    expect(
      ids(engineWith(docs, { rankingRules: ['words', 'price:asc'], sortableAttributes: ['price'] }), {
        q: 'book',
      }),
    ).toEqual([2, 1]);
    const res = engineWith(docs, {
      rankingRules: ['words', 'typo', 'proximity', 'attribute', 'sort', 'exactness'],
    }).search(searchRequest({ q: 'book', showRankingScoreDetails: true }));
    expect(Object.keys(res.hits[0]?._rankingScoreDetails as object)).toEqual([
      'words',
      'typo',
      'proximity',
      'attribute',
      'exactness',
    ]);
  });

  it('placeholder search keeps insertion order and scores 1', () => {
    const engine = engineWith([{ id: 'b' }, { id: 'a' }, { id: 'c' }]);
    const res = engine.search(searchRequest({ showRankingScore: true }));
    expect(res.hits.map((h) => [h.id, h._rankingScore])).toEqual([
      ['b', 1],
      ['a', 1],
      ['c', 1],
    ]);
  });

  it('rankingScoreThreshold drops hits and totals below it', () => {
    const engine = engineWith(batman);
    const res = engine.search(searchRequest({ q: 'Badman dark returns 1', rankingScoreThreshold: 0.5 }));
    expect(res.hits.map((h) => h.id)).toEqual(['A', 'B']);
    expect(res.estimatedTotalHits).toBe(2);
  });

  it('typo rules: first letter change costs 2, transposition costs 1', () => {
    const engine = engineWith([
      { id: 'swap', t: 'arpicot' }, // transposition of "apricot" (7 chars: 1 typo allowed)
      { id: 'first', t: 'bpricot' }, // first letter changed: needs a 2-typo budget
    ]);
    expect(ids(engine, { q: 'apricot ' })).toEqual(['swap']);
    const long = engineWith([{ id: 'first', t: 'xtrawberries' }]);
    expect(ids(long, { q: 'strawberries ' })).toEqual(['first']); // 12 chars: 2 typos allowed
  });

  // As milli's words rule (graph_based_ranking_rule.rs, query_graph.rs): a phrase is never
  // dropped but counts each of its words, and while one stays every other term may be dropped.
  it('words rule: phrases count their words and let every other term go', () => {
    const engine = engineWith([
      { id: 'all', t: 'alpha for the omega' },
      { id: 'phrase', t: 'for the record' },
      { id: 'none', t: 'alpha omega' },
    ]);
    const res = engine.search(searchRequest({ q: 'alpha "for the" omega', showRankingScoreDetails: true }));
    expect(
      res.hits.map((h) => [h.id, (h._rankingScoreDetails as Record<string, unknown> | undefined)?.words]),
    ).toEqual([
      ['all', { order: 0, matchingWords: 4, maxMatchingWords: 4, score: 1 }],
      ['phrase', { order: 0, matchingWords: 2, maxMatchingWords: 4, score: 0.5 }],
    ]);
  });

  // Meilisearch 1.50 walks the candidates even when the offset is past all of them, so distinct
  // and the threshold still remove what they would, and the count shows it.
  it('counts what distinct and the threshold remove when the offset passes every candidate', () => {
    const engine = engineWith(
      [
        { id: 1, t: 'apple pie', g: 'a' },
        { id: 2, t: 'apple tart', g: 'a' },
        { id: 3, t: 'apple cake', g: 'b' },
        { id: 4, t: 'aple crumble', g: 'c' },
      ],
      { filterableAttributes: ['g'] },
    );
    const far = { q: 'apple', offset: 10, limit: 5 };
    expect(engine.search(searchRequest({ ...far, distinct: 'g' })).estimatedTotalHits).toBe(3);
    expect(engine.search(searchRequest({ ...far, rankingScoreThreshold: 0.9 })).estimatedTotalHits).toBe(3);
  });

  it('splits words on `+` and where CJK script meets another', () => {
    const engine = engineWith([
      { id: 1, t: 'SVG+JS icons' },
      { id: 2, t: '一套适用于Taro3及React的vantui组件库' },
    ]);
    expect(ids(engine, { q: 'js ' })).toEqual([1]);
    expect(ids(engine, { q: 'react ' })).toEqual([2]);
    expect(ids(engine, { q: 'vantui ' })).toEqual([2]);
  });

  it('a negative word excludes only documents holding it in a field searched on', () => {
    const engine = engineWith([
      { id: 1, name: 'push notifications', summary: 'notifications for apps' },
      { id: 2, name: 'notifications for all', summary: 'banners' },
    ]);
    expect(ids(engine, { q: 'notifications -for', attributesToSearchOn: ['name'] })).toEqual([1]);
    expect(ids(engine, { q: 'notifications -for' })).toEqual([]);
  });

  it('a split word matches a document whose words stand side by side in a field not searched on', () => {
    const engine = engineWith([
      { id: 1, name: 'deepkit type-spec', summary: 'type bytecode spec' },
      { id: 2, name: 'other', summary: 'type bytecode' },
    ]);
    expect(ids(engine, { q: 'typespec', attributesToSearchOn: ['summary'] })).toEqual([1]);
  });

  it('wordPosition reads a term in fields attributesToSearchOn leaves out', () => {
    const engine = engineWith([{ id: 1, name: 'aws cdk cdk assets lib', summary: 'CDK Asset Publishing' }], {
      searchableAttributes: ['name', 'summary'],
    });
    const [hit] = engine.search(
      searchRequest({ q: 'asset', attributesToSearchOn: ['name'], showRankingScoreDetails: true }),
    ).hits;
    // "asset" stands at position 1 of the summary; "assets" (a prefix match) at 3 in the name.
    expect((hit?._rankingScoreDetails as Record<string, { score: number }>).wordPosition?.score).toBe(
      10 / 11,
    );
  });

  it('proximity reads a prefix of the prefix database backwards through the exact word only', () => {
    // 100 words starting with "com" put the prefix in milli's prefix database.
    const filler = Array.from({ length: 100 }, (_, i) => ({
      id: `f${i}`,
      t: `com${String.fromCharCode(97 + (i % 26))}${i}x`,
    }));
    const engine = engineWith([{ id: 'doc', t: 'react components within reach' }, ...filler]);
    const [hit] = engine.search(searchRequest({ q: 'within com', showRankingScoreDetails: true })).hits;
    expect((hit?._rankingScoreDetails as Record<string, { score: number }>).proximity?.score).toBe(0.25);
  });
});
