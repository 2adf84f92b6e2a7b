// Settings order with several indexer processes: every node's group keeps all partitions of one
// index generation in one process, so settings barriers reach a node in version order, also when
// one process is killed with SIGKILL and the other takes its partitions over (it reads the
// version the node already has from the group's commit metadata). Checked on the nodes' own task
// history: the settings versions they received never go down, and documents end complete.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Meilisearch } from 'meilisearch';
import { indexerGroupId } from '#core/log/consumer-groups.ts';
import { initRouting, ownersOf, shardOf } from '#core/routing/index.ts';
import { startTestCluster, waitAll, waitUntil, type Doc, type TestCluster } from '#test/helpers/cluster.ts';
import { npmPackages } from '#test/helpers/npm-packages.ts';
import { uniqueName } from '#test/helpers/services.ts';

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

/** The stop-word versions (`w<k>`) a node received for its index, in the order its tasks ran. */
async function settingsHistory(nodeUrl: string, nodeIndexUid: string): Promise<number[]> {
  const res = await fetch(
    `${nodeUrl}/tasks?indexUids=${nodeIndexUid}&types=settingsUpdate&statuses=succeeded&limit=1000&reverse=true`,
  );
  const page = (await res.json()) as { results: Array<{ uid: number; details?: { stopWords?: string[] } }> };
  return page.results
    .sort((x, y) => x.uid - y.uid)
    .map((t) => t.details?.stopWords?.[0])
    .filter((w): w is string => w !== undefined)
    .map((w) => Number(w.slice(1)));
}

/** Settings version k then documents, `rounds` times; returns the task uids. */
async function settingsAndDocuments(
  sdk: Meilisearch,
  uid: string,
  docs: readonly Doc[],
  from: number,
  rounds: number,
  perRound: number,
): Promise<number[]> {
  const index = sdk.index(uid);
  const uids: number[] = [];
  for (let k = from; k < from + rounds; k += 1) {
    uids.push((await index.updateSettings({ stopWords: [`w${k}`] })).taskUid);
    const slice = docs.slice((k - from) * perRound, (k - from + 1) * perRound);
    uids.push((await index.addDocuments(slice, { primaryKey: 'id' })).taskUid);
  }
  return uids;
}

describe('settings order across indexer processes', () => {
  it('each node index is applied by one process; versions never go back, through a SIGKILL and takeover', async () => {
    cluster = await startTestCluster({
      nodes: 3,
      shards: SHARDS,
      rf: RF,
      roles: ['projections', 'query', 'ingest'],
    });
    const c = cluster;
    const first = c.startIndexerProcess();
    const second = c.startIndexerProcess();
    await Promise.all([first.ready, second.ready]);

    const uid = uniqueName('settings');
    const docs = npmPackages(8_000, 12_000);
    const before = docs.slice(0, 4_000);
    const after = docs.slice(4_000);
    const uids = [(await c.sdk.index(uid).addDocuments(before.slice(0, 500), { primaryKey: 'id' })).taskUid];
    uids.push(...(await settingsAndDocuments(c.sdk, uid, before.slice(500), 1, 5, 700)));
    expect((await waitAll(c.sdk, uids)).map((t) => t.status)).toEqual(uids.map(() => 'succeeded'));

    const nodeIds = c.local.nodes.map((n) => n.id);
    const nodeUid = await c.nodeIndexUid(uid);
    const topic = c.topics.docs(uid, 0);
    await waitUntil('every node on settings version 5', async () => {
      for (const node of c.local.nodes) {
        const settings = await c.node(node.id).getSettings(nodeUid);
        if ((settings.stopWords as string[] | undefined)?.[0] !== 'w5')
          return `${node.id}: ${JSON.stringify(settings.stopWords)}`;
      }
      return true;
    });

    // Both processes are members of every node's group for the index; one of them holds all its partitions.
    const holderOf = new Map<string, string>();
    // A process joins a node's group when its applier for that node starts: wait for both to be in.
    await waitUntil('both processes in every node group', async () => {
      for (const nodeId of nodeIds) {
        const members = await c.admin.describeGroupAssignment(indexerGroupId(c.topics.prefix, nodeId, topic));
        if (
          members.length !== 2 ||
          members.filter((m) => m.assignment.some((a) => a.topic === topic)).length !== 1
        )
          return `${nodeId}: ${members.length} members`;
      }
      return true;
    });
    for (const nodeId of nodeIds) {
      const members = await c.admin.describeGroupAssignment(indexerGroupId(c.topics.prefix, nodeId, topic));
      expect(members, nodeId).toHaveLength(2);
      const holders = members.filter((m) => m.assignment.some((a) => a.topic === topic));
      expect(holders, nodeId).toHaveLength(1);
      const owned = Array.from({ length: SHARDS }, (_, s) => s).filter((s) =>
        ownersOf(s, nodeIds, RF).includes(nodeId),
      );
      expect(holders[0]?.assignment.find((a) => a.topic === topic)?.partitions).toEqual(owned);
      holderOf.set(nodeId, holders[0]?.memberId ?? '');
    }

    // A process is killed mid-way through more settings and documents; the other takes over.
    const writing = settingsAndDocuments(c.sdk, uid, after, 6, 5, 800);
    await first.kill9();
    const more = await writing;
    expect((await waitAll(c.sdk, more)).map((t) => t.status)).toEqual(more.map(() => 'succeeded'));
    await waitUntil(
      'every node on settings version 10',
      async () => {
        for (const node of c.local.nodes) {
          const settings = await c.node(node.id).getSettings(nodeUid);
          if ((settings.stopWords as string[] | undefined)?.[0] !== 'w10')
            return `${node.id}: ${JSON.stringify(settings.stopWords)}`;
        }
        return true;
      },
      120_000,
    );

    for (const node of c.local.nodes) {
      const history = await settingsHistory(node.url, nodeUid);
      // Never an older version after a newer one (a version may come twice after a crash).
      expect(history, node.id).toEqual([...history].sort((x, y) => x - y));
      expect(history.at(-1), node.id).toBe(10);
      const members = await c.admin.describeGroupAssignment(indexerGroupId(c.topics.prefix, node.id, topic));
      expect(
        members.filter((m) => m.assignment.some((a) => a.topic === topic)),
        node.id,
      ).toHaveLength(1);
    }

    // Nothing lost: every node holds exactly its owned documents.
    for (const nodeId of nodeIds) {
      const want = docs.filter((d) =>
        ownersOf(shardOf(String(d.id), SHARDS), nodeIds, RF).includes(nodeId),
      ).length;
      await waitUntil(`${nodeId} to hold ${want} documents`, async () => {
        const held = (await c.nodeDocuments(nodeId, uid)).size;
        return held === want || `holds ${held}`;
      });
    }
    expect(await second.stop()).toBe(0);
  });
});
