// ingest throughput: 1 KB documents in batches of 1,000 POSTed to Miroir's document route until
// every request got its 202 (Kafka acknowledged, acks=all), in docs/s. Baseline, same run: raw
// kafkajs sends of the same document bytes, 1,000 messages per send, to a topic of as many
// partitions, uncompressed; `rawLz4` repeats it with LZ4 batches (Miroir's producer default).
// CPU per 1,000 documents (this process, and the broker when the run started it) is reported
// next to throughput: wall-clock numbers on a shared 2-core machine swing with the other load.
// Args: --docs=N (default 200000), --inflight=N concurrent requests (default 8), --shards=N (default 16).
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, CompressionTypes } from 'kafkajs';
import { request } from 'undici';
import { loadConfig } from '#core/config/index.ts';
import { startServer } from '../cli/commands/serve.ts';
import { loadRoleModule } from '../cli/role-loader.ts';
import type { BenchResult } from './harness.ts';
import { compressFrameSync } from 'lz4-napi';
import { benchBroker, inFlight, kilobyteDoc, processCpuMs } from './local-kafka.ts';
import { numArg } from './_bench-io.ts';

const BATCH = 1_000;

export async function run(args: string[]): Promise<BenchResult> {
  const total = numArg(args, 'docs', 200_000);
  const width = numArg(args, 'inflight', 8);
  const shards = numArg(args, 'shards', 16);
  const log = (line: string): void => void process.stderr.write(`[ingest bench] ${line}\n`);
  const broker = await benchBroker(log);
  const prefix = `bench-${randomBytes(4).toString('hex')}.`;
  const batches: Buffer[] = [];
  const messageBatches: Array<Array<{ key: string; value: Buffer }>> = [];
  for (let b = 0; b < total / BATCH; b++) {
    const docs = Array.from({ length: BATCH }, (_, i) => kilobyteDoc(b * BATCH + i));
    batches.push(Buffer.from(JSON.stringify(docs)));
    messageBatches.push(docs.map((d) => ({ key: String(d.id), value: Buffer.from(JSON.stringify(d)) })));
  }
  const sent = batches.length * BATCH;
  // What LZ4 makes of these documents: each request's document bytes as one frame.
  const sample = messageBatches.slice(0, 20).map((messages) => Buffer.concat(messages.map((m) => m.value)));
  const lz4Ratio =
    sample.reduce((n, b) => n + b.length, 0) / sample.reduce((n, b) => n + compressFrameSync(b).length, 0);

  /** Wall time and CPU (this process, the broker) of one timed phase. */
  const measure = async (phase: () => Promise<unknown>) => {
    const cpu0 = process.cpuUsage();
    const broker0 = broker.pid === undefined ? null : processCpuMs(broker.pid);
    const t0 = performance.now();
    await phase();
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const broker1 = broker.pid === undefined ? null : processCpuMs(broker.pid);
    const perKDoc = (cpuMs: number): number => Number(((cpuMs * 1000) / sent).toFixed(1));
    return {
      ms,
      docsPerS: Math.round(sent / (ms / 1000)),
      nodeCpuMsPerKDoc: perKDoc((cpu.user + cpu.system) / 1000),
      brokerCpuMsPerKDoc: broker0 === null || broker1 === null ? null : perKDoc(broker1 - broker0),
    };
  };

  // Ingest alone (with the read models it needs): no indexer, so the measure is HTTP -> Kafka only.
  const config = loadConfig({
    env: {},
    overrides: {
      roles: ['projections', 'ingest'],
      http: { host: '127.0.0.1', port: 0 },
      kafka: { brokers: broker.brokers.split(','), topicPrefix: prefix },
      nodes: [
        { id: 'n1', url: 'http://127.0.0.1:1', group: 'g1' },
        { id: 'n2', url: 'http://127.0.0.1:2', group: 'g1' },
        { id: 'n3', url: 'http://127.0.0.1:3', group: 'g1' },
      ],
      cluster: { shards, replicationFactor: 1 },
      logging: { level: 'warn' },
      metrics: { enabled: false },
    },
  });
  const server = await startServer(config, { loadRole: loadRoleModule });
  const kafka = new Kafka({
    brokers: broker.brokers.split(','),
    clientId: 'ingest-bench',
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  try {
    const post = async (body: Buffer): Promise<void> => {
      const res = await request(`${server.url}/indexes/bench/documents`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      const text = await res.body.text();
      if (res.statusCode !== 202) throw new Error(`ingest answered ${res.statusCode}: ${text}`);
    };
    // Warm-up creates the index and its topic, and compiles the hot path.
    for (const body of batches.slice(0, 5)) await post(body);
    const ingest = await measure(() =>
      inFlight(
        batches.map((body) => () => post(body)),
        width,
      ),
    );

    await admin.connect();
    await producer.connect();
    const topic = `${prefix}raw`;
    await admin.createTopics({
      topics: [{ topic, numPartitions: shards, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    for (const messages of messageBatches.slice(0, 5))
      await producer.send({ topic, acks: -1, messages, compression: CompressionTypes.None });
    const raw = await measure(() =>
      inFlight(
        messageBatches.map(
          (messages) => () =>
            producer.send({ topic, acks: -1, messages, compression: CompressionTypes.None }),
        ),
        width,
      ),
    );
    const rawLz4 = await measure(() =>
      inFlight(
        messageBatches.map(
          (messages) => () => producer.send({ topic, acks: -1, messages, compression: CompressionTypes.LZ4 }),
        ),
        width,
      ),
    );

    const value = ingest.docsPerS;
    const baseline = raw.docsPerS;
    return {
      bench: 'ingest',
      value,
      unit: 'docs/s',
      baseline,
      ratio: Number((value / baseline).toFixed(3)),
      target: 50_000,
      docs: sent,
      docBytes: 1024,
      batch: BATCH,
      inflight: width,
      shards,
      ingestMs: Math.round(ingest.ms),
      rawKafkaMs: Math.round(raw.ms),
      rawLz4DocsPerS: rawLz4.docsPerS,
      lz4Ratio: Number(lz4Ratio.toFixed(2)),
      cpuMsPerKDoc: {
        ingest: { node: ingest.nodeCpuMsPerKDoc, broker: ingest.brokerCpuMsPerKDoc },
        raw: { node: raw.nodeCpuMsPerKDoc, broker: raw.brokerCpuMsPerKDoc },
        rawLz4: { node: rawLz4.nodeCpuMsPerKDoc, broker: rawLz4.brokerCpuMsPerKDoc },
      },
    };
  } finally {
    await producer.disconnect().catch(() => undefined);
    const topics = (await admin.listTopics().catch(() => [] as string[])).filter((t) => t.startsWith(prefix));
    await server.lifecycle.shutdown('bench done');
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await broker.stop();
  }
}
