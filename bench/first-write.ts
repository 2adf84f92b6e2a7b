// Create an index, then write to it: the first thing every tutorial does. Measures, over N new
// indexes (default 200), the time from `POST /indexes` to the first document write's task
// `succeeded`, as a client sees it (create, wait for its task, add one document, wait for its
// task; tasks polled every 5 ms). Miroir runs as `miroir dev` does (3 devnodes, the default shard
// count, RF 1). Baseline, same run: the same sequence against one devnode directly.
// Args: --indexes=N (default 200); --pace-ms=N (default 0): pause between rounds. Back to back
// (0) is the worst case: a round then starts while the previous index's spare topic is still being
// replaced; a pause (as a user working through a tutorial) measures an index created on a quiet
// cluster. Target: p99 < 200 ms.
import { initRouting } from '#core/routing/index.ts';
import { startDevnode } from '#devnode/server.ts';
import { startLocalCluster } from '../cli/local-cluster.ts';
import { meiliJson, numArg, taskSucceeded, tempDirs } from './_bench-io.ts';
import { percentile, type BenchResult } from './harness.ts';
import { benchBroker } from './local-kafka.ts';

const post = (url: string, body: unknown): Promise<Record<string, unknown>> =>
  meiliJson(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** Waits for the task of a 202 answer, polling every 5 ms so the poll adds little to what is measured. */
const succeeded = (base: string, enqueued: Record<string, unknown>): Promise<void> =>
  taskSucceeded(base, enqueued.taskUid as number, 5);

interface Round {
  readonly totalMs: number;
  readonly createMs: number;
  readonly writeMs: number;
}

/** One index: create it, wait, write one document, wait. */
async function round(base: string, uid: string): Promise<Round> {
  const started = performance.now();
  await succeeded(base, await post(`${base}/indexes`, { uid, primaryKey: 'id' }));
  const created = performance.now();
  await succeeded(base, await post(`${base}/indexes/${uid}/documents`, [{ id: 1, title: 'first' }]));
  const done = performance.now();
  return { totalMs: done - started, createMs: created - started, writeMs: done - created };
}

async function rounds(base: string, prefix: string, count: number, paceMs = 0): Promise<Round[]> {
  // A few untimed rounds first: JIT, connections, the broker's first topic creations.
  for (let i = 0; i < 5; i++) await round(base, `${prefix}warm${i}`);
  const out: Round[] = [];
  for (let i = 0; i < count; i++) {
    if (paceMs > 0) await new Promise((resolve) => setTimeout(resolve, paceMs));
    out.push(await round(base, `${prefix}${i}`));
  }
  return out;
}

function stats(values: readonly number[]): { p50: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const round1 = (x: number): number => Math.round(x * 10) / 10;
  return {
    p50: round1(percentile(sorted, 50)),
    p99: round1(percentile(sorted, 99)),
    max: round1(sorted[sorted.length - 1] ?? 0),
  };
}

export async function run(args: string[]): Promise<BenchResult> {
  const count = numArg(args, 'indexes', 200);
  const paceMs = numArg(args, 'pace-ms', 0);
  await initRouting();
  const log = (line: string): void => void process.stderr.write(`[first-write bench] ${line}\n`);
  const broker = await benchBroker(log);
  const dirs = tempDirs('miroir-first-write-');
  const tempDir = (): string => dirs.make();
  try {
    const direct = await startDevnode({ port: 0, dataDir: tempDir() });
    let baseline: Round[];
    try {
      baseline = await rounds(direct.url, 'direct', count);
    } finally {
      await direct.close();
    }
    log(`direct devnode: p99 ${stats(baseline.map((r) => r.totalMs)).p99} ms`);
    const cluster = await startLocalCluster({
      brokers: broker.brokers,
      nodes: 3,
      dataDir: tempDir(),
      port: 0,
      overrides: { logging: { level: 'warn' }, metrics: { enabled: false } },
    });
    let measured: Round[];
    try {
      measured = await rounds(cluster.url, 'miroir', count, paceMs);
    } finally {
      await cluster.close();
    }
    const total = stats(measured.map((r) => r.totalMs));
    const quarter = Math.max(1, Math.floor(measured.length / 4));
    log(
      `first quarter p50 ${stats(measured.slice(0, quarter).map((r) => r.totalMs)).p50} ms, last quarter p50 ${stats(measured.slice(-quarter).map((r) => r.totalMs)).p50} ms`,
    );
    const base = stats(baseline.map((r) => r.totalMs));
    return {
      bench: 'first-write',
      value: total.p99,
      unit: 'ms p99 create-index-to-first-write-succeeded',
      baseline: base.p99,
      ratio: Math.round((total.p99 / Math.max(base.p99, 0.1)) * 100) / 100,
      indexes: count,
      paceMs,
      miroir: total,
      miroirCreate: stats(measured.map((r) => r.createMs)),
      miroirWrite: stats(measured.map((r) => r.writeMs)),
      direct: base,
      target: 'p99 < 200 ms',
    };
  } finally {
    await broker.stop();
    dirs.removeAll();
  }
}
