// Producers without HTTP: raw JSON documents written to `<prefix>inbox.<index>` by a plain Kafka
// producer are validated and routed into the sharded log; tombstones delete; rejects land in
// `<prefix>dlq.<index>` with the reason in headers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaClient, type LogProducer } from '#adapters/kafka.ts';
import type { DocumentEvent } from '#core/events/document-events.ts';
import { initRouting, shardOf } from '#core/routing/hash.ts';
import { kafkaBrokers } from '#test/helpers/services.ts';
import { DLQ_HEADER_CODE, DLQ_HEADER_MESSAGE, DLQ_HEADER_SOURCE_OFFSET } from '../../../ingest/inbox.ts';
import { readTopic, startCluster, totalRecords, waitFor, type Cluster } from './harness.ts';

let cluster: Cluster;
let producer: LogProducer;

beforeAll(async () => {
  await initRouting();
  cluster = await startCluster();
  producer = await createKafkaClient({ brokers: kafkaBrokers(), clientId: 'external-producer' }).producer();
});
afterAll(async () => {
  await producer?.close();
  await cluster?.close();
});

describe('inbox routing', () => {
  it('routes documents and tombstones into the sharded log and dead-letters bad records', async () => {
    const created = await cluster.app.inject({ method: 'POST', url: '/indexes', payload: { uid: 'feed' } });
    expect(created.statusCode).toBe(202);
    await waitFor('index feed', () => cluster.models.topology.state().indexes.feed !== undefined);
    const inbox = cluster.models.topics.inbox('feed');
    const docsTopic = cluster.models.topics.docs('feed', 0);
    const record = (key: string | null, value: string | null) => ({ topic: inbox, key, value });
    await producer.send([
      record('a1', '{"id":"a1","n":1}'),
      record('a2', '{"id":"a2","n":2}'),
      record('bad', '{"id":"bad",'),
      record('a3', '{"id":"a3","_miroir_shard":1}'),
      record('a1', null),
      record('a4', '{"id":"a4"}'),
    ]);
    await waitFor(
      'inbox routed',
      async () =>
        (await totalRecords(cluster.admin, docsTopic)) >= 4 &&
        (await totalRecords(cluster.admin, cluster.models.topics.dlq('feed'))) >= 2,
    );

    const records = await readTopic(kafkaBrokers(), docsTopic, cluster.admin);
    const events = records.map((r) => ({ partition: r.partition, event: r.event as DocumentEvent }));
    const upserted = events.filter((e) => e.event.type === 'DocumentsUpserted');
    const ids = upserted
      .flatMap((e) => (e.event as Extract<DocumentEvent, { type: 'DocumentsUpserted' }>).ids)
      .sort();
    expect(ids).toEqual(['a1', 'a2', 'a4']);
    for (const e of upserted)
      for (const id of (e.event as Extract<DocumentEvent, { type: 'DocumentsUpserted' }>).ids)
        expect(e.partition).toBe(shardOf(id, 4));
    const deleted = events.filter((e) => e.event.type === 'DocumentsDeleted');
    expect(
      deleted.map((e) => [
        e.partition,
        (e.event as Extract<DocumentEvent, { type: 'DocumentsDeleted' }>).ids,
      ]),
    ).toEqual([[shardOf('a1', 4), ['a1']]]);
    // The delete of a1 comes after its upsert in a1's partition: per-key order is kept.
    const a1 = records.filter((r) => r.partition === shardOf('a1', 4)).map((r) => r.event?.type);
    expect(a1.indexOf('DocumentsDeleted')).toBeGreaterThan(a1.indexOf('DocumentsUpserted'));
    // The document bytes are the producer's, untouched.
    const a2 = upserted.find((e) =>
      (e.event as Extract<DocumentEvent, { type: 'DocumentsUpserted' }>).ids.includes('a2'),
    )?.event as Extract<DocumentEvent, { type: 'DocumentsUpserted' }>;
    expect(a2.documents[a2.ids.indexOf('a2')]?.toString()).toBe('{"id":"a2","n":2}');
    expect(cluster.models.topology.state().indexes.feed?.primaryKey).toBe('id');

    const dlq = (
      await readTopic(kafkaBrokers(), cluster.models.topics.dlq('feed'), cluster.admin, false)
    ).sort((x, y) => (x.message.key?.toString() ?? '').localeCompare(y.message.key?.toString() ?? ''));
    expect(
      dlq.map((r) => [r.message.key?.toString(), r.message.headers[DLQ_HEADER_CODE]?.toString()]),
    ).toEqual([
      ['a3', 'miroir_reserved_field'],
      ['bad', 'malformed_payload'],
    ]);
    expect(dlq[1]?.message.value?.toString()).toBe('{"id":"bad",');
    // Records are spread over the inbox partitions by key (murmur2), so only the shape of the source is known.
    expect(dlq[1]?.message.headers[DLQ_HEADER_SOURCE_OFFSET]?.toString()).toMatch(/^\d+$/);
    expect(dlq[0]?.message.headers[DLQ_HEADER_MESSAGE]?.toString()).toContain('_miroir_shard');

    // Each run of a batch became a task, visible through GET /tasks.
    const tasks = (
      await cluster.app.inject({
        method: 'GET',
        url: '/tasks?indexUids=feed&types=documentAdditionOrUpdate,documentDeletion',
      })
    ).json();
    const received = tasks.results
      .filter((t: { type: string }) => t.type === 'documentAdditionOrUpdate')
      .reduce(
        (n: number, t: { details: { receivedDocuments: number } }) => n + t.details.receivedDocuments,
        0,
      );
    const provided = tasks.results
      .filter((t: { type: string }) => t.type === 'documentDeletion')
      .reduce((n: number, t: { details: { providedIds: number } }) => n + t.details.providedIds, 0);
    expect([received, provided]).toEqual([3, 1]);
  });
});
