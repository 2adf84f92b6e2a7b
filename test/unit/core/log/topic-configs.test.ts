import { describe, expect, it } from 'vitest';
import { topicNames } from '#core/log/topics.ts';
import {
  changelogTopicSpec,
  controlTopicSpec,
  docsTopicSpec,
  dlqTopicSpec,
  inboxTopicSpec,
  tasksTopicSpec,
  type TopicSpec,
} from '#core/log/topic-configs.ts';

const config = (spec: TopicSpec): Record<string, string> =>
  Object.fromEntries(spec.configEntries.map((e) => [e.name, e.value]));

describe('topic configs', () => {
  const names = topicNames();
  const prod = { brokerReplicationFactor: 3 };

  it('given production brokers, when the control and docs topics are specified, then they keep records forever with minISR 2', () => {
    const control = controlTopicSpec(names, prod);
    expect(control).toMatchObject({ topic: 'miroir.control', numPartitions: 1, replicationFactor: 3 });
    expect(config(control)).toMatchObject({
      'retention.ms': '-1',
      'retention.bytes': '-1',
      'cleanup.policy': 'delete',
      'min.insync.replicas': '2',
    });
    const docs = docsTopicSpec(names, 'movies', 0, 16, prod);
    expect(docs).toMatchObject({ topic: 'miroir.docs.movies.g0', numPartitions: 16 });
    expect(config(docs)).toMatchObject({
      'retention.ms': '-1',
      'unclean.leader.election.enable': 'false',
      'message.timestamp.type': 'CreateTime',
    });
    expect(Number(config(docs)['max.message.bytes'])).toBeGreaterThan(16 * 1024 * 1024);
  });

  it('given a single dev broker, when topics are specified, then minISR is 1', () => {
    expect(config(tasksTopicSpec(names, { brokerReplicationFactor: 1 }))['min.insync.replicas']).toBe('1');
  });

  it('given retention settings, when the tasks and inbox topics are specified, then they use them (defaults 7 days and 1 day)', () => {
    expect(config(tasksTopicSpec(names, prod))['retention.ms']).toBe(String(7 * 86_400_000));
    expect(config(tasksTopicSpec(names, { ...prod, tasksRetentionMs: -1 }))['retention.ms']).toBe('-1');
    expect(config(inboxTopicSpec(names, 'movies', 4, prod))).toMatchObject({
      'retention.ms': String(86_400_000),
    });
    expect(
      config(docsTopicSpec(names, 'movies', 0, 2, { ...prod, docsRetentionMs: 3_600_000 }))['retention.ms'],
    ).toBe('3600000');
  });

  it('given the changelog, when specified, then it is compacted; the DLQ is kept forever', () => {
    expect(config(changelogTopicSpec(names, 'movies', 8, prod))).toMatchObject({
      'cleanup.policy': 'compact',
      'min.compaction.lag.ms': '0',
    });
    expect(config(dlqTopicSpec(names, 'movies', prod))).toMatchObject({
      'retention.ms': '-1',
      'cleanup.policy': 'delete',
    });
  });

  it('given invalid settings, when specified, then each is reported', () => {
    expect(() => tasksTopicSpec(names, { brokerReplicationFactor: 0 })).toThrow(
      /brokerReplicationFactor must be a positive integer/,
    );
    expect(() => tasksTopicSpec(names, { brokerReplicationFactor: 1, minInsyncReplicas: 2 })).toThrow(
      /cannot exceed/,
    );
    expect(() => tasksTopicSpec(names, { ...prod, tasksRetentionMs: 0 })).toThrow(
      /Retention 0 ms is invalid/,
    );
    expect(() => docsTopicSpec(names, 'movies', 0, 0, prod)).toThrow(/partitions must be a positive integer/);
  });
});
