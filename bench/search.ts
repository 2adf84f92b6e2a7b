// `npm run bench -- search [--docs=N] [--concurrency=C] [--requests=R] [--warmup=W]
// [--node-cpu-pct=P | --no-cap] [--coalesce]`: search latency and throughput through Miroir (3
// devnode processes, 3 shards, documents placed by the routing rules) against the same queries
// sent directly to one devnode process holding every document. Targets (SPEC A8): p50 overhead
// <= 2 ms, QPS ratio >= 0.8. Value: Miroir's p50 in ms.
//
// Two measurements:
// - headline: every node process, the direct one included, capped at the same CPU budget
//   (`--node-cpu-pct`, default 30 % of a core, through cgroups), as nodes of one size on machines
//   of their own would be; the query service and the driver use the rest of the machine, and
//   `machineBusy` shows the machine itself was not the limit;
// - `colocated`: the same, uncapped: five processes share this machine's cores, so Miroir's
//   extra hop and second node search cost throughput that separate machines would not share.
// The load comes from a separate driver process (`_load-driver.ts`), so the query service, which
// runs in this process, has its event loop to itself as a deployed query role does. The CPU
// each process spent per request (Linux /proc) is reported too.
import { execFileSync, fork } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { capProcesses } from './_cpu-cap.ts';
import type { DriveJob, DriveReport } from './_load-driver.ts';
import { loadNpmDocs } from './_npm-corpus.ts';
import { spawnDevnode, startQueryCluster, type Doc } from './_query-cluster.ts';
import { intArg, log, percentile, round, type BenchResult } from './harness.ts';

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
  /** CPU ms per request of this process (the query service on the Miroir side), of the driver and of each devnode. */
  cpu: { self: number; selfSystem: number; driver: number; nodes: Map<number, number> };
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

/** The load driver process: one job at a time over IPC. */
class Driver {
  private readonly child = fork(new URL('./_load-driver.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

  readonly pid = this.child.pid as number;

  /** `nodePids`: the devnode processes whose CPU each job reports. */
  constructor(private readonly nodePids: readonly number[]) {}

  /** `concurrency` workers send the queries in turn until `requests` are done. */
  async drive(
    url: string,
    path: string,
    queries: readonly Record<string, unknown>[],
    concurrency: number,
    requests: number,
  ): Promise<LoadResult> {
    const pids = this.nodePids;
    const cpuBefore = pids.map(cpuMsOf);
    const selfBefore = process.cpuUsage();
    const job: DriveJob = { url, path, queries, concurrency, requests };
    let onExit: ((code: number | null) => void) | undefined;
    const answer = new Promise<{ report?: DriveReport; error?: string }>((resolve, reject) => {
      onExit = (code) => reject(new Error(`load driver exited with ${String(code)}`));
      this.child.once('message', resolve);
      this.child.once('exit', onExit);
    }).finally(() => this.child.off('exit', onExit as (code: number | null) => void));
    this.child.send(job);
    const { report, error } = await answer;
    if (report === undefined) throw new Error(`load driver failed: ${error ?? 'no report'}`);
    const self = process.cpuUsage(selfBefore);
    const nodes = new Map<number, number>();
    pids.forEach((pid, i) => {
      const before = cpuBefore[i];
      const after = cpuMsOf(pid);
      if (before !== null && before !== undefined && after !== null)
        nodes.set(pid, (after - before) / requests);
    });
    return {
      latencies: report.latencies,
      qps: requests / (report.elapsedMs / 1000),
      errors: report.errors,
      cpu: {
        self: (self.user + self.system) / 1000 / requests,
        selfSystem: self.system / 1000 / requests,
        driver: report.cpuMs / requests,
        nodes,
      },
    };
  }

  close(): void {
    this.child.disconnect();
  }
}

interface Measured {
  p50Ms: number;
  baselineP50Ms: number;
  p50OverheadMs: number;
  p99Ms: number;
  baselineP99Ms: number;
  qps: number;
  baselineQps: number;
  qpsRatio: number;
  errors: number;
  nodeRequestsPerSearch: number;
  /** CPU ms per client search of each part. */
  cpuMsPerRequest: Record<string, number>;
  /** Share of the machine's cores busy during the Miroir rounds (near 1: the machine, not the nodes, is the limit). */
  machineBusy: number;
  /** Cores the busiest node process used on each side: with caps, at most the cap shows they held. */
  busiestNodeCores: { direct: number; miroir: number };
}

const mean = (values: number[]): number => values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);

/** Cores used by the busiest devnode over the rounds (CPU ms per request × requests per ms). */
function busiestNode(results: LoadResult[]): number {
  let busiest = 0;
  for (const r of results)
    for (const cpu of r.cpu.nodes.values()) busiest = Math.max(busiest, (cpu * r.qps) / 1000);
  return busiest;
}

function summarize(direct: LoadResult[], miroir: LoadResult[], nodeRequestsPerSearch: number): Measured {
  const pool = (results: LoadResult[]) => results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const meanQps = (results: LoadResult[]) => mean(results.map((r) => r.qps));
  const m = pool(miroir);
  const d = pool(direct);
  // Devnode CPU per request, summed over the devnodes: the reference serves only the direct side.
  const nodesCpu = (results: LoadResult[]) =>
    mean(results.map((r) => [...r.cpu.nodes.values()].reduce((sum, v) => sum + v, 0)));
  const driverCpu = mean([...direct, ...miroir].map((r) => r.cpu.driver));
  // This process hosts the query service; on the direct side it is idle (its baseline).
  const queryCpu = mean(miroir.map((r) => r.cpu.self)) - mean(direct.map((r) => r.cpu.self));
  const cpuMsPerRequest = {
    directNode: round(nodesCpu(direct), 3),
    miroirNodes: round(nodesCpu(miroir), 3),
    queryService: round(queryCpu, 3),
    // Of which in the kernel (sockets): on loopback the sender also pays the receiver's TCP work.
    queryServiceKernel: round(
      mean(miroir.map((r) => r.cpu.selfSystem)) - mean(direct.map((r) => r.cpu.selfSystem)),
      3,
    ),
    driver: round(driverCpu, 3),
  };
  const qps = meanQps(miroir);
  const p50 = percentile(m, 50);
  const baselineP50 = percentile(d, 50);
  return {
    p50Ms: round(p50, 3),
    baselineP50Ms: round(baselineP50, 3),
    p50OverheadMs: round(p50 - baselineP50, 3),
    p99Ms: round(percentile(m, 99), 3),
    baselineP99Ms: round(percentile(d, 99), 3),
    qps: round(qps, 1),
    baselineQps: round(meanQps(direct), 1),
    qpsRatio: round(qps / meanQps(direct), 3),
    errors: [...miroir, ...direct].reduce((sum, r) => sum + r.errors, 0),
    nodeRequestsPerSearch: round(nodeRequestsPerSearch, 3),
    cpuMsPerRequest,
    machineBusy: round(((nodesCpu(miroir) + queryCpu + driverCpu) * qps) / 1000 / availableParallelism(), 3),
    busiestNodeCores: { direct: round(busiestNode(direct), 3), miroir: round(busiestNode(miroir), 3) },
  };
}

export async function run(args: string[]): Promise<BenchResult> {
  const docCount = intArg(args, 'docs', 20_000);
  const concurrency = intArg(args, 'concurrency', 8);
  const requests = intArg(args, 'requests', 1500);
  const warmup = intArg(args, 'warmup', 3000);
  // The product default is off; `--coalesce` measures `query.coalesceSearches: true`.
  const coalesce = args.includes('--coalesce');
  // Each node process's budget, in hundredths of a core; `--no-cap` runs uncapped only.
  const nodeCpu = args.includes('--no-cap') ? 0 : intArg(args, 'node-cpu-pct', 30) / 100;
  const docs = loadNpmDocs(docCount);
  log(
    `search: placing ${docs.length} npm documents on 3 devnode processes (3 shards) and one reference devnode`,
  );
  const cluster = await startQueryCluster({
    uid: 'npm',
    shards: 3,
    rf: 1,
    primaryKey: 'id',
    settings: NPM_SETTINGS,
    documents: docs,
    devnodes: spawnDevnode,
    listen: true,
    service: { perShardTimeoutMs: 10_000, coalesceSearches: coalesce },
  });
  // Every devnode this bench spawned: the cluster's and the reference.
  const nodePids = devnodePids();
  const driver = new Driver(nodePids);
  const drive = driver.drive.bind(driver);
  try {
    const miroirUrl = cluster.url as string;
    const directUrl = cluster.reference?.devnode.url as string;
    const queries = searchMix(docs, 400);
    const path = '/indexes/npm/search';
    // Warm both paths (connections, JIT, node caches) as a running service is, then alternate
    // rounds so noise hits both. The query service's JIT settles only after a few thousand searches.
    await drive(miroirUrl, path, queries, concurrency, warmup);
    await drive(directUrl, path, queries, concurrency, warmup);

    /** Alternate rounds on both sides, so noise hits both. */
    const measure = async (): Promise<Measured> => {
      const direct: LoadResult[] = [];
      const miroir: LoadResult[] = [];
      cluster.requests.clear();
      for (let round = 0; round < 2; round++) {
        direct.push(await drive(directUrl, path, queries, concurrency, requests));
        miroir.push(await drive(miroirUrl, path, queries, concurrency, requests));
      }
      const nodeRequests = [...cluster.requests.values()].reduce((sum, n) => sum + n, 0);
      return summarize(direct, miroir, nodeRequests / (requests * 2));
    };

    // First every node process, the direct one included, capped at the same CPU budget, as
    // nodes of one size on machines of their own; then all of them uncapped, sharing the cores.
    const caps = nodeCpu > 0 ? capProcesses(nodePids, nodeCpu) : null;
    let equalNodes: Measured | null = null;
    if (caps !== null) {
      log(`search: every node process capped at ${nodeCpu} of a core (cgroup ${caps.cgroup})`);
      try {
        equalNodes = await measure();
      } finally {
        await caps.release();
      }
    } else if (nodeCpu > 0) {
      log('search: cgroups are not writable here: node processes run uncapped only');
    }
    log('search: node processes uncapped, sharing the machine with the query service and the driver');
    const colocated = await measure();
    const headline = equalNodes ?? colocated;
    const result: BenchResult = {
      bench: 'search',
      value: headline.p50Ms,
      unit: 'ms p50',
      baseline: headline.baselineP50Ms,
      ratio: round(headline.p50Ms / headline.baselineP50Ms, 3),
      ...headline,
      mode: equalNodes !== null ? `every node capped at ${nodeCpu} core` : 'co-located, uncapped',
      colocated: equalNodes !== null ? colocated : null,
      documents: docs.length,
      shards: 3,
      coalesceSearches: coalesce,
      concurrency,
      requestsPerSide: requests * 2,
      cores: availableParallelism(),
      placement: 'documents placed directly on the nodes by the routing rules (write path not used)',
      targets: { p50OverheadMs: 2, qpsRatio: 0.8 },
    };
    return result;
  } finally {
    driver.close();
    await cluster.close();
  }
}
