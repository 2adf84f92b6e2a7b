// Routes added for Meilisearch 1.50 parity, driven through the official meilisearch-js client
// against the whole pipeline: swap and rename keep documents searchable under the new uids,
// tasks cancel and delete, batches and experimental features answer Meilisearch's shapes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '#test/helpers/cluster.ts';
import { uniqueName } from '#test/helpers/services.ts';

let cluster: TestCluster;

beforeAll(async () => {
  cluster = await startTestCluster({ nodes: 2, shards: 2, rf: 1 });
});
afterAll(async () => cluster?.close());

describe('routes through meilisearch-js', () => {
  it("swaps two indexes: each uid then searches the other one's documents, and writes follow the swap", async () => {
    const a = uniqueName('sa');
    const b = uniqueName('sb');
    const { sdk } = cluster;
    await sdk
      .index(a)
      .addDocuments([{ id: 1, title: 'from a' }], { primaryKey: 'id' })
      .waitTask();
    await sdk
      .index(b)
      .addDocuments([{ id: 1, title: 'from b' }], { primaryKey: 'id' })
      .waitTask();
    const swap = await sdk.swapIndexes([{ indexes: [a, b], rename: false }]).waitTask();
    expect(swap).toMatchObject({
      status: 'succeeded',
      type: 'indexSwap',
      details: { swaps: [{ indexes: [a, b], rename: false }] },
    });
    expect((await sdk.index(a).search('from')).hits).toEqual([{ id: 1, title: 'from b' }]);
    expect((await sdk.index(b).search('from')).hits).toEqual([{ id: 1, title: 'from a' }]);
    await sdk
      .index(a)
      .addDocuments([{ id: 2, title: 'after swap' }])
      .waitTask();
    expect((await sdk.index(a).getDocuments()).results.map((d) => d.id).sort()).toEqual([1, 2]);
    expect((await sdk.index(b).getDocuments()).results.map((d) => d.id)).toEqual([1]);
  });

  it('renames an index with update({ uid })', async () => {
    const from = uniqueName('ra');
    const to = uniqueName('rb');
    const { sdk } = cluster;
    await sdk
      .index(from)
      .addDocuments([{ id: 7, title: 'kept' }], { primaryKey: 'id' })
      .waitTask();
    const task = await sdk.index(from).update({ uid: to }).waitTask();
    expect(task).toMatchObject({ status: 'succeeded', details: { oldIndexUid: from, newIndexUid: to } });
    expect((await sdk.index(to).getDocument(7)).title).toBe('kept');
    await expect(sdk.getIndex(from)).rejects.toMatchObject({ cause: { code: 'index_not_found' } });
  });

  it('cancels and deletes tasks, and lists batches', async () => {
    const { sdk } = cluster;
    const uid = uniqueName('ct');
    const done = await sdk.createIndex(uid).waitTask();
    const cancel = await sdk.tasks.cancelTasks({ uids: [done.uid] }).waitTask();
    expect(cancel).toMatchObject({
      status: 'succeeded',
      type: 'taskCancelation',
      details: { matchedTasks: 1, canceledTasks: 0 },
    });
    const deletion = await sdk.tasks.deleteTasks({ uids: [done.uid] }).waitTask();
    expect(deletion).toMatchObject({
      status: 'succeeded',
      type: 'taskDeletion',
      details: { deletedTasks: 1 },
    });
    await expect(sdk.tasks.getTask(done.uid)).rejects.toMatchObject({ cause: { code: 'task_not_found' } });
    const batch = await sdk.batches.getBatch(deletion.uid);
    expect(batch).toMatchObject({
      uid: deletion.uid,
      stats: { totalNbTasks: 1, types: { taskDeletion: 1 } },
    });
    expect((await sdk.batches.getBatches({ limit: 1 })).results).toHaveLength(1);
  });

  it('reads experimental features', async () => {
    const features = await cluster.sdk.getExperimentalFeatures();
    expect(features).toMatchObject({ metrics: false, containsFilter: false });
  });
});
