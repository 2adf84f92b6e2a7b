// `npm run bench -- search [--docs=N] [--concurrency=C] [--requests=R] [--warmup=W]`: search latency and
// throughput through Miroir (3 devnode processes, 3 shards, documents placed by the routing
// rules) against the same queries sent directly to one devnode process holding every document.
// Targets (SPEC A8): p50 overhead <= 2 ms, QPS ratio >= 0.8. Value: Miroir's p50 in ms. The CPU
// each process spent per request (Linux /proc) is reported too: unlike latency and QPS it hardly
// moves with the load other processes put on the machine.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Pool } from 'undici';
import { intArg, log, percentile, round, type BenchResult } from './harness.ts';
import { spawnDevnode, startCluster, type Doc } from '#test/int/query/cluster.ts';

const DATA = '/work/shared/data/npm-packages.jsonl';

/** `count` records spread evenly over the corpus (it is sorted by name, scoped packages first). */
export function loadNpmDocs(count: number): Doc[] {
  const lines = readFileSync(DATA, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const stride = Math.max(1, Math.floor(lines.length / count));
  const docs: Doc[] = [];
  for (let i = 0; i < lines.length && docs.length < count; i += stride)
    docs.push(JSON.parse(lines[i] as string) as Doc);
  return docs;
}

export const NPM_SETTINGS = {
  filterableAttributes: ['scope', 'major'],
  sortableAttributes: ['downloads'],
};

/** A seeded generator, so every run asks the same queries. */
export function seeded(seed: number): (n: number) => number {
  let state = seed >>> 0;
  return (n) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state % n;
  };
}

/** Words of the corpus (names and summaries), longer than two letters, for building queries. */
export function corpusWords(docs: readonly Doc[]): string[] {
  const words = new Set<string>();
  for (const doc of docs) {
    for (const text of [doc.name, doc.summary]) {
      if (typeof text !== 'string') continue;
      for (const word of text.toLowerCase().split(/[^a-z]+/)) if (word.length > 2) words.add(word);
    }
  }
  return [...words].sort();
}

function searchMix(docs: readonly Doc[], count: number): Record<string, unknown>[] {
  const words = corpusWords(docs);
  const next = seeded(42);
  const word = () => words[next(words.length)] as string;
  return Array.from({ length: count }, (_, i) => {
    switch (i % 4) {
      case 0:
        return { q: word() };
      case 1:
        return { q: `${word()} ${word()}`, limit: 10 };
      case 2:
        return { q: word(), filter: 'major >= 1', facets: ['major'] };
      default:
        return { q: word().slice(0, 4), sort: ['downloads:desc'] };
    }
  });
}

interface LoadResult {
  latencies: number[];
  qps: number;
  errors: number;
  /** CPU ms per request of this process (driver, and the query service on the Miroir side) and of each devnode. */
  cpu: { self: number; nodes: Map<number, number> };
}

/** User + system CPU time of a process in ms, from /proc; null where /proc is not there. */
function cpuMsOf(pid: number): number | null {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return null;
  const fields = (readFileSync(path, 'utf8').split(') ')[1] ?? '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The devnode processes this bench spawned (children of this process), by pid. */
function devnodePids(): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(' devnode '))
      .map((line) => Number(line.trim().split(/\s+/)[0]));
  } catch {
    return [];
  }
}

/** `concurrency` workers send the queries in turn until `requests` are done. */
async function drive(
  url: string,
  path: string,
  queries: readonly Record<string, unknown>[],
  concurrency: number,
  requests: number,
): Promise<LoadResult> {
  const pool = new Pool(url, { connections: concurrency });
  const pids = devnodePids();
  const cpuBefore = pids.map(cpuMsOf);
  const selfBefore = process.cpuUsage();
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= requests) return;
      const body = JSON.stringify(queries[i % queries.length]);
      const t0 = performance.now();
      const res = await pool.request({
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.body.text();
      latencies.push(performance.now() - t0);
      if (res.statusCode !== 200) errors += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const self = process.cpuUsage(selfBefore);
  const nodes = new Map<number, number>();
  pids.forEach((pid, i) => {
    const before = cpuBefore[i];
    const after = cpuMsOf(pid);
    if (before !== null && before !== undefined && after !== null)
      nodes.set(pid, (after - before) / requests);
  });
  await pool.close();
  return {
    latencies,
    qps: requests / elapsed,
    errors,
    cpu: { self: (self.user + self.system) / 1000 / requests, nodes },
  };
}

export async function run(args: string[]): Promise<BenchResult> {
  const docCount = intArg(args, 'docs', 20_000);
  const concurrency = intArg(args, 'concurrency', 8);
  const requests = intArg(args, 'requests', 1500);
  const warmup = intArg(args, 'warmup', 3000);
  const docs = loadNpmDocs(docCount);
  log(
    `search: placing ${docs.length} npm documents on 3 devnode processes (3 shards) and one reference devnode`,
  );
  const cluster = await startCluster({
    uid: 'npm',
    shards: 3,
    rf: 1,
    primaryKey: 'id',
    settings: NPM_SETTINGS,
    documents: docs,
    devnodes: spawnDevnode,
    listen: true,
    // Devnodes are single-threaded: batching their searches (query.coalesceSearches) pays off.
    service: { perShardTimeoutMs: 10_000, coalesceSearches: true },
  });
  try {
    const miroirUrl = cluster.url as string;
    const directUrl = cluster.reference?.devnode.url as string;
    const queries = searchMix(docs, 400);
    const path = '/indexes/npm/search';
    // Warm both paths (connections, JIT, node caches) as a running service is, then alternate
    // rounds so noise hits both. The query service's JIT settles only after a few thousand searches.
    await drive(miroirUrl, path, queries, concurrency, warmup);
    await drive(directUrl, path, queries, concurrency, warmup);
    const direct: LoadResult[] = [];
    const miroir: LoadResult[] = [];
    for (let round = 0; round < 2; round++) {
      direct.push(await drive(directUrl, path, queries, concurrency, requests));
      miroir.push(await drive(miroirUrl, path, queries, concurrency, requests));
    }
    const pool = (results: LoadResult[]) => results.flatMap((r) => r.latencies).sort((a, b) => a - b);
    const meanQps = (results: LoadResult[]) => results.reduce((sum, r) => sum + r.qps, 0) / results.length;
    const m = pool(miroir);
    const d = pool(direct);
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);
    // Devnode CPU per request, summed over the devnodes: the reference serves only the direct side.
    const nodesCpu = (results: LoadResult[]) =>
      mean(results.map((r) => [...r.cpu.nodes.values()].reduce((sum, v) => sum + v, 0)));
    const driverCpu = mean(direct.map((r) => r.cpu.self));
    const cpuMsPerRequest = {
      directNode: round(nodesCpu(direct), 3),
      miroirNodes: round(nodesCpu(miroir), 3),
      // This process runs the load driver on both sides; the difference is the query service.
      queryService: round(mean(miroir.map((r) => r.cpu.self)) - driverCpu, 3),
      driver: round(driverCpu, 3),
    };
    const mP50 = percentile(m, 50);
    const dP50 = percentile(d, 50);
    const result: BenchResult = {
      bench: 'search',
      value: round(mP50, 3),
      unit: 'ms p50',
      baseline: round(dP50, 3),
      ratio: round(mP50 / dP50, 3),
      p50OverheadMs: round(mP50 - dP50, 3),
      p99Ms: round(percentile(m, 99), 3),
      baselineP99Ms: round(percentile(d, 99), 3),
      qps: round(meanQps(miroir), 1),
      baselineQps: round(meanQps(direct), 1),
      qpsRatio: round(meanQps(miroir) / meanQps(direct), 3),
      errors: miroir.reduce((sum, r) => sum + r.errors, 0) + direct.reduce((sum, r) => sum + r.errors, 0),
      cpuMsPerRequest,
      documents: docs.length,
      shards: 3,
      coalesceSearches: true,
      concurrency,
      requestsPerSide: requests * 2,
      placement: 'documents placed directly on the nodes by the routing rules (write path not used)',
      targets: { p50OverheadMs: 2, qpsRatio: 0.8 },
    };
    return result;
  } finally {
    await cluster.close();
  }
}
