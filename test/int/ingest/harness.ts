// Starts the projections and ingest roles on one shared app against the run's real Kafka (and
// Redis when asked), with a unique topic prefix so every test file has its own cluster; plus
// helpers to read what landed in the log.
import { createHttpApp } from '#adapters/http-server.ts';
import { createKafkaClient, type ConsumedMessage, type LogAdmin } from '#adapters/kafka.ts';
import { createLifecycle, type Lifecycle } from '#adapters/lifecycle.ts';
import { createLogger } from '#adapters/logger.ts';
import { createMetrics } from '#adapters/metrics.ts';
import type { RoleHandle } from '#adapters/role.ts';
import { loadConfig, type Config, type ConfigInput } from '#core/config/index.ts';
import { defaultEventCodec } from '#core/events/codec.ts';
import type { MiroirEvent } from '#core/events/event.ts';
import type { FastifyInstance } from 'fastify';
import { start as startIngest } from '../../../ingest/main.ts';
import { start as startProjections } from '../../../projections/main.ts';
import { readModelsFor, type ReadModels } from '#adapters/read-models/read-models.ts';
import { kafkaBrokers, redisUrl, uniqueName } from '#test/helpers/services.ts';

export interface Cluster {
  app: FastifyInstance;
  config: Config;
  lifecycle: Lifecycle;
  models: ReadModels;
  admin: LogAdmin;
  close(): Promise<void>;
}

export async function startCluster(
  overrides: Partial<ConfigInput> = {},
  opts: { redis?: boolean; prefix?: string } = {},
): Promise<Cluster> {
  const config = loadConfig({
    env: {},
    overrides: {
      kafka: { brokers: kafkaBrokers().split(','), topicPrefix: opts.prefix ?? `${uniqueName('t')}.` },
      cluster: { shards: 4, replicationFactor: 1, replicaGroups: 1 },
      nodes: [
        { id: 'n1', url: 'http://127.0.0.1:1', group: 'g1' },
        { id: 'n2', url: 'http://127.0.0.1:2', group: 'g1' },
      ],
      logging: { level: 'silent' },
      ...(opts.redis ? { redis: { url: redisUrl() }, tasks: { store: 'redis' } } : {}),
      ...overrides,
      // These tests read each index's topic by its own name: no spare topics.
      ingest: { spareTopics: 0, ...overrides.ingest },
    },
  });
  const logger = createLogger({ service: 'test', level: 'silent' });
  const metrics = createMetrics({ prefix: 'miroir_', defaultMetrics: false });
  const app = createHttpApp({ logger, bodyLimit: config.ingest.payloadLimitBytes });
  const lifecycle = createLifecycle({ logger, timeoutMs: 20_000 });
  lifecycle.register('stop-intake', 'http', () => app.close());
  const handles: RoleHandle[] = [];
  const ctx = (role: 'projections' | 'ingest') => ({ role, config, logger, metrics, app, lifecycle });
  handles.push(await startProjections(ctx('projections')));
  handles.push(await startIngest(ctx('ingest')));
  for (const h of [...handles].reverse()) lifecycle.register('drain', 'role', () => h.close());
  await app.ready();
  const models = await readModelsFor({ config, logger, lifecycle });
  return {
    app,
    config,
    lifecycle,
    models,
    admin: models.admin,
    close: async () => {
      await lifecycle.shutdown('test done');
    },
  };
}

/** Sum of end offsets over every partition of a topic (0 when it does not exist). */
export async function totalRecords(admin: LogAdmin, topic: string): Promise<number> {
  if (!(await admin.listTopics()).includes(topic)) return 0;
  const ends = await admin.fetchEndOffsets(topic);
  return [...ends.values()].reduce((a, b) => a + b, 0);
}

export interface LoggedRecord {
  partition: number;
  offset: number;
  message: ConsumedMessage;
  event: MiroirEvent | null;
}

/** Reads every record of a topic written so far (a private consumer group), decoding Miroir events. */
export async function readTopic(
  brokers: string,
  topic: string,
  admin: LogAdmin,
  decode = true,
): Promise<LoggedRecord[]> {
  const ends = await admin.fetchEndOffsets(topic);
  const expected = [...ends.values()].reduce((a, b) => a + b, 0);
  const out: LoggedRecord[] = [];
  if (expected === 0) return out;
  const codec = defaultEventCodec();
  const kafka = createKafkaClient({ brokers, clientId: 'test-reader' });
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const consumer = kafka.partitionConsumer({
    groupId: uniqueName('reader'),
    partitions: [{ topic, partitions: [...ends.keys()] }],
    maxWaitTimeMs: 100,
    handler: async (batch) => {
      for (const message of batch.messages) {
        out.push({
          partition: batch.partition,
          offset: message.offset,
          message,
          event: decode && message.value !== null ? codec.decode(message.value) : null,
        });
      }
      if (out.length >= expected) done();
    },
  });
  await consumer.start();
  await Promise.race([
    finished,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`reading ${topic} timed out`)), 30_000)),
  ]);
  await consumer.stop();
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

/** Polls until `check` holds. */
export async function waitFor(
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
