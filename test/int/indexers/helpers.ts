// Shared setup of the indexer integration tests: devnodes on temp dirs, writes appended to a
// real Kafka log exactly as ingest plans them, and readers for node contents and task events.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaClient, type KafkaClient, type LogAdmin, type LogProducer } from '#adapters/kafka.ts';
import { createLogger } from '#adapters/logger.ts';
import { createNodeClient, type NodeClient } from '#adapters/node-client.ts';
import { decodeEvent, defaultEventCodec } from '#core/events/codec.ts';
import type { MiroirEvent } from '#core/events/event.ts';
import { planWrite, type WriteOperation } from '#core/log/plan-write.ts';
import { topicNames, type TopicNames } from '#core/log/topics.ts';
import { initRouting, shardOf } from '#core/routing/index.ts';
import { withShardValue } from '#core/routing/shard-field.ts';
import { createTopology, type Topology } from '#core/topology.ts';
import { startDevnode, type RunningDevnode } from '#devnode/server.ts';
import { kafkaBrokers, uniqueName } from '#test/helpers/services.ts';
import { ApplierManager } from '../../../indexers/applier-manager.ts';

// The applier tests import their documents from here, with the rest of their helpers.
export { npmPackages } from '#test/helpers/npm-packages.ts';

export const SHARDS = 4;
export const RF = 2;

export interface TestNode {
  id: string;
  dir: string;
  port: number;
  devnode: RunningDevnode | null;
  client: NodeClient;
}

export async function startNode(
  id: string,
  port = 0,
  dir = mkdtempSync(join(tmpdir(), `indexer-${id}-`)),
): Promise<TestNode> {
  const devnode = await startDevnode({ port, dataDir: dir });
  const actualPort = Number(new URL(devnode.url).port);
  return {
    id,
    dir,
    port: actualPort,
    devnode,
    client: createNodeClient({ nodeId: id, url: devnode.url, timeoutMs: 5_000 }),
  };
}

export async function stopNode(node: TestNode): Promise<void> {
  await node.devnode?.close();
  node.devnode = null;
}

export async function restartNode(node: TestNode): Promise<void> {
  node.devnode = await startDevnode({ port: node.port, dataDir: node.dir });
}

export async function removeNode(node: TestNode): Promise<void> {
  await stopNode(node);
  await node.client.close();
  rmSync(node.dir, { recursive: true, force: true });
}

export function topologyFor(nodes: readonly TestNode[], indexUid: string): Topology {
  return createTopology({
    groups: [{ id: 'g0', state: 'active' }],
    nodes: nodes.map((n) => ({ id: n.id, url: `http://127.0.0.1:${n.port}`, group: 'g0', state: 'active' })),
    indexes: [
      {
        uid: indexUid,
        primaryKey: 'id',
        shards: SHARDS,
        rf: RF,
        groups: ['g0'],
        generation: 0,
        state: 'active',
      },
    ],
  });
}

export interface LogHarness {
  kafka: KafkaClient;
  producer: LogProducer;
  admin: LogAdmin;
  topics: TopicNames;
  indexUid: string;
  /** Appends a write as ingest would: TaskEnqueued first (its offset is the task uid), then the partition records. */
  write(operation: WriteOperation): Promise<number>;
  upsert(docs: readonly Record<string, unknown>[]): Promise<number>;
  manager(): ApplierManager;
  close(): Promise<void>;
}

export async function createLogHarness(topology: () => Topology, indexUid: string): Promise<LogHarness> {
  await initRouting();
  const kafka = createKafkaClient({ brokers: kafkaBrokers(), clientId: uniqueName('indexer-it') });
  const producer = await kafka.producer();
  const admin = await kafka.admin();
  const topics = topicNames(`${uniqueName('it')}.`);
  await admin.createTopic({ topic: topics.tasks, partitions: 1 });
  await admin.createTopic({ topic: topics.control, partitions: 1 });
  await admin.createTopic({ topic: topics.docs(indexUid, 0), partitions: SHARDS });
  let writes = 0;
  const managers: ApplierManager[] = [];
  const logger = createLogger({ service: 'indexer-test', level: 'warn' });

  const write = async (operation: WriteOperation): Promise<number> => {
    const table = topology().tables.get(indexUid);
    if (table === undefined) throw new Error('no placement table');
    writes += 1;
    const plan = planWrite({
      topics,
      indexUid,
      generation: 0,
      shardCount: SHARDS,
      operation,
      owners: Array.from({ length: SHARDS }, (_, s) => table.groups.map((g) => [...(g.owners[s] ?? [])])),
      replicationFactor: RF,
      writeId: `w${writes}`,
      timestamp: Date.now(),
      limits: { batchBytes: 64 * 1024 },
    });
    const [delivered] = await producer.send([plan.taskMessage]);
    const uid = delivered?.offset;
    if (uid === null || uid === undefined) throw new Error('no task offset');
    await producer.send(plan.messagesFor(uid));
    return uid;
  };

  return {
    kafka,
    producer,
    admin,
    topics,
    indexUid,
    write,
    upsert(docs) {
      const ids = docs.map((d) => String(d.id));
      return write({
        kind: 'upsert',
        primaryKey: 'id',
        documents: docs.map((d, i) => ({ id: ids[i] as string, body: Buffer.from(JSON.stringify(d)) })),
        shards: ids.map((id) => shardOf(id, SHARDS)),
      });
    },
    manager() {
      const manager = new ApplierManager({
        kafka,
        producer,
        admin,
        topics,
        codec: defaultEventCodec(),
        logger,
        limits: { maxDocs: 500, maxBytes: 1 << 20, lingerMs: 20 },
        retry: { initialMs: 50, maxMs: 400 },
        nodeTimeoutMs: 3_000,
        maxWaitTimeMs: 200,
        reconcileRetryMs: 300,
      });
      managers.push(manager);
      return manager;
    },
    async close() {
      for (const m of managers) await m.close().catch(() => undefined);
      await admin
        .deleteTopics([topics.tasks, topics.control, topics.docs(indexUid, 0), topics.dlq(indexUid)])
        .catch(() => undefined);
      await producer.close();
      await admin.close();
    },
  };
}

/** Every record of a topic, decoded with `decode`, read with a throwaway consumer group. */
export async function readTopic<T>(
  kafka: KafkaClient,
  admin: LogAdmin,
  topic: string,
  decode: (value: Buffer) => T,
): Promise<T[]> {
  const ends = await admin.fetchEndOffsets(topic);
  const out: { partition: number; offset: number; value: T }[] = [];
  const remaining = new Map([...ends].filter(([, end]) => end > 0));
  if (remaining.size === 0) return [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const consumer = kafka.partitionConsumer({
    groupId: uniqueName('reader'),
    partitions: [{ topic, partitions: [...ends.keys()] }],
    maxWaitTimeMs: 100,
    handler: async (batch) => {
      for (const m of batch.messages) {
        if (m.value !== null)
          out.push({ partition: batch.partition, offset: m.offset, value: decode(m.value) });
        if (m.offset + 1 >= (remaining.get(batch.partition) ?? 0)) remaining.delete(batch.partition);
      }
      if (remaining.size === 0) done();
    },
  });
  await consumer.start();
  await finished;
  await consumer.stop();
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset).map((r) => r.value);
}

export const readTaskEvents = (h: LogHarness): Promise<MiroirEvent[]> =>
  readTopic(h.kafka, h.admin, h.topics.tasks, decodeEvent);

export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(
    `timed out waiting for ${what}${lastError instanceof Error ? ` (last error: ${lastError.message})` : ''}`,
  );
}

/** All documents of a node index (empty when the index does not exist yet). */
export async function nodeDocuments(node: TestNode, indexUid: string): Promise<Record<string, unknown>[]> {
  try {
    const page = await node.client.fetchDocuments(indexUid, { limit: 100_000 });
    return page.results as Record<string, unknown>[];
  } catch {
    return [];
  }
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Count and content hash of a set of documents, independent of order and key order. */
export function digest(docs: readonly Record<string, unknown>[]): { count: number; hash: string } {
  const lines = docs.map((d) => JSON.stringify(canonical(d))).sort();
  return { count: docs.length, hash: createHash('sha256').update(lines.join('\n')).digest('hex') };
}

/** What each node must hold: every document on exactly the owners of its shard, with `_miroir_shard`. */
export function expectedPerNode(
  topology: Topology,
  indexUid: string,
  docs: ReadonlyMap<string, Record<string, unknown>>,
): Map<string, Record<string, unknown>[]> {
  const table = topology.tables.get(indexUid);
  if (table === undefined) throw new Error('no table');
  const out = new Map<string, Record<string, unknown>[]>(topology.nodes.map((n) => [n.id, []]));
  for (const [id, doc] of docs) {
    const shard = shardOf(id, SHARDS);
    for (const node of table.writeTargets[shard] ?? []) out.get(node)?.push(withShardValue(doc, shard));
  }
  return out;
}
