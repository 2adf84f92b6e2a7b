// `GET /_miroir/topology` (owners in every group, lag per owner from the indexer consumer groups),
// tasks served from the Redis store by two processes, and writes to a missing index when
// auto-creation is off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaClient } from '#adapters/kafka.ts';
import { initRouting } from '#core/routing/hash.ts';
import { kafkaBrokers, uniqueName } from '#test/helpers/services.ts';
import type { TopologyView } from '../../../projections/topology-view.ts';
import { indexerGroupId } from '#core/log/consumer-groups.ts';
import { startCluster, totalRecords, waitFor, type Cluster } from './harness.ts';

let a: Cluster;
let b: Cluster;

beforeAll(async () => {
  await initRouting();
  const prefix = `${uniqueName('shared')}.`;
  // Two processes of one cluster (same topics), both serving tasks from Redis.
  a = await startCluster(
    { ingest: { payloadLimitBytes: 100_000_000, autoCreateIndex: false } },
    { redis: true, prefix },
  );
  b = await startCluster(
    { ingest: { payloadLimitBytes: 100_000_000, autoCreateIndex: false } },
    { redis: true, prefix },
  );
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

describe('with auto-creation off', () => {
  it('documents for a missing index are index_not_found and append nothing', async () => {
    const before = await totalRecords(a.admin, a.models.topics.tasks);
    const res = await a.app.inject({
      method: 'POST',
      url: '/indexes/absent/documents',
      payload: [{ id: 1 }],
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      message: 'Index `absent` not found.',
      code: 'index_not_found',
      type: 'invalid_request',
      link: 'https://docs.meilisearch.com/errors#index_not_found',
    });
    expect(await totalRecords(a.admin, a.models.topics.tasks)).toBe(before);
  });
});

describe('shared task store', () => {
  it('a task written through one process is served by the other from Redis', async () => {
    const res = await a.app.inject({
      method: 'POST',
      url: '/indexes',
      payload: { uid: 'shared', primaryKey: 'id' },
    });
    const { taskUid } = res.json();
    await waitFor('task visible on b', async () => {
      const got = await b.app.inject({ method: 'GET', url: `/tasks/${taskUid}` });
      return got.statusCode === 200 && got.json().status === 'succeeded';
    });
    const onA = (await a.app.inject({ method: 'GET', url: `/tasks/${taskUid}` })).json();
    const onB = (await b.app.inject({ method: 'GET', url: `/tasks/${taskUid}` })).json();
    expect(onB).toEqual(onA);
    expect(b.models.taskStore.kind).toBe('redis');
    // b's topology projection saw a's index too.
    await b.models.topology.waitCaughtUp();
    expect(b.models.topology.state().indexes.shared?.primaryKey).toBe('id');
  });
});

describe('GET /_miroir/topology', () => {
  it('lists nodes, every owner of every shard and per-owner lag from the indexer groups', async () => {
    await waitFor('index', () => a.models.topology.state().indexes.shared !== undefined);
    const docs = Array.from({ length: 40 }, (_, i) => ({ id: i }));
    expect(
      (await a.app.inject({ method: 'POST', url: '/indexes/shared/documents', payload: docs })).statusCode,
    ).toBe(202);
    const topic = a.models.topics.docs('shared', 0);
    const ends = await a.admin.fetchEndOffsets(topic);
    // Pretend node n1's indexer applied everything of partition 0.
    const kafka = createKafkaClient({ brokers: kafkaBrokers(), clientId: 'fake-indexer' });
    const consumer = kafka.partitionConsumer({
      groupId: indexerGroupId(a.models.topics.prefix, 'n1', topic),
      partitions: [{ topic, partitions: [0, 1, 2, 3] }],
      handler: async () => {},
    });
    await consumer.start();
    await consumer.commit(topic, 0, ends.get(0) ?? 0);
    await consumer.stop();

    const view = (await a.app.inject({ method: 'GET', url: '/_miroir/topology' })).json<TopologyView>();
    expect(view.nodes).toEqual([
      { id: 'n1', url: 'http://127.0.0.1:1', group: 'g1', state: 'active' },
      { id: 'n2', url: 'http://127.0.0.1:2', group: 'g1', state: 'active' },
    ]);
    const index = view.indexes.find((i) => i.uid === 'shared');
    if (index === undefined) throw new Error('index shared missing from the topology view');
    expect(index).toMatchObject({
      uid: 'shared',
      primaryKey: 'id',
      shards: 4,
      rf: 1,
      groups: ['g1'],
      generation: 0,
      nodeIndexUid: 'shared--g0',
    });
    expect(Object.keys(index.owners)).toEqual(['0', '1', '2', '3']);
    for (const owners of Object.values(index.owners)) expect(owners).toHaveLength(1);
    for (const [shard, owners] of Object.entries(index.owners)) {
      const node = owners[0] as string;
      const expected = node === 'n1' && shard === '0' ? 0 : (ends.get(Number(shard)) ?? 0);
      expect(index.lag[node]?.[shard]).toBe(expected);
    }
  });
});
