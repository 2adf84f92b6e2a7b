// End-to-end indexing throughput: npm documents in batches POSTed to Miroir (`miroir dev`-style
// cluster: 3 devnodes, 3 shards, RF 1) until every task succeeded, in docs/s. Baseline, same run:
// the same batches split by owner and sent straight to 3 fresh devnodes, until every node task
// succeeded. Args: --docs=N (default 100000: shorter runs measure mostly the pipeline's fill and drain latency), --batch=N
// (default 5000), --inflight=N (default 4).
import { readFileSync } from 'node:fs';
import { createNodeClient } from '#adapters/node-client.ts';
import { initRouting, ownersOf, shardOf } from '#core/routing/index.ts';
import { withShardValue } from '#core/routing/shard-field.ts';
import { startDevnode } from '#devnode/server.ts';
import { startLocalCluster } from '../cli/local-cluster.ts';
import { meiliJson, numArg, taskSucceeded, tempDirs } from './_bench-io.ts';
import { npmCorpusPath } from './_npm-corpus.ts';
import type { BenchResult } from './harness.ts';
import { benchBroker, inFlight } from './local-kafka.ts';

const NODES = 3;
const SHARDS = 3;

export async function run(args: string[]): Promise<BenchResult> {
  const total = numArg(args, 'docs', 100_000);
  const batchSize = numArg(args, 'batch', 5_000);
  const width = numArg(args, 'inflight', 4);
  await initRouting();
  const docs = readFileSync(npmCorpusPath(), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .slice(0, total)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const batches: Array<Array<Record<string, unknown>>> = [];
  for (let i = 0; i < docs.length; i += batchSize) batches.push(docs.slice(i, i + batchSize));
  const log = (line: string): void => void process.stderr.write(`[index bench] ${line}\n`);
  const broker = await benchBroker(log);
  const dirs = tempDirs('miroir-index-bench-');
  const tempDir = (): string => dirs.make();
  try {
    // Miroir: ingest -> Kafka -> indexers -> devnodes.
    const cluster = await startLocalCluster({
      brokers: broker.brokers,
      nodes: NODES,
      shards: SHARDS,
      replicationFactor: 1,
      dataDir: tempDir(),
      port: 0,
      overrides: { logging: { level: 'warn' }, metrics: { enabled: false } },
    });
    let miroirMs: number;
    try {
      const created = await meiliJson(`${cluster.url}/indexes`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ uid: 'bench', primaryKey: 'id' }),
      });
      await taskSucceeded(cluster.url, created.taskUid as number);
      const t0 = performance.now();
      const uids = await inFlight(
        batches.map((batch) => async () => {
          const task = await meiliJson(`${cluster.url}/indexes/bench/documents`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(batch),
          });
          return task.taskUid as number;
        }),
        width,
      );
      for (const uid of uids) await taskSucceeded(cluster.url, uid);
      miroirMs = performance.now() - t0;
    } finally {
      await cluster.close();
    }

    // Baseline: the same batches, split by owner as Miroir places them, straight to fresh devnodes.
    const nodeIds = Array.from({ length: NODES }, (_, i) => `n${i + 1}`);
    const nodes = await Promise.all(
      nodeIds.map(async (id) => ({ id, devnode: await startDevnode({ port: 0, dataDir: tempDir() }) })),
    );
    let directMs: number;
    try {
      const clients = new Map(
        nodes.map((n) => [n.id, createNodeClient({ nodeId: n.id, url: n.devnode.url, timeoutMs: 300_000 })]),
      );
      for (const client of clients.values())
        await client.waitForTask((await client.createIndex('bench', 'id')).taskUid);
      const t1 = performance.now();
      const tasks = await inFlight(
        batches.map((batch) => async () => {
          const perNode = new Map<string, Array<Record<string, unknown>>>();
          for (const doc of batch) {
            const shard = shardOf(String(doc.id), SHARDS);
            const owner = ownersOf(shard, nodeIds, 1)[0] as string;
            perNode.set(owner, [...(perNode.get(owner) ?? []), withShardValue(doc, shard)]);
          }
          return Promise.all(
            [...perNode].map(async ([id, part]) => ({
              id,
              uid: (
                await (clients.get(id) as ReturnType<typeof createNodeClient>).addDocuments('bench', part)
              ).taskUid,
            })),
          );
        }),
        width,
      );
      for (const { id, uid } of tasks.flat()) {
        const done = await (clients.get(id) as ReturnType<typeof createNodeClient>).waitForTask(uid, {
          timeoutMs: 300_000,
          intervalMs: 20,
        });
        if (done.status !== 'succeeded') throw new Error(`direct task ${uid} on ${id} ended ${done.status}`);
      }
      directMs = performance.now() - t1;
      for (const client of clients.values()) await client.close();
    } finally {
      await Promise.all(nodes.map((n) => n.devnode.close()));
    }
    const value = Math.round(docs.length / (miroirMs / 1000));
    const baseline = Math.round(docs.length / (directMs / 1000));
    return {
      bench: 'index',
      value,
      unit: 'docs/s',
      baseline,
      ratio: Number((value / baseline).toFixed(3)),
      target: 0.8,
      docs: docs.length,
      batch: batchSize,
      nodes: NODES,
      shards: SHARDS,
      miroirMs: Math.round(miroirMs),
      directMs: Math.round(directMs),
    };
  } finally {
    await broker.stop();
    dirs.removeAll();
  }
}
