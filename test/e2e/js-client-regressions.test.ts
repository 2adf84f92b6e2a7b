// Regressions met by a new user driving the official `meilisearch` client against one local
// cluster: an index that exists but was never written, tasks that must all reach a final state
// (deletions racing the writes before them, a settings update nodes accept as a no-op), bare
// setting values answered as JSON, and a long create/write/search/delete loop that must never
// disturb another index.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeilisearchApiError, type Task } from 'meilisearch';
import { startTestCluster, type TestCluster } from '#test/helpers/cluster.ts';
import { uniqueName } from '#test/helpers/services.ts';

let cluster: TestCluster;
const STABLE = 'stable';
const stableDocs = [
  { id: 1, title: 'stable alpha' },
  { id: 2, title: 'stable beta' },
];

beforeAll(async () => {
  // With spare document topics, as `miroir dev` runs: new indexes take topics created ahead.
  cluster = await startTestCluster({ nodes: 3, shards: 8, rf: 1, overrides: { ingest: { spareTopics: 4 } } });
  const task = await cluster.sdk.index(STABLE).addDocuments(stableDocs, { primaryKey: 'id' });
  await cluster.sdk.tasks.waitForTask(task.taskUid, { timeout: 60_000, interval: 20 });
});
afterAll(async () => {
  await cluster?.close();
});

/** The stable index answers exactly as it should, whatever happens to other indexes. */
async function expectStableUntouched(): Promise<void> {
  const answer = await cluster.sdk.index(STABLE).search('stable');
  expect(answer.hits.map((hit) => hit.id).sort()).toEqual([1, 2]);
  expect(await cluster.sdk.index(STABLE).getDocument(1)).toEqual(stableDocs[0]);
}

async function waitFinal(uids: readonly number[], timeoutMs: number): Promise<Task[]> {
  return Promise.all(
    uids.map((uid) => cluster.sdk.tasks.waitForTask(uid, { timeout: timeoutMs, interval: 10 })),
  );
}

describe('an index that exists but was never written', () => {
  it('answers as an empty Meilisearch index and changes nothing for other indexes', async () => {
    const uid = uniqueName('empty');
    await waitFinal([(await cluster.sdk.createIndex(uid)).taskUid], 10_000);
    const response = await fetch(`${cluster.url}/indexes/${uid}/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ q: 'anything' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-miroir-degraded')).toBeNull();
    expect(await response.json()).toMatchObject({ hits: [], estimatedTotalHits: 0 });
    const missing = await cluster.sdk
      .index(uid)
      .getDocument(1)
      .catch((err: unknown) => err);
    expect(missing).toBeInstanceOf(MeilisearchApiError);
    expect((missing as MeilisearchApiError).cause).toMatchObject({
      code: 'document_not_found',
      message: 'Document `1` not found.',
    });
    expect(await cluster.sdk.index(uid).getDocuments()).toMatchObject({ results: [], total: 0 });
    // The read above must not have marked any node unhealthy: another index answers in full.
    await expectStableUntouched();
  });
});

describe('string settings', () => {
  it('come back as JSON strings with the JSON content type', async () => {
    const uid = uniqueName('strings');
    await waitFinal([(await cluster.sdk.createIndex(uid)).taskUid], 10_000);
    const index = cluster.sdk.index(uid);
    expect(await index.getProximityPrecision()).toBe('byWord');
    expect(await index.getPrefixSearch()).toBe('indexingTime');
    expect(await index.getDistinctAttribute()).toBeNull();
    for (const route of ['proximity-precision', 'prefix-search', 'distinct-attribute']) {
      const response = await fetch(`${cluster.url}/indexes/${uid}/settings/${route}`);
      expect(response.headers.get('content-type'), route).toMatch(/^application\/json/);
      JSON.parse(await response.text());
    }
  });
});

describe('every task reaches a final state', () => {
  it('when an index is deleted right after writes, re-written and deleted again, without waiting', async () => {
    const uid = uniqueName('race');
    const index = cluster.sdk.index(uid);
    const uids = [
      (await cluster.sdk.createIndex(uid)).taskUid,
      (await index.addDocuments([{ id: 1, t: 'hello' }])).taskUid,
      (await index.updateSettings({ embedders: null, filterableAttributes: ['t'] })).taskUid,
      (await index.addDocuments([{ id: 2, t: 'world' }])).taskUid,
      (await cluster.sdk.deleteIndex(uid)).taskUid,
      (await index.addDocuments([{ id: 3, t: 'again' }])).taskUid,
      (await cluster.sdk.deleteIndex(uid)).taskUid,
    ];
    const tasks = await waitFinal(uids, 20_000);
    // As one Meilisearch runs them: in order, each on the index as the ones before left it.
    expect(tasks.map((task) => task.status)).toEqual(uids.map(() => 'succeeded'));
  });

  it('300 times over: create, write, wait, search, delete; the other index never changes', async () => {
    let slowest = 0;
    for (let i = 0; i < 300; i++) {
      const uid = uniqueName(`loop${i}`);
      const index = cluster.sdk.index(uid);
      const created = await cluster.sdk.createIndex(uid);
      const written = await index.addDocuments([
        { id: 1, t: 'hello' },
        { id: 2, t: 'world' },
      ]);
      const started = performance.now();
      const [create, write] = await waitFinal([created.taskUid, written.taskUid], 2_000);
      expect(create?.status).toBe('succeeded');
      expect(write?.status).toBe('succeeded');
      expect((await index.search('hello')).hits).toEqual([{ id: 1, t: 'hello' }]);
      await expectStableUntouched();
      const deleted = await cluster.sdk.deleteIndex(uid);
      const [deletion] = await waitFinal([deleted.taskUid], 2_000);
      expect(deletion?.status).toBe('succeeded');
      slowest = Math.max(slowest, performance.now() - started);
    }
    console.log(`create/write/search/delete loop: slowest iteration ${Math.round(slowest)} ms`);
  }, 600_000);
});
