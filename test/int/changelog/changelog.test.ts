// The changelog role against the real broker: a mixed workload (adds, partial updates, deletes by
// id and by filter, a refused filter, settings changes, a clear, re-adds) ends with a changelog
// that a stock consumer (kafkajs, and Kafka's console consumer) folds into exactly every node's
// content; each change of the document topics appears once, checked by source position against
// the pure fold; kill -9 of the role at random points changes none of that.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { openChangelogStore } from '#adapters/changelog-store.ts';
import { createKafkaClient } from '#adapters/kafka.ts';
import { readIndexState } from '../../../changelog/index-state.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldDocumentEvent, INITIAL_SHARD_SETTINGS, type ShardSettings } from '#core/cdc/fold.ts';
import { ShardOverlay } from '#core/cdc/overlay.ts';
import { defaultEventCodec } from '#core/events/codec.ts';
import type { DocumentEvent } from '#core/events/document-events.ts';
import { changelogGroupId } from '#core/log/consumer-groups.ts';
import {
  contentHash,
  startTestCluster,
  waitAll,
  waitUntil,
  type Doc,
  type TestCluster,
} from '../../helpers/cluster.ts';
import {
  foldChangelog,
  readWithConsoleConsumer,
  readWithKafkajs,
  withoutMiroirFields,
  type ChangelogRecord,
} from '../../helpers/changelog.ts';
import { npmPackages } from '../../helpers/npm-packages.ts';
import { kafkaBrokers } from '../../helpers/services.ts';

const ROLES = ['projections', 'indexer', 'query', 'ingest'] as const;
const repoRoot = new URL('../../../', import.meta.url).pathname;

/** Runs the workload; resolves with every task uid it enqueued, once all are final. */
async function mixedWorkload(c: TestCluster, uid: string, total: number): Promise<void> {
  const index = c.sdk.index(uid);
  const uids: number[] = [];
  const enqueue = async (p: Promise<{ taskUid: number }>): Promise<void> => {
    uids.push((await p).taskUid);
  };
  await enqueue(c.sdk.createIndex(uid, { primaryKey: 'id' }));
  await enqueue(index.updateSettings({ filterableAttributes: ['major'] }));
  const docs = npmPackages(total);
  for (let i = 0; i < docs.length; i += 2_000) await enqueue(index.addDocuments(docs.slice(i, i + 2_000)));
  await enqueue(index.updateDocuments(docs.slice(0, 2_000).map((d) => ({ id: d.id, touched: 1 }))));
  await enqueue(index.deleteDocuments(docs.slice(2_000, 3_000).map((d) => String(d.id))));
  await enqueue(index.deleteDocuments({ filter: 'major = 2' }));
  // `downloads` is not filterable yet: the nodes refuse it, and nothing may be deleted.
  await enqueue(index.deleteDocuments({ filter: 'downloads < 600' }));
  await enqueue(index.updateSettings({ filterableAttributes: ['major', 'downloads'] }));
  await enqueue(index.deleteDocuments({ filter: 'downloads < 600' }));
  await enqueue(index.deleteAllDocuments());
  const again = npmPackages(Math.floor(total / 2), 1_000);
  for (let i = 0; i < again.length; i += 2_000) await enqueue(index.addDocuments(again.slice(i, i + 2_000)));
  await enqueue(index.updateDocuments(again.slice(0, 1_000).map((d) => ({ id: d.id, summary: 'updated' }))));
  await enqueue(index.deleteDocuments({ filter: 'major >= 5' }));
  const tasks = await waitAll(c.sdk, uids);
  expect(tasks.map((t) => t.status).filter((s) => s !== 'succeeded' && s !== 'failed')).toEqual([]);
}

async function waitChangelogCaughtUp(c: TestCluster, uid: string, timeoutMs = 120_000): Promise<void> {
  const docsTopic = c.topics.docs(uid, 0);
  const group = changelogGroupId(c.topics.prefix, docsTopic);
  await waitUntil(
    'the changelog role to fold every document record',
    async () => {
      const lag = await c.admin.fetchLag(group, docsTopic);
      const total = lag.reduce((sum, p) => sum + (p.committed === null ? p.end : p.lag), 0);
      return total === 0 || `lag ${total}`;
    },
    timeoutMs,
  );
}

/** The changes a correct changelog holds: the pure fold over the document topic, by source position. */
async function expectedChanges(c: TestCluster, uid: string): Promise<string[]> {
  const topic = c.topics.docs(uid, 0);
  const codec = defaultEventCodec();
  const kafka = new Kafka({
    clientId: 'cdc-expected',
    brokers: kafkaBrokers().split(','),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const out: string[] = [];
  for (const { partition, high } of ends) {
    const records: Array<{ offset: number; value: Buffer }> = [];
    if (Number(high) > 0) {
      const consumer = kafka.consumer({ groupId: `cdc-expected-${Date.now()}-${partition}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve) => {
        void consumer.run({
          eachMessage: async ({ partition: p, message }) => {
            if (p !== partition) return;
            if (message.value) records.push({ offset: Number(message.offset), value: message.value });
            if (Number(message.offset) + 1 >= Number(high)) resolve();
          },
        });
      });
      await consumer.disconnect();
    }
    const base = new Map<string, string>();
    const state = new ShardOverlay({ get: (k) => base.get(k), entries: () => base.entries() });
    let settings: ShardSettings = INITIAL_SHARD_SETTINGS;
    for (const r of records.sort((a, b) => a.offset - b.offset)) {
      const result = foldDocumentEvent(codec.decode(r.value) as DocumentEvent, state, settings);
      settings = result.settings;
      for (const ch of result.changes) out.push(`${partition}:${r.offset}:${ch.op}:${ch.key}`);
    }
  }
  return out.sort();
}

/**
 * The changes the changelog holds, by source position (partition, offset, key: a record changes
 * a key at most once per op here); the `seq` of each record's changes must be 0..n-1, each once.
 */
function actualChanges(records: ChangelogRecord[]): string[] {
  const envelopes = records
    .filter((r) => r.value !== null)
    .map((r) => ({
      key: r.key,
      ...(JSON.parse(r.value!) as { op: string; source: { partition: number; offset: number; seq: number } }),
    }));
  const seqs = new Map<string, number[]>();
  for (const e of envelopes) {
    const at = `${e.source.partition}:${e.source.offset}`;
    seqs.set(at, [...(seqs.get(at) ?? []), e.source.seq]);
  }
  for (const [at, list] of seqs)
    expect(
      list.sort((a, b) => a - b),
      `seq of ${at}`,
    ).toEqual(list.map((_, i) => i));
  return envelopes.map((e) => `${e.source.partition}:${e.source.offset}:${e.op}:${e.key}`).sort();
}

/** Each node holds exactly the state's documents of its shards, and together they hold all of it. */
async function expectNodesEqual(c: TestCluster, uid: string, state: Map<string, Doc>): Promise<void> {
  const seen = new Set<string>();
  for (const node of c.local.nodes) {
    const docs = await c.nodeDocuments(node.id, uid);
    const mine = [...docs].map(([id, doc]): [string, Doc] => [id, withoutMiroirFields(doc)]);
    const expected = mine.map(([id]): [string, Doc] => [id, state.get(id) ?? { missing: true }]);
    expect(contentHash(mine), `node ${node.id}`).toBe(contentHash(expected));
    for (const [id] of mine) seen.add(id);
  }
  expect([...seen].sort()).toEqual([...state.keys()].sort());
}

describe('changelog role', () => {
  let c: TestCluster;

  beforeAll(async () => {
    c = await startTestCluster({
      roles: [...ROLES, 'changelog'],
      overrides: { cdc: { partitions: 3 }, metrics: { enabled: true } },
    });
  });
  afterAll(async () => {
    await c?.close();
  });

  it('folds a mixed workload of 20K documents into a changelog equal to every node', async () => {
    const uid = 'cdc_mixed';
    await mixedWorkload(c, uid, 20_000);
    await waitChangelogCaughtUp(c, uid);
    const topic = c.topics.changelog(uid);
    const records = await readWithKafkajs(kafkaBrokers(), topic);
    const state = foldChangelog(records);
    expect(state.size).toBeGreaterThan(1_000);
    await expectNodesEqual(c, uid, state);
    expect(actualChanges(records)).toEqual(await expectedChanges(c, uid));
    // Every delete is followed by a tombstone of the same key, for compaction.
    const deletes = records.filter((r) => r.headers['miroir-op'] === 'd' && r.value !== null);
    const tombstones = records.filter((r) => r.value === null);
    expect(tombstones.length).toBe(deletes.length);
    const fromConsole = foldChangelog(await readWithConsoleConsumer(kafkaBrokers(), topic, records.length));
    expect(contentHash(fromConsole)).toBe(contentHash(state));
    const view = (await (await fetch(`${c.url}/_miroir/topology`)).json()) as {
      indexes: Array<{ uid: string; changelog: { topic: string; lag: number } }>;
    };
    expect(view.indexes.find((i) => i.uid === uid)?.changelog).toEqual({ topic, lag: 0 });
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    expect(metrics).toMatch(/changelog_changes_total\{index="cdc_mixed"\} [1-9]/);
  });

  it('`miroir cdc tail --from-beginning` prints the live documents as snapshot reads, then new changes', async () => {
    const uid = 'cdc_tail';
    const index = c.sdk.index(uid);
    const docs = npmPackages(300, 5_000);
    await waitAll(c.sdk, [(await index.addDocuments(docs, { primaryKey: 'id' })).taskUid]);
    await waitAll(c.sdk, [(await index.deleteDocuments(docs.slice(0, 50).map((d) => String(d.id)))).taskUid]);
    await waitChangelogCaughtUp(c, uid);
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, 'bin', 'miroir.js'),
        'cdc',
        'tail',
        uid,
        '--from-beginning',
        '--brokers',
        kafkaBrokers(),
      ],
      {
        env: { ...process.env, MIROIR_KAFKA__TOPIC_PREFIX: c.topics.prefix },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const lines: Array<{ op: string; key: string; document: Doc | null }> = [];
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) if (line !== '') lines.push(JSON.parse(line) as (typeof lines)[number]);
    });
    try {
      await waitUntil('the snapshot', () => lines.length >= 250 || `${lines.length} lines`, 60_000);
      expect(lines.every((l) => l.op === 'r')).toBe(true);
      expect(new Set(lines.map((l) => l.key))).toEqual(new Set(docs.slice(50).map((d) => String(d.id))));
      await waitAll(c.sdk, [(await index.updateDocuments([{ id: docs[60]!.id, extra: true }])).taskUid]);
      await waitUntil('the live change', () => lines.length > 250 || 'no new line', 60_000);
      expect(lines[250]).toEqual({
        op: 'u',
        key: String(docs[60]!.id),
        document: { ...docs[60], extra: true },
      });
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('rebuilds the whole index from the changelog and the tail after old document segments are deleted', async () => {
    const uid = 'cdc_retention';
    const index = c.sdk.index(uid);
    const docs = npmPackages(3_000, 8_000);
    await waitAll(c.sdk, [(await index.addDocuments(docs, { primaryKey: 'id' })).taskUid]);
    await waitAll(c.sdk, [
      (await index.updateDocuments(docs.slice(0, 500).map((d) => ({ id: d.id, v: 2 })))).taskUid,
    ]);
    await waitChangelogCaughtUp(c, uid);
    const docsTopic = c.topics.docs(uid, 0);
    const kafka = new Kafka({
      clientId: 'cdc-retention',
      brokers: kafkaBrokers().split(','),
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: docsTopic,
          configEntries: [
            { name: 'retention.ms', value: '1000' },
            { name: 'segment.ms', value: '200' },
          ],
        },
      ],
    });
    await admin.disconnect();
    // Segments roll on the next append past segment.ms; retention then deletes the old ones.
    let n = 0;
    await waitUntil(
      'the first document records to leave the log',
      async () => {
        const batch = docs.slice(n % 3_000, (n % 3_000) + 40).map((d) => ({ ...d, round: n }));
        n += 40;
        await waitAll(c.sdk, [(await index.addDocuments(batch)).taskUid]);
        const lag = await c.admin.fetchLag(changelogGroupId(c.topics.prefix, docsTopic), docsTopic);
        return lag.every((p) => p.start > 0) || `log starts ${lag.map((p) => p.start).join(',')}`;
      },
      90_000,
    );
    await waitChangelogCaughtUp(c, uid);
    await waitAll(c.sdk, [(await index.addDocuments([{ id: 'after-retention', v: 1 }])).taskUid]);
    const dir = mkdtempSync(join(tmpdir(), 'miroir-cdc-read-'));
    const store = openChangelogStore(join(dir, 'state.sqlite'));
    try {
      const client = createKafkaClient({ brokers: kafkaBrokers(), clientId: 'cdc-reader' });
      const read = await readIndexState(
        store,
        {
          indexUid: uid,
          logUid: uid,
          generation: 0,
          shards: 4,
          docsTopic,
          changelogTopic: c.topics.changelog(uid),
          dlqTopic: c.topics.dlq(uid),
        },
        { kafka: client, admin: c.admin, codec: defaultEventCodec(), topicPrefix: c.topics.prefix },
      );
      expect(read.snapshotChanges).toBeGreaterThan(3_000);
      const state = new Map<string, Doc>();
      for (let shard = 0; shard < 4; shard++)
        for (const [key, doc] of store.entries(shard)) state.set(key, JSON.parse(doc) as Doc);
      expect(state.has('after-retention')).toBe(true);
      await expectNodesEqual(c, uid, state);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sends a record it cannot read to the dead-letter topic and folds what follows', async () => {
    const uid = 'cdc_poison';
    const index = c.sdk.index(uid);
    await waitAll(c.sdk, [(await c.sdk.createIndex(uid, { primaryKey: 'id' })).taskUid]);
    await waitAll(c.sdk, [(await index.addDocuments([{ id: 'a', n: 1 }])).taskUid]);
    const kafka = new Kafka({
      clientId: 'cdc-poison',
      brokers: kafkaBrokers().split(','),
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: c.topics.docs(uid, 0),
      messages: [{ partition: 0, key: 'x', value: Buffer.from('not an event') }],
    });
    await producer.disconnect();
    await waitAll(c.sdk, [
      (
        await index.addDocuments([
          { id: 'b', n: 2 },
          { id: 'c', n: 3 },
        ])
      ).taskUid,
    ]);
    await waitChangelogCaughtUp(c, uid);
    const state = foldChangelog(await readWithKafkajs(kafkaBrokers(), c.topics.changelog(uid)));
    expect([...state.keys()].sort()).toEqual(['a', 'b', 'c']);
    const dead = await readWithKafkajs(kafkaBrokers(), c.topics.dlq(uid));
    const letter = dead.find((r) => r.headers['miroir-dlq-reason'] === 'undecodable_record');
    expect(letter).toBeDefined();
    expect(JSON.parse(letter!.value!)).toMatchObject({
      role: 'changelog',
      error: { code: 'undecodable_record' },
    });
  });
});

describe('changelog role under kill -9', () => {
  let c: TestCluster;
  let dataDir: string;

  beforeAll(async () => {
    c = await startTestCluster({ roles: [...ROLES] });
    dataDir = mkdtempSync(join(tmpdir(), 'miroir-cdc-chaos-'));
  });
  afterAll(async () => {
    await c?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('has no duplicate and no missing change after SIGKILLs at random points, with two processes running the role', async () => {
    const uid = 'cdc_chaos';
    const env = { MIROIR_CDC__DATA_DIR: dataDir, MIROIR_CDC__PARTITIONS: '3' };
    // Two processes run the role, as on two machines: one folds, the other waits its turn.
    const roles = [c.startRoleProcess('changelog', env), c.startRoleProcess('changelog', env)];
    await Promise.all(roles.map((r) => r.ready));
    let running = true;
    const workload = mixedWorkload(c, uid, 20_000).finally(() => (running = false));
    let kills = 0;
    while (running || kills < 5) {
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 2_500));
      const victim = Math.floor(Math.random() * roles.length);
      await roles[victim]!.kill9();
      kills++;
      // Once, the on-disk state is lost too: the role restores it from the changelog.
      if (kills === 3) rmSync(dataDir, { recursive: true, force: true });
      roles[victim] = c.startRoleProcess('changelog', env);
      await roles[victim].ready;
    }
    await workload;
    expect(kills).toBeGreaterThanOrEqual(5);
    await waitChangelogCaughtUp(c, uid, 180_000);
    const records = await readWithKafkajs(kafkaBrokers(), c.topics.changelog(uid));
    expect(actualChanges(records)).toEqual(await expectedChanges(c, uid));
    await expectNodesEqual(c, uid, foldChangelog(records));
    await Promise.all(roles.map((r) => r.stop()));
  }, 420_000);
});
