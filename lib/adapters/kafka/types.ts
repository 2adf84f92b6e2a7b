// The public shapes of Miroir's Kafka adapter: what callers hand in and get back. Types only,
// with no kafkajs type among them, so a client swap changes none of these (and importing them
// runs nothing).
import type { MiroirError } from '#core/errors.ts';

/** The subset of pino's API used here, so any pino logger (or child) can be passed. */
export interface KafkaLogger {
  error(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface KafkaClientConfig {
  /** `host:port`, comma-separated or as a list. */
  brokers: string | readonly string[];
  clientId: string;
  /** kafkajs' own log lines go here; silenced when absent. */
  logger?: KafkaLogger;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Retries of admin and consumer requests (kafkajs default 5, with backoff). */
  retries?: number;
  /** TLS to the brokers: true trusts the system CAs; PEM material (text or file paths) otherwise. */
  tls?: boolean | KafkaTlsConfig;
  /** SASL authentication on the brokers' SASL_PLAINTEXT or SASL_SSL listener. */
  sasl?: KafkaSaslConfig;
}

export interface KafkaTlsConfig {
  /** CA certificate(s) of the brokers, PEM text or a file path; the system CAs when absent. */
  ca?: string | undefined;
  /** Client certificate and key for mutual TLS, PEM text or file paths. */
  cert?: string | undefined;
  key?: string | undefined;
  /** Default true. */
  rejectUnauthorized?: boolean | undefined;
}

export interface KafkaSaslConfig {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export type MessageValue = Buffer | string;

export interface OutgoingMessage {
  topic: string;
  /** Explicit partition (Miroir's shard). Without it, kafkajs' default (Java-compatible murmur2 on the key) picks one. */
  partition?: number;
  key?: MessageValue | null;
  value: MessageValue | null;
  headers?: Record<string, MessageValue>;
  /** Milliseconds since epoch; the broker's clock when absent. */
  timestamp?: number;
}

export interface DeliveredMessage {
  topic: string;
  /** null when the message had no explicit partition (kafkajs does not report its choice per message). */
  partition: number | null;
  offset: number | null;
}

/**
 * Record-batch compression of a producer. `lz4` (default): JSON documents shrink 2.5-25x for
 * about 1 ms of CPU per MB, and kafkajs then CRCs and copies far fewer bytes, the broker writes
 * fewer; it stores the batch as sent (topic `compression.type=producer`, Kafka's default).
 */
export type LogCompression = 'none' | 'gzip' | 'lz4';

export interface LogProducer {
  /** Resolves once the broker acknowledged every message (acks=all); one result per message, same order. */
  send(messages: readonly OutgoingMessage[]): Promise<DeliveredMessage[]>;
  close(): Promise<void>;
}

export interface ConsumedMessage {
  key: Buffer | null;
  value: Buffer | null;
  /** Repeated header keys keep their last value (as Kafka's Headers.lastHeader does). */
  headers: Record<string, Buffer>;
  offset: number;
  timestamp: number;
}

export interface ConsumedBatch {
  topic: string;
  partition: number;
  /** Offset of the next message the broker will write: lag after this batch = highWatermark - (last offset + 1). */
  highWatermark: number;
  messages: ConsumedMessage[];
}

export interface BatchContext {
  /** Call during long work so the group coordinator does not evict this member. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or rejoining: stop working on the batch. */
  isRunning(): boolean;
}

export type BatchHandler = (batch: ConsumedBatch, ctx: BatchContext) => Promise<void>;

export interface TopicPartitions {
  topic: string;
  partitions: readonly number[];
}

export interface PartitionConsumerOptions {
  groupId: string;
  /** The partitions this process wants; members of one group wanting the same partition share them out. */
  partitions: readonly TopicPartitions[];
  handler: BatchHandler;
  /** Longest time a fetch waits on the broker for new data (default 1000 ms); also bounds stop latency. */
  maxWaitTimeMs?: number;
  /** Called when kafkajs gives up on the consumer (after retrying the handler); it restarts when `restart` is true. */
  onCrash?: (err: MiroirError, restart: boolean) => void;
  /** Most bytes one fetch returns per partition (kafkajs default 1 MiB): bigger batches, fewer commits. */
  maxBytesPerPartition?: number;
  /** Join-and-assign wait of start()/setPartitions() (default 60 s). */
  joinTimeoutMs?: number;
  /**
   * `spread` (default) balances single partitions over the members; `whole-topic` gives all
   * partitions of a topic to one member (see assignWholeTopics). The group uses whole-topic as
   * soon as one member asks for it, whichever member leads the assignment.
   */
  assignment?: 'spread' | 'whole-topic';
}

export interface PartitionConsumer {
  /** Joins the group and resolves once the first assignment arrived. */
  start(): Promise<void>;
  /** Partitions the group gave this member in the current generation. */
  assignment(): TopicPartitions[];
  /** Commits `nextOffset` (the offset of the next message to process) for one partition of this group, with optional metadata (Kafka keeps up to 4 KB by default). */
  commit(topic: string, partition: number, nextOffset: number, metadata?: string): Promise<void>;
  /** Changes the wanted partition set: leaves and rejoins the group, which re-splits partitions among members. */
  setPartitions(partitions: readonly TopicPartitions[]): Promise<void>;
  stop(): Promise<void>;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Default: the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Kafka topic configs, e.g. `{ 'retention.ms': '-1', 'cleanup.policy': 'compact' }`. */
  configs?: Record<string, string>;
}

export interface TopicDescription {
  topic: string;
  partitions: number[];
  /** Configs set on the topic itself (broker defaults left out). */
  configs: Record<string, string>;
}

export interface PartitionLag {
  partition: number;
  /** Next offset the group will read; null when the group never committed on this partition. */
  committed: number | null;
  /** Earliest offset still in the log (where a group without a commit starts). */
  start: number;
  end: number;
  lag: number;
}

export interface CommittedOffset {
  /** Next offset the group will read; null when the group never committed on this partition. */
  offset: number | null;
  /** Metadata stored with the commit, if any. */
  metadata: string | null;
}

export interface GroupMemberAssignment {
  memberId: string;
  clientId: string;
  /** Partitions the group's last assignment gave this member. */
  assignment: TopicPartitions[];
}

export interface LogAdmin {
  /** Creates the topic; an existing topic with the same partition count is fine, another count is an error. Returns whether it was created. */
  createTopic(spec: TopicSpec): Promise<boolean>;
  /** Deletes the topics that exist; absent ones are ignored. */
  deleteTopics(topics: readonly string[]): Promise<void>;
  /** Topic names, Kafka's internal `__*` topics left out. */
  listTopics(): Promise<string[]>;
  /** null when the topic does not exist. */
  describeTopic(topic: string): Promise<TopicDescription | null>;
  /** Per partition: the offset the next written message will get. */
  fetchEndOffsets(topic: string): Promise<Map<number, number>>;
  /** Per partition: the group's committed next offset, or null when it never committed. */
  fetchCommittedOffsets(groupId: string, topic: string): Promise<Map<number, number | null>>;
  /** end - committed per partition (end - start when nothing is committed, since the group would start there). */
  fetchLag(groupId: string, topic: string): Promise<PartitionLag[]>;
  /** Per partition: the group's committed offset and the metadata stored with it. */
  fetchCommits(groupId: string, topic: string): Promise<Map<number, CommittedOffset>>;
  /** The group's current members and what each was assigned (empty when the group has no member). */
  describeGroupAssignment(groupId: string): Promise<GroupMemberAssignment[]>;
  close(): Promise<void>;
}

/** One transaction of a TransactionalProducer: its sends and offset commits land together or not at all. */
export interface LogTransaction {
  /** Sends in the transaction; returns the first offset written per `topic\0partition`. */
  send(messages: readonly OutgoingMessage[]): Promise<Map<string, number>>;
  /** Commits a consumer group's next offset for one partition as part of the transaction. */
  commitOffsets(
    groupId: string,
    topic: string,
    partition: number,
    nextOffset: number,
    metadata?: string,
  ): Promise<void>;
}

export interface TransactionalProducer {
  /** Runs `work` in one transaction and commits it; aborts it (and rethrows) when `work` throws. */
  transaction<T>(work: (txn: LogTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface RangeReadOptions {
  topic: string;
  /** First offset to read per partition (default 0: the earliest record still in the log). */
  from?: ReadonlyMap<number, number>;
  /** Per partition: read up to, not including, this offset (e.g. fetchEndOffsets); absent: follow until `signal` aborts. */
  to?: ReadonlyMap<number, number>;
  /** Stops the read (resolving it) when aborted. */
  signal?: AbortSignal;
  /** Prefix of the private consumer group's name (the topic prefix). */
  groupPrefix: string;
  /** Records of one partition, in offset order (transaction markers and aborted records left out). */
  handler(partition: number, messages: ConsumedMessage[]): Promise<void>;
  /** Fails a bounded read when the end is not reached by then (default 120 s). */
  timeoutMs?: number;
}

export interface KafkaClient {
  /** Idempotent producer with acks=all, connected. */
  producer(opts?: { retries?: number; compression?: LogCompression }): Promise<LogProducer>;
  /** Transactional producer with this id, connected (which fences an earlier one with the same id). */
  transactionalProducer(opts: {
    transactionalId: string;
    compression?: LogCompression;
  }): Promise<TransactionalProducer>;
  /** Reads a topic's committed records between offsets, then resolves. */
  readRange(opts: RangeReadOptions): Promise<void>;
  partitionConsumer(opts: PartitionConsumerOptions): PartitionConsumer;
  admin(): Promise<LogAdmin>;
}
