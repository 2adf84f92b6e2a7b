// The I/O half of ingest: appends planned records to Kafka with the idempotent acks=all producer
// and reports offsets. A task's uid is the offset of its `TaskEnqueued`, so every write appends
// that first, then the records that carry the uid; a failure in between fails the task in the log.
// Concurrent writes share produce requests (see produce-batcher.ts). Task records may have a
// producer of their own: the idempotent producer has one request in flight at a time, so the
// next writes' `TaskEnqueued` then travel while the previous writes' documents do.
import type { LogProducer } from '#adapters/kafka.ts';
import type { Logger } from '#adapters/logger.ts';
import { errorBody, miroirError } from '#core/errors.ts';
import type { EventCodec } from '#core/events/codec.ts';
import type { ControlEvent } from '#core/events/control-events.ts';
import type { TaskEvent } from '#core/events/task-events.ts';
import { taskFailed } from '#core/ingest/index-events.ts';
import { controlMessage, taskMessage, type LogMessage } from '#core/log/log-message.ts';
import type { WritePlan } from '#core/log/plan-write.ts';
import type { TopicNames } from '#core/log/topics.ts';
import { createProduceBatcher, DEFAULT_MAX_PARTITION_BATCH_BYTES } from './produce-batcher.ts';

export interface AppendedWrite {
  readonly taskUid: number;
  /** Offset of the write's control record (settings changes), when it had one. */
  readonly controlOffset: number | null;
}

export interface LogWriter {
  /** Appends one task event and returns its offset (the task uid for `TaskEnqueued`). */
  appendTask(event: TaskEvent): Promise<number>;
  /** Appends one control event and returns its offset. */
  appendControl(event: ControlEvent): Promise<number>;
  /** Appends a planned document write: `TaskEnqueued`, then every other record once the uid is known. */
  appendWrite(plan: WritePlan, writeId: string): Promise<AppendedWrite>;
  /** Appends already-encoded records (acknowledged together). */
  send(messages: readonly LogMessage[]): Promise<(number | null)[]>;
}

/**
 * Largest payload of one produce request. A 100 MB client payload in one request would exceed the
 * broker's `socket.request.max.bytes` (100 MiB by default), so big writes go out in sequential
 * chunks; chunks are sent one after the other, which keeps every partition's order.
 */
export const MAX_PRODUCE_REQUEST_BYTES = 8 * 1024 * 1024;

/** Cuts messages into consecutive chunks of at most `maxBytes` of values (a larger single message is its own chunk). */
export function chunkMessages(
  messages: readonly LogMessage[],
  maxBytes: number = MAX_PRODUCE_REQUEST_BYTES,
): LogMessage[][] {
  const chunks: LogMessage[][] = [];
  let current: LogMessage[] = [];
  let size = 0;
  for (const message of messages) {
    if (current.length > 0 && size + message.value.length > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(message);
    size += message.value.length;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function batcherOf(producer: LogProducer) {
  return createProduceBatcher(
    async (messages) => {
      const delivered = await producer.send(
        messages.map((m) => ({
          topic: m.topic,
          partition: m.partition,
          key: m.key,
          value: m.value,
          headers: { ...m.headers },
        })),
      );
      return delivered.map((d) => d.offset);
    },
    { maxRequestBytes: MAX_PRODUCE_REQUEST_BYTES, maxPartitionBytes: DEFAULT_MAX_PARTITION_BATCH_BYTES },
  );
}

/**
 * `taskProducer`, when given, carries the sends that only hold task records. Ordering stays as
 * with one producer: a send is appended after every send that resolved before it was issued.
 */
export function createLogWriter(
  producer: LogProducer,
  topics: TopicNames,
  codec: EventCodec,
  logger: Logger,
  taskProducer?: LogProducer,
): LogWriter {
  const records = batcherOf(producer);
  const tasks = taskProducer === undefined ? records : batcherOf(taskProducer);
  const send = async (messages: readonly LogMessage[]): Promise<(number | null)[]> => {
    const offsets: (number | null)[] = [];
    // Chunks go one after the other (each awaited), which keeps this write's order in every partition.
    for (const chunk of chunkMessages(messages)) {
      const batcher = chunk.every((m) => m.topic === topics.tasks) ? tasks : records;
      offsets.push(...(await batcher.send(chunk)));
    }
    return offsets;
  };
  const single = async (message: LogMessage): Promise<number> => {
    const [offset] = await send([message]);
    if (offset === null || offset === undefined)
      throw miroirError(
        'miroir_kafka_error',
        `Kafka did not report the offset of a record appended to ${message.topic}.`,
      );
    return offset;
  };
  return {
    send,
    appendTask: (event) => single(taskMessage(event, topics, codec)),
    appendControl: (event) => single(controlMessage(event, topics, codec)),
    async appendWrite(plan, writeId) {
      const taskUid = await single(plan.taskMessage);
      const messages = plan.messagesFor(taskUid);
      try {
        const offsets = await send(messages);
        const controlIndex = messages.findIndex((m) => m.topic === topics.control);
        return { taskUid, controlOffset: controlIndex >= 0 ? (offsets[controlIndex] ?? null) : null };
      } catch (err) {
        // The task exists but its records may be missing: record the failure so the task does not stay enqueued.
        const failed = taskFailed(
          { writeId, timestamp: Date.now() },
          taskUid,
          plan.taskEnqueued.indexUid,
          errorBody(err),
        );
        await single(taskMessage(failed, topics, codec)).catch((again: unknown) =>
          logger.error({ err: again, taskUid }, 'could not record the failure of a task'),
        );
        throw err;
      }
    },
  };
}
