// Projection runners against a real broker: two runners over the same control topic agree after
// every event; waitForOffset releases a writer once its own record is folded; a restarted runner
// rebuilds the same state from the beginning; the task projection is shared through Redis.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaClient, type KafkaClient, type LogAdmin, type LogProducer } from '#adapters/kafka.ts';
import { createLogger } from '#adapters/logger.ts';
import { createRedis, type RedisConnection } from '#adapters/redis.ts';
import { defaultEventCodec } from '#core/events/codec.ts';
import type { ControlEvent } from '#core/events/control-events.ts';
import type { TaskEvent } from '#core/events/task-events.ts';
import { controlMessage, taskMessage } from '#core/log/log-message.ts';
import { controlTopicSpec, tasksTopicSpec } from '#core/log/topic-configs.ts';
import { topicNames, type TopicNames } from '#core/log/topics.ts';
import { initRouting } from '#core/routing/hash.ts';
import { renderTask } from '#core/tasks/task-view.ts';
import { ensureTopicWith } from '#adapters/read-models/read-models.ts';
import { createTaskRunner } from '#adapters/read-models/task-runner.ts';
import { createRedisTaskStore } from '#adapters/read-models/task-store.ts';
import { createTopologyRunner, type TopologyRunner } from '#adapters/read-models/topology-runner.ts';
import { kafkaBrokers, redisUrl, uniqueName } from '#test/helpers/services.ts';

const logger = createLogger({ service: 'test', level: 'silent' });
const codec = defaultEventCodec();
let kafka: KafkaClient;
let admin: LogAdmin;
let producer: LogProducer;
let topics: TopicNames;

beforeAll(async () => {
  await initRouting();
  kafka = createKafkaClient({ brokers: kafkaBrokers(), clientId: 'projections-test' });
  admin = await kafka.admin();
  producer = await kafka.producer();
  topics = topicNames(`${uniqueName('p')}.`);
  const ensure = ensureTopicWith(admin);
  await ensure(controlTopicSpec(topics, { brokerReplicationFactor: 1 }));
  await ensure(tasksTopicSpec(topics, { brokerReplicationFactor: 1 }));
});
afterAll(async () => {
  await producer?.close();
  await admin?.close();
});

const base = { schemaVersion: 1, indexUid: null, generation: null, taskUid: null, timestamp: Date.now() };
const nodes = [
  { id: 'n1', url: 'http://n1', group: 'g1' },
  { id: 'n2', url: 'http://n2', group: 'g1' },
];

function topologyRunner(): TopologyRunner {
  return createTopologyRunner({
    kafka,
    admin,
    codec,
    logger,
    controlTopic: topics.control,
    topicPrefix: topics.prefix,
    nodes,
    replicationFactor: 1,
  });
}

async function appendControl(event: ControlEvent): Promise<number> {
  const m = controlMessage(event, topics, codec);
  const [d] = await producer.send([
    { topic: m.topic, partition: 0, key: m.key, value: m.value, headers: { ...m.headers } },
  ]);
  return d?.offset as number;
}

async function appendTask(event: TaskEvent): Promise<number> {
  const m = taskMessage(event, topics, codec);
  const [d] = await producer.send([
    { topic: m.topic, partition: 0, key: m.key, value: m.value, headers: { ...m.headers } },
  ]);
  return d?.offset as number;
}

describe('topology runners', () => {
  it('two runners agree after each event, and a restarted runner rebuilds the same state', async () => {
    const a = topologyRunner();
    const b = topologyRunner();
    await Promise.all([a.start(), b.start()]);
    try {
      const events: ControlEvent[] = [
        {
          ...base,
          eventId: 'e1',
          type: 'IndexCreated',
          indexUid: 'movies',
          generation: 0,
          primaryKey: null,
          shards: 3,
        },
        { ...base, eventId: 'e2', type: 'PrimaryKeySet', indexUid: 'movies', primaryKey: 'id' },
        {
          ...base,
          eventId: 'e3',
          type: 'SettingsChanged',
          indexUid: 'movies',
          settingsVersion: 4,
          settings: '{"stopWords":["the"]}',
        },
        { ...base, eventId: 'e4', type: 'NodeJoined', nodeId: 'n3', url: 'http://n3', replicaGroup: 0 },
        { ...base, eventId: 'e5', type: 'NodeFailed', nodeId: 'n1', reason: 'test' },
        { ...base, eventId: 'e6', type: 'IndexDeleted', indexUid: 'movies' },
      ];
      for (const event of events) {
        const offset = await appendControl(event);
        await Promise.all([a.waitForOffset(offset), b.waitForOffset(offset)]);
        expect(a.state()).toEqual(b.state());
        expect(a.state().offset).toBe(offset);
      }
      expect(a.state().nodes.map((n) => [n.id, n.state])).toEqual([
        ['n1', 'failed'],
        ['n2', 'active'],
        ['n3', 'active'],
      ]);
      expect(a.state().retiredGenerations).toEqual({ movies: 0 });
      const restarted = topologyRunner();
      await restarted.start();
      expect(restarted.state()).toEqual(a.state());
      await restarted.stop();
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('onChange reports each folded batch; waitForOffset times out on an offset never written', async () => {
    const runner = topologyRunner();
    await runner.start();
    try {
      const seen: number[] = [];
      const off = runner.onChange((_state, offset) => seen.push(offset));
      const offset = await appendControl({
        ...base,
        eventId: 'x',
        type: 'AliasSet',
        alias: 'cur',
        targets: ['books'],
      });
      await runner.waitForOffset(offset);
      expect(seen.at(-1)).toBe(offset);
      expect(runner.state().aliases).toEqual({ cur: ['books'] });
      off();
      await expect(runner.waitForOffset(offset + 1000, 300)).rejects.toMatchObject({
        code: 'miroir_log_unavailable',
      });
    } finally {
      await runner.stop();
    }
  });
});

describe('task runners and the Redis task store', () => {
  let redis: RedisConnection;
  beforeAll(() => {
    redis = createRedis(redisUrl());
  });
  afterAll(async () => redis?.close());

  it('processes mirror their task projection into Redis; a reader sees the same tasks; a node that is down does not block quorum', async () => {
    const namespace = `${uniqueName('tasks')}:`;
    const storeA = createRedisTaskStore(redis, namespace);
    const storeB = createRedisTaskStore(redis, namespace);
    const runnerA = createTaskRunner({
      kafka,
      admin,
      codec,
      logger,
      tasksTopic: topics.tasks,
      topicPrefix: topics.prefix,
      onTask: (s, o) => storeA.mirror(s, o),
    });
    const runnerB = createTaskRunner({
      kafka,
      admin,
      codec,
      logger,
      tasksTopic: topics.tasks,
      topicPrefix: topics.prefix,
      onTask: (s, o) => storeB.mirror(s, o),
    });
    runnerA.onChange(() => void storeA.flush());
    runnerB.onChange(() => void storeB.flush());
    await Promise.all([runnerA.start(), runnerB.start()]);
    try {
      // RF 3 in one group: quorum is 2 of 3 owners; n3 never reports (it is down).
      const uid = await appendTask({
        ...base,
        eventId: 't1',
        type: 'TaskEnqueued',
        indexUid: 'movies',
        taskType: 'documentAdditionOrUpdate',
        replicationFactor: 3,
        shards: [{ shard: 0, events: 1, documents: 2, owners: [['n1', 'n2', 'n3']] }],
        details: {
          receivedDocuments: 2,
          providedIds: null,
          originalFilter: null,
          primaryKey: null,
          oldIndexUid: null,
          newIndexUid: null,
          settings: null,
          swaps: null,
          matchedTasks: null,
        },
        customMetadata: null,
      });
      const applied = (nodeId: string): TaskEvent => ({
        ...base,
        eventId: `a-${nodeId}`,
        type: 'TaskShardApplied',
        indexUid: 'movies',
        taskUid: uid,
        nodeId,
        replicaGroup: 0,
        shard: 0,
        offset: 0,
        indexedDocuments: 2,
        deletedDocuments: null,
      });
      await appendTask(applied('n1'));
      const last = await appendTask(applied('n2'));
      await Promise.all([runnerA.waitForOffset(last), runnerB.waitForOffset(last)]);
      await Promise.all([storeA.flush(), storeB.flush()]);
      expect(runnerA.state().get(uid)).toEqual(runnerB.state().get(uid));
      const stored = await storeA.get(uid);
      expect(stored).toEqual(runnerA.state().get(uid));
      expect(renderTask(stored!)).toMatchObject({
        uid,
        status: 'succeeded',
        details: { receivedDocuments: 2, indexedDocuments: 2 },
      });
      // A slower process replaying an older state never moves the task backwards.
      storeB.mirror({ ...stored!, status: 'enqueued' }, 0);
      await storeB.flush();
      expect((await storeA.get(uid))?.status).toBe('succeeded');
      expect((await storeA.table()).size).toBe(1);
    } finally {
      await Promise.all([runnerA.stop(), runnerB.stop()]);
    }
  });
});
