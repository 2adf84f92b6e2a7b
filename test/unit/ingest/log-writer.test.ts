// The log writer with a fake producer: chunking keeps order, the task uid is the offset of
// TaskEnqueued, and a failure after it records TaskFailed so the task does not stay enqueued.
import { describe, expect, it } from 'vitest';
import type { DeliveredMessage, LogProducer, OutgoingMessage } from '#adapters/kafka.ts';
import { createLogger } from '#adapters/logger.ts';
import { defaultEventCodec } from '#core/events/codec.ts';
import { planWrite } from '#core/log/plan-write.ts';
import { topicNames } from '#core/log/topics.ts';
import type { LogMessage } from '#core/log/log-message.ts';
import { chunkMessages, createLogWriter } from '../../../ingest/log-writer.ts';

const codec = defaultEventCodec();
const topics = topicNames('t.');
const logger = createLogger({ service: 'test', level: 'silent' });

function fakeProducer(failOnCall?: number): LogProducer & { sent: OutgoingMessage[][] } {
  const offsets = new Map<string, number>();
  const sent: OutgoingMessage[][] = [];
  return {
    sent,
    async send(messages) {
      sent.push([...messages]);
      if (failOnCall === sent.length) throw new Error('broker gone');
      return messages.map((m): DeliveredMessage => {
        const key = `${m.topic}/${m.partition ?? 0}`;
        const offset = offsets.get(key) ?? 0;
        offsets.set(key, offset + 1);
        return { topic: m.topic, partition: m.partition ?? null, offset };
      });
    },
    close: async () => {},
  };
}

const msg = (bytes: number): LogMessage => ({
  topic: 't',
  partition: 0,
  key: null,
  value: Buffer.alloc(bytes),
  headers: {},
});

describe('chunkMessages', () => {
  it('cuts consecutive chunks under the byte budget, a big message alone, order kept', () => {
    const messages = [msg(4), msg(4), msg(4), msg(20), msg(1)];
    const chunks = chunkMessages(messages, 10);
    expect(chunks.map((c) => c.map((m) => m.value.length))).toEqual([[4, 4], [4], [20], [1]]);
    expect(chunks.flat()).toEqual(messages);
  });
});

function settingsPlan() {
  return planWrite({
    topics,
    indexUid: 'movies',
    generation: 0,
    shardCount: 2,
    operation: { kind: 'settings', settings: { stopWords: ['a'] } },
    owners: [[], []],
    replicationFactor: 1,
    writeId: 'w1',
    timestamp: 1,
    codec,
  });
}

describe('log writer', () => {
  it('appends TaskEnqueued first; its offset is the task uid carried by the other records', async () => {
    const producer = fakeProducer();
    const writer = createLogWriter(producer, topics, codec, logger);
    const appended = await writer.appendWrite(settingsPlan(), 'w1');
    expect(appended).toEqual({ taskUid: 0, controlOffset: 0 });
    expect(producer.sent[0]?.map((m) => m.topic)).toEqual(['t.tasks']);
    const rest = producer.sent.slice(1).flat();
    expect(rest.map((m) => m.topic)).toEqual(['t.control', 't.docs.movies.g0', 't.docs.movies.g0']);
    for (const m of rest) expect(codec.decode(m.value as Buffer).taskUid).toBe(0);
  });

  it('sends task-only records through the task producer when there is one', async () => {
    const producer = fakeProducer();
    const taskProducer = fakeProducer();
    const writer = createLogWriter(producer, topics, codec, logger, taskProducer);
    const appended = await writer.appendWrite(settingsPlan(), 'w1');
    expect(appended.taskUid).toBe(0);
    expect(taskProducer.sent.flat().map((m) => m.topic)).toEqual(['t.tasks']);
    expect(producer.sent.flat().map((m) => m.topic)).toEqual([
      't.control',
      't.docs.movies.g0',
      't.docs.movies.g0',
    ]);
  });

  it('shares one produce request among concurrent writes, each with its own offsets', async () => {
    const producer = fakeProducer();
    const writer = createLogWriter(producer, topics, codec, logger);
    const results = await Promise.all([1, 2, 3].map(() => writer.appendWrite(settingsPlan(), 'w1')));
    expect(results.map((r) => r.taskUid)).toEqual([0, 1, 2]);
    expect(results.map((r) => r.controlOffset)).toEqual([0, 1, 2]);
    // The first TaskEnqueued goes alone; the two that waited for it share the next request.
    expect(producer.sent.length).toBeLessThan(6);
  });

  it('records TaskFailed when the records after TaskEnqueued cannot be appended, and rethrows', async () => {
    const producer = fakeProducer(2);
    const writer = createLogWriter(producer, topics, codec, logger);
    await expect(writer.appendWrite(settingsPlan(), 'w1')).rejects.toThrow('broker gone');
    const failed = producer.sent[2]?.[0];
    expect(failed?.topic).toBe('t.tasks');
    expect(codec.decode(failed?.value as Buffer)).toMatchObject({
      type: 'TaskFailed',
      taskUid: 0,
      error: { code: 'internal' },
    });
  });
});
