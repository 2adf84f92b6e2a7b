// Index-less routes whose handler limits what an index-scoped key sees, as Meilisearch's do: the
// index list, the task list and a single task, index creation and index swaps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveKeyValue } from '#core/auth/keys.ts';
import type { TaskState } from '#core/tasks/task-projection.ts';
import type { IndexRecord } from '#core/topology-projection.ts';
import type { ReadRoutesDeps } from '../../../projections/read-routes.ts';
import type { ReadOptions } from '../../../query/read-context.ts';
import type { QueryService } from '../../../query/service.ts';
import { buildAuthApp, memoryKeyStore } from './app.ts';

const MASTER = 'filters-master-key-0123456789';
const SCOPED = '66666666-6666-4666-8666-666666666666';

const index = (uid: string): IndexRecord =>
  ({
    uid,
    primaryKey: 'id',
    createdAt: 0,
    updatedAt: 0,
    settings: {},
    settingsVersion: -1,
  }) as unknown as IndexRecord;
const task = (uid: number, type: string, indexUid: string | null): TaskState => ({
  uid,
  enqueued: {
    type,
    indexUid,
    enqueuedAt: 0,
    replicationFactor: 1,
    shards: [],
    details: {} as NonNullable<TaskState['enqueued']>['details'],
    customMetadata: null,
  },
  status: 'enqueued',
  applies: [],
  error: null,
  startedAt: null,
  finishedAt: null,
  outcome: null,
});
const table = new Map([
  [0, task(0, 'indexCreation', 'movies')],
  [1, task(1, 'indexCreation', 'books')],
  [2, task(2, 'indexSwap', null)],
]);
const read: Partial<ReadRoutesDeps> = {
  topology: {
    state: () => ({ indexes: { movies: index('movies'), books: index('books') } }),
  } as unknown as ReadRoutesDeps['topology'],
  taskStore: {
    table: async () => table,
    get: async (uid: number) => table.get(uid),
  } as unknown as ReadRoutesDeps['taskStore'],
};

const statsSeen: string[][] = [];
const service = {
  stats: (opts: ReadOptions = {}) => {
    statsSeen.push(['movies', 'books'].filter((uid) => opts.indexVisible?.(uid) ?? true));
    return { body: {}, headers: {} };
  },
} as unknown as QueryService;

const store = memoryKeyStore();
const { app } = buildAuthApp({ masterKey: MASTER, keys: store, read, service });
const scoped = { authorization: `Bearer ${deriveKeyValue(SCOPED, MASTER)}` };
const master = { authorization: `Bearer ${MASTER}` };

beforeAll(async () => {
  await store.append([
    {
      eventId: 'scoped',
      type: 'KeyCreated',
      schemaVersion: 1,
      indexUid: null,
      generation: null,
      timestamp: 0,
      taskUid: null,
      keyUid: SCOPED,
      name: null,
      description: null,
      actions: ['indexes.*', 'tasks.get', 'stats.get'],
      indexes: ['mov*'],
      expiresAt: null,
    },
  ]);
  await app.ready();
});
afterAll(() => app.close());

const get = async (url: string, headers: Record<string, string>) => {
  const response = await app.inject({ method: 'GET', url, headers });
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
};
const uidsOf = (body: Record<string, unknown>, field: string) =>
  (body.results as Array<Record<string, unknown>>).map((r) => r[field]);

describe('index-less routes with an index-scoped key', () => {
  it('given GET /indexes, when listed, then only the key’s indexes (the master key sees all)', async () => {
    expect(uidsOf((await get('/indexes', scoped)).body, 'uid')).toEqual(['movies']);
    expect(uidsOf((await get('/indexes', master)).body, 'uid')).toEqual(['books', 'movies']);
  });

  it('given GET /tasks and /tasks/{uid}, when read, then tasks of other indexes and index-less tasks are hidden', async () => {
    expect(uidsOf((await get('/tasks', scoped)).body, 'uid')).toEqual([0]);
    expect(uidsOf((await get('/tasks', master)).body, 'uid')).toEqual([2, 1, 0]);
    expect(await get('/tasks/1', scoped)).toMatchObject({ status: 404, body: { code: 'task_not_found' } });
    expect((await get('/tasks/0', scoped)).status).toBe(200);
  });

  it('given GET /stats, when read, then only the key’s indexes are counted', async () => {
    statsSeen.length = 0;
    await get('/stats', scoped);
    await get('/stats', master);
    expect(statsSeen).toEqual([['movies'], ['movies', 'books']]);
  });

  it('given an index creation or a swap outside the key’s indexes, when sent, then invalid_api_key', async () => {
    const post = (url: string, payload: unknown) =>
      app.inject({
        method: 'POST',
        url,
        headers: { ...scoped, 'content-type': 'application/json' },
        payload: JSON.stringify(payload),
      });
    const create = await post('/indexes', { uid: 'books2' });
    expect(create.statusCode).toBe(403);
    expect(JSON.parse(create.body)).toMatchObject({
      code: 'invalid_api_key',
      message: 'The provided API key is invalid.',
    });
    expect((await post('/indexes', { uid: 'movies2' })).statusCode).toBe(202);
    const swap = await post('/swap-indexes', [{ indexes: ['movies', 'books'] }]);
    expect(swap.statusCode).toBe(403);
    expect(JSON.parse(swap.body)).toMatchObject({ code: 'invalid_api_key' });
  });
});
