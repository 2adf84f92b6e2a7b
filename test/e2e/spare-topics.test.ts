// Spare document topics end to end: ingest keeps `ingest.spareTopics` topics (and their node
// indexes) ready; a new index takes one, writes and searches through it; the pool refills; indexes
// created at the same moment take different spares; a deleted and recreated index takes a fresh one
// and never sees the old documents.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, waitUntil, type TestCluster } from '#test/helpers/cluster.ts';
import { uniqueName } from '#test/helpers/services.ts';

interface TopologyIndexView {
  uid: string;
  docsTopic: string;
  nodeIndexUid: string;
}
interface TopologyView {
  indexes: TopologyIndexView[];
  spareTopics: { topic: string; shards: number }[];
}

const SPARES = 2;
let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster({
    nodes: 3,
    shards: 4,
    rf: 2,
    overrides: { ingest: { spareTopics: SPARES } },
  });
});
afterAll(async () => {
  await cluster?.close();
});

async function topology(): Promise<TopologyView> {
  const res = await fetch(`${cluster.url}/_miroir/topology`);
  expect(res.status).toBe(200);
  return (await res.json()) as TopologyView;
}

const poolFull = (): Promise<void> =>
  waitUntil(
    `${SPARES} spare topics`,
    async () => {
      const spares = (await topology()).spareTopics;
      return spares.length >= SPARES || `${spares.length} ready`;
    },
    60_000,
  );

async function created(uid: string): Promise<TopologyIndexView> {
  const task = await cluster.sdk.createIndex(uid, { primaryKey: 'id' });
  expect((await cluster.sdk.tasks.waitForTask(task.taskUid, { timeout: 10_000, interval: 10 })).status).toBe(
    'succeeded',
  );
  const view = (await topology()).indexes.find((i) => i.uid === uid);
  expect(view).toBeDefined();
  return view as TopologyIndexView;
}

describe('spare document topics', () => {
  it('given a ready pool, when an index is created, then it takes a spare topic and node index, serves writes and searches, and the pool refills', async () => {
    await poolFull();
    const before = (await topology()).spareTopics.map((s) => s.topic);
    expect(before.every((t) => t.startsWith(`${cluster.topics.prefix}docs._spare.`))).toBe(true);
    const uid = uniqueName('spare');
    const index = await created(uid);
    expect(before).toContain(index.docsTopic);
    expect(index.nodeIndexUid).toBe(`_spare-${index.docsTopic.split('.').pop()}`);
    expect(await cluster.nodeIndexUid(uid)).toBe(index.nodeIndexUid);
    const docs = [
      { id: 1, title: 'spare alpha' },
      { id: 2, title: 'spare beta' },
    ];
    const write = await cluster.sdk.index(uid).addDocuments(docs);
    expect(
      (await cluster.sdk.tasks.waitForTask(write.taskUid, { timeout: 10_000, interval: 10 })).status,
    ).toBe('succeeded');
    const answer = await cluster.sdk.index(uid).search('spare');
    expect(answer.hits.map((h) => h.id).sort()).toEqual([1, 2]);
    expect(await cluster.sdk.index(uid).getDocument(2)).toEqual(docs[1]);
    // The documents sit in the spare's topic: one record per document's shard, plus nothing else.
    const ends = await cluster.admin.fetchEndOffsets(index.docsTopic);
    expect([...ends.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    await poolFull();
    expect((await topology()).spareTopics.map((s) => s.topic)).not.toContain(index.docsTopic);
  });

  it('given indexes created at the same moment, then each takes its own topic and holds only its documents', async () => {
    await poolFull();
    const uids = [uniqueName('twin'), uniqueName('twin'), uniqueName('twin')];
    const views = await Promise.all(uids.map((uid) => created(uid)));
    expect(new Set(views.map((v) => v.docsTopic)).size).toBe(uids.length);
    expect(new Set(views.map((v) => v.nodeIndexUid)).size).toBe(uids.length);
    const tasks = await Promise.all(
      uids.map((uid, i) => cluster.sdk.index(uid).addDocuments([{ id: i, title: `twin ${uid}` }])),
    );
    for (const task of tasks)
      expect(
        (await cluster.sdk.tasks.waitForTask(task.taskUid, { timeout: 10_000, interval: 10 })).status,
      ).toBe('succeeded');
    for (const [i, uid] of uids.entries()) {
      const hits = (await cluster.sdk.index(uid).search('twin')).hits;
      expect(hits.map((h) => h.id)).toEqual([i]);
    }
  });

  it('given an index deleted and created again, then the new generation takes another spare and starts empty', async () => {
    await poolFull();
    const uid = uniqueName('again');
    const first = await created(uid);
    const write = await cluster.sdk.index(uid).addDocuments([{ id: 'old', title: 'gone soon' }]);
    await cluster.sdk.tasks.waitForTask(write.taskUid, { timeout: 10_000, interval: 10 });
    const deletion = await cluster.sdk.deleteIndex(uid);
    await cluster.sdk.tasks.waitForTask(deletion.taskUid, { timeout: 10_000, interval: 10 });
    const second = await created(uid);
    expect(second.docsTopic).not.toBe(first.docsTopic);
    expect(second.nodeIndexUid).not.toBe(first.nodeIndexUid);
    const answer = await cluster.sdk.index(uid).search('gone');
    expect(answer.hits).toEqual([]);
    expect(answer.estimatedTotalHits).toBe(0);
  });
});
