// The idempotent producer (acks=all, one request in flight) behind KafkaClient.producer(): sends
// caller-ordered batches and reports each message's offset when its partition was explicit.
// LZ4 batches need the codec that installKafkaExtensions() registers (see codec.ts).
import kafkajs, {
  Partitioners,
  type Kafka,
  type Producer,
  type RecordMetadata,
  type TopicMessages,
} from 'kafkajs';
import { checkPartition, checkTopic, guard, invalid } from './errors.ts';
import type { LogCompression, LogProducer, MessageValue, OutgoingMessage } from './types.ts';

export const DEFAULT_LOG_COMPRESSION: LogCompression = 'lz4';

export const COMPRESSION_TYPES: Record<LogCompression, number> = {
  none: kafkajs.CompressionTypes.None,
  gzip: kafkajs.CompressionTypes.GZIP,
  lz4: kafkajs.CompressionTypes.LZ4,
};

export async function createProducer(
  kafka: Kafka,
  retries: number,
  compression: LogCompression,
): Promise<LogProducer> {
  const codec = COMPRESSION_TYPES[compression];
  if (codec === undefined)
    throw invalid(
      `Unknown Kafka compression ${JSON.stringify(compression)}: expected one of none, gzip, lz4.`,
    );
  const producer: Producer = kafka.producer({
    idempotent: true,
    // kafkajs' idempotent producer keeps ordering only with a single in-flight request.
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Set explicitly: Java-compatible murmur2 (the v2 default), and no "default partitioner changed" warning.
    createPartitioner: Partitioners.DefaultPartitioner,
    // Bounded on purpose: with kafkajs' unbounded default, a send to a dead broker would hang
    // forever instead of surfacing `miroir_log_unavailable` to the caller (who retries the request).
    // A short first back-off: a topic created a moment ago refuses produce requests for a few
    // tens of ms (its partitions' logs are still being set up), and a new index's first write
    // should not wait 200+ ms for that. More retries keep the whole window about as long.
    retry: { retries, initialRetryTime: 15, maxRetryTime: 5000 },
  });
  await guard('producer connect', () => producer.connect());
  return {
    async send(messages) {
      if (messages.length === 0) return [];
      const { byTopic, topicMessages } = batchOf(messages);
      const metadata = await guard('produce', () =>
        producer.sendBatch({ acks: -1, compression: codec, topicMessages }),
      );
      const base = baseOffsetsOf(metadata);
      const explicitTopics = new Set(
        [...byTopic].filter(([, list]) => list.every((m) => m.partition !== undefined)).map(([t]) => t),
      );
      const seen = new Map<string, number>();
      return messages.map((m) => {
        if (m.partition === undefined || !explicitTopics.has(m.topic))
          return { topic: m.topic, partition: m.partition ?? null, offset: null };
        const key = `${m.topic}\0${m.partition}`;
        const index = seen.get(key) ?? 0;
        seen.set(key, index + 1);
        const b = base.get(key);
        return { topic: m.topic, partition: m.partition, offset: b === undefined ? null : b + index };
      });
    },
    close: () => guard('producer disconnect', () => producer.disconnect()),
  };
}

/**
 * Checks the messages and groups them per topic for kafkajs' sendBatch, in caller order: kafkajs
 * writes each partition's messages as one record batch in that order, so message i of a partition
 * sits at baseOffset + i.
 */
export function batchOf(messages: readonly OutgoingMessage[]): {
  byTopic: Map<string, OutgoingMessage[]>;
  topicMessages: TopicMessages[];
} {
  for (const m of messages) {
    checkTopic(m.topic);
    if (m.partition !== undefined) checkPartition(m.partition, `partition for topic '${m.topic}'`);
  }
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const m of messages) {
    const list = byTopic.get(m.topic);
    if (list === undefined) byTopic.set(m.topic, [m]);
    else list.push(m);
  }
  const topicMessages = [...byTopic].map(([topic, list]) => ({
    topic,
    messages: list.map((m) => ({
      key: toBuffer(m.key),
      value: toBuffer(m.value),
      ...(m.partition !== undefined ? { partition: m.partition } : {}),
      ...(m.headers ? { headers: m.headers } : {}),
      ...(m.timestamp !== undefined ? { timestamp: String(m.timestamp) } : {}),
    })),
  }));
  return { byTopic, topicMessages };
}

/** The first offset the broker gave each `topic\0partition` of a send. */
export function baseOffsetsOf(metadata: readonly RecordMetadata[]): Map<string, number> {
  const base = new Map<string, number>();
  for (const r of metadata)
    if (r.baseOffset !== undefined) base.set(`${r.topicName}\0${r.partition}`, Number(r.baseOffset));
  return base;
}

function toBuffer(v: MessageValue | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return Buffer.isBuffer(v) ? v : Buffer.from(v);
}
