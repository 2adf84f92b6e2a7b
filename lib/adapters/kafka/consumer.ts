// The partition-set consumer behind KafkaClient.partitionConsumer(): joins a group with the
// partition-set assignor, hands batches to the caller with explicit commits only, and rejoins
// when the wanted set changes.
import type { Consumer, IHeaders, Kafka } from 'kafkajs';
import { miroirError } from '#core/errors.ts';
import { partitionSetAssigner } from './assignor.ts';
import { checkPartition, checkTopic, guard, invalid, toKafkaError } from './errors.ts';
import type { KafkaLogger, PartitionConsumer, PartitionConsumerOptions, TopicPartitions } from './types.ts';

export function createPartitionConsumer(
  kafka: Kafka,
  opts: PartitionConsumerOptions,
  logger: KafkaLogger | undefined,
): PartitionConsumer {
  if (typeof opts.groupId !== 'string' || opts.groupId.length === 0)
    throw invalid('A partition consumer needs a non-empty groupId.');
  let wants = normalizeWants(opts.partitions);
  let current: Consumer | undefined;
  let assigned: TopicPartitions[] = [];
  let running = false;
  const joinTimeoutMs = opts.joinTimeoutMs ?? 60_000;

  const launch = async (): Promise<void> => {
    const consumer = kafka.consumer({
      groupId: opts.groupId,
      partitionAssigners: [partitionSetAssigner(wants, opts.assignment ?? 'spread')],
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: opts.maxWaitTimeMs ?? 1000,
      ...(opts.maxBytesPerPartition !== undefined
        ? {
            maxBytesPerPartition: opts.maxBytesPerPartition,
            maxBytes: Math.max(opts.maxBytesPerPartition, 10 << 20),
          }
        : {}),
    });
    current = consumer;
    let joined!: () => void;
    const firstJoin = new Promise<void>((r) => (joined = r));
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      assigned = Object.entries(payload.memberAssignment).map(([topic, partitions]) => ({
        topic,
        partitions: [...partitions].sort((a, b) => a - b),
      }));
      joined();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      const err = toKafkaError(payload.error, `consumer of group '${opts.groupId}'`);
      logger?.error(
        { component: 'kafka', groupId: opts.groupId, restart: payload.restart, err },
        'Kafka consumer crashed',
      );
      opts.onCrash?.(err, payload.restart);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            miroirError(
              'miroir_log_unavailable',
              `Kafka consumer group '${opts.groupId}' did not assign partitions within ${joinTimeoutMs} ms.`,
            ),
          ),
        joinTimeoutMs,
      );
    });
    // The deadline may pass while connect() is still retrying, before anything awaits it.
    timeout.catch(() => {});
    try {
      await guard('consumer connect', () => consumer.connect());
      // One subscribe for every topic: kafkajs refreshes metadata once per call, so a consumer of
      // many topics (the inbox router has one per index) would otherwise restart in O(topics) round trips.
      await guard('subscribe', () =>
        consumer.subscribe({ topics: wants.map((w) => w.topic), fromBeginning: true }),
      );
      await guard('consumer run', () =>
        consumer.run({
          autoCommit: false,
          // Resolving offsets only moves kafkajs' in-memory fetch position; commits stay explicit.
          eachBatchAutoResolve: true,
          eachBatch: async (payload) => {
            const { batch } = payload;
            if (payload.isStale()) return;
            await opts.handler(
              {
                topic: batch.topic,
                partition: batch.partition,
                highWatermark: Number(batch.highWatermark),
                messages: batch.messages.map((m) => ({
                  key: m.key ?? null,
                  value: m.value ?? null,
                  headers: toHeaders(m.headers),
                  offset: Number(m.offset),
                  timestamp: Number(m.timestamp),
                })),
              },
              {
                heartbeat: () => payload.heartbeat(),
                isRunning: () => payload.isRunning() && !payload.isStale(),
              },
            );
          },
        }),
      );
      await Promise.race([firstJoin, timeout]);
    } catch (err) {
      // Leave nothing half-started behind (a connected client, a member in the group).
      await consumer.disconnect().catch(() => {});
      current = undefined;
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };

  const shutdown = async (): Promise<void> => {
    const consumer = current;
    current = undefined;
    assigned = [];
    // disconnect() stops the fetch loop and leaves the group, so the others rebalance at once.
    if (consumer) await guard('consumer disconnect', () => consumer.disconnect());
  };

  return {
    async start() {
      if (running) throw invalid(`Kafka consumer of group '${opts.groupId}' is already started.`);
      running = true;
      try {
        await launch();
      } catch (err) {
        running = false;
        throw err;
      }
    },
    assignment: () => assigned.map((a) => ({ topic: a.topic, partitions: [...a.partitions] })),
    async commit(topic, partition, nextOffset, metadata) {
      checkTopic(topic);
      checkPartition(partition, 'partition');
      if (!Number.isSafeInteger(nextOffset) || nextOffset < 0)
        throw invalid(`Invalid offset ${JSON.stringify(nextOffset)}: expected a non-negative integer.`);
      const consumer = current;
      if (!consumer)
        throw miroirError(
          'miroir_log_unavailable',
          `Kafka consumer of group '${opts.groupId}' is not running.`,
        );
      await guard('commit', () =>
        consumer.commitOffsets([
          { topic, partition, offset: String(nextOffset), metadata: metadata ?? null },
        ]),
      );
    },
    async setPartitions(partitions) {
      wants = normalizeWants(partitions);
      if (!running) return;
      await shutdown();
      await launch();
    },
    async stop() {
      running = false;
      await shutdown();
    },
  };
}

export function toHeaders(headers: IHeaders | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  if (!headers) return out;
  for (const [k, v] of Object.entries(headers)) {
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (last !== undefined) out[k] = Buffer.isBuffer(last) ? last : Buffer.from(last);
  }
  return out;
}

function normalizeWants(partitions: readonly TopicPartitions[]): TopicPartitions[] {
  if (!Array.isArray(partitions) || partitions.length === 0)
    throw invalid('A partition consumer needs at least one topic with partitions.');
  const byTopic = new Map<string, Set<number>>();
  for (const tp of partitions) {
    checkTopic(tp.topic);
    const set = byTopic.get(tp.topic) ?? new Set<number>();
    for (const p of tp.partitions) {
      checkPartition(p, `partition of topic '${tp.topic}'`);
      set.add(p);
    }
    byTopic.set(tp.topic, set);
  }
  return [...byTopic].map(([topic, set]) => ({ topic, partitions: [...set].sort((a, b) => a - b) }));
}
