// Miroir's one door to Kafka: a narrow producer / partition-set consumer / admin interface over
// kafkajs, so the rest of the code never imports kafkajs and a client swap touches this file only.
// Errors leave as MiroirError (retriable flag set from the client's verdict); logs go to a pino-like logger.
import {
  AssignerProtocol,
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type Assigner,
  type ConfigResourceTypes,
  type ConfigSource,
  type Consumer,
  type IHeaders,
  type LogEntry,
  type PartitionAssigner,
  type Producer,
} from 'kafkajs';
// kafkajs' codec registry is a mutable CommonJS export, reachable only through the default import.
import kafkajs from 'kafkajs';
import { createRequire } from 'node:module';
import { compressFrameSync, decompressFrame } from 'lz4-napi';
import { isMiroirError, miroirError, type MiroirError } from '#core/errors.ts';
import { assignWholeTopics } from '#core/log/consumer-groups.ts';

// ---- public types ---------------------------------------------------------------------------

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

export const DEFAULT_LOG_COMPRESSION: LogCompression = 'lz4';

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

export interface KafkaClient {
  /** Idempotent producer with acks=all, connected. */
  producer(opts?: { retries?: number; compression?: LogCompression }): Promise<LogProducer>;
  partitionConsumer(opts: PartitionConsumerOptions): PartitionConsumer;
  admin(): Promise<LogAdmin>;
}

// ---- errors -----------------------------------------------------------------------------------

interface KafkaJsErrorLike {
  name?: string;
  message?: string;
  retriable?: boolean;
  type?: string;
  cause?: unknown;
}

// kafkajs marks these non-retriable only because its own retry loop already gave up or timed
// out; for our callers the log is just unavailable for now.
const transientNames = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSTimeout',
  'KafkaJSLockTimeout',
  'KafkaJSBrokerNotFound',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSGroupCoordinatorNotFound',
]);

function isTransient(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 5) return false;
  const e = err as KafkaJsErrorLike;
  if (e.name && transientNames.has(e.name)) return true;
  // Retries exhausted: judge by what kept failing.
  if (e.name === 'KafkaJSNumberOfRetriesExceeded')
    return isTransient(e.cause, depth + 1) || (e.cause as KafkaJsErrorLike | undefined)?.retriable === true;
  return e.retriable === true;
}

function rootMessage(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let i = 0; i < 5 && current; i++) {
    const e = (
      typeof current === 'object'
        ? current
        : { message: typeof current === 'string' ? current : 'unknown error' }
    ) as KafkaJsErrorLike;
    const text = e.type ? `${e.message ?? ''} (${e.type})` : (e.message ?? '');
    if (!parts.includes(text)) parts.push(text);
    current = e.cause;
  }
  return parts.join(': ');
}

/** Wraps any failure of a Kafka call as a MiroirError: `miroir_log_unavailable` (retriable) or `miroir_kafka_error`. */
export function toKafkaError(err: unknown, action: string): MiroirError {
  if (isMiroirError(err)) return err;
  const retriable = isTransient(err);
  return miroirError(
    retriable ? 'miroir_log_unavailable' : 'miroir_kafka_error',
    `Kafka ${action} failed: ${rootMessage(err)}`,
    {
      retriable,
      cause: err,
    },
  );
}

async function guard<T>(action: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toKafkaError(err, action);
  }
}

function invalid(message: string): MiroirError {
  return miroirError('miroir_kafka_error', message, { retriable: false });
}

function checkTopic(topic: unknown): asserts topic is string {
  // Kafka's own rule (Topic.validate): 1..249 chars of [a-zA-Z0-9._-], not '.' or '..'.
  if (
    typeof topic !== 'string' ||
    !/^[a-zA-Z0-9._-]{1,249}$/.test(topic) ||
    topic === '.' ||
    topic === '..'
  ) {
    throw invalid(
      `Invalid Kafka topic name ${JSON.stringify(topic)}: expected 1 to 249 characters among [a-zA-Z0-9._-].`,
    );
  }
}

function checkPartition(partition: unknown, what: string): asserts partition is number {
  if (
    typeof partition !== 'number' ||
    !Number.isInteger(partition) ||
    partition < 0 ||
    partition > 0x7fffffff
  ) {
    throw invalid(`Invalid ${what} ${JSON.stringify(partition)}: expected a non-negative integer.`);
  }
}

// ---- logging ----------------------------------------------------------------------------------

function logCreator(logger: KafkaLogger | undefined) {
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      if (!logger) return;
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      const obj = { component: 'kafkajs', namespace, ...fields };
      // Per-request error responses are retried (or thrown to our caller, who decides); at ERROR
      // they would flood the log during ordinary events such as a coordinator loading.
      if (namespace === 'Connection' && typeof message === 'string' && message.startsWith('Response ')) {
        logger.debug(obj, message);
        return;
      }
      // We bound the idempotent producer's retries on purpose (see producer()): not worth a warning.
      if (typeof message === 'string' && message.startsWith('Limiting retries for the idempotent producer'))
        return;
      if (level === logLevel.ERROR) logger.error(obj, message);
      else if (level === logLevel.WARN) logger.warn(obj, message);
      else if (level === logLevel.INFO) logger.info(obj, message);
      else logger.debug(obj, message);
    };
}

// ---- partition-set assignment -------------------------------------------------------------------

export const PARTITION_SET_ASSIGNER = 'MiroirPartitionSet';

export interface MemberWants {
  memberId: string;
  wants: readonly TopicPartitions[];
}

/**
 * Gives every wanted, existing partition to exactly one member that wants it, balancing load:
 * each partition (topics and partitions in ascending order) goes to the wanting member with the
 * fewest partitions so far, ties broken by member id. Deterministic, so every leader agrees.
 */
export function assignWantedPartitions(
  members: readonly MemberWants[],
  existing: ReadonlyMap<string, readonly number[]>,
): Map<string, Record<string, number[]>> {
  const sorted = [...members].sort((a, b) =>
    a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0,
  );
  const load = new Map<string, number>(sorted.map((m) => [m.memberId, 0]));
  const result = new Map<string, Record<string, number[]>>(sorted.map((m) => [m.memberId, {}]));
  const topics = [...new Set(sorted.flatMap((m) => m.wants.map((w) => w.topic)))].sort();
  for (const topic of topics) {
    const present = new Set(existing.get(topic) ?? []);
    const wantedBy = new Map<number, string[]>();
    for (const m of sorted) {
      for (const w of m.wants) {
        if (w.topic !== topic) continue;
        for (const p of w.partitions) {
          if (!present.has(p)) continue;
          const list = wantedBy.get(p) ?? [];
          if (!list.includes(m.memberId)) list.push(m.memberId);
          wantedBy.set(p, list);
        }
      }
    }
    for (const partition of [...wantedBy.keys()].sort((a, b) => a - b)) {
      const candidates = wantedBy.get(partition) ?? [];
      let chosen: string | undefined;
      for (const id of candidates)
        if (chosen === undefined || (load.get(id) ?? 0) < (load.get(chosen) ?? 0)) chosen = id;
      if (chosen === undefined) continue;
      load.set(chosen, (load.get(chosen) ?? 0) + 1);
      const mine = result.get(chosen) ?? {};
      (mine[topic] ??= []).push(partition);
      result.set(chosen, mine);
    }
  }
  return result;
}

type AssignmentMode = NonNullable<PartitionConsumerOptions['assignment']>;

function encodeWants(wants: readonly TopicPartitions[], mode: AssignmentMode): Buffer {
  const list = wants.map((w) => ({ topic: w.topic, partitions: [...w.partitions] }));
  // A bare list is the spread form older members publish and understand.
  return Buffer.from(JSON.stringify(mode === 'spread' ? list : { mode, wants: list }));
}

function decodeWants(userData: Buffer | undefined): { wants: TopicPartitions[]; mode: AssignmentMode } {
  try {
    const parsed: unknown = JSON.parse(userData?.toString() ?? '[]');
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      const { mode, wants } = parsed as { mode?: unknown; wants?: unknown };
      return { wants: wantsOf(wants), mode: mode === 'whole-topic' ? 'whole-topic' : 'spread' };
    }
    return { wants: wantsOf(parsed), mode: 'spread' };
  } catch {
    // A member that is not a Miroir partition-set consumer wants nothing from us.
    return { wants: [], mode: 'spread' };
  }
}

function wantsOf(parsed: unknown): TopicPartitions[] {
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(
    (w): w is TopicPartitions =>
      typeof w === 'object' &&
      w !== null &&
      typeof w.topic === 'string' &&
      Array.isArray(w.partitions) &&
      w.partitions.every(Number.isInteger),
  );
}

/**
 * kafkajs only hands partitions out through group assignment, so an exact partition set needs
 * a custom assigner: each member publishes its wanted set in the join metadata, and the leader
 * runs assignWantedPartitions over all members.
 */
function partitionSetAssigner(wants: readonly TopicPartitions[], mode: AssignmentMode): PartitionAssigner {
  return ({ cluster }): Assigner => ({
    name: PARTITION_SET_ASSIGNER,
    version: 1,
    async assign({ members, topics }) {
      await cluster.refreshMetadataIfNecessary();
      const existing = new Map<string, number[]>();
      for (const topic of topics) {
        existing.set(
          topic,
          cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId),
        );
      }
      const decoded = members.map((m) => ({
        memberId: m.memberId,
        ...decodeWants(AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.userData),
      }));
      const wholeTopics = mode === 'whole-topic' || decoded.some((m) => m.mode === 'whole-topic');
      const plan = wholeTopics
        ? assignWholeTopics(decoded, existing)
        : assignWantedPartitions(decoded, existing);
      return members.map((m) => ({
        memberId: m.memberId,
        memberAssignment: AssignerProtocol.MemberAssignment.encode({
          version: 1,
          assignment: plan.get(m.memberId) ?? {},
          userData: Buffer.alloc(0),
        }),
      }));
    },
    protocol({ topics }) {
      return {
        name: PARTITION_SET_ASSIGNER,
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: 1,
          topics,
          userData: encodeWants(wants, mode),
        }),
      };
    },
  });
}

// ---- conversions ------------------------------------------------------------------------------

function toHeaders(headers: IHeaders | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  if (!headers) return out;
  for (const [k, v] of Object.entries(headers)) {
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (last !== undefined) out[k] = Buffer.isBuffer(last) ? last : Buffer.from(last);
  }
  return out;
}

function toBuffer(v: MessageValue | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return Buffer.isBuffer(v) ? v : Buffer.from(v);
}

function brokerList(brokers: string | readonly string[]): string[] {
  const list = (typeof brokers === 'string' ? brokers.split(',') : [...brokers])
    .map((b) => b.trim())
    .filter(Boolean);
  if (list.length === 0) throw invalid('No Kafka brokers given: expected `host:port`, comma-separated.');
  for (const b of list)
    if (!/^[^\s:]+:\d{1,5}$/.test(b) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(b))
      throw invalid(`Invalid Kafka broker address ${JSON.stringify(b)}: expected \`host:port\`.`);
  return list;
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

// kafkajs' ConfigResourceTypes and ConfigSource enums are not among the names Node's ESM loader can import from
// its CommonJS entry point, so only its type is imported and the values are spelled here.
const CONFIG_RESOURCE_TOPIC = 2 as ConfigResourceTypes;
const CONFIG_SOURCE_TOPIC = 1 as ConfigSource;

// ---- client -----------------------------------------------------------------------------------

export function createKafkaClient(config: KafkaClientConfig): KafkaClient {
  const kafka = new Kafka({
    clientId: config.clientId,
    brokers: brokerList(config.brokers),
    connectionTimeout: config.connectionTimeoutMs ?? 3000,
    requestTimeout: config.requestTimeoutMs ?? 30_000,
    logLevel: config.logger ? logLevel.INFO : logLevel.NOTHING,
    logCreator: logCreator(config.logger),
    ...(config.retries !== undefined ? { retry: { retries: config.retries } } : {}),
  });
  // Polls that must not back off for hundreds of ms between tries (a new topic's leaders, which
  // KRaft elects within milliseconds) go through a client that does not retry by itself.
  const probe = new Kafka({
    clientId: `${config.clientId}-probe`,
    brokers: brokerList(config.brokers),
    connectionTimeout: config.connectionTimeoutMs ?? 3000,
    requestTimeout: config.requestTimeoutMs ?? 30_000,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  return {
    producer: (opts) =>
      createProducer(kafka, opts?.retries ?? 12, opts?.compression ?? DEFAULT_LOG_COMPRESSION),
    partitionConsumer: (opts) => createPartitionConsumer(kafka, opts, config.logger),
    admin: () => createAdmin(kafka, probe),
  };
}

// ---- compression ------------------------------------------------------------------------------

/**
 * kafkajs ships GZIP only; LZ4 (Kafka's LZ4 frame format: independent blocks, no content size)
 * is lz4-napi's frame codec. Registered once per process for producers and consumers alike, so
 * every kafkajs client of the process (ours, tests', benches') reads LZ4 batches. Compression runs
 * on the event loop: kafkajs compresses a request's partitions one after the other while holding
 * the idempotent producer's only request slot, and a thread-pool hop per partition (measured)
 * cost more waiting than the ~0.1 ms per 64 KB that LZ4 takes inline. Fetches decompress off it.
 */
kafkajs.CompressionCodecs[kafkajs.CompressionTypes.LZ4] = () => ({
  compress: (encoder: { buffer: Buffer }) => Promise.resolve(compressFrameSync(encoder.buffer)),
  decompress: (buffer: Buffer) => decompressFrame(buffer),
});

// ---- kafkajs 2.2.4 idle-loop fix ------------------------------------------------------------------

interface KafkaJsRequestQueue {
  pending: unknown[];
  scheduleCheckPendingRequests: (this: KafkaJsRequestQueue) => void;
}

/**
 * kafkajs 2.2.4 re-arms a 0 ms timer after every response even when no request waits, so each
 * connection spins a timer loop for as long as it lives (kafkajs issues #1556, #1704; the fix
 * PR #1667 is unreleased): 7% of ingest's CPU under load, and idle CPU in every process. Only
 * queued requests need the timer (a throttle end or a free in-flight slot); an empty queue is
 * checked again by the next push or response anyway, so skipping it changes no behaviour.
 */
function stopIdleRequestQueueTimers(): void {
  const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as {
    prototype: KafkaJsRequestQueue;
  };
  const schedule = RequestQueue.prototype.scheduleCheckPendingRequests;
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: KafkaJsRequestQueue) {
    if (this.pending.length > 0) schedule.call(this);
  };
}
stopIdleRequestQueueTimers();

const COMPRESSION_TYPES: Record<LogCompression, number> = {
  none: kafkajs.CompressionTypes.None,
  gzip: kafkajs.CompressionTypes.GZIP,
  lz4: kafkajs.CompressionTypes.LZ4,
};

async function createProducer(
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
      for (const m of messages) {
        checkTopic(m.topic);
        if (m.partition !== undefined) checkPartition(m.partition, `partition for topic '${m.topic}'`);
      }
      // One entry per topic, messages in caller order: kafkajs writes each partition's messages
      // as one record batch in that order, so message i of a partition sits at baseOffset + i.
      const byTopic = new Map<string, OutgoingMessage[]>();
      for (const m of messages) {
        const list = byTopic.get(m.topic);
        if (list === undefined) byTopic.set(m.topic, [m]);
        else list.push(m);
      }
      const metadata = await guard('produce', () =>
        producer.sendBatch({
          acks: -1,
          compression: codec,
          topicMessages: [...byTopic].map(([topic, list]) => ({
            topic,
            messages: list.map((m) => ({
              key: toBuffer(m.key),
              value: toBuffer(m.value),
              ...(m.partition !== undefined ? { partition: m.partition } : {}),
              ...(m.headers ? { headers: m.headers } : {}),
              ...(m.timestamp !== undefined ? { timestamp: String(m.timestamp) } : {}),
            })),
          })),
        }),
      );
      const base = new Map<string, number>();
      for (const r of metadata)
        if (r.baseOffset !== undefined) base.set(`${r.topicName}\0${r.partition}`, Number(r.baseOffset));
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

function createPartitionConsumer(
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
      for (const w of wants)
        await guard('subscribe', () => consumer.subscribe({ topic: w.topic, fromBeginning: true }));
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

async function createAdmin(kafka: Kafka, probeKafka: Kafka): Promise<LogAdmin> {
  const admin: Admin = kafka.admin();
  await guard('admin connect', () => admin.connect());
  let probe: Promise<Admin> | undefined;
  const probeAdmin = (): Promise<Admin> =>
    (probe ??= (async () => {
      const client = probeKafka.admin();
      await client.connect();
      return client;
    })().catch((err: unknown) => {
      probe = undefined;
      throw err;
    }));

  /**
   * Waits until every partition of a topic just created has a leader. kafkajs' own
   * `waitForLeaders` polls with its retry back-off (100+ ms per try); KRaft elects the leaders
   * in the creation record itself, so a short poll sees them within milliseconds.
   */
  const leadersElected = async (topic: string, partitions: number): Promise<void> => {
    const deadline = Date.now() + 30_000;
    for (let wait = 2; ; wait = Math.min(wait * 2, 100)) {
      try {
        const meta = await (await probeAdmin()).fetchTopicMetadata({ topics: [topic] });
        const found = meta.topics[0]?.partitions ?? [];
        if (found.length >= partitions && found.every((p) => p.leader >= 0)) return;
      } catch {
        // Not in the broker's metadata yet: poll again.
      }
      if (Date.now() > deadline)
        throw miroirError(
          'miroir_log_unavailable',
          `Kafka topic '${topic}' got no partition leaders in 30 s.`,
          {
            retriable: true,
          },
        );
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };

  const topicExists = async (topic: string): Promise<boolean> => (await admin.listTopics()).includes(topic);

  const describe = async (topic: string): Promise<TopicDescription | null> => {
    checkTopic(topic);
    // Asking metadata for a missing topic makes kafkajs retry for seconds; check the list first.
    if (!(await guard('list topics', () => topicExists(topic)))) return null;
    const meta = await guard('describe topic', () => admin.fetchTopicMetadata({ topics: [topic] }));
    const partitions = (meta.topics[0]?.partitions ?? []).map((p) => p.partitionId).sort((a, b) => a - b);
    const described = await guard('describe topic configs', () =>
      admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: CONFIG_RESOURCE_TOPIC, name: topic }],
      }),
    );
    const configs: Record<string, string> = {};
    for (const entry of described.resources[0]?.configEntries ?? []) {
      // Only values set on this topic itself. Broker-wide values (Kafka 4 sets a
      // cluster default min.insync.replicas at bootstrap) are not the topic's own.
      if (entry.configSource === CONFIG_SOURCE_TOPIC && entry.configValue !== null)
        configs[entry.configName] = entry.configValue;
    }
    return { topic, partitions, configs };
  };

  /**
   * Whether the topic exists; after a transient creation error (the broker still electing
   * leaders, slow under load) its metadata may lag, so it is polled for a few seconds.
   */
  const appearsSoon = async (topic: string, wait: boolean): Promise<boolean> => {
    for (let attempt = 1; ; attempt += 1) {
      if (await guard('list topics', () => topicExists(topic))) return true;
      if (!wait || attempt >= 15) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 500)));
    }
  };

  /** describe(), waiting a little for a topic another process just created to get its partitions' leaders. */
  const describeWhenReady = async (topic: string): Promise<TopicDescription | null> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await describe(topic);
      } catch (err) {
        if (attempt >= 20 || !isMiroirError(err) || !err.retriable) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 500)));
      }
    }
  };

  const endOffsets = async (topic: string): Promise<{ partition: number; low: number; high: number }[]> => {
    checkTopic(topic);
    const offsets = await guard('fetch topic offsets', () => admin.fetchTopicOffsets(topic));
    return offsets
      .map((o) => ({ partition: o.partition, low: Number(o.low), high: Number(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  };

  const commits = async (groupId: string, topic: string): Promise<Map<number, CommittedOffset>> => {
    checkTopic(topic);
    if (typeof groupId !== 'string' || groupId.length === 0)
      throw invalid('Fetching committed offsets needs a non-empty groupId.');
    const result = await guard('fetch committed offsets', () =>
      admin.fetchOffsets({ groupId, topics: [topic] }),
    );
    const map = new Map<number, CommittedOffset>();
    for (const p of result[0]?.partitions ?? []) {
      const n = Number(p.offset);
      map.set(p.partition, { offset: n >= 0 ? n : null, metadata: p.metadata ?? null });
    }
    return map;
  };

  const committed = async (groupId: string, topic: string): Promise<Map<number, number | null>> =>
    new Map([...(await commits(groupId, topic))].map(([partition, c]) => [partition, c.offset]));

  return {
    async createTopic(spec) {
      checkTopic(spec.topic);
      if (!Number.isInteger(spec.partitions) || spec.partitions < 1 || spec.partitions > 10_000) {
        throw invalid(
          `Invalid partition count ${JSON.stringify(spec.partitions)} for topic '${spec.topic}': expected an integer in 1..10000.`,
        );
      }
      const configEntries = Object.entries(spec.configs ?? {}).map(([name, value]) => ({
        name,
        value: String(value),
      }));
      let created: boolean;
      try {
        created = await admin.createTopics({
          waitForLeaders: false,
          topics: [
            {
              topic: spec.topic,
              numPartitions: spec.partitions,
              replicationFactor: spec.replicationFactor ?? -1,
              configEntries,
            },
          ],
        });
      } catch (err) {
        // kafkajs reports "already exists" as false, but a topic another process is creating at the
        // same moment surfaces as an error: "already exists", or UNKNOWN_TOPIC_OR_PARTITION while
        // its leaders are elected. Either way the topic is there (or about to be): not a failure.
        if (!/already exists/i.test(rootMessage(err)) && !(await appearsSoon(spec.topic, isTransient(err))))
          throw toKafkaError(err, `create topic '${spec.topic}'`);
        created = false;
      }
      if (created) {
        await leadersElected(spec.topic, spec.partitions);
        return true;
      }
      const existing = await describeWhenReady(spec.topic);
      if (existing && existing.partitions.length !== spec.partitions) {
        throw invalid(
          `Kafka topic '${spec.topic}' already exists with ${existing.partitions.length} partitions, not ${spec.partitions}.`,
        );
      }
      return false;
    },
    async deleteTopics(topics) {
      for (const t of topics) checkTopic(t);
      const present = new Set(await guard('list topics', () => admin.listTopics()));
      const targets = topics.filter((t) => present.has(t));
      if (targets.length > 0) await guard('delete topics', () => admin.deleteTopics({ topics: targets }));
    },
    listTopics: async () =>
      (await guard('list topics', () => admin.listTopics())).filter((t) => !t.startsWith('__')).sort(),
    describeTopic: describe,
    async fetchEndOffsets(topic) {
      return new Map((await endOffsets(topic)).map((o) => [o.partition, o.high]));
    },
    fetchCommittedOffsets: committed,
    fetchCommits: commits,
    async describeGroupAssignment(groupId) {
      if (typeof groupId !== 'string' || groupId.length === 0)
        throw invalid('describeGroupAssignment needs a non-empty groupId.');
      const { groups } = await guard('describe group', () => admin.describeGroups([groupId]));
      return (groups[0]?.members ?? []).map((m) => {
        const decoded =
          m.memberAssignment.length > 0 ? AssignerProtocol.MemberAssignment.decode(m.memberAssignment) : null;
        const assignment = Object.entries(decoded?.assignment ?? {}).map(([topic, partitions]) => ({
          topic,
          partitions: [...partitions].sort((a, b) => a - b),
        }));
        return { memberId: m.memberId, clientId: m.clientId, assignment };
      });
    },
    async fetchLag(groupId, topic) {
      const [ends, commits] = await Promise.all([endOffsets(topic), committed(groupId, topic)]);
      return ends.map(({ partition, low, high }) => {
        const c = commits.get(partition) ?? null;
        return { partition, committed: c, start: low, end: high, lag: Math.max(0, high - (c ?? low)) };
      });
    },
    close: () =>
      guard('admin disconnect', async () => {
        const opened = probe;
        probe = undefined;
        await admin.disconnect();
        if (opened !== undefined) await (await opened.catch(() => undefined))?.disconnect();
      }),
  };
}
