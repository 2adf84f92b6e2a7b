// The Kafka adapter against the run's real broker: admin, idempotent produce with explicit
// partitions and each compression, partition-set consumers with manual commits, lag, and kafkajs
// logs routed to pino.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKafkaClient,
  type ConsumedBatch,
  type KafkaClient,
  type LogAdmin,
  type LogProducer,
  type PartitionConsumer,
  type PartitionConsumerOptions,
} from '#adapters/kafka.ts';
import { MiroirError } from '#core/errors.ts';
import { kafkaBrokers, uniqueName } from '#test/helpers/services.ts';

/** Polls `check` until it returns true; fails with `what` after the timeout. */
async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const logLines: { level: number; msg?: string; component?: string }[] = [];
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line));
      done();
    },
  }),
);

let client: KafkaClient;
let admin: LogAdmin;
let producer: LogProducer;
const consumers: PartitionConsumer[] = [];
const topics: string[] = [];

async function newTopic(partitions: number): Promise<string> {
  const topic = uniqueName('adapter');
  topics.push(topic);
  expect(await admin.createTopic({ topic, partitions })).toBe(true);
  return topic;
}

/** A started consumer that records every batch it receives. */
async function recordingConsumer(
  opts: Omit<PartitionConsumerOptions, 'handler'>,
  onBatch?: (batch: ConsumedBatch, consumer: PartitionConsumer) => Promise<void>,
): Promise<{ consumer: PartitionConsumer; batches: ConsumedBatch[] }> {
  const batches: ConsumedBatch[] = [];
  const consumer: PartitionConsumer = client.partitionConsumer({
    ...opts,
    handler: async (batch) => {
      batches.push(batch);
      await onBatch?.(batch, consumer);
    },
  });
  consumers.push(consumer);
  await consumer.start();
  return { consumer, batches };
}

beforeAll(async () => {
  client = createKafkaClient({ brokers: kafkaBrokers(), clientId: 'adapter-test', logger });
  admin = await client.admin();
  producer = await client.producer();
});

afterAll(async () => {
  await Promise.all(consumers.map((c) => c.stop()));
  await producer?.close();
  if (topics.length > 0) await admin?.deleteTopics(topics);
  await admin?.close();
});

describe('admin', () => {
  it('creates, describes, lists and deletes topics; creating twice is fine', async () => {
    const topic = uniqueName('admin');
    topics.push(topic);
    expect(await admin.createTopic({ topic, partitions: 3, configs: { 'retention.ms': '-1' } })).toBe(true);
    expect(await admin.createTopic({ topic, partitions: 3 })).toBe(false);

    const described = await admin.describeTopic(topic);
    expect(described).toEqual({ topic, partitions: [0, 1, 2], configs: { 'retention.ms': '-1' } });
    expect(await admin.listTopics()).toContain(topic);
    expect((await admin.listTopics()).some((t) => t.startsWith('__'))).toBe(false);
    expect(await admin.fetchEndOffsets(topic)).toEqual(
      new Map([
        [0, 0],
        [1, 0],
        [2, 0],
      ]),
    );

    await admin.deleteTopics([topic]);
    await waitFor('topic deletion', async () => !(await admin.listTopics()).includes(topic));
    expect(await admin.describeTopic(topic)).toBeNull();
    // Deleting what is already gone is a no-op.
    await admin.deleteTopics([topic]);
  });

  it('rejects an existing topic with another partition count, and bad specs', async () => {
    const topic = await newTopic(2);
    const mismatch = await admin.createTopic({ topic, partitions: 4 }).catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(MiroirError);
    expect(mismatch).toMatchObject({ code: 'miroir_kafka_error', retriable: false });
    expect((mismatch as Error).message).toContain('already exists with 2 partitions, not 4');

    await expect(admin.createTopic({ topic: uniqueName('zero'), partitions: 0 })).rejects.toMatchObject({
      code: 'miroir_kafka_error',
      message: expect.stringContaining('Invalid partition count 0'),
    });
    await expect(admin.createTopic({ topic: 'bad topic name', partitions: 1 })).rejects.toMatchObject({
      code: 'miroir_kafka_error',
      message: expect.stringContaining('Invalid Kafka topic name'),
    });
    expect(await admin.describeTopic(uniqueName('missing'))).toBeNull();
  });
});

describe('produce and consume', () => {
  it('round-trips keys, values and headers to the explicit partitions, with offsets', async () => {
    const topic = await newTopic(4);
    const delivered = await producer.send([
      {
        topic,
        partition: 2,
        key: 'k1',
        value: 'v1',
        headers: { 'miroir-type': 'upsert', bin: Buffer.from([0, 1]) },
      },
      { topic, partition: 2, key: 'k2', value: Buffer.from('v2') },
      { topic, partition: 0, key: null, value: '{"id":3}', timestamp: 1_700_000_000_000 },
      { topic, partition: 2, key: 'k4', value: null },
    ]);
    expect(delivered).toEqual([
      { topic, partition: 2, offset: 0 },
      { topic, partition: 2, offset: 1 },
      { topic, partition: 0, offset: 0 },
      { topic, partition: 2, offset: 2 },
    ]);

    const { batches } = await recordingConsumer({
      groupId: uniqueName('g'),
      partitions: [{ topic, partitions: [0, 1, 2, 3] }],
    });
    await waitFor('4 messages', () => batches.reduce((n, b) => n + b.messages.length, 0) >= 4);

    const p2 = batches.filter((b) => b.partition === 2).flatMap((b) => b.messages);
    expect(p2.map((m) => [m.offset, m.key?.toString() ?? null, m.value?.toString() ?? null])).toEqual([
      [0, 'k1', 'v1'],
      [1, 'k2', 'v2'],
      [2, 'k4', null],
    ]);
    expect(p2[0]?.headers['miroir-type']?.toString()).toBe('upsert');
    expect(p2[0]?.headers.bin).toEqual(Buffer.from([0, 1]));
    expect(p2[1]?.headers).toEqual({});
    const p0 = batches.filter((b) => b.partition === 0).flatMap((b) => b.messages);
    expect(p0).toHaveLength(1);
    expect(p0[0]).toMatchObject({ key: null, offset: 0, timestamp: 1_700_000_000_000 });
    expect(p0[0]?.value?.toString()).toBe('{"id":3}');
    expect(batches.every((b) => b.topic === topic)).toBe(true);
    expect(batches.find((b) => b.partition === 2)?.highWatermark).toBe(3);
    expect(batches.some((b) => b.partition === 1 || b.partition === 3)).toBe(false);
  });

  it('reads back every compression the producer offers, and refuses an unknown one', async () => {
    const topic = await newTopic(1);
    // Real JSON: what LZ4 batches usually carry (several records per batch, so several per frame).
    const doc = (i: number): string =>
      JSON.stringify({ id: i, name: `package-${i}`, summary: 'x'.repeat(i * 37) });
    const sent: string[] = [];
    for (const compression of ['none', 'gzip', 'lz4'] as const) {
      const p = await client.producer({ compression });
      try {
        const values = Array.from({ length: 50 }, (_, i) => `${compression}:${doc(i)}`);
        sent.push(...values);
        await p.send(values.map((value) => ({ topic, partition: 0, key: null, value })));
      } finally {
        await p.close();
      }
    }
    const { batches } = await recordingConsumer({
      groupId: uniqueName('g'),
      partitions: [{ topic, partitions: [0] }],
    });
    await waitFor('150 messages', () => batches.reduce((n, b) => n + b.messages.length, 0) >= sent.length);
    expect(batches.flatMap((b) => b.messages.map((m) => m.value?.toString()))).toEqual(sent);

    await expect(client.producer({ compression: 'brotli' as never })).rejects.toMatchObject({
      code: 'miroir_kafka_error',
      message: expect.stringContaining('Unknown Kafka compression "brotli"'),
    });
  });

  it('reports no offset for messages whose partition kafkajs chose', async () => {
    const topic = await newTopic(2);
    const delivered = await producer.send([{ topic, key: 'some-key', value: 'x' }]);
    expect(delivered).toEqual([{ topic, partition: null, offset: null }]);
    const ends = await admin.fetchEndOffsets(topic);
    expect((ends.get(0) ?? 0) + (ends.get(1) ?? 0)).toBe(1);
  });

  it('rejects bad messages before sending', async () => {
    await expect(
      producer.send([{ topic: uniqueName('t'), partition: -1, value: 'x' }]),
    ).rejects.toMatchObject({
      code: 'miroir_kafka_error',
      retriable: false,
    });
    expect(await producer.send([])).toEqual([]);
  });
});

describe('partition-set consumers', () => {
  it('a consumer given partitions {0,2} of 4 sees only those', async () => {
    const topic = await newTopic(4);
    await producer.send(
      [0, 1, 2, 3].map((partition) => ({ topic, partition, key: `p${partition}`, value: 'x' })),
    );
    const { consumer, batches } = await recordingConsumer({
      groupId: uniqueName('g'),
      partitions: [{ topic, partitions: [2, 0] }],
    });
    expect(consumer.assignment()).toEqual([{ topic, partitions: [0, 2] }]);
    await waitFor(
      'partitions 0 and 2',
      () => batches.some((b) => b.partition === 0) && batches.some((b) => b.partition === 2),
    );
    // A later write to an unwanted partition must not arrive either: write, then one more to a
    // wanted partition, and once that one arrived the unwanted one would have too.
    await producer.send([{ topic, partition: 1, value: 'late' }]);
    await producer.send([{ topic, partition: 2, value: 'marker' }]);
    await waitFor('marker', () =>
      batches.some((b) => b.messages.some((m) => m.value?.toString() === 'marker')),
    );
    expect(new Set(batches.map((b) => b.partition))).toEqual(new Set([0, 2]));
  });

  it('resumes a group after its committed offset when a consumer restarts, and reports lag', async () => {
    const topic = await newTopic(1);
    const groupId = uniqueName('g');
    await producer.send([0, 1, 2, 3, 4, 5].map((i) => ({ topic, partition: 0, value: `m${i}` })));
    expect(await admin.fetchCommittedOffsets(groupId, topic)).toEqual(new Map([[0, null]]));
    expect(await admin.fetchLag(groupId, topic)).toEqual([
      { partition: 0, committed: null, start: 0, end: 6, lag: 6 },
    ]);

    // First consumer: processes up to m2 and commits "next is 3".
    let committed = false;
    const first = await recordingConsumer(
      { groupId, partitions: [{ topic, partitions: [0] }] },
      async (batch, c) => {
        if (!committed && batch.messages.some((m) => m.offset >= 2)) {
          await c.commit(topic, 0, 3);
          committed = true;
        }
      },
    );
    await waitFor('commit', () => committed);
    await first.consumer.stop();
    expect(await admin.fetchCommittedOffsets(groupId, topic)).toEqual(new Map([[0, 3]]));
    expect(await admin.fetchLag(groupId, topic)).toEqual([
      { partition: 0, committed: 3, start: 0, end: 6, lag: 3 },
    ]);

    const second = await recordingConsumer({ groupId, partitions: [{ topic, partitions: [0] }] });
    await waitFor('resumed messages', () => second.batches.reduce((n, b) => n + b.messages.length, 0) >= 3);
    const offsets = second.batches.flatMap((b) => b.messages.map((m) => m.offset));
    expect(offsets).toEqual([3, 4, 5]);
    expect(second.batches.flatMap((b) => b.messages.map((m) => m.value?.toString()))).toEqual([
      'm3',
      'm4',
      'm5',
    ]);
  });

  it('splits a partition set between two members of one group', async () => {
    const topic = await newTopic(4);
    const groupId = uniqueName('g');
    const all = [{ topic, partitions: [0, 1, 2, 3] }];
    const a = await recordingConsumer({ groupId, partitions: all });
    expect(a.consumer.assignment()).toEqual(all);
    const b = await recordingConsumer({ groupId, partitions: all });
    // The first member learns of the rebalance on its next heartbeat.
    await waitFor('rebalance', () => (a.consumer.assignment()[0]?.partitions.length ?? 0) === 2);
    const mine = (c: PartitionConsumer): number[] => c.assignment().flatMap((x) => x.partitions);
    expect(mine(b.consumer)).toHaveLength(2);
    expect([...mine(a.consumer), ...mine(b.consumer)].sort()).toEqual([0, 1, 2, 3]);
  });

  it('changes its partition set at run time', async () => {
    const topic = await newTopic(3);
    await producer.send([0, 1, 2].map((partition) => ({ topic, partition, value: `p${partition}` })));
    const { consumer, batches } = await recordingConsumer({
      groupId: uniqueName('g'),
      partitions: [{ topic, partitions: [0] }],
    });
    await waitFor('partition 0', () => batches.some((b) => b.partition === 0));
    await consumer.setPartitions([{ topic, partitions: [1] }]);
    expect(consumer.assignment()).toEqual([{ topic, partitions: [1] }]);
    await waitFor('partition 1', () => batches.some((b) => b.partition === 1));
    await producer.send([
      { topic, partition: 2, value: 'unwanted' },
      { topic, partition: 1, value: 'marker' },
    ]);
    await waitFor('marker', () =>
      batches.some((b) => b.messages.some((m) => m.value?.toString() === 'marker')),
    );
    expect(batches.some((b) => b.partition === 2)).toBe(false);
  });

  it('redelivers a batch whose handler failed', async () => {
    const topic = await newTopic(1);
    await producer.send([
      { topic, partition: 0, value: 'a' },
      { topic, partition: 0, value: 'b' },
    ]);
    let failures = 0;
    const crashes: unknown[] = [];
    const { batches } = await recordingConsumer(
      {
        groupId: uniqueName('g'),
        partitions: [{ topic, partitions: [0] }],
        onCrash: (err) => crashes.push(err),
      },
      async () => {
        if (failures === 0) {
          failures++;
          throw new Error('node busy');
        }
      },
    );
    await waitFor('a second delivery', () => batches.length >= 2);
    const firstOffsets = (i: number): number[] => batches[i]?.messages.map((m) => m.offset) ?? [];
    expect(firstOffsets(0)).toEqual([0, 1]);
    expect(firstOffsets(1)).toEqual([0, 1]);
    expect(crashes).toEqual([]);
  });

  it('rejects bad consumer options and commits', async () => {
    expect(() =>
      client.partitionConsumer({
        groupId: '',
        partitions: [{ topic: 't', partitions: [0] }],
        handler: async () => {},
      }),
    ).toThrow(/non-empty groupId/);
    expect(() => client.partitionConsumer({ groupId: 'g', partitions: [], handler: async () => {} })).toThrow(
      /at least one topic/,
    );
    expect(() =>
      client.partitionConsumer({
        groupId: 'g',
        partitions: [{ topic: 't', partitions: [1.5] }],
        handler: async () => {},
      }),
    ).toThrow(/Invalid partition/);
    const idle = client.partitionConsumer({
      groupId: 'g',
      partitions: [{ topic: 't', partitions: [0] }],
      handler: async () => {},
    });
    await expect(idle.commit('t', 0, 1)).rejects.toMatchObject({ code: 'miroir_log_unavailable' });
    await expect(idle.commit('t', 0, -1)).rejects.toMatchObject({ code: 'miroir_kafka_error' });
  });
});

describe('errors and logs', () => {
  it('maps an unreachable broker to a retriable miroir_log_unavailable', async () => {
    const dead = createKafkaClient({
      brokers: '127.0.0.1:1',
      clientId: 'dead',
      connectionTimeoutMs: 200,
      retries: 1,
    });
    const err = await dead.admin().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MiroirError);
    expect(err).toMatchObject({ code: 'miroir_log_unavailable', retriable: true, status: 503 });
    expect((err as Error).message).toContain('Kafka admin connect failed');
  });

  it('rejects a malformed broker list', () => {
    expect(() => createKafkaClient({ brokers: 'no-port', clientId: 'x' })).toThrow(
      /Invalid Kafka broker address/,
    );
    expect(() => createKafkaClient({ brokers: ' , ', clientId: 'x' })).toThrow(/No Kafka brokers/);
  });

  it("routes kafkajs' own log lines to the given logger", () => {
    expect(logLines.some((l) => l.component === 'kafkajs' && typeof l.msg === 'string')).toBe(true);
    // The partitioner warning is gone because the partitioner is set explicitly.
    expect(logLines.some((l) => l.msg?.includes('DefaultPartitioner'))).toBe(false);
  });
});
