// Offline parts of the Kafka adapter: the partition-set split every group leader computes, and
// the mapping of kafkajs failures onto MiroirError's retriable flag.
import { describe, expect, it } from 'vitest';
import { assignWantedPartitions, toKafkaError } from '#adapters/kafka.ts';
import { miroirError } from '#core/errors.ts';

const topicOf4 = new Map([['t', [0, 1, 2, 3]]]);

describe('assignWantedPartitions', () => {
  it('gives a lone member exactly the existing partitions it wants', () => {
    const plan = assignWantedPartitions(
      [{ memberId: 'a', wants: [{ topic: 't', partitions: [2, 0, 7] }] }],
      topicOf4,
    );
    expect(plan).toEqual(new Map([['a', { t: [0, 2] }]]));
  });

  it('splits partitions wanted by several members evenly and deterministically', () => {
    const wants = [{ topic: 't', partitions: [0, 1, 2, 3] }];
    const plan = assignWantedPartitions(
      [
        { memberId: 'b', wants },
        { memberId: 'a', wants },
      ],
      topicOf4,
    );
    expect(plan).toEqual(
      new Map([
        ['a', { t: [0, 2] }],
        ['b', { t: [1, 3] }],
      ]),
    );
    // Member order in the join request does not change the result.
    const again = assignWantedPartitions(
      [
        { memberId: 'a', wants },
        { memberId: 'b', wants },
      ],
      topicOf4,
    );
    expect(again).toEqual(plan);
  });

  it('honours disjoint wishes and leaves unwanted partitions unassigned', () => {
    const plan = assignWantedPartitions(
      [
        { memberId: 'a', wants: [{ topic: 't', partitions: [0] }] },
        { memberId: 'b', wants: [{ topic: 't', partitions: [2] }] },
        { memberId: 'c', wants: [] },
      ],
      topicOf4,
    );
    expect(plan).toEqual(
      new Map([
        ['a', { t: [0] }],
        ['b', { t: [2] }],
        ['c', {}],
      ]),
    );
  });

  it('assigns every wanted partition exactly once across topics', () => {
    const existing = new Map([
      ['x', [0, 1, 2, 3, 4, 5]],
      ['y', [0, 1, 2]],
    ]);
    const members = ['m1', 'm2', 'm3'].map((memberId) => ({
      memberId,
      wants: [
        { topic: 'x', partitions: [0, 1, 2, 3, 4, 5] },
        { topic: 'y', partitions: [0, 1, 2] },
      ],
    }));
    const plan = assignWantedPartitions(members, existing);
    const seen = [...plan.values()].flatMap((a) =>
      Object.entries(a).flatMap(([t, ps]) => ps.map((p) => `${t}/${p}`)),
    );
    expect(seen.sort()).toEqual(['x/0', 'x/1', 'x/2', 'x/3', 'x/4', 'x/5', 'y/0', 'y/1', 'y/2']);
    for (const a of plan.values()) expect(Object.values(a).flat()).toHaveLength(3);
  });
});

describe('toKafkaError', () => {
  it('marks connection failures and exhausted retries over them as retriable log unavailability', () => {
    const connection = Object.assign(new Error('Connection error: connect ECONNREFUSED'), {
      name: 'KafkaJSConnectionError',
      retriable: true,
    });
    const exhausted = Object.assign(new Error('Connection error: connect ECONNREFUSED'), {
      name: 'KafkaJSNumberOfRetriesExceeded',
      retriable: false,
      cause: connection,
    });
    for (const err of [connection, exhausted]) {
      const mapped = toKafkaError(err, 'produce');
      expect(mapped).toMatchObject({ code: 'miroir_log_unavailable', retriable: true, status: 503 });
      expect(mapped.message).toBe('Kafka produce failed: Connection error: connect ECONNREFUSED');
      expect(mapped.cause).toBe(err);
    }
  });

  it('marks protocol errors the broker will repeat as non-retriable', () => {
    const invalid = Object.assign(new Error('Number of partitions is below 1'), {
      name: 'KafkaJSProtocolError',
      retriable: false,
      type: 'INVALID_PARTITIONS',
    });
    expect(toKafkaError(invalid, 'create topic')).toMatchObject({
      code: 'miroir_kafka_error',
      retriable: false,
      message: 'Kafka create topic failed: Number of partitions is below 1 (INVALID_PARTITIONS)',
    });
    expect(toKafkaError('boom', 'x')).toMatchObject({ code: 'miroir_kafka_error', retriable: false });
  });

  it('passes MiroirErrors through untouched', () => {
    const original = miroirError('miroir_kafka_error', 'already mapped', { retriable: false });
    expect(toKafkaError(original, 'x')).toBe(original);
  });
});
