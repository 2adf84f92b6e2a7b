// `npm run bench -- fidelity [--docs=N] [--queries=Q]`: invisible federation, measured. The npm
// corpus (`scope`, `major` filterable, `downloads` sortable) is placed by the routing rules on 3
// devnode processes (S=12) at RF=1 and at RF=2, and one devnode process holds everything. Each
// query (plain words, typos, prefixes, multi-word, filters, facets, sort, deep pages in both
// pagination modes, distinct in both modes, numbers as queries, numeric facets cut at
// maxValuesPerFacet 10 by key and by count, multi-search, federated multi-search, facet search)
// goes to both and the answers are compared: hit ids and order (equal-rank runs as sets), totals,
// facet counts; stats once per cluster. A third, smaller index carries the `distinctAttribute`
// setting. Value: % of queries in full agreement (target 100, SPEC F-R10). The JSON line also
// counts the remaining differences by kind (`remainingByKind`), and replays the recorded
// Meilisearch 1.50 transcripts against a devnode (`transcripts`, its differences by kind too;
// `--no-transcripts` skips it). `--meilisearch` puts real Meilisearch nodes (and a real reference
// node) behind Miroir instead of devnodes.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findMeilisearchBinary, startMeilisearch } from '#adapters/meilisearch-process.ts';
import type { NodeClient } from '#adapters/node-client.ts';
import type { ConformanceRequest } from './_fidelity-compare.ts';
import { compareAll, loadNpmIndex, summarize } from './_fidelity-replay.ts';
import { loadNpmDocs, npmCorpusPath } from './_npm-corpus.ts';
import { spawnDevnode, startQueryCluster, type DevnodeFactory, type QueryCluster } from './_query-cluster.ts';
import {
  ALLOWED,
  compareHits,
  compareSearch,
  stable,
  type Body,
  type Disagreement,
} from './_search-compare.ts';
import { intArg, log, round, type BenchResult } from './harness.ts';
import { corpusWords, NPM_SETTINGS, seeded } from './search.ts';

type Kind = 'search' | 'multiSearch' | 'federated' | 'facetSearch';

interface Query {
  category: string;
  kind: Kind;
  body: Record<string, unknown>;
  /** Sort fields, so hits equal on score but not on sort value are not taken for ties. */
  sort: string[];
}

function typo(word: string, next: (n: number) => number): string {
  const i = 1 + next(word.length - 2);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  return next(2) === 0
    ? `${word.slice(0, i)}${word[i + 1] ?? ''}${word[i] ?? ''}${word.slice(i + 2)}`
    : `${word.slice(0, i)}${letters[next(26)]}${word.slice(i + 1)}`;
}

export function fidelityQueries(words: readonly string[], scopes: readonly string[], count: number): Query[] {
  const next = seeded(2026);
  const word = (): string => words[next(words.length)] as string;
  const longWord = (): string => {
    for (;;) {
      const w = word();
      if (w.length >= 6) return w;
    }
  };
  const scope = (): string => scopes[next(scopes.length)] as string;
  const makers: (() => Query)[] = [
    () => ({ category: 'word', kind: 'search', body: { q: word() }, sort: [] }),
    () => ({ category: 'typo', kind: 'search', body: { q: typo(longWord(), next) }, sort: [] }),
    () => ({ category: 'prefix', kind: 'search', body: { q: longWord().slice(0, 3 + next(2)) }, sort: [] }),
    () => ({
      category: 'multi-word',
      kind: 'search',
      body: { q: `${word()} ${word()}${next(2) ? ` ${word()}` : ''}`, limit: 50 },
      sort: [],
    }),
    () => ({
      category: 'filter',
      kind: 'search',
      body: { q: word(), filter: `major >= ${next(4)}` },
      sort: [],
    }),
    () => ({
      category: 'filter-scope',
      kind: 'search',
      body: { filter: `scope = "${scope()}"`, sort: ['downloads:desc'] },
      sort: ['downloads'],
    }),
    () => ({ category: 'facets', kind: 'search', body: { q: word(), facets: ['scope', 'major'] }, sort: [] }),
    () => ({
      category: 'placeholder-facets',
      kind: 'search',
      body: { filter: `major = ${next(10)}`, facets: ['major', 'scope'], limit: 5, sort: ['downloads:desc'] },
      sort: ['downloads'],
    }),
    () => ({
      category: 'sort',
      kind: 'search',
      body: { q: word(), sort: [next(2) ? 'downloads:desc' : 'downloads:asc'] },
      sort: ['downloads'],
    }),
    () => ({
      category: 'deep-offset',
      kind: 'search',
      body: { q: word().slice(0, 3), offset: 100 + next(800), limit: 20 },
      sort: [],
    }),
    () => ({
      category: 'deep-page',
      kind: 'search',
      body: { q: word().slice(0, 3), page: 2 + next(30), hitsPerPage: 20 },
      sort: [],
    }),
    () => ({
      category: 'distinct',
      kind: 'search',
      body: { q: word(), distinct: 'scope', limit: 30 },
      sort: [],
    }),
    () => ({
      category: 'distinct-page',
      kind: 'search',
      body: { q: word(), distinct: 'scope', page: 1 + next(3), hitsPerPage: 10 },
      sort: [],
    }),
    () => ({
      category: 'distinct-prefix',
      kind: 'search',
      body: { q: longWord().slice(0, 3), distinct: 'scope', offset: next(40), limit: 20 },
      sort: [],
    }),
    // Shard numbers as queries, in a small universe where a match on a node-only field would show.
    () => ({
      category: 'number',
      kind: 'search',
      body: { q: String(next(12)), filter: `scope = "${scope()}"` },
      sort: [],
    }),
    () => ({
      category: 'numeric-facets',
      kind: 'search',
      body: { q: word().slice(0, 3), facets: ['major', 'downloads'], limit: 5 },
      sort: [],
    }),
    () => ({
      category: 'numeric-facets-large',
      kind: 'search',
      body: { filter: `major >= ${next(3)}`, facets: ['downloads', 'major'], limit: 0 },
      sort: [],
    }),
    () => ({
      category: 'multi-search',
      kind: 'multiSearch',
      body: {
        queries: [
          { indexUid: 'npm', q: word() },
          { indexUid: 'npm', q: word(), facets: ['major'] },
        ],
      },
      sort: [],
    }),
    () => ({
      category: 'federated',
      kind: 'federated',
      body: {
        federation: { limit: 20, facetsByIndex: { npm: ['major'] } },
        queries: [
          { indexUid: 'npm', q: word() },
          { indexUid: 'npm', q: word(), federationOptions: { weight: 0.5 } },
        ],
      },
      sort: [],
    }),
    () => ({
      category: 'facet-search',
      kind: 'facetSearch',
      body: { facetName: 'scope', facetQuery: scope().slice(1, 3), q: next(2) ? word() : '' },
      sort: [],
    }),
  ];
  return Array.from({ length: count }, (_, i) => (makers[i % makers.length] as () => Query)());
}

async function ask(
  target: {
    search(body: unknown): Promise<unknown>;
    multi(body: unknown): Promise<unknown>;
    facet(body: unknown): Promise<unknown>;
  },
  query: Query,
): Promise<Body> {
  if (query.kind === 'search') return (await target.search(query.body)) as Body;
  if (query.kind === 'facetSearch') return (await target.facet(query.body)) as Body;
  return (await target.multi(query.body)) as Body;
}

function compare(query: Query, miroir: Body, single: Body): Disagreement[] {
  switch (query.kind) {
    case 'search':
      return compareSearch(miroir, single, 'id', query.sort);
    case 'facetSearch':
      return stable(miroir.facetHits) === stable(single.facetHits) ? [] : ['facetDistribution'];
    case 'multiSearch': {
      const a = miroir.results as Body[];
      const b = single.results as Body[];
      return [...new Set(a.flatMap((result, i) => compareSearch(result, b[i] as Body, 'id')))];
    }
    case 'federated': {
      const out = compareSearch(miroir, single, 'id');
      const fed = (body: Body) => (body.hits as Body[]).map((hit) => stable(hit._federation));
      if (
        !out.includes('hits') &&
        compareHits(miroir.hits as Body[], single.hits as Body[], 'id', [], false).length === 0 &&
        stable(fed(miroir)) !== stable(fed(single))
      )
        out.push('order');
      return out;
    }
  }
}

interface ClusterReport {
  rf: number;
  index?: string;
  queries: number;
  agreeing: number;
  /** Queries whose only differences are equal-rank hits cut by a page end (allowed). */
  tieBoundaryOnly: number;
  disagreements: Partial<Record<Disagreement, number>>;
  byCategory: Record<string, { queries: number; agreeing: number }>;
  examples: { category: string; body: Record<string, unknown>; kinds: Disagreement[] }[];
  stats: { numberOfDocuments: boolean; fieldDistribution: boolean };
  errors: number;
}

async function measure(
  cluster: QueryCluster,
  reference: NodeClient,
  queries: readonly Query[],
  rf: number,
): Promise<ClusterReport> {
  const report: ClusterReport = {
    rf,
    queries: queries.length,
    agreeing: 0,
    tieBoundaryOnly: 0,
    disagreements: {},
    byCategory: {},
    examples: [],
    stats: { numberOfDocuments: false, fieldDistribution: false },
    errors: 0,
  };
  const miroir = {
    search: async (body: unknown) => (await cluster.service.search('npm', body)).body,
    multi: async (body: unknown) => (await cluster.service.multiSearch(body)).body,
    facet: async (body: unknown) => (await cluster.service.facetSearch('npm', body)).body,
  };
  const single = {
    search: (body: unknown) => reference.search('npm', body as Record<string, unknown>),
    multi: (body: unknown) => reference.multiSearch(body as Record<string, unknown>),
    facet: (body: unknown) => reference.facetSearch('npm', body as Record<string, unknown>),
  };
  for (const query of queries) {
    const category = (report.byCategory[query.category] ??= { queries: 0, agreeing: 0 });
    category.queries += 1;
    let kinds: Disagreement[];
    try {
      const [a, b] = await Promise.all([ask(miroir, query), ask(single, query)]);
      kinds = compare(query, a, b);
    } catch (err) {
      report.errors += 1;
      kinds = ['shape'];
      log(`fidelity: ${query.category} failed: ${(err as Error).message}`);
    }
    const real = kinds.filter((kind) => !ALLOWED.has(kind));
    for (const kind of kinds) report.disagreements[kind] = (report.disagreements[kind] ?? 0) + 1;
    if (real.length === 0) {
      report.agreeing += 1;
      category.agreeing += 1;
      if (kinds.length > 0) report.tieBoundaryOnly += 1;
    } else if (report.examples.length < 10) {
      report.examples.push({ category: query.category, body: query.body, kinds: real });
    }
  }
  const [stats, singleStats] = await Promise.all([
    cluster.service.indexStats('npm'),
    reference.indexStats('npm'),
  ]);
  report.stats = {
    numberOfDocuments: stats.body.numberOfDocuments === singleStats.numberOfDocuments,
    fieldDistribution: stable(stats.body.fieldDistribution) === stable(singleStats.fieldDistribution),
  };
  return report;
}

/** Queries for the index whose settings carry `distinctAttribute`. */
export function settingQueries(words: readonly string[], count: number): Query[] {
  const next = seeded(7);
  const word = (): string => words[next(words.length)] as string;
  const makers: (() => Query)[] = [
    () => ({ category: 'setting-distinct', kind: 'search', body: { q: word(), limit: 20 }, sort: [] }),
    () => ({
      category: 'setting-distinct-page',
      kind: 'search',
      body: { q: word().slice(0, 3), page: 1 + next(3), hitsPerPage: 20 },
      sort: [],
    }),
    () => ({
      category: 'setting-distinct-deep',
      kind: 'search',
      body: { q: word().slice(0, 3), offset: next(60), limit: 10 },
      sort: [],
    }),
  ];
  return Array.from({ length: count }, (_, i) => (makers[i % makers.length] as () => Query)());
}

interface TranscriptEntry extends ConformanceRequest {
  status: number;
  response: unknown;
}

interface TranscriptReport {
  /** Where the recorded answers come from. */
  reference: string;
  requests: number;
  agreeing: number;
  /** % of the recorded answers devnode gives exactly (ties aside). */
  agreement: number;
  /** Requests showing each kind of difference (a request can show several kinds). */
  remainingByKind: Record<string, number>;
}

function jsonLines(path: string, limit = Infinity): unknown[] {
  const out: unknown[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (out.length >= limit) break;
    if (line.trim() !== '') out.push(JSON.parse(line) as unknown);
  }
  return out;
}

/**
 * The Meilisearch 1.50 transcripts (`<shared>/data/meilisearch-1.50/`) replayed against one
 * devnode put in the state they were recorded in (the corpus' first 30,000 records, three batches),
 * compared by the conformance tier's rules; null when the transcripts are not there.
 */
async function replayTranscripts(): Promise<TranscriptReport | null> {
  const corpus = npmCorpusPath();
  const path = join(dirname(corpus), 'meilisearch-1.50', 'npm-transcripts.jsonl');
  if (!existsSync(path)) {
    log(`fidelity: no transcripts at ${path}, transcript replay skipped`);
    return null;
  }
  const transcripts = jsonLines(path) as TranscriptEntry[];
  const docs = jsonLines(corpus, 30_000) as Record<string, unknown>[];
  const dir = mkdtempSync(join(tmpdir(), 'miroir-fidelity-transcripts-'));
  const node = await spawnDevnode(dir, 0);
  try {
    await loadNpmIndex(node.url, docs);
    const outcomes = await compareAll(node.url, transcripts, (_req, i) => {
      const entry = transcripts[i] as TranscriptEntry;
      return { status: entry.status, body: entry.response };
    });
    const summary = summarize(outcomes, 0);
    return {
      reference: 'recorded Meilisearch 1.50 answers',
      requests: summary.total,
      agreeing: summary.agreed,
      agreement: round(100 * summary.ratio, 2),
      remainingByKind: Object.fromEntries(summary.byKind.map((k) => [k.kind, k.count])),
    };
  } finally {
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Real disagreements (tie boundaries allowed) of every cluster, by kind. */
function remainingByKind(reports: readonly ClusterReport[]): Partial<Record<Disagreement, number>> {
  const out: Partial<Record<Disagreement, number>> = {};
  for (const report of reports)
    for (const [kind, count] of Object.entries(report.disagreements) as [Disagreement, number][])
      if (!ALLOWED.has(kind)) out[kind] = (out[kind] ?? 0) + count;
  return out;
}

/** The main index: facets cut small, numbers ordered by count on one facet and by key on another. */
export const FIDELITY_SETTINGS = {
  ...NPM_SETTINGS,
  filterableAttributes: ['scope', 'major', 'downloads'],
  faceting: { maxValuesPerFacet: 10, sortFacetValuesBy: { '*': 'alpha', downloads: 'count' } },
};

export const SETTING_INDEX_SETTINGS = { ...NPM_SETTINGS, distinctAttribute: 'scope' };

/** Real Meilisearch nodes instead of devnodes (`--meilisearch`), from the binary the conformance tier finds. */
function meilisearchNodes(): DevnodeFactory {
  const bin = findMeilisearchBinary(process.env);
  if (bin === undefined)
    throw new Error(
      'fidelity --meilisearch: no Meilisearch binary (set MEILISEARCH_BIN, put meilisearch on the PATH, or provide ../shared/bin/meilisearch)',
    );
  return (dir, port) =>
    startMeilisearch({ bin: bin.path, dbPath: join(dir, 'meilisearch'), ...(port > 0 ? { port } : {}) });
}

export async function run(args: string[]): Promise<BenchResult> {
  const docCount = intArg(args, 'docs', 50_000);
  const queryCount = intArg(args, 'queries', 600);
  const realNodes = args.includes('--meilisearch');
  const docs = loadNpmDocs(docCount);
  const scopes = [
    ...new Set(docs.map((doc) => doc.scope).filter((scope): scope is string => typeof scope === 'string')),
  ].sort();
  const queries = fidelityQueries(corpusWords(docs), scopes, queryCount);
  const common = {
    uid: 'npm',
    shards: 12,
    primaryKey: 'id',
    settings: FIDELITY_SETTINGS,
    documents: docs,
    devnodes: realNodes ? meilisearchNodes() : spawnDevnode,
    service: { perShardTimeoutMs: 30_000 },
  };
  log(
    `fidelity: placing ${docs.length} npm documents: RF=1 and RF=2 clusters (3 ${realNodes ? 'Meilisearch' : 'devnode'} processes each, S=12) and one reference node`,
  );
  const started = performance.now();
  const rf1 = await startQueryCluster({ ...common, rf: 1 });
  let rf2: QueryCluster | undefined;
  try {
    rf2 = await startQueryCluster({ ...common, rf: 2, reference: false, groups: { g1: ['m1', 'm2', 'm3'] } });
    log(
      `fidelity: loaded in ${((performance.now() - started) / 1000).toFixed(1)} s; running ${queries.length} queries per cluster`,
    );
    const reference = rf1.reference?.client as NodeClient;
    const reports = [await measure(rf1, reference, queries, 1), await measure(rf2, reference, queries, 2)];
    // The distinctAttribute setting needs its own index (first 10K records, RF=1).
    const settingDocs = docs.slice(0, Math.min(docs.length, 10_000));
    const setting = await startQueryCluster({
      ...common,
      rf: 1,
      settings: SETTING_INDEX_SETTINGS,
      documents: settingDocs,
    });
    try {
      const settingReference = setting.reference?.client as NodeClient;
      const extra = settingQueries(corpusWords(settingDocs), Math.max(30, Math.round(queryCount / 4)));
      reports.push({
        ...(await measure(setting, settingReference, extra, 1)),
        index: 'npm, first 10K records, distinctAttribute scope',
      });
    } finally {
      await setting.close();
    }
    const transcripts = args.includes('--no-transcripts') ? null : await replayTranscripts();
    const total = reports.reduce((sum, r) => sum + r.queries, 0);
    const agreeing = reports.reduce((sum, r) => sum + r.agreeing, 0);
    const agreement = round((100 * agreeing) / total, 2);
    return {
      bench: 'fidelity',
      value: agreement,
      unit: '% queries in agreement',
      baseline: 100,
      ratio: round(agreement / 100, 4),
      documents: docs.length,
      nodes: realNodes ? 'Meilisearch 1.50 (reference included)' : 'devnode',
      shards: 12,
      queriesPerCluster: queries.length,
      placement: 'documents placed directly on the nodes by the routing rules (write path not used)',
      remainingByKind: remainingByKind(reports),
      clusters: reports,
      transcripts,
    };
  } finally {
    await rf2?.close();
    await rf1.close();
  }
}
