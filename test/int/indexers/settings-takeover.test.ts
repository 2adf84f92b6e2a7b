// A member of a node's indexer group that takes partitions over from another (rebalance, crash)
// must not push a settings version the node is already past. Given one applier that applied
// partition 0 (settings a then b) and committed, when a fresh applier takes all four partitions,
// the barriers a and b still ahead in partitions 1-3 are skipped because the group's commit
// metadata says the node has b. A control applier that cannot read commits pushes a, b again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '#adapters/logger.ts';
import { defaultEventCodec } from '#core/events/codec.ts';
import { createTopology } from '#core/topology.ts';
import { uniqueName } from '#test/helpers/services.ts';
import { NodeApplier } from '../../../indexers/applier.ts';
import { createNodeExecutor } from '../../../indexers/node-executor.ts';
import {
  createLogHarness,
  removeNode,
  SHARDS,
  startNode,
  waitFor,
  type LogHarness,
  type TestNode,
} from './helpers.ts';

const indexUid = uniqueName('takeover').replace(/-/g, '_');
const nodeIndexUid = `${indexUid}--g0`;
let nodes: TestNode[] = [];
let log: LogHarness;
const logger = createLogger({ service: 'indexer-test', level: 'warn' });
const retry = { initialMs: 50, maxMs: 400 };
const appliers: NodeApplier[] = [];

// Placement only matters for the harness's task messages: one node owns every shard.
const topology = () =>
  createTopology({
    groups: [{ id: 'g0', state: 'active' }],
    nodes: nodes
      .slice(0, 1)
      .map((n) => ({ id: n.id, url: `http://127.0.0.1:${n.port}`, group: 'g0', state: 'active' })),
    indexes: [
      {
        uid: indexUid,
        primaryKey: 'id',
        shards: SHARDS,
        rf: 1,
        groups: ['g0'],
        generation: 0,
        state: 'active',
      },
    ],
  });

beforeAll(async () => {
  nodes = [await startNode('n1'), await startNode('n2')];
  log = await createLogHarness(topology, indexUid);
});

afterAll(async () => {
  for (const applier of appliers) await applier.stop().catch(() => undefined);
  await log?.close();
  for (const node of nodes) await removeNode(node);
});

function applierFor(node: TestNode, groupId: string, readCommits: boolean): NodeApplier {
  const applier = new NodeApplier({
    nodeId: node.id,
    groupId,
    kafka: log.kafka,
    producer: log.producer,
    executor: createNodeExecutor({ client: node.client, retry, logger }),
    topics: log.topics,
    codec: defaultEventCodec(),
    logger,
    limits: { maxDocs: 500, maxBytes: 1 << 20, lingerMs: 20 },
    retry,
    ensureDlqTopic: async () => undefined,
    maxWaitTimeMs: 200,
    ...(readCommits ? { fetchCommits: (topic: string) => log.admin.fetchCommits(groupId, topic) } : {}),
  });
  appliers.push(applier);
  return applier;
}

async function applyUntilCommitted(
  applier: NodeApplier,
  groupId: string,
  partitions: number[],
): Promise<void> {
  const topic = log.topics.docs(indexUid, 0);
  await applier.setTargets([
    { indexUid, nodeIndexUid, primaryKey: 'id', generation: 0, topic, partitions, replicaGroup: 0 },
  ]);
  const ends = await log.admin.fetchEndOffsets(topic);
  await waitFor(`partitions ${partitions.join(',')} committed to their end`, async () => {
    const committed = await log.admin.fetchCommittedOffsets(groupId, topic);
    return partitions.every((p) => committed.get(p) === ends.get(p));
  });
  await applier.stop();
}

/** The stop words of each settings task the node ran, in order. */
async function settingsHistory(node: TestNode): Promise<string[]> {
  const res = await fetch(
    `http://127.0.0.1:${node.port}/tasks?indexUids=${nodeIndexUid}&types=settingsUpdate&statuses=succeeded&limit=1000&reverse=true`,
  );
  const page = (await res.json()) as { results: Array<{ details?: { stopWords?: string[] } }> };
  return page.results.flatMap((t) => t.details?.stopWords ?? []);
}

describe('settings version read back from the group commits', () => {
  it('a member taking partitions over skips barriers the node is already past', async () => {
    const versionA = await log.write({ kind: 'settings', settings: { stopWords: ['a'] } });
    await log.upsert(Array.from({ length: 40 }, (_, i) => ({ id: `x${i}` })));
    const versionB = await log.write({ kind: 'settings', settings: { stopWords: ['b'] } });
    await log.upsert(Array.from({ length: 40 }, (_, i) => ({ id: `y${i}` })));
    expect(versionB).toBeGreaterThan(versionA);
    const [n1, n2] = nodes as [TestNode, TestNode];
    const topic = log.topics.docs(indexUid, 0);

    // Given: one member applied partition 0 only, so the node has b while partitions 1-3 are behind.
    const group = uniqueName('grp');
    await applyUntilCommitted(applierFor(n1, group, true), group, [0]);
    expect(await settingsHistory(n1)).toEqual(['a', 'b']);
    expect((await log.admin.fetchCommits(group, topic)).get(0)?.metadata).toBe(`settings=${versionB}`);

    // When: a fresh member (another process) takes every partition.
    await applyUntilCommitted(applierFor(n1, group, true), group, [0, 1, 2, 3]);

    // Then: the node never went back to a, and every document is there.
    expect(await settingsHistory(n1)).toEqual(['a', 'b']);
    expect((await n1.client.getSettings(nodeIndexUid)).stopWords).toEqual(['b']);
    expect(
      ((await n1.client.indexStats(nodeIndexUid)) as { numberOfDocuments: number }).numberOfDocuments,
    ).toBe(80);
    for (const commit of (await log.admin.fetchCommits(group, topic)).values())
      expect(commit.metadata).toBe(`settings=${versionB}`);

    // Control: without reading the commits, the same takeover pushes a after b.
    const blind = uniqueName('grp');
    await applyUntilCommitted(applierFor(n2, blind, false), blind, [0]);
    await applyUntilCommitted(applierFor(n2, blind, false), blind, [0, 1, 2, 3]);
    const history = await settingsHistory(n2);
    expect(history.slice(0, 3)).toEqual(['a', 'b', 'a']);
    expect(history.at(-1)).toBe('b');
  });
});
