// Task cancelation and deletion, index swaps and renames, batches and experimental features
// through ingest and projections against a real broker. The nodes are unreachable, so document
// tasks stay enqueued: exactly what a cancelation acts on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, waitFor, type Cluster } from './harness.ts';

let cluster: Cluster;

beforeAll(async () => {
  cluster = await startCluster();
});
afterAll(async () => cluster?.close());

async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) {
  const res = await cluster.app.inject({
    method,
    url,
    ...(body !== undefined
      ? { payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  return {
    status: res.statusCode,
    body: res.body === '' ? undefined : res.json<Record<string, unknown>>(),
  };
}

async function final(uid: number): Promise<Record<string, unknown>> {
  let task: Record<string, unknown> = {};
  await waitFor(`task ${uid} final`, async () => {
    const res = await call('GET', `/tasks/${uid}`);
    task = res.body ?? {};
    return ['succeeded', 'failed', 'canceled'].includes(task.status as string);
  });
  return task;
}

async function enqueue(method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<number> {
  const res = await call(method, url, body);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body?.taskUid as number;
}

describe('task cancelation and deletion', () => {
  it('cancels an enqueued task: taskCancelation succeeds with the counts, the task is canceled by it', async () => {
    await final(await enqueue('POST', '/indexes', { uid: 'cx', primaryKey: 'id' }));
    const write = await enqueue('POST', '/indexes/cx/documents', [{ id: 1 }]);
    const res = await call('POST', `/tasks/cancel?uids=${write}`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ indexUid: null, status: 'enqueued', type: 'taskCancelation' });
    const cancel = await final(res.body?.taskUid as number);
    expect(cancel).toMatchObject({
      status: 'succeeded',
      indexUid: null,
      details: { matchedTasks: 1, canceledTasks: 1, originalFilter: `?uids=${write}` },
    });
    expect(await final(write)).toMatchObject({ status: 'canceled', canceledBy: cancel.uid });
    const byCancel = await call('GET', `/tasks?canceledBy=${String(cancel.uid)}`);
    expect((byCancel.body?.results as { uid: number }[]).map((t) => t.uid)).toEqual([write]);
  });

  it('leaves finished tasks alone when canceling, and deletes them on DELETE /tasks', async () => {
    const created = await enqueue('POST', '/indexes', { uid: 'dx' });
    await final(created);
    const cancel = await final(await enqueue('POST', `/tasks/cancel?uids=${created}`));
    expect(cancel.details).toMatchObject({ matchedTasks: 1, canceledTasks: 0 });
    const deletion = await final(await enqueue('DELETE', `/tasks?uids=${created}&statuses=succeeded`));
    expect(deletion).toMatchObject({
      type: 'taskDeletion',
      details: { matchedTasks: 1, deletedTasks: 1, originalFilter: `?uids=${created}&statuses=succeeded` },
    });
    expect((await call('GET', `/tasks/${created}`)).status).toBe(404);
  });

  it('answers missing_task_filters and bad_request as Meilisearch does', async () => {
    expect(await call('POST', '/tasks/cancel')).toMatchObject({
      status: 400,
      body: {
        code: 'missing_task_filters',
        message:
          'Query parameters to filter the tasks to cancel are missing. Available query parameters are: `uids`, `indexUids`, `statuses`, `types`, `canceledBy`, `beforeEnqueuedAt`, `afterEnqueuedAt`, `beforeStartedAt`, `afterStartedAt`, `beforeFinishedAt`, `afterFinishedAt`.',
      },
    });
    expect((await call('DELETE', '/tasks')).body?.code).toBe('missing_task_filters');
    expect((await call('DELETE', '/tasks?uids=1&limit=3')).body).toMatchObject({
      code: 'bad_request',
      message:
        'Unknown parameter `limit`: expected one of `uids`, `batchUids`, `canceledBy`, `types`, `statuses`, `indexUids`, `afterEnqueuedAt`, `beforeEnqueuedAt`, `afterStartedAt`, `beforeStartedAt`, `afterFinishedAt`, `beforeFinishedAt`',
    });
  });
});

describe('swaps and renames', () => {
  it("swaps two indexes atomically: each uid shows the other one's primary key and node index", async () => {
    await final(await enqueue('POST', '/indexes', { uid: 'sa', primaryKey: 'a_id' }));
    await final(await enqueue('POST', '/indexes', { uid: 'sb', primaryKey: 'b_id' }));
    const swap = await final(await enqueue('POST', '/swap-indexes', [{ indexes: ['sa', 'sb'] }]));
    expect(swap).toMatchObject({
      status: 'succeeded',
      indexUid: null,
      type: 'indexSwap',
      details: { swaps: [{ indexes: ['sa', 'sb'], rename: false }] },
    });
    expect((await call('GET', '/indexes/sa')).body).toMatchObject({ uid: 'sa', primaryKey: 'b_id' });
    expect((await call('GET', '/indexes/sb')).body).toMatchObject({ uid: 'sb', primaryKey: 'a_id' });
    const topology = (await call('GET', '/_miroir/topology')).body as {
      indexes: { uid: string; nodeIndexUid: string }[];
    };
    expect(topology.indexes.find((i) => i.uid === 'sa')?.nodeIndexUid).toBe('sb--g0');
  });

  it("fails a swap naming a missing index, and refuses bad bodies with Meilisearch's errors", async () => {
    const failed = await final(await enqueue('POST', '/swap-indexes', [{ indexes: ['sa', 'nope'] }]));
    expect(failed).toMatchObject({
      status: 'failed',
      error: { code: 'index_not_found', message: 'Index `nope` not found.' },
    });
    expect((await call('POST', '/swap-indexes', [{ indexes: ['sa'] }])).body).toMatchObject({
      code: 'invalid_swap_indexes',
      message: 'Two indexes must be given for each swap. The list `["sa"]` contains 1 indexes.',
    });
    expect((await call('POST', '/swap-indexes', [{}])).body).toMatchObject({
      code: 'missing_swap_indexes',
      message: 'Missing field `indexes` inside `[0]`',
    });
    expect(
      (await call('POST', '/swap-indexes', [{ indexes: ['sa', 'sb'] }, { indexes: ['sb', 'x'] }])).body,
    ).toMatchObject({
      code: 'invalid_swap_duplicate_index_found',
      message: 'Indexes must be declared only once during a swap. `sb` was specified several times.',
    });
    expect((await call('POST', '/swap-indexes', [{ indexes: ['sa', 'sb'], foo: 1 }])).body).toMatchObject({
      code: 'bad_request',
      message: 'Unknown field `foo` inside `[0]`: expected one of `indexes`, `rename`',
    });
  });

  it('renames an index with PATCH {uid}: indexUpdate with old and new uid, the old uid is gone', async () => {
    await final(await enqueue('POST', '/indexes', { uid: 'ra', primaryKey: 'id' }));
    const rename = await final(await enqueue('PATCH', '/indexes/ra', { uid: 'rb' }));
    expect(rename).toMatchObject({
      status: 'succeeded',
      indexUid: 'ra',
      type: 'indexUpdate',
      details: { primaryKey: null, oldIndexUid: 'ra', newIndexUid: 'rb' },
    });
    expect((await call('GET', '/indexes/rb')).body).toMatchObject({ uid: 'rb', primaryKey: 'id' });
    expect((await call('GET', '/indexes/ra')).status).toBe(404);
    // A new index under the old uid gets a fresh generation: rb still owns ra's topic.
    await final(await enqueue('POST', '/indexes', { uid: 'ra' }));
    const topology = (await call('GET', '/_miroir/topology')).body as {
      indexes: { uid: string; nodeIndexUid: string }[];
    };
    expect(topology.indexes.find((i) => i.uid === 'ra')?.nodeIndexUid).toBe('ra--g1');
    expect(topology.indexes.find((i) => i.uid === 'rb')?.nodeIndexUid).toBe('ra--g0');
    const clash = await final(await enqueue('PATCH', '/indexes/ra', { uid: 'rb' }));
    expect(clash).toMatchObject({
      status: 'failed',
      error: { code: 'index_already_exists', message: 'Index `rb` already exists.' },
    });
  });

  it('renames with swap-indexes rename:true', async () => {
    await final(await enqueue('POST', '/indexes', { uid: 'ma' }));
    const swap = await final(
      await enqueue('POST', '/swap-indexes', [{ indexes: ['ma', 'mb'], rename: true }]),
    );
    expect(swap).toMatchObject({
      status: 'succeeded',
      details: { swaps: [{ indexes: ['ma', 'mb'], rename: true }] },
    });
    expect((await call('GET', '/indexes/mb')).status).toBe(200);
    expect((await call('GET', '/indexes/ma')).status).toBe(404);
  });
});

describe('batches and experimental features', () => {
  it('answers a started task as its own batch, and lists batches like tasks', async () => {
    const uid = await enqueue('POST', '/indexes', { uid: 'bx' });
    await final(uid);
    const batch = await call('GET', `/batches/${uid}`);
    expect(batch.body).toMatchObject({
      uid,
      progress: null,
      details: {},
      stats: { totalNbTasks: 1, status: { succeeded: 1 }, types: { indexCreation: 1 }, indexUids: { bx: 1 } },
      batchStrategy: `created batch containing only task with id ${uid} of type \`indexCreation\` that cannot be batched with any other task.`,
    });
    const list = await call('GET', `/batches?uids=${uid}`);
    expect(list.body).toMatchObject({ total: 1, limit: 20, from: uid, next: null });
    expect((await call('GET', '/batches/4000000')).body).toMatchObject({
      code: 'batch_not_found',
      message: 'Batch `4000000` not found.',
    });
    expect((await call('GET', '/batches/x')).body).toMatchObject({ code: 'invalid_batch_uids' });
  });

  it('shows every experimental feature off and refuses to turn one on', async () => {
    const features = await call('GET', '/experimental-features');
    expect(Object.keys(features.body ?? {})).toHaveLength(15);
    expect(Object.values(features.body ?? {}).every((v) => v === false)).toBe(true);
    expect(await call('PATCH', '/experimental-features', { metrics: false })).toMatchObject({
      status: 200,
      body: features.body,
    });
    expect((await call('PATCH', '/experimental-features', { containsFilter: true })).body).toMatchObject({
      code: 'feature_not_enabled',
    });
    expect((await call('PATCH', '/experimental-features', { foo: true })).body).toMatchObject({
      code: 'bad_request',
    });
    expect((await call('GET', '/tasks/0/documents')).body).toMatchObject({ code: 'feature_not_enabled' });
  });
});
