// The query service against scripted nodes: strict configuration, read-your-writes steering the
// covering set to replicas that applied the task, and a missing topology.
import { beforeAll, describe, expect, it } from 'vitest';
import { NodeApiError, type Json, type NodeClient } from '#adapters/node-client.ts';
import { miroirError } from '#core/errors.ts';
import { initRouting } from '#core/routing/index.ts';
import type { TaskState } from '#core/tasks/task-projection.ts';
import { ReplicaSelector } from '../../../query/covering.ts';
import { shardsHeldBy } from '../../../query/plan.ts';
import { buildQueryService, type QueryServiceDeps } from '../../../query/service.ts';
import type { QueryView } from '../../../query/view.ts';
import { makeView } from './fixtures.ts';

beforeAll(async () => {
  await initRouting();
});

/** A node answering searches with one hit per shard it is asked for (read from the shard clause). */
function fakeNode(id: string, down: Set<string>, asked: Json[], held: () => number[]): NodeClient {
  return {
    nodeId: id,
    url: `http://${id}.invalid`,
    async search(_uid: string, body: Json) {
      if (down.has(id)) throw miroirError('remote_could_not_send_request', `${id} down`, { retriable: true });
      asked.push({ node: id, ...body });
      const shards =
        body.filter === undefined
          ? held()
          : [...JSON.stringify(body.filter).matchAll(/(\d+)/g)].map((m) => Number(m[1]));
      return {
        hits: shards.map((s) => ({ id: `${s}`, node: id, _rankingScore: 1 - s / 100 })),
        query: '',
        processingTimeMs: 0,
        limit: 20,
        offset: 0,
        estimatedTotalHits: shards.length,
      };
    },
  } as unknown as NodeClient;
}

function deps(view: QueryView | null, down = new Set<string>(), extra: Partial<QueryServiceDeps> = {}) {
  const asked: Json[] = [];
  const held = (id: string) => () => {
    const table = view?.topology.tables.get('docs');
    return table === undefined ? [] : [...shardsHeldBy(table, 'g1', id)];
  };
  const nodes = new Map(['n1', 'n2', 'n3'].map((id) => [id, fakeNode(id, down, asked, held(id))]));
  return {
    asked,
    deps: {
      view: () => view,
      node: (id: string) => nodes.get(id),
      perShardTimeoutMs: 1000,
      hedgeDelayMs: 0,
      unavailableShards: 'partial' as const,
      waitTimeoutMs: 200,
      selector: new ReplicaSelector(),
      ...extra,
    },
  };
}

describe('query service', () => {
  it('answers 503 while no topology is known', async () => {
    const service = await buildQueryService(deps(null).deps);
    await expect(service.search('docs', {})).rejects.toMatchObject({
      code: 'miroir_shard_unavailable',
      status: 503,
    });
  });

  it('with unavailableShards=error, an uncovered shard fails the read', async () => {
    const view = makeView({ shards: 6, rf: 1, groups: { g1: ['n1', 'n2', 'n3'] } });
    const partial = await buildQueryService(deps(view, new Set(['n1'])).deps);
    const degraded = await partial.search('docs', {});
    expect(degraded.headers['x-miroir-degraded']).toMatch(/^shards=\d+(,\d+)*$/);
    const strict = await buildQueryService(deps(view, new Set(['n1']), { unavailableShards: 'error' }).deps);
    await expect(strict.search('docs', {})).rejects.toMatchObject({ code: 'miroir_shard_unavailable' });
    const full = await strict.search('docs', { filter: 'id = 1' }).catch(() => null);
    // A pinned read whose shard lives elsewhere still succeeds in strict mode.
    if (full !== null) expect(full.headers['x-miroir-degraded']).toBeUndefined();
  });

  it('X-Miroir-Wait-For-Task reads the touched shards from replicas that applied the task', async () => {
    const view = makeView({ shards: 2, rf: 2, groups: { g1: ['n1', 'n2', 'n3'] } });
    const table = view.topology.tables.get('docs');
    const owners = table?.groups[0]?.owners[0] as string[];
    const applied = owners[1] as string;
    const task: TaskState = {
      uid: 5,
      enqueued: {
        type: 'documentAdditionOrUpdate',
        indexUid: 'docs',
        enqueuedAt: 0,
        replicationFactor: 2,
        shards: [{ shard: 0 } as never],
        details: {} as never,
        customMetadata: null,
      },
      status: 'processing',
      applies: [
        {
          shard: 0,
          nodeId: applied,
          replicaGroup: 0,
          offset: 0,
          at: 0,
          indexedDocuments: 1,
          deletedDocuments: null,
        },
      ],
      error: null,
      startedAt: 0,
      finishedAt: null,
      outcome: null,
    };
    const { deps: d, asked } = deps(view, new Set(), {
      tasks: async (uid) => (uid === 5 ? task : undefined),
    });
    const service = await buildQueryService(d);
    for (let i = 0; i < 4; i++) {
      const result = await service.search('docs', {}, { waitForTask: 5 });
      expect(result.headers['x-miroir-wait-for-task-timeout']).toBeUndefined();
      const hits = result.body.hits as { id: string; node: string }[];
      expect(hits.map((hit) => hit.id).sort()).toEqual(['0', '1']);
      expect(hits.find((hit) => hit.id === '0')?.node).toBe(applied);
    }
    expect(asked.length).toBeGreaterThan(0);
    const late = await service.search('docs', {}, { waitForTask: 6 });
    expect(late.headers['x-miroir-wait-for-task-timeout']).toBe('6');
  });
});

/** A node that holds no copy of any index yet: Meilisearch's `index_not_found` for every read. */
function emptyNode(id: string, calls: string[]): NodeClient {
  const missing = (uid: string) => {
    calls.push(id);
    return Promise.reject(
      new NodeApiError(id, 404, {
        message: `Index \`${uid}\` not found.`,
        code: 'index_not_found',
        type: 'invalid_request',
        link: 'https://docs.meilisearch.com/errors#index_not_found',
      }),
    );
  };
  return {
    nodeId: id,
    url: `http://${id}.invalid`,
    search: missing,
    facetSearch: missing,
    getDocument: missing,
    fetchDocuments: missing,
    indexStats: missing,
  } as unknown as NodeClient;
}

describe('an index no node holds a copy of yet', () => {
  const build = async (selector: ReplicaSelector) => {
    const view = makeView({ shards: 6, rf: 1, groups: { g1: ['n1', 'n2', 'n3'] } });
    const calls: string[] = [];
    const nodes = new Map(['n1', 'n2', 'n3'].map((id) => [id, emptyNode(id, calls)]));
    const service = await buildQueryService({
      view: () => view,
      node: (id) => nodes.get(id),
      perShardTimeoutMs: 1000,
      hedgeDelayMs: 0,
      unavailableShards: 'error',
      waitTimeoutMs: 200,
      selector,
    });
    return { service, calls };
  };

  it('answers as an empty Meilisearch index, never degraded', async () => {
    const { service } = await build(new ReplicaSelector());
    const search = await service.search('docs', { q: 'x', facets: ['genre'] });
    expect(search.headers['x-miroir-degraded']).toBeUndefined();
    expect(search.body).toMatchObject({ hits: [], estimatedTotalHits: 0, facetDistribution: {} });
    const paged = await service.search('docs', { q: 'x', page: 1 });
    expect(paged.body).toMatchObject({ hits: [], totalHits: 0, totalPages: 0 });
    await expect(service.getDocument('docs', '1', {})).rejects.toMatchObject({
      code: 'document_not_found',
      message: 'Document `1` not found.',
      status: 404,
    });
    const listed = await service.fetchDocuments('docs', {});
    expect(listed.body).toMatchObject({ results: [], total: 0 });
    const facets = await service.facetSearch('docs', { facetName: 'genre' });
    expect(facets.body.facetHits).toEqual([]);
    const stats = await service.indexStats('docs');
    expect(stats.body).toMatchObject({ numberOfDocuments: 0, fieldDistribution: {} });
  });

  it('does not count against the nodes: they stay healthy for every other index', async () => {
    const selector = new ReplicaSelector();
    const { service } = await build(selector);
    await service.search('docs', {});
    await service.getDocument('docs', '1', {}).catch(() => undefined);
    for (const id of ['n1', 'n2', 'n3']) expect(selector.load(id).healthy).toBe(true);
  });
});
