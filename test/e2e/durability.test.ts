// End-to-end durability: an indexer process and a devnode process each killed with SIGKILL
// mid-ingest lose nothing (every replica ends equal to the expected set by count and content
// hash, every task succeeds), and a fresh node rebuilt by replaying one shard's partition equals
// a live replica.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Meilisearch } from 'meilisearch';
import { createKafkaClient } from '#adapters/kafka.ts';
import { createLogger } from '#adapters/logger.ts';
import { createNodeClient } from '#adapters/node-client.ts';
import { defaultEventCodec } from '#core/events/codec.ts';
import { initRouting, ownersOf, shardOf } from '#core/routing/index.ts';
import { withShardValue } from '#core/routing/shard-field.ts';
import { startDevnode } from '#devnode/server.ts';
import {
  contentHash,
  startTestCluster,
  waitAll,
  waitUntil,
  type Doc,
  type TestCluster,
} from '#test/helpers/cluster.ts';
import { npmPackages } from '#test/helpers/npm-packages.ts';
import { kafkaBrokers, uniqueName } from '#test/helpers/services.ts';
import { NodeApplier } from '../../indexers/applier.ts';
import { createNodeExecutor } from '../../indexers/node-executor.ts';
import { spawnDevnodeProcess, type DevnodeProcess } from './devnode-process.ts';

const SHARDS = 4;
const RF = 2;
let cluster: TestCluster | undefined;

beforeAll(async () => {
  await initRouting();
});
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

/** Waits until every node holds exactly its owned part of `expected`, then compares content hashes. */
async function expectReplicas(c: TestCluster, uid: string, expected: Map<string, Doc>): Promise<void> {
  const nodes = c.local.nodes.map((n) => n.id);
  const wanted = new Map<string, Map<string, Doc>>(nodes.map((id) => [id, new Map()]));
  for (const [id, doc] of expected)
    for (const owner of ownersOf(shardOf(id, SHARDS), nodes, RF))
      wanted.get(owner)?.set(id, withShardValue(doc, shardOf(id, SHARDS)));
  for (const node of nodes) {
    const want = wanted.get(node) as Map<string, Doc>;
    await waitUntil(`${node} to hold ${want.size} documents`, async () => {
      const held = await c.nodeDocuments(node, uid);
      return held.size === want.size || `holds ${held.size}`;
    });
    expect(contentHash(await c.nodeDocuments(node, uid)), node).toBe(contentHash(want));
  }
}

async function ingest(sdk: Meilisearch, uid: string, docs: readonly Doc[], batch: number): Promise<number[]> {
  const uids: number[] = [];
  for (let i = 0; i < docs.length; i += batch)
    uids.push((await sdk.index(uid).addDocuments(docs.slice(i, i + batch), { primaryKey: 'id' })).taskUid);
  return uids;
}

describe('crashes lose nothing', () => {
  it('an indexer process killed with SIGKILL mid-ingest of 30K documents resumes without loss', async () => {
    cluster = await startTestCluster({
      nodes: 3,
      shards: SHARDS,
      rf: RF,
      roles: ['projections', 'query', 'ingest'],
    });
    const c = cluster;
    const uid = uniqueName('kill9');
    // The whole 30K-record fixture: the kill lands while most of it is still to apply.
    const docs = npmPackages(30_000);
    let indexer = c.startIndexerProcess();
    const writing = ingest(c.sdk, uid, docs, 5_000);
    // Killed once some documents reached a node, i.e. in the middle of applying.
    await waitUntil(
      'the first documents on a node',
      async () => {
        try {
          const held = await Promise.all(c.local.nodes.map((n) => c.nodeDocuments(n.id, uid)));
          return held.some((m) => m.size > 0);
        } catch {
          return false;
        }
      },
      120_000,
    );
    await indexer.kill9();
    expect(indexer.child.signalCode).toBe('SIGKILL');
    const uids = await writing;
    indexer = c.startIndexerProcess();
    const tasks = await waitAll(c.sdk, uids);
    expect(tasks.map((t) => t.status)).toEqual(uids.map(() => 'succeeded'));
    await expectReplicas(c, uid, new Map(docs.map((d) => [String(d.id), d])));
    // A clean stop (drain, commit) once started: exit code 0.
    await indexer.ready;
    expect(await indexer.stop()).toBe(0);
  });

  it('a devnode process killed with SIGKILL mid-ingest and restarted on its data folder catches up', async () => {
    cluster = await startTestCluster({ nodes: 3, shards: SHARDS, rf: RF });
    const c = cluster;
    // n2 moves to a process of its own (same data folder and port, so the topology's URL holds),
    // which the test can crash without closing anything.
    const n2 = c.local.nodes.find((n) => n.id === 'n2');
    if (n2 === undefined) throw new Error('no node n2');
    await c.local.stopNode('n2');
    let node: DevnodeProcess | undefined = await spawnDevnodeProcess(n2.dir, n2.port);
    try {
      const uid = uniqueName('nodekill');
      const docs = npmPackages(20_000, 10_000);
      const expected = new Map(docs.map((d) => [String(d.id), d]));
      const ownedByN2 = [...expected.keys()].filter((id) =>
        ownersOf(
          shardOf(id, SHARDS),
          c.local.nodes.map((n) => n.id),
          RF,
        ).includes('n2'),
      ).length;
      const writing = ingest(c.sdk, uid, docs, 2_000);
      // Killed while it is applying: it holds some, not all, of its documents.
      await waitUntil(
        'n2 to hold part of its documents',
        async () => {
          try {
            const held = (await c.nodeDocuments('n2', uid)).size;
            return (held > 0 && held < ownedByN2) || `holds ${held} of ${ownedByN2}`;
          } catch {
            return false;
          }
        },
        120_000,
      );
      const killed = node;
      node = undefined;
      expect(await killed.kill9()).toBe('SIGKILL');
      const uids = await writing;
      node = await spawnDevnodeProcess(n2.dir, n2.port);
      expect(node.url).toBe(n2.url);
      const tasks = await waitAll(c.sdk, uids);
      expect(tasks.map((t) => t.status)).toEqual(uids.map(() => 'succeeded'));
      await expectReplicas(c, uid, expected);
    } finally {
      await node?.stop();
    }
  });
});

describe('replay equals live', () => {
  it('a fresh node fed from offset 0 of one shard partition ends equal to a live replica', async () => {
    cluster = await startTestCluster({ nodes: 3, shards: SHARDS, rf: RF });
    const c = cluster;
    const uid = uniqueName('replay');
    const index = c.sdk.index(uid);
    const ok = async (p: Promise<{ taskUid: number }>): Promise<void> => {
      const [task] = await waitAll(c.sdk, [(await p).taskUid]);
      expect(task?.status, JSON.stringify(task?.error)).toBe('succeeded');
    };
    // A history with every write kind.
    const docs = npmPackages(4_000, 26_000);
    await ok(index.addDocuments(docs.slice(0, 2_000), { primaryKey: 'id' }));
    await ok(index.updateSettings({ filterableAttributes: ['major'] }));
    await ok(index.deleteAllDocuments());
    await ok(index.addDocuments(docs));
    await ok(
      index.updateDocuments(docs.slice(0, 300).map((d) => ({ id: d.id, downloads: -1, note: 'partial' }))),
    );
    await ok(index.deleteDocument(String(docs[400]?.id)));
    await ok(index.deleteDocuments(docs.slice(500, 700).map((d) => String(d.id))));
    await ok(index.deleteDocuments({ filter: 'major = 1' }));
    await ok(index.addDocuments(docs.slice(3_900).map((d) => ({ ...d, summary: 'replaced' }))));

    const shard = 1;
    const nodeUid = await c.nodeIndexUid(uid);
    const live = ownersOf(
      shard,
      c.local.nodes.map((n) => n.id),
      RF,
    )[0] as string;
    const liveShard = [...(await c.nodeDocuments(live, uid))].filter(([id]) => shardOf(id, SHARDS) === shard);
    expect(liveShard.length).toBeGreaterThan(0);

    const dir = mkdtempSync(join(tmpdir(), 'miroir-replay-'));
    const fresh = await startDevnode({ port: 0, dataDir: dir });
    const client = createNodeClient({ nodeId: 'replay', url: fresh.url, timeoutMs: 30_000 });
    const kafka = createKafkaClient({ brokers: kafkaBrokers(), clientId: 'e2e-replay' });
    const producer = await kafka.producer();
    const logger = createLogger({ service: 'replay', level: 'warn' });
    const retry = { initialMs: 50, maxMs: 500 };
    const applier = new NodeApplier({
      nodeId: 'replay',
      groupId: uniqueName('replay-group'),
      kafka,
      producer,
      executor: createNodeExecutor({ client, retry, logger }),
      topics: c.topics,
      codec: defaultEventCodec(),
      logger,
      limits: { maxDocs: 10_000, maxBytes: 10 << 20, lingerMs: 20 },
      retry,
      ensureDlqTopic: async () => {},
      maxWaitTimeMs: 200,
    });
    try {
      await applier.setTargets([
        {
          indexUid: uid,
          nodeIndexUid: nodeUid,
          primaryKey: 'id',
          generation: 0,
          topic: c.topics.docs(uid, 0),
          partitions: [shard],
          replicaGroup: 0,
        },
      ]);
      const liveHash = contentHash(liveShard);
      await waitUntil(
        'the replayed node to equal the live replica',
        async () => {
          let page: { results: Doc[] };
          try {
            page = (await client.fetchDocuments(nodeUid, { limit: 100_000 })) as { results: Doc[] };
          } catch {
            return false;
          }
          const replayed = page.results.map((d): [string, Doc] => [String(d.id), d]);
          return contentHash(replayed) === liveHash || `${replayed.length} of ${liveShard.length} documents`;
        },
        120_000,
      );
      const settings = await client.getSettings(nodeUid);
      expect(settings.filterableAttributes).toEqual(expect.arrayContaining(['major']));
    } finally {
      await applier.stop();
      await producer.close();
      await client.close();
      await fresh.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
