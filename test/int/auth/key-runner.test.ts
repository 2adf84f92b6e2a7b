// The key projection over a real control topic: two processes that start together on a fresh log
// seed one set of default keys, a key appended by one is seen by the other, the topology
// projection ignores key events, and no key value is ever written to the log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaClient, type KafkaClient, type LogAdmin } from '#adapters/kafka.ts';
import { createLogger } from '#adapters/logger.ts';
import { ensureTopicWith } from '#adapters/read-models/read-models.ts';
import { createKeyRunner, type KeyRunner } from '#adapters/read-models/key-runner.ts';
import { createTopologyRunner } from '#adapters/read-models/topology-runner.ts';
import { DEFAULT_KEYS, deriveKeyValue } from '#core/auth/keys.ts';
import { defaultEventCodec } from '#core/events/codec.ts';
import { controlTopicSpec } from '#core/log/topic-configs.ts';
import { topicNames, type TopicNames } from '#core/log/topics.ts';
import { initRouting } from '#core/routing/hash.ts';
import { kafkaBrokers, uniqueName } from '#test/helpers/services.ts';

const logger = createLogger({ service: 'test', level: 'silent' });
const codec = defaultEventCodec();
const MASTER = 'int-master-key-0123456789';
let kafka: KafkaClient;
let admin: LogAdmin;
let topics: TopicNames;
const runners: KeyRunner[] = [];

function keyRunner(): KeyRunner {
  const runner = createKeyRunner({
    kafka,
    admin,
    codec,
    logger,
    controlTopic: topics.control,
    topicPrefix: topics.prefix,
  });
  runners.push(runner);
  return runner;
}

beforeAll(async () => {
  await initRouting();
  kafka = createKafkaClient({ brokers: kafkaBrokers(), clientId: 'key-runner-test' });
  admin = await kafka.admin();
  topics = topicNames(`${uniqueName('keys')}.`);
  await ensureTopicWith(admin)(controlTopicSpec(topics, { brokerReplicationFactor: 1 }));
});
afterAll(async () => {
  for (const runner of runners) await runner.stop();
  await admin?.close();
});

describe('key runners over one control topic', () => {
  it('given two processes starting together on a fresh log, when both seed, then each holds the same four default keys', async () => {
    const [a, b] = [keyRunner(), keyRunner()];
    await Promise.all([a.start(), b.start()]);
    await Promise.all([a.seedDefaultKeys(), b.seedDefaultKeys()]);
    await Promise.all([a.waitCaughtUp(), b.waitCaughtUp()]);
    const names = (r: KeyRunner) =>
      Object.values(r.state().keys)
        .map((k) => k.name)
        .sort();
    expect(names(a)).toEqual(DEFAULT_KEYS.map((k) => k.name).sort());
    expect(a.state().keys).toEqual(b.state().keys);

    // A key appended through one process is folded by the other.
    const uid = '77777777-7777-4777-8777-777777777777';
    const [offset] = await a.append([
      {
        eventId: 'created-by-a',
        type: 'KeyCreated',
        schemaVersion: 1,
        indexUid: null,
        generation: null,
        timestamp: Date.now(),
        taskUid: null,
        keyUid: uid,
        name: 'from a',
        description: null,
        actions: ['search'],
        indexes: ['movies'],
        expiresAt: null,
      },
    ]);
    await b.waitForOffset(offset as number, 10_000);
    expect(b.state().keys[uid]).toMatchObject({ name: 'from a', indexes: ['movies'] });

    // A restarted process rebuilds the same keys and does not seed again.
    const c = keyRunner();
    await c.start();
    await c.seedDefaultKeys();
    expect(c.state().keys).toEqual(a.state().keys);
  });

  it('given the control log, when read raw, then no key value appears and the topology ignores key events', async () => {
    const reader = keyRunner();
    await reader.start();
    const values = Object.keys(reader.state().keys).map((uid) => deriveKeyValue(uid, MASTER));
    expect(values.length).toBeGreaterThan(0);
    const raw: Buffer[] = [];
    const consumer = kafka.partitionConsumer({
      groupId: `${topics.prefix}raw.${uniqueName('r')}`,
      partitions: [{ topic: topics.control, partitions: [0] }],
      handler: async (batch) => {
        for (const m of batch.messages) if (m.value !== null) raw.push(m.value);
      },
    });
    await consumer.start();
    const end = (await admin.fetchEndOffsets(topics.control)).get(0) ?? 0;
    const deadline = Date.now() + 20_000;
    while (raw.length < end && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await consumer.stop();
    expect(raw.length).toBe(end);
    const log = Buffer.concat(raw).toString('latin1');
    for (const value of values) expect(log.includes(value)).toBe(false);
    expect(log.includes(MASTER)).toBe(false);

    const topology = createTopologyRunner({
      kafka,
      admin,
      codec,
      logger,
      controlTopic: topics.control,
      topicPrefix: topics.prefix,
      nodes: [],
      replicationFactor: 1,
    });
    await topology.start();
    expect(topology.state().indexes).toEqual({});
    expect(topology.offset()).toBe(end - 1);
    await topology.stop();
  });
});
