// The changelog role's throughput, lag and memory. One run: N documents (default 100K, npm
// corpus records with fresh ids) go to a 4-shard document topic; the baseline is the same records
// read and written once per document with the same Kafka client (no state, no transaction); then
// one changelog folder (the role's unit, in its own process) folds them: value = changes/s from
// the document topic to the committed changelog, ratio = value / baseline (target >= 0.5). Then
// the topic grows to --total documents (default 1M, appended as fast as the broker takes them, so
// the folder works through a backlog) and the folder's RSS is read once idle after each size
// (target < 400 MB at both), with its peak while folding the backlog. Last, documents arrive at a steady --rate (default 5K/s, below
// the folder's capacity, so the lag is latency, not backlog) for 10 s and each change's end-to-end lag (document event built -> change
// committed and read) gives p50/p99.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKafkaClient, type LogAdmin, type LogProducer } from '#adapters/kafka.ts';
import { parseChangeEnvelope } from '#core/cdc/envelope.ts';
import { defaultEventCodec } from '#core/events/codec.ts';
import { currentSchemaVersion } from '#core/events/avro-schemas.ts';
import type { DocumentsUpsertedEvent } from '#core/events/document-events.ts';
import { changelogGroupId } from '#core/log/consumer-groups.ts';
import { docsTopicSpec } from '#core/log/topic-configs.ts';
import { topicNames } from '#core/log/topics.ts';
import { initRouting, shardOf } from '#core/routing/hash.ts';
import { ensureTopicWith } from '#adapters/read-models/read-models.ts';
import { numArg, tempDirs } from './_bench-io.ts';
import { loadNpmDocs } from './_npm-corpus.ts';
import { percentile, round, type BenchResult } from './harness.ts';
import { benchBroker } from './local-kafka.ts';

const SHARDS = 4;
const PER_RECORD = 500;
const log = (line: string): void => void process.stderr.write(`[cdc bench] ${line}\n`);
const codec = defaultEventCodec();

/** Appends documents `from` to `from + count` (corpus records, id `d<i>`), 500 per record and shard. */
async function produceDocs(
  producer: LogProducer,
  topic: string,
  corpus: readonly Record<string, unknown>[],
  from: number,
  count: number,
): Promise<void> {
  let seq = 0;
  for (let start = from; start < from + count; start += PER_RECORD * SHARDS * 10) {
    const byShard: Array<{ ids: string[]; docs: Buffer[] }> = Array.from({ length: SHARDS }, () => ({
      ids: [],
      docs: [],
    }));
    const end = Math.min(from + count, start + PER_RECORD * SHARDS * 10);
    for (let i = start; i < end; i++) {
      const id = `d${i}`;
      const shard = byShard[shardOf(id, SHARDS)]!;
      shard.ids.push(id);
      shard.docs.push(Buffer.from(JSON.stringify({ ...corpus[i % corpus.length], id })));
    }
    const messages = byShard.flatMap((s, shard) => {
      const out = [];
      for (let k = 0; k < s.ids.length; k += PER_RECORD) {
        const event: DocumentsUpsertedEvent = {
          eventId: `bench:${from}:${seq++}`,
          type: 'DocumentsUpserted',
          schemaVersion: currentSchemaVersion('DocumentsUpserted'),
          indexUid: 'bench',
          generation: 0,
          timestamp: Date.now(),
          taskUid: 1,
          part: 0,
          parts: 1,
          primaryKey: 'id',
          ids: s.ids.slice(k, k + PER_RECORD),
          documents: s.docs.slice(k, k + PER_RECORD),
        };
        out.push({ topic, partition: shard, value: codec.encode(event) });
      }
      return out;
    });
    await producer.send(messages);
  }
}

function startChild(args: string[]): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, '_cdc-child.ts'), ...args],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (c: Buffer) => c.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`cdc bench child exited (${code})`)));
  });
  return { child, ready };
}

async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function waitNoLag(admin: LogAdmin, group: string, topic: string): Promise<void> {
  for (;;) {
    const lag = await admin.fetchLag(group, topic);
    if (lag.every((p) => p.committed !== null && p.lag === 0)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** VmRSS (now) or VmHWM (the peak so far) of a process, in MB. */
function memoryMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(match?.[1] ?? 0) / 1024);
}

/** RSS once the folder is idle again (10 s after its lag reached 0): what it keeps, not what a batch in flight holds. */
async function settledRssMb(pid: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 10_000));
  return memoryMb(pid);
}

/** Docs per second a child takes to empty the topic's lag, from its ready line. */
async function timeChild(args: string[], admin: LogAdmin, group: string, topic: string, docs: number) {
  const { child, ready } = startChild(args);
  await ready;
  const started = performance.now();
  await waitNoLag(admin, group, topic);
  return { child, rate: Math.round(docs / ((performance.now() - started) / 1000)) };
}

export async function run(args: string[]): Promise<BenchResult> {
  const docs = numArg(args, 'docs', 100_000);
  const total = numArg(args, 'total', 1_000_000);
  const rate = numArg(args, 'rate', 5_000);
  await initRouting();
  const broker = await benchBroker(log);
  const dirs = tempDirs('miroir-cdc-bench-');
  const prefix = `bench-cdc-${Date.now()}.`;
  const topics = topicNames(prefix);
  const docsTopic = topics.docs('bench', 0);
  const kafka = createKafkaClient({ brokers: broker.brokers, clientId: 'cdc-bench' });
  const admin = await kafka.admin();
  const producer = await kafka.producer({ compression: 'lz4' });
  const children: ChildProcess[] = [];
  try {
    await ensureTopicWith(admin)(docsTopicSpec(topics, 'bench', 0, SHARDS, { brokerReplicationFactor: 1 }));
    const corpus = loadNpmDocs(200_000);
    log(`producing ${docs} documents`);
    await produceDocs(producer, docsTopic, corpus, 0, docs);
    const childArgs = (mode: string): string[] => [
      mode,
      broker.brokers,
      prefix,
      docsTopic,
      String(SHARDS),
      dirs.make(),
    ];

    const raw = await timeChild(childArgs('raw'), admin, `${prefix}raw`, docsTopic, docs);
    await stopChild(raw.child);
    log(`raw read+write: ${raw.rate} docs/s`);

    const fold = await timeChild(
      childArgs('fold'),
      admin,
      changelogGroupId(prefix, docsTopic),
      docsTopic,
      docs,
    );
    children.push(fold.child);
    const rssFirst = await settledRssMb(fold.child.pid!);
    log(`changelog: ${fold.rate} changes/s, RSS ${rssFirst} MB after ${docs}`);

    if (total > docs) {
      log(`growing the topic to ${total} documents`);
      await produceDocs(producer, docsTopic, corpus, docs, total - docs);
      await waitNoLag(admin, changelogGroupId(prefix, docsTopic), docsTopic);
    }
    const rssTotal = await settledRssMb(fold.child.pid!);
    const rssPeak = memoryMb(fold.child.pid!, 'VmHWM');
    log(`RSS ${rssTotal} MB after ${total} (peak while folding the backlog: ${rssPeak} MB)`);

    // End-to-end lag at a steady rate: event built -> change committed and read back.
    const lags: number[] = [];
    const stopReading = new AbortController();
    const ends = await admin.fetchEndOffsets(topics.changelog('bench'));
    const reading = kafka.readRange({
      topic: topics.changelog('bench'),
      from: ends,
      groupPrefix: prefix,
      signal: stopReading.signal,
      handler: async (_p, messages) => {
        const now = Date.now();
        for (const m of messages) {
          const envelope = parseChangeEnvelope(m.value);
          if (envelope !== null) lags.push(now - envelope.source.ts_ms);
        }
      },
    });
    const perTick = Math.round(rate / 20);
    let next = total + 1_000_000;
    for (let tick = 0; tick < 200; tick++) {
      const t0 = performance.now();
      await produceDocs(producer, docsTopic, corpus, next, perTick);
      next += perTick;
      await new Promise((r) => setTimeout(r, Math.max(0, 50 - (performance.now() - t0))));
    }
    await waitNoLag(admin, changelogGroupId(prefix, docsTopic), docsTopic);
    await new Promise((r) => setTimeout(r, 1_000));
    stopReading.abort();
    await reading;
    lags.sort((a, b) => a - b);
    const lagP50 = percentile(lags, 50);
    const lagP99 = percentile(lags, 99);
    log(`end-to-end lag at ${rate} docs/s: p50 ${lagP50} ms, p99 ${lagP99} ms over ${lags.length} changes`);
    return {
      bench: 'cdc',
      value: fold.rate,
      unit: 'changes/s',
      baseline: raw.rate,
      ratio: round(fold.rate / raw.rate, 3),
      documents: docs,
      lagRateDocsPerS: rate,
      lagP50Ms: lagP50,
      lagP99Ms: lagP99,
      rssMbAfterFirst: rssFirst,
      rssMbAfterTotal: rssTotal,
      rssMbPeak: rssPeak,
      totalDocuments: total,
    };
  } finally {
    for (const child of children) await stopChild(child).catch(() => {});
    await producer.close();
    await admin.close();
    await broker.stop();
    dirs.removeAll();
  }
}
