// KafkaClient.readRange(): reads a topic's committed records from per-partition start offsets up
// to per-partition end offsets, then stops. Restores of the changelog role, `miroir cdc tail`'s
// snapshot and tests use it. It joins a private group that never commits, and counts a batch of
// transaction markers only (which read_committed hides) as progress, so a range that ends on a
// commit marker still ends.
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { miroirError } from '#core/errors.ts';
import { guard } from './errors.ts';
import type { ConsumedMessage, RangeReadOptions } from './types.ts';
import { toHeaders } from './consumer.ts';

export async function readRange(kafka: Kafka, opts: RangeReadOptions): Promise<void> {
  const position = new Map<number, number>();
  const to = opts.to;
  if (to !== undefined) for (const [p, end] of to) position.set(p, Math.min(opts.from?.get(p) ?? 0, end));
  // Without `to`, a follow: it ends only when the signal aborts.
  const pending = (): boolean =>
    to === undefined
      ? opts.signal?.aborted !== true
      : [...to].some(([p, end]) => (position.get(p) ?? 0) < end);
  if (!pending()) return;
  const consumer = kafka.consumer({
    groupId: `${opts.groupPrefix}reader.${randomUUID()}`,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 200,
  });
  let finish!: () => void;
  let fail!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  opts.signal?.addEventListener('abort', () => finish(), { once: true });
  const advance = (partition: number, next: number): void => {
    if (next > (position.get(partition) ?? 0)) position.set(partition, next);
    if (!pending()) finish();
  };
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic === opts.topic) advance(payload.partition, Number(payload.lastOffset) + 1);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) fail(payload.error);
  });
  const timeoutMs = to === undefined ? undefined : (opts.timeoutMs ?? 120_000);
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(
          () =>
            fail(
              miroirError(
                'miroir_log_unavailable',
                `Reading topic '${opts.topic}' did not reach its end offsets within ${timeoutMs} ms.`,
              ),
            ),
          timeoutMs,
        );
  try {
    await guard('reader connect', () => consumer.connect());
    await guard('reader subscribe', () => consumer.subscribe({ topics: [opts.topic], fromBeginning: true }));
    await guard('reader run', () =>
      consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const from = opts.from?.get(batch.partition) ?? 0;
          const end = to === undefined ? Infinity : (to.get(batch.partition) ?? 0);
          const messages: ConsumedMessage[] = [];
          for (const m of batch.messages) {
            const offset = Number(m.offset);
            if (offset < from || offset >= end) continue;
            messages.push({
              key: m.key ?? null,
              value: m.value ?? null,
              headers: toHeaders(m.headers),
              offset,
              timestamp: Number(m.timestamp),
            });
          }
          if (messages.length === 0) return;
          // A failing handler ends the read with its error rather than kafkajs' retry loop.
          await opts.handler(batch.partition, messages).catch(fail);
        },
      }),
    );
    // seek() works only once run() started; records before `from` fetched meanwhile are skipped.
    for (const [partition, offset] of opts.from ?? [])
      if (offset > 0) consumer.seek({ topic: opts.topic, partition, offset: String(offset) });
    await done;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => {});
  }
}
