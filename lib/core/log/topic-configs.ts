// Creation specs (partitions, broker replication, Kafka topic configs) of every Miroir topic, in
// the shape Kafka admin clients take (`{ topic, numPartitions, replicationFactor, configEntries }`).
// Durability first: the log is the source of truth, so document and control topics keep every
// record forever by default and never elect an out-of-sync leader.
import { miroirError } from '../errors.ts';
import type { TopicNames } from './topics.ts';

export interface TopicConfigEntry {
  readonly name: string;
  readonly value: string;
}

export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  readonly configEntries: readonly TopicConfigEntry[];
}

export interface TopicPolicy {
  /** Copies of each Kafka partition on brokers (1 on a single dev broker, 3 in production). */
  readonly brokerReplicationFactor: number;
  /** In-sync copies an `acks=all` write needs; default min(2, brokerReplicationFactor). */
  readonly minInsyncReplicas?: number;
  /** Retention of document topics in ms; -1 keeps them forever (the default). */
  readonly docsRetentionMs?: number;
  /** Retention of the tasks topic in ms; -1 keeps it forever. Default 7 days. */
  readonly tasksRetentionMs?: number;
  /** Retention of inbox topics in ms. Default 1 day: ingest routes them into `docs` right away. */
  readonly inboxRetentionMs?: number;
  /** Largest record a document topic accepts; must cover the planner's `maxMessageBytes` plus framing. */
  readonly docsMaxMessageBytes?: number;
}

export const DAY_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_TASKS_RETENTION_MS = 7 * DAY_MS;
export const DEFAULT_INBOX_RETENTION_MS = DAY_MS;
/** Default hard limit of a document record: one large document must still fit alone. */
export const DEFAULT_DOCS_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** Room for Kafka's record batch overhead above the encoded event. */
export const KAFKA_RECORD_OVERHEAD_BYTES = 1024;

const FOREVER = '-1';

function retention(ms: number | undefined, fallback: number): string {
  const value = ms ?? fallback;
  if (!Number.isSafeInteger(value) || value < -1 || value === 0) {
    throw miroirError(
      'miroir_invalid_config',
      `Retention ${value} ms is invalid: use -1 (forever) or a positive number of milliseconds.`,
    );
  }
  return String(value);
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw miroirError('miroir_invalid_config', `${name} must be a positive integer, got ${value}.`);
  return value;
}

/** Settings every topic shares: acks=all writes need minISR copies; never elect a stale leader. */
function durability(policy: TopicPolicy): TopicConfigEntry[] {
  const rf = positive('brokerReplicationFactor', policy.brokerReplicationFactor);
  const minIsr = positive('minInsyncReplicas', policy.minInsyncReplicas ?? Math.min(2, rf));
  if (minIsr > rf)
    throw miroirError(
      'miroir_invalid_config',
      `minInsyncReplicas (${minIsr}) cannot exceed brokerReplicationFactor (${rf}).`,
    );
  return [
    { name: 'min.insync.replicas', value: String(minIsr) },
    { name: 'unclean.leader.election.enable', value: 'false' },
    // Event timestamps are the producer's; the broker must not rewrite them.
    { name: 'message.timestamp.type', value: 'CreateTime' },
  ];
}

function spec(
  topic: string,
  partitions: number,
  policy: TopicPolicy,
  entries: TopicConfigEntry[],
): TopicSpec {
  return {
    topic,
    numPartitions: positive('partitions', partitions),
    replicationFactor: policy.brokerReplicationFactor,
    configEntries: [...durability(policy), ...entries],
  };
}

/** One partition: the control topic is the cluster's single ordered history. */
export function controlTopicSpec(names: TopicNames, policy: TopicPolicy): TopicSpec {
  return spec(names.control, 1, policy, [
    { name: 'cleanup.policy', value: 'delete' },
    { name: 'retention.ms', value: FOREVER },
    { name: 'retention.bytes', value: FOREVER },
  ]);
}

/** One partition: task uids are offsets of this topic, unique and increasing. */
export function tasksTopicSpec(names: TopicNames, policy: TopicPolicy): TopicSpec {
  return spec(names.tasks, 1, policy, [
    { name: 'cleanup.policy', value: 'delete' },
    { name: 'retention.ms', value: retention(policy.tasksRetentionMs, DEFAULT_TASKS_RETENTION_MS) },
    { name: 'retention.bytes', value: FOREVER },
  ]);
}

/** One partition per shard; kept forever by default so any node can be rebuilt by replay. */
export function docsTopicSpec(
  names: TopicNames,
  indexUid: string,
  generation: number,
  shards: number,
  policy: TopicPolicy,
): TopicSpec {
  return docsSpec(names.docs(indexUid, generation), shards, policy);
}

/** A spare document topic (`TopicNames.spare`): the spec of a document topic, under the spare's name. */
export function spareTopicSpec(
  names: TopicNames,
  id: string,
  shards: number,
  policy: TopicPolicy,
): TopicSpec {
  return docsSpec(names.spare(id), shards, policy);
}

/**
 * What a spare must share with the topic an index would get: partitions, replication and configs
 * (the name aside). An index takes only a spare of an equal fingerprint.
 */
export function topicSpecFingerprint(topicSpec: TopicSpec): string {
  const configs = [...topicSpec.configEntries].sort((a, b) => a.name.localeCompare(b.name));
  return JSON.stringify([
    topicSpec.numPartitions,
    topicSpec.replicationFactor,
    configs.map((c) => [c.name, c.value]),
  ]);
}

function docsSpec(topic: string, shards: number, policy: TopicPolicy): TopicSpec {
  return spec(topic, shards, policy, [
    { name: 'cleanup.policy', value: 'delete' },
    { name: 'retention.ms', value: retention(policy.docsRetentionMs, -1) },
    { name: 'retention.bytes', value: FOREVER },
    {
      name: 'max.message.bytes',
      value: String(
        positive('docsMaxMessageBytes', policy.docsMaxMessageBytes ?? DEFAULT_DOCS_MAX_MESSAGE_BYTES) +
          KAFKA_RECORD_OVERHEAD_BYTES,
      ),
    },
  ]);
}

/** Short-lived raw documents from external producers; any partition count. */
export function inboxTopicSpec(
  names: TopicNames,
  indexUid: string,
  partitions: number,
  policy: TopicPolicy,
): TopicSpec {
  return spec(names.inbox(indexUid), partitions, policy, [
    { name: 'cleanup.policy', value: 'delete' },
    { name: 'retention.ms', value: retention(policy.inboxRetentionMs, DEFAULT_INBOX_RETENTION_MS) },
  ]);
}

/** Rejected records are evidence: kept forever until an operator replays or drops them. */
export function dlqTopicSpec(names: TopicNames, indexUid: string, policy: TopicPolicy): TopicSpec {
  return spec(names.dlq(indexUid), 1, policy, [
    { name: 'cleanup.policy', value: 'delete' },
    { name: 'retention.ms', value: FOREVER },
    { name: 'retention.bytes', value: FOREVER },
    {
      name: 'max.message.bytes',
      value: String(
        (policy.docsMaxMessageBytes ?? DEFAULT_DOCS_MAX_MESSAGE_BYTES) + KAFKA_RECORD_OVERHEAD_BYTES,
      ),
    },
  ]);
}

/**
 * Latest after-image per primary key: compaction keeps one record per key; a delete is a
 * tombstone (null value) that stays a day so consumers see it before compaction drops it.
 */
export function changelogTopicSpec(
  names: TopicNames,
  indexUid: string,
  partitions: number,
  policy: TopicPolicy,
): TopicSpec {
  return spec(names.changelog(indexUid), partitions, policy, [
    { name: 'cleanup.policy', value: 'compact' },
    { name: 'delete.retention.ms', value: String(DAY_MS) },
    { name: 'min.compaction.lag.ms', value: '0' },
    {
      name: 'max.message.bytes',
      value: String(
        (policy.docsMaxMessageBytes ?? DEFAULT_DOCS_MAX_MESSAGE_BYTES) + KAFKA_RECORD_OVERHEAD_BYTES,
      ),
    },
  ]);
}
