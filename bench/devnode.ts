// devnode throughput and latency: indexes the npm corpus over HTTP in 10K batches (docs/s), then
// runs 1,000 one-to-three-word queries (half with a filter and facets) and reports p50/p99 and RSS.
// 200 other queries warm the node up first (JIT, connection, first-search index builds); the
// measured queries then go over one keep-alive undici connection, HTTP pass first (so it meets
// the measured queries cold). Baseline: the same queries as raw engine calls in the same process,
// without HTTP or validation.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { npmCorpusPath } from './_npm-corpus.ts';
import type { BenchResult } from './harness.ts';
import { buildDevnodeApp } from '#devnode/app.ts';
import { DevnodeState } from '#devnode/state.ts';
import { DevnodeStore } from '#devnode/store.ts';
import { TaskQueue } from '#devnode/tasks/queue.ts';
import { parseSearchBody } from '#devnode/validate/search.ts';

const BATCH = 10_000;
const QUERIES = 1_000;

/** Small deterministic generator so every run asks the same queries. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function run(args: string[]): Promise<BenchResult> {
  const limitArg = args.find((a) => a.startsWith('--docs='));
  const lines = readFileSync(npmCorpusPath(), 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const docs = (limitArg ? lines.slice(0, Number(limitArg.slice(7))) : lines).map(
    (l) => JSON.parse(l) as Record<string, unknown>,
  );

  const dir = mkdtempSync(join(tmpdir(), 'devnode-bench-'));
  const store = new DevnodeStore(dir);
  const state = new DevnodeState(store);
  const queue = new TaskQueue(store, state);
  const app = buildDevnodeApp({ state, queue, store, masterKey: null });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  const base = `http://127.0.0.1:${address.port}`;
  const post = async (path: string, body: unknown, method = 'POST') => {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return (await res.json()) as Record<string, unknown>;
  };
  const waitTask = async (uid: number) => {
    for (;;) {
      const task = (await (await fetch(`${base}/tasks/${uid}`)).json()) as { status: string; error: unknown };
      if (task.status === 'succeeded') return;
      if (task.status === 'failed') throw new Error(`task ${uid} failed: ${JSON.stringify(task.error)}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  };

  try {
    const settings = await post(
      '/indexes/npm/settings',
      { filterableAttributes: ['scope', 'major'], sortableAttributes: ['downloads'] },
      'PATCH',
    );
    await waitTask(settings.taskUid as number);

    const indexStart = performance.now();
    let last = 0;
    for (let i = 0; i < docs.length; i += BATCH)
      last = (await post('/indexes/npm/documents', docs.slice(i, i + BATCH))).taskUid as number;
    await waitTask(last);
    const indexSeconds = (performance.now() - indexStart) / 1000;
    const docsPerSecond = docs.length / indexSeconds;

    // Query words drawn from the data itself: names and summaries split into words.
    const random = rng(42);
    const words: string[] = [];
    for (let i = 0; i < 5_000; i++) {
      const d = docs[Math.floor(random() * docs.length)]!;
      const text = [d.name, d.summary]
        .filter((v): v is string => typeof v === 'string')
        .join(' ')
        .toLowerCase();
      for (const w of text.split(/[^a-z0-9]+/)) if (w.length >= 3) words.push(w);
    }
    const scopes = [
      ...new Set(docs.map((d) => d.scope).filter((s): s is string => typeof s === 'string')),
    ].slice(0, 50);
    const makeBodies = (count: number): Record<string, unknown>[] =>
      Array.from({ length: count }, (_, i) => {
        const n = 1 + Math.floor(random() * 3);
        const q = Array.from({ length: n }, () => words[Math.floor(random() * words.length)]).join(' ');
        if (i % 2 === 0 || scopes.length === 0) return { q };
        return {
          q,
          filter: `scope = "${scopes[Math.floor(random() * scopes.length)]}" OR major >= 1`,
          facets: ['scope', 'major'],
        };
      });
    // Warm-up queries are drawn after the measured ones, so they share no query by construction
    // (words may repeat, as they do between any two queries of real traffic).
    const bodies = makeBodies(QUERIES);
    const warmUp = makeBodies(200);

    // A keep-alive undici pool, as Miroir's node client uses: the measure is the node, not a heavy client.
    const pool = new Pool(base, { connections: 1 });
    const search = async (body: Record<string, unknown>): Promise<void> => {
      const res = await pool.request({
        path: '/indexes/npm/search',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await res.body.arrayBuffer();
      if (res.statusCode !== 200) throw new Error(`search answered ${res.statusCode}`);
    };
    // JIT, connection and first-search index builds happen before measuring, as on a running node.
    for (const body of warmUp) await search(body);

    const http: number[] = [];
    for (const body of bodies) {
      const t0 = performance.now();
      await search(body);
      http.push(performance.now() - t0);
    }
    await pool.close();
    const engine = state.require('npm').engine;
    const raw: number[] = [];
    for (const body of bodies) {
      const { request } = parseSearchBody(body);
      const t0 = performance.now();
      engine.search(request);
      raw.push(performance.now() - t0);
    }
    http.sort((a, b) => a - b);
    raw.sort((a, b) => a - b);
    const rssMb = process.memoryUsage().rss / 1_048_576;
    const p50 = percentile(http, 50);
    const baseline = percentile(raw, 50);
    return {
      bench: 'devnode',
      value: Number(p50.toFixed(3)),
      unit: 'ms (p50 HTTP search)',
      baseline: Number(baseline.toFixed(3)),
      ratio: Number((p50 / baseline).toFixed(2)),
      baselineIs: 'p50 of the same queries as direct engine.search calls in-process (no HTTP, no validation)',
      documents: docs.length,
      indexSeconds: Number(indexSeconds.toFixed(2)),
      docsPerSecond: Math.round(docsPerSecond),
      p99Ms: Number(percentile(http, 99).toFixed(3)),
      rawEngineP99Ms: Number(percentile(raw, 99).toFixed(3)),
      rssMb: Math.round(rssMb),
      targets: { docsPerSecond: '>= 5000', p50Ms: '<= 5', p99Ms: '<= 25', rssMb: '< 1536' },
      met: {
        docsPerSecond: docsPerSecond >= 5000,
        p50: p50 <= 5,
        p99: percentile(http, 99) <= 25,
        rss: rssMb < 1536,
      },
    };
  } finally {
    await app.close();
    await queue.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
