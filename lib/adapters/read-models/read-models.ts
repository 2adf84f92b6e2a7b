// The read models one process shares between its roles: a Kafka client and admin, the topology
// runner and the task runner (with the Redis mirror when configured). Built once per process
// (keyed by the shell's lifecycle), started before any role answers, closed last on shutdown.
import type { KafkaClient, LogAdmin } from '#adapters/kafka.ts';
import { createKafkaClient, kafkaConnectionOf } from '#adapters/kafka.ts';
import type { Lifecycle } from '#adapters/lifecycle.ts';
import type { Logger } from '#adapters/logger.ts';
import { checkRedis, createRedis, redisSecurityOf, type RedisConnection } from '#adapters/redis.ts';
import type { Config } from '#core/config/index.ts';
import { defaultEventCodec, type EventCodec } from '#core/events/codec.ts';
import { initRouting } from '#core/routing/hash.ts';
import {
  controlTopicSpec,
  tasksTopicSpec,
  type TopicPolicy,
  type TopicSpec,
} from '#core/log/topic-configs.ts';
import { topicNames, type TopicNames } from '#core/log/topics.ts';
import { createKeyRunner, type KeyRunner } from './key-runner.ts';
import { createTaskRunner, type TaskRunner } from './task-runner.ts';
import { createMemoryTaskStore, createRedisTaskStore, type TaskStore } from './task-store.ts';
import { createTopologyRunner, type TopologyRunner } from './topology-runner.ts';

export interface ReadModels {
  readonly kafka: KafkaClient;
  readonly admin: LogAdmin;
  readonly codec: EventCodec;
  readonly topics: TopicNames;
  readonly policy: TopicPolicy;
  readonly topology: TopologyRunner;
  readonly tasks: TaskRunner;
  /** API keys (key events of `control`), and the way to append them. */
  readonly keys: KeyRunner;
  /** Where task reads go: the Redis mirror when `tasks.store` is redis, else this process's table. */
  readonly taskStore: TaskStore;
  /** Creates a topic from its core spec (idempotent). */
  readonly ensureTopic: (spec: TopicSpec) => Promise<boolean>;
}

export interface ReadModelsDeps {
  readonly config: Config;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
}

/**
 * Copies of each Kafka partition. The configuration has no key for it yet, so topics get one copy
 * (right for a single broker; production clusters raise it with kafka-configs / partition reassignment).
 */
export function topicPolicyOf(config: Config): TopicPolicy {
  return {
    brokerReplicationFactor: 1,
    docsRetentionMs: config.kafka.docsRetentionMs,
    tasksRetentionMs: config.kafka.tasksRetentionMs,
  };
}

export function ensureTopicWith(admin: Pick<LogAdmin, 'createTopic'>) {
  return (spec: TopicSpec): Promise<boolean> =>
    admin.createTopic({
      topic: spec.topic,
      partitions: spec.numPartitions,
      replicationFactor: spec.replicationFactor,
      configs: Object.fromEntries(spec.configEntries.map((e) => [e.name, e.value])),
    });
}

async function build(deps: ReadModelsDeps): Promise<ReadModels> {
  const { config, lifecycle } = deps;
  const logger = deps.logger.child({ component: 'read-models' });
  // Placement tables hash node ids: the routing kernel must be loaded before the first topology.
  await initRouting();
  const topics = topicNames(config.kafka.topicPrefix);
  const policy = topicPolicyOf(config);
  const codec = defaultEventCodec();
  const kafka = createKafkaClient({
    ...kafkaConnectionOf(config.kafka),
    clientId: `${config.kafka.clientId}-read-models`,
    logger,
  });
  const admin = await kafka.admin();
  lifecycle.register('close-clients', 'read models kafka admin', () => admin.close());
  const ensureTopic = ensureTopicWith(admin);
  await ensureTopic(controlTopicSpec(topics, policy));
  await ensureTopic(tasksTopicSpec(topics, policy));

  let redis: RedisConnection | undefined;
  let mirror: ReturnType<typeof createRedisTaskStore> | undefined;
  if (config.tasks.store === 'redis' && config.redis.url !== undefined) {
    redis = createRedis(config.redis.url, {
      ...redisSecurityOf(config.redis),
      onError: (err) => logger.warn({ err }, 'redis connection error'),
    });
    lifecycle.register('close-clients', 'task store redis', () => redis?.close() ?? Promise.resolve());
    // A refused login stops the start here, with the keys to check, rather than at the first task.
    await checkRedis(redis);
    mirror = createRedisTaskStore(redis, `miroir:${topics.prefix}`);
  }
  const topology = createTopologyRunner({
    kafka,
    admin,
    codec,
    logger,
    controlTopic: topics.control,
    topicPrefix: topics.prefix,
    nodes: config.nodes.map((n) => ({ id: n.id, url: n.url, group: n.group })),
    replicationFactor: config.cluster.replicationFactor,
  });
  const keys = createKeyRunner({
    kafka,
    admin,
    codec,
    logger,
    controlTopic: topics.control,
    topicPrefix: topics.prefix,
  });
  const tasks = createTaskRunner({
    kafka,
    admin,
    codec,
    logger,
    tasksTopic: topics.tasks,
    topicPrefix: topics.prefix,
    ...(mirror !== undefined ? { onTask: (state, offset) => mirror.mirror(state, offset) } : {}),
  });
  if (mirror !== undefined) {
    const store = mirror;
    tasks.onChange(() => {
      store.flush().catch((err: unknown) => logger.warn({ err }, 'task mirror write failed'));
    });
  }
  const taskStore: TaskStore = mirror ?? createMemoryTaskStore(tasks);
  // Stopped in the commit phase: after the roles drained (they may still wait on an offset), before clients close.
  lifecycle.register('commit', 'topology projection', () => topology.stop());
  lifecycle.register('commit', 'key projection', () => keys.stop());
  lifecycle.register('commit', 'task projection', async () => {
    await tasks.stop();
    await mirror?.flush();
  });
  await Promise.all([topology.start(), tasks.start(), keys.start()]);
  // Meilisearch creates its default keys at first start; here, when the log never had a key event.
  await keys.seedDefaultKeys();
  await mirror?.flush();
  logger.info({ controlOffset: topology.offset(), tasksOffset: tasks.offset() }, 'read models caught up');
  return { kafka, admin, codec, topics, policy, topology, tasks, keys, taskStore, ensureTopic };
}

const perProcess = new WeakMap<Lifecycle, Promise<ReadModels>>();

/** The process's read models, built on first use; every role of the process shares them. */
export function readModelsFor(deps: ReadModelsDeps): Promise<ReadModels> {
  let models = perProcess.get(deps.lifecycle);
  if (models === undefined) {
    models = build(deps);
    perProcess.set(deps.lifecycle, models);
    // A failed start must not be cached: the next role retries (and reports its own error).
    models.catch(() => perProcess.delete(deps.lifecycle));
  }
  return models;
}
