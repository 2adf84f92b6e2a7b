// Appliers against real Kafka and three devnodes with RF 2: every document lands on exactly
// its shard's owners with `_miroir_shard`; deletions stay inside their shard; a poison document
// fails only its task and lands in the DLQ; a node that was down catches up; an applier killed
// mid-stream loses nothing (count and content hash).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MiroirEvent } from '#core/events/event.ts';
import { shardOf } from '#core/routing/index.ts';
import { uniqueName } from '#test/helpers/services.ts';
import {
  createLogHarness,
  digest,
  expectedPerNode,
  nodeDocuments,
  npmPackages,
  readTaskEvents,
  readTopic,
  removeNode,
  restartNode,
  SHARDS,
  startNode,
  stopNode,
  topologyFor,
  waitFor,
  type LogHarness,
  type TestNode,
} from './helpers.ts';

const indexUid = uniqueName('pkgs').replace(/-/g, '_');
let nodes: TestNode[] = [];
let log: LogHarness;
/** What the cluster must hold: id -> client document. */
const expected = new Map<string, Record<string, unknown>>();

const topology = () => topologyFor(nodes, indexUid);

async function nodesMatchExpected(): Promise<boolean> {
  const perNode = expectedPerNode(topology(), indexUid, expected);
  for (const node of nodes) {
    const want = digest(perNode.get(node.id) ?? []);
    const have = digest(await nodeDocuments(node, indexUid));
    if (want.count !== have.count || want.hash !== have.hash) return false;
  }
  return true;
}

async function upsert(docs: Record<string, unknown>[]): Promise<number> {
  const uid = await log.upsert(docs);
  for (const doc of docs) expected.set(String(doc.id), doc);
  return uid;
}

beforeAll(async () => {
  nodes = [await startNode('n1'), await startNode('n2'), await startNode('n3')];
  log = await createLogHarness(topology, indexUid);
});

afterAll(async () => {
  await log?.close();
  for (const node of nodes) await removeNode(node);
});

describe('indexer appliers (3 devnodes, RF 2, 4 shards)', () => {
  it('puts every document on exactly its owners, with _miroir_shard, and reports each task shard applied', async () => {
    const manager = log.manager();
    await manager.reconcile(topology());
    const table = topology().tables.get(indexUid);
    // Each node applies exactly the partitions it owns.
    for (const node of nodes) {
      const owned = [...Array(SHARDS).keys()].filter((s) => table?.writeTargets[s]?.includes(node.id));
      expect(manager.applierOf(node.id, log.topics.docs(indexUid, 0))?.wanted()).toEqual([
        { topic: log.topics.docs(indexUid, 0), partitions: owned },
      ]);
    }
    const first = await upsert(npmPackages(600));
    const second = await upsert(npmPackages(300, 600));
    await waitFor('documents on their owners', nodesMatchExpected);

    // Node settings: _miroir_shard filterable, facet values raised.
    const settings = await nodes[0]?.client.getSettings(indexUid);
    expect(settings?.filterableAttributes).toContain('_miroir_shard');

    await waitFor('task shard reports', async () => {
      const events = await readTaskEvents(log);
      const applied = events.filter((e) => e.type === 'TaskShardApplied');
      // Every touched shard reported by both owners, for both tasks.
      return [first, second].every((uid) => applied.filter((e) => e.taskUid === uid).length === SHARDS * 2);
    });
    const applied = (await readTaskEvents(log)).filter(
      (e): e is Extract<MiroirEvent, { type: 'TaskShardApplied' }> =>
        e.type === 'TaskShardApplied' && e.taskUid === first,
    );
    const perShard = new Map<number, number>();
    for (const e of applied) perShard.set(e.shard, e.indexedDocuments ?? -1);
    const docsPerShard = new Map<number, number>();
    for (const doc of npmPackages(600))
      docsPerShard.set(
        shardOf(String(doc.id), SHARDS),
        (docsPerShard.get(shardOf(String(doc.id), SHARDS)) ?? 0) + 1,
      );
    expect(Object.fromEntries(perShard)).toEqual(Object.fromEntries(docsPerShard));
    expect(new Set(applied.map((e) => `${e.shard}:${e.nodeId}`)).size).toBe(SHARDS * 2);
    for (const e of applied) expect(table?.writeTargets[e.shard]).toContain(e.nodeId);
  });

  it('applies updates, deletes by id, by filter (only inside each shard), clear and settings in log order', async () => {
    const docs = npmPackages(900);
    const toUpdate = docs.slice(0, 50).map((d) => ({ id: d.id, downloads: 42 }));
    const ids = toUpdate.map((d) => String(d.id));
    await log.write({
      kind: 'update',
      primaryKey: 'id',
      documents: toUpdate.map((d) => ({ id: String(d.id), body: Buffer.from(JSON.stringify(d)) })),
      shards: ids.map((id) => shardOf(id, SHARDS)),
    });
    for (const d of toUpdate) expected.set(String(d.id), { ...expected.get(String(d.id)), downloads: 42 });

    const deleted = docs.slice(50, 80).map((d) => String(d.id));
    await log.write({ kind: 'deleteIds', ids: deleted, shards: deleted.map((id) => shardOf(id, SHARDS)) });
    for (const id of deleted) expected.delete(id);

    // A settings barrier makes `major` filterable, then a delete by filter on it.
    await log.write({
      kind: 'settings',
      settings: { filterableAttributes: ['major'], faceting: { maxValuesPerFacet: 10 } },
    });
    await log.write({ kind: 'deleteByFilter', filter: 'major = 0' });
    for (const [id, doc] of expected) if (doc.major === 0) expected.delete(id);

    await waitFor('updates and deletions applied', nodesMatchExpected);
    const settings = await nodes[1]?.client.getSettings(indexUid);
    expect(settings?.filterableAttributes).toEqual(expect.arrayContaining(['major', '_miroir_shard']));
    expect(settings?.faceting).toMatchObject({ maxValuesPerFacet: 100_000 });

    await log.write({ kind: 'clear' });
    expected.clear();
    await waitFor('clear applied', nodesMatchExpected);
    await upsert(npmPackages(200, 1000));
    await waitFor('documents after clear', nodesMatchExpected);
  });

  it('fails only the poison document task and sends the document to the DLQ', async () => {
    const good = npmPackages(100, 2000);
    const goodTask = await upsert(good);
    const poison = { id: 'not a valid id!', name: 'poison' };
    const mixed = npmPackages(40, 2100);
    const body = [...mixed, poison];
    const ids = body.map((d) => String(d.id));
    const poisonTask = await log.write({
      kind: 'upsert',
      primaryKey: 'id',
      documents: body.map((d, i) => ({ id: ids[i] as string, body: Buffer.from(JSON.stringify(d)) })),
      shards: ids.map((id) => shardOf(id, SHARDS)),
    });
    for (const d of mixed) expected.set(String(d.id), d);
    const after = await upsert(npmPackages(30, 2200));
    await waitFor('good documents around the poison applied', nodesMatchExpected);

    const owners = topology().tables.get(indexUid)?.writeTargets[shardOf(poison.id, SHARDS)] ?? [];
    const readDlq = () =>
      readTopic(
        log.kafka,
        log.admin,
        log.topics.dlq(indexUid),
        (v) => JSON.parse(v.toString()) as Record<string, unknown>,
      );
    // Dead letters and task reports are appended right after the bisect, before the offset commit.
    await waitFor('dead letters from both owners', async () => (await readDlq()).length >= owners.length);
    const dlq = await readDlq();
    expect(
      dlq
        .filter((r) => r.documentId === poison.id)
        .map((r) => r.nodeId)
        .sort(),
    ).toEqual([...owners].sort());
    for (const record of dlq) {
      expect(record).toMatchObject({
        taskUid: poisonTask,
        eventType: 'DocumentsUpserted',
        error: { code: 'invalid_document_id', type: 'invalid_request' },
      });
      expect(record.document).toMatchObject({
        ...poison,
        _miroir_shard: { [`s${shardOf(poison.id, SHARDS)}`]: null },
      });
    }
    const events = await readTaskEvents(log);
    const failed = events.filter((e) => e.type === 'TaskShardFailed');
    expect(failed.map((e) => e.taskUid)).toEqual(failed.map(() => poisonTask));
    expect(failed.length).toBe(owners.length);
    expect(failed[0]).toMatchObject({ error: { code: 'invalid_document_id' } });
    for (const uid of [goodTask, after]) {
      expect(events.some((e) => e.type === 'TaskShardApplied' && e.taskUid === uid)).toBe(true);
    }
  });

  it('a node that was down catches up from its committed offsets', async () => {
    const down = nodes[0] as TestNode;
    await stopNode(down);
    await upsert(npmPackages(300, 3000));
    const gone = npmPackages(20, 2000).map((d) => String(d.id));
    await log.write({ kind: 'deleteIds', ids: gone, shards: gone.map((id) => shardOf(id, SHARDS)) });
    for (const id of gone) expected.delete(id);
    // The other nodes move on meanwhile.
    await waitFor('live nodes applied', async () => {
      const perNode = expectedPerNode(topology(), indexUid, expected);
      for (const node of nodes.slice(1))
        if (digest(await nodeDocuments(node, indexUid)).hash !== digest(perNode.get(node.id) ?? []).hash)
          return false;
      return true;
    });
    await restartNode(down);
    await waitFor('restarted node caught up', nodesMatchExpected, 90_000);
  });

  it('an applier process killed mid-stream loses nothing: the other member and a restart finish the work', async () => {
    // The first manager is still running; a second process joins every node's group.
    const second = log.manager();
    await second.reconcile(topology());
    const writes: Promise<number>[] = [];
    for (let i = 0; i < 10; i += 1) writes.push(upsert(npmPackages(200, 5000 + i * 200)));
    await Promise.all(writes.slice(0, 3));
    // Kill the second process mid-stream (no graceful drain of the stream: it just leaves).
    await second.close();
    await Promise.all(writes);
    const third = log.manager();
    await third.reconcile(topology());
    await waitFor('every document applied after the kill and restart', nodesMatchExpected, 90_000);
    const perNode = expectedPerNode(topology(), indexUid, expected);
    for (const node of nodes)
      expect(digest(await nodeDocuments(node, indexUid))).toEqual(digest(perNode.get(node.id) ?? []));
  });
});
