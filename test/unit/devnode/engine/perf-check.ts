// Manual performance check of devnode's engine on the npm corpus (not a vitest test: run by hand).
//   npx tsx test/unit/devnode/engine/perf-check.ts [path/to/npm-packages.jsonl] [docLimit]
// Prints indexing docs/s, search p50/p99 over 1-3 word queries, and RSS.
import { readFileSync } from 'node:fs';
import { defaultSettings } from '#core/meili/settings.ts';
import { createIndexEngine } from '#devnode/engine/index.ts';
import type { SearchRequest } from '#devnode/engine/types.ts';

const path = process.argv[2] ?? '/work/shared/data/npm-packages.jsonl';
const limit = Number(process.argv[3] ?? Infinity);
const docs = readFileSync(path, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .slice(0, limit)
  .map((l) => JSON.parse(l) as Record<string, unknown>);

const settings = { ...defaultSettings(), filterableAttributes: ['scope', 'major'], sortableAttributes: ['downloads'] };
const engine = createIndexEngine('id', settings);
const t0 = performance.now();
for (let i = 0; i < docs.length; i += 10_000) engine.addDocuments(docs.slice(i, i + 10_000), 'replace');
const indexMs = performance.now() - t0;

const request = (q: string): SearchRequest => ({
  q, offset: 0, limit: 20, filter: null, facets: null, attributesToRetrieve: ['*'], attributesToCrop: null, cropLength: 10,
  cropMarker: '…', attributesToHighlight: null, highlightPreTag: '<em>', highlightPostTag: '</em>', showMatchesPosition: false,
  sort: null, matchingStrategy: 'last', showRankingScore: true, showRankingScoreDetails: false, rankingScoreThreshold: null,
  attributesToSearchOn: null, distinct: null,
});

// Queries built from corpus words: 1-3 words, some prefixes, some with a typo.
const vocabulary = docs.slice(0, 5000).flatMap((d) => (typeof d.name === 'string' ? d.name : '').split(/[^a-z0-9]+/i)).filter((w) => w.length >= 3);
let seed = 42;
const rand = (n: number): number => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed % n;
};
const queries: string[] = [];
for (let i = 0; i < 600; i++) {
  const n = 1 + rand(3);
  const words = Array.from({ length: n }, () => vocabulary[rand(vocabulary.length)] as string);
  let q = words.join(' ');
  if (i % 5 === 0) q = q.slice(0, Math.max(2, q.length - 2)); // prefix
  if (i % 7 === 0 && q.length > 6) q = q.slice(0, 3) + q.slice(4); // a typo
  queries.push(q);
}
engine.search(request('warmup'));
const times: number[] = [];
const slowest: [number, string, number][] = [];
for (const q of queries) {
  const s = performance.now();
  const r = engine.search(request(q));
  const ms = performance.now() - s;
  times.push(ms);
  slowest.push([ms, q, r.estimatedTotalHits ?? 0]);
}
slowest.sort((a, b) => b[0] - a[0]);
if (process.env.SHOW_SLOW) console.log(slowest.slice(0, 12).map(([ms, q, n]) => `${ms.toFixed(1)}ms ${JSON.stringify(q)} hits=${n}`).join('\n'));
times.sort((a, b) => a - b);
const pct = (p: number): number => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] as number;
console.log(JSON.stringify({
  documents: docs.length,
  indexingDocsPerSecond: Math.round(docs.length / (indexMs / 1000)),
  searchP50Ms: Number(pct(50).toFixed(2)),
  searchP99Ms: Number(pct(99).toFixed(2)),
  searchMaxMs: Number((times[times.length - 1] as number).toFixed(2)),
  rssMb: Math.round(process.memoryUsage().rss / 1_048_576),
}));
