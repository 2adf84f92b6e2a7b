// Routing throughput: a 10K-document batch (random string ids) to its shard and write-target
// nodes, S=64, 2 replica groups x 3 nodes, RF=2. Measured: `routeBatch` plus the owners lookup.
// Baseline, same run and same output: per-key `h64(key) % S` in BigInt plus the same lookup.
import xxhash from 'xxhash-wasm';
import { bucketByShard, initRouting, routeBatch, routingKernelKind } from '#core/routing/index.ts';
import { createTopology, placementOf, type TopologySpec } from '#core/topology.ts';
import { formatTiming, intArg, log, round, time, timeInterleaved, type BenchResult } from './harness.ts';

const TARGET_MS = 1;
const STRETCH_MS = 0.38;

/**
 * Deterministic ids shaped like real ones: 8 to 24 characters of [a-z0-9-_]. They go through
 * JSON like ids parsed from a request body, which also makes them flat strings (built by `+=`
 * they would be ropes, which are slower to read and unlike what ingest sees).
 */
function randomIds(count: number, seed: number): string[] {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-_';
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state;
  };
  const ids = Array.from({ length: count }, () => {
    const length = 8 + (next() % 17);
    let id = '';
    for (let i = 0; i < length; i++) id += alphabet[next() % alphabet.length];
    return id;
  });
  return JSON.parse(JSON.stringify(ids)) as string[];
}

function topologySpec(shards: number): TopologySpec {
  const groups = ['g1', 'g2'];
  return {
    groups: groups.map((id) => ({ id, state: 'active' })),
    nodes: groups.flatMap((group) =>
      [1, 2, 3].map((n) => ({
        id: `${group}-node-${n}`,
        url: `http://${group}-node-${n}:7700`,
        group,
        state: 'active' as const,
      })),
    ),
    indexes: [{ uid: 'bench', primaryKey: 'id', shards, rf: 2, groups, generation: 0, state: 'active' }],
  };
}

export async function run(args: string[]): Promise<BenchResult> {
  const docs = intArg(args, 'docs', 10_000);
  const shards = intArg(args, 'shards', 64);
  const runs = intArg(args, 'runs', 300);
  const warmup = intArg(args, 'warmup', 100);

  await initRouting();
  const api = await xxhash();
  const table = placementOf(createTopology(topologySpec(shards)), 'bench');
  const targets = table.writeTargets;
  const keys = randomIds(docs, 42);
  const bigShards = BigInt(shards);

  const baselineShards = new Uint16Array(docs);
  const baselineOwners = new Array<readonly string[]>(docs);
  const baseline = (): unknown => {
    for (let i = 0; i < docs; i++) {
      const shard = Number(api.h64(keys[i] as string) % bigShards);
      baselineShards[i] = shard;
      baselineOwners[i] = targets[shard] as readonly string[];
    }
    return baselineOwners;
  };

  const fastShards = new Uint16Array(docs);
  const fastOwners = new Array<readonly string[]>(docs);
  const fast = (): unknown => {
    routeBatch(keys, table, fastShards);
    for (let i = 0; i < docs; i++) fastOwners[i] = targets[fastShards[i] as number] as readonly string[];
    return fastOwners;
  };

  const timings = timeInterleaved({ fast, baseline }, { warmup, runs });
  const fastTiming = timings.fast;
  const baselineTiming = timings.baseline;

  // Same answers, or the numbers mean nothing.
  for (let i = 0; i < docs; i++) {
    if (fastShards[i] !== baselineShards[i] || fastOwners[i] !== baselineOwners[i])
      throw new Error(`route mismatch at document ${i}`);
  }

  const bucketTiming = time(() => bucketByShard(fastShards, shards), { warmup, runs });
  log(`kernel: ${routingKernelKind()}, ${docs} docs, S=${shards}, 2 groups x 3 nodes, RF=2`);
  log(formatTiming('routeBatch + owners', fastTiming));
  log(formatTiming('baseline h64 % S (BigInt) + owners', baselineTiming));
  log(formatTiming('bucketByShard (extra, not in value)', bucketTiming));

  const value = fastTiming.medianMs;
  return {
    bench: 'route',
    value: round(value),
    unit: `ms median per ${docs}-doc batch`,
    baseline: round(baselineTiming.medianMs),
    ratio: round(value / baselineTiming.medianMs, 3),
    baselineIs: 'per-key api.h64(key) % BigInt(S) plus the same owner lookup, same process',
    method: `median of ${fastTiming.runs} runs per contender, interleaved in 5 rounds after ${warmup} warm-up calls`,
    kernel: routingKernelKind(),
    docs,
    shards,
    groups: 2,
    nodesPerGroup: 3,
    rf: 2,
    docsPerSecond: Math.round((docs / value) * 1000),
    baselineDocsPerSecond: Math.round((docs / baselineTiming.medianMs) * 1000),
    p99Ms: round(fastTiming.p99Ms),
    baselineP99Ms: round(baselineTiming.p99Ms),
    bucketByShardMedianMs: round(bucketTiming.medianMs),
    targets: { medianMs: `< ${TARGET_MS}`, stretchMs: `< ${STRETCH_MS}` },
    met: { target: value < TARGET_MS, stretch: value < STRETCH_MS },
  };
}
