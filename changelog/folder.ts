// Folds one index generation's document topic into its changelog, exactly once: each consumed
// batch of a shard becomes, in one Kafka transaction, the change records (envelope, then a
// tombstone after a delete), dead letters for records it cannot read, and the consumer offset
// with the shard's settings as commit metadata. The on-disk state moves only after the commit;
// at start it is first brought up to the changelog's committed end, so a crash anywhere leaves
// neither a duplicate nor a gap.
import { openChangelogStore, type ChangelogStore } from '#adapters/changelog-store.ts';
import type {
  ConsumedBatch,
  ConsumedMessage,
  KafkaClient,
  LogAdmin,
  LogCompression,
  LogTransaction,
  OutgoingMessage,
  PartitionConsumer,
  TransactionalProducer,
} from '#adapters/kafka.ts';
import type { Logger } from '#adapters/logger.ts';
import { recordSource, type ChangeSource } from '#core/cdc/envelope.ts';
import {
  foldDocumentEvent,
  INITIAL_SHARD_SETTINGS,
  shardSettingsMetadata,
  shardSettingsOf,
  type ShardSettings,
} from '#core/cdc/fold.ts';
import { ShardOverlay } from '#core/cdc/overlay.ts';
import type { EventCodec } from '#core/events/codec.ts';
import { DOCUMENT_EVENT_TYPES, type DocumentEvent } from '#core/events/document-events.ts';
import { changelogGroupId } from '#core/log/consumer-groups.ts';
import { HEADER_DLQ_REASON, HEADER_EVENT_ID } from '#core/log/log-message.ts';
import { registerSchema } from '#adapters/schema-registry.ts';
import { CHANGE_ENVELOPE_SCHEMA } from '#core/cdc/avro.ts';
import type { ChangelogMetrics } from './metrics.ts';
import { restoreStore, storePathOf } from './restore.ts';

/** One index generation the role folds. */
export interface FolderTarget {
  readonly indexUid: string;
  /** Uid the generation's topics are named after (differs from indexUid after a swap or rename). */
  readonly logUid: string;
  readonly generation: number;
  readonly shards: number;
  readonly docsTopic: string;
  readonly changelogTopic: string;
  readonly dlqTopic: string;
}

export interface FolderDeps {
  readonly kafka: Pick<KafkaClient, 'partitionConsumer' | 'transactionalProducer' | 'readRange'>;
  readonly admin: Pick<LogAdmin, 'fetchEndOffsets' | 'fetchCommits'>;
  readonly codec: EventCodec;
  readonly logger: Logger;
  readonly topicPrefix: string;
  readonly dataDir: string;
  readonly compression: LogCompression;
  readonly metrics?: ChangelogMetrics;
  /** Confluent-compatible schema registry: changelog values are then Avro, not JSON. */
  readonly schemaRegistryUrl?: string;
  /** Longest fetch wait (default 2 s). */
  readonly maxWaitTimeMs?: number;
}

/** Change records per produce request inside one transaction (a clear of a big shard makes many). */
const SEND_CHUNK = 5_000;
const DOCUMENT_TYPES: ReadonlySet<string> = new Set(DOCUMENT_EVENT_TYPES);

export class ChangelogFolder {
  private readonly groupId: string;
  private readonly log: Logger;
  private store: ChangelogStore | undefined;
  private producer: TransactionalProducer | undefined;
  private consumer: PartitionConsumer | undefined;
  private readonly settings = new Map<number, ShardSettings>();
  /** Per shard: the next offset to fold (lag = end - this). */
  private readonly positions = new Map<number, number>();
  private readonly ends = new Map<number, number>();
  /** The envelope schema's registry id when values are Avro. */
  private avroSchemaId: number | undefined;

  constructor(
    readonly target: FolderTarget,
    private readonly deps: FolderDeps,
  ) {
    this.groupId = changelogGroupId(deps.topicPrefix, target.docsTopic);
    this.log = deps.logger.child({ index: target.indexUid, topic: target.docsTopic });
  }

  async start(): Promise<void> {
    const { kafka } = this.deps;
    this.avroSchemaId = await avroSchemaIdOf(this.target, this.deps);
    this.store = openChangelogStore(storePathOf(this.target, this.deps));
    this.store.setMeta('target', JSON.stringify(this.target));
    this.consumer = kafka.partitionConsumer({
      groupId: this.groupId,
      partitions: [{ topic: this.target.docsTopic, partitions: range(this.target.shards) }],
      assignment: 'whole-topic',
      // Idle generations poll rarely (a fetch returns as soon as records arrive anyway).
      maxWaitTimeMs: this.deps.maxWaitTimeMs ?? 2_000,
      // Bigger batches mean fewer transactions (each costs a few broker round trips).
      maxBytesPerPartition: 1 << 20,
      handler: (batch) => this.fold(batch),
      onCrash: (err, restart) => this.log.error({ err, restart }, 'changelog consumer crashed'),
    });
    await this.consumer.start();
  }

  async stop(): Promise<void> {
    await this.consumer
      ?.stop()
      .catch((err: unknown) => this.log.warn({ err }, 'changelog consumer stop failed'));
    await this.producer?.close().catch(() => {});
    this.store?.close();
    this.consumer = undefined;
    this.producer = undefined;
    this.store = undefined;
  }

  /** Per shard: documents-topic records not yet folded (from the last batch's high watermark). */
  lag(): number {
    let lag = 0;
    for (const [shard, end] of this.ends) lag += Math.max(0, end - (this.positions.get(shard) ?? 0));
    return lag;
  }

  /**
   * Takes the generation over when the group gave this process its topic (whole-topic
   * assignment: one member folds a generation): connecting the transactional producer fences a
   * previous owner and aborts its open transaction, so the changelog's committed end is final
   * before the store is restored up to it; then the committed offsets and settings are read. A
   * member that is never assigned the topic never connects, so it never fences the owner.
   */
  private async activate(): Promise<TransactionalProducer> {
    if (this.producer !== undefined) return this.producer;
    const producer = await this.deps.kafka.transactionalProducer({
      transactionalId: this.groupId,
      compression: this.deps.compression,
    });
    try {
      await this.restore();
      const commits = await this.deps.admin.fetchCommits(this.groupId, this.target.docsTopic);
      for (let shard = 0; shard < this.target.shards; shard++) {
        const commit = commits.get(shard);
        this.settings.set(shard, shardSettingsOf(commit?.metadata));
        this.positions.set(shard, commit?.offset ?? 0);
      }
    } catch (err) {
      await producer.close().catch(() => {});
      throw err;
    }
    this.producer = producer;
    this.log.info({ documents: this.requireStore().count() }, 'changelog folding');
    return producer;
  }

  /** After a failed transaction (fenced, broker gone): the next batch takes the generation over again. */
  private async deactivate(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    this.settings.clear();
    await producer?.close().catch(() => {});
  }

  private async restore(): Promise<void> {
    const started = Date.now();
    const restored = await restoreStore(this.requireStore(), this.target, this.deps);
    if (restored > 0)
      this.log.info(
        { restored, ms: Date.now() - started },
        'changelog state restored from the changelog topic',
      );
  }

  private async fold(batch: ConsumedBatch): Promise<void> {
    if (batch.messages.length === 0) return;
    const producer = await this.activate();
    try {
      await this.foldWith(producer, batch);
    } catch (err) {
      await this.deactivate();
      throw err;
    }
  }

  private async foldWith(producer: TransactionalProducer, batch: ConsumedBatch): Promise<void> {
    const store = this.requireStore();
    const shard = batch.partition;
    const started = process.hrtime.bigint();
    const overlay = new ShardOverlay({
      get: (key) => store.get(shard, key),
      getMany: (keys) => store.getMany(shard, keys),
      entries: () => store.entries(shard),
    });
    let settings = this.settings.get(shard) ?? INITIAL_SHARD_SETTINGS;
    let changeCount = 0;
    const firsts = await producer.transaction(async (txn) => {
      const out = new ChunkedSender(txn);
      for (const message of batch.messages) {
        const folded = this.foldRecord(message, shard, overlay, settings);
        if ('deadLetter' in folded) {
          overlay.rollback();
          await out.push(folded.deadLetter);
          continue;
        }
        overlay.mark();
        settings = folded.settings;
        changeCount += folded.records.length;
        for (const record of folded.records) await out.push(record);
      }
      const last = batch.messages[batch.messages.length - 1]!;
      await out.flush();
      await txn.commitOffsets(
        this.groupId,
        batch.topic,
        shard,
        last.offset + 1,
        shardSettingsMetadata(settings),
      );
      return out.firsts;
    });
    const restored = new Map<number, number>();
    for (const [key, offset] of firsts) {
      const [topic, partition] = key.split('\0');
      if (topic === this.target.changelogTopic) restored.set(Number(partition), offset);
    }
    store.apply(
      [...overlay.changes()].map(([key, doc]) => ({ shard, key, doc })),
      restored,
    );
    this.settings.set(shard, settings);
    this.positions.set(shard, batch.messages[batch.messages.length - 1]!.offset + 1);
    this.ends.set(shard, batch.highWatermark);
    this.deps.metrics?.observeBatch(this.target.indexUid, changeCount, started, this.lag());
  }

  /** One document record: its change records, or a dead letter when it cannot be read. */
  private foldRecord(
    message: ConsumedMessage,
    shard: number,
    overlay: ShardOverlay,
    settings: ShardSettings,
  ): { records: OutgoingMessage[]; settings: ShardSettings } | { deadLetter: OutgoingMessage } {
    let event: DocumentEvent;
    try {
      if (message.value === null) throw new Error('the record has no value');
      const decoded = this.deps.codec.decode(message.value);
      if (!DOCUMENT_TYPES.has(decoded.type)) throw new Error(`${decoded.type} is not a document event`);
      event = decoded as DocumentEvent;
      const result = foldDocumentEvent(event, overlay, settings);
      const now = Date.now();
      const source = recordSource(
        this.sourceOf(event, shard, message.offset, result.settings),
        this.avroSchemaId,
      );
      const records: OutgoingMessage[] = [];
      result.changes.forEach((change, seq) => {
        for (const r of source.records(change, seq, now))
          records.push({ topic: this.target.changelogTopic, key: r.key, value: r.value, headers: r.headers });
      });
      return { records, settings: result.settings };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.log.warn(
        { shard, offset: message.offset, reason },
        'unreadable document record; sent to the dead-letter topic',
      );
      this.deps.metrics?.deadLetter(this.target.indexUid);
      return { deadLetter: this.deadLetter(message, shard, reason) };
    }
  }

  private sourceOf(
    event: DocumentEvent,
    shard: number,
    offset: number,
    settings: ShardSettings,
  ): Omit<ChangeSource, 'seq'> {
    return {
      index: event.indexUid,
      generation: this.target.generation,
      shard,
      topic: this.target.docsTopic,
      partition: shard,
      offset,
      taskUid: event.taskUid,
      settingsVersion: settings.settingsVersion,
      eventId: event.eventId,
      ts_ms: event.timestamp,
    };
  }

  private deadLetter(message: ConsumedMessage, shard: number, reason: string): OutgoingMessage {
    const eventId = message.headers[HEADER_EVENT_ID]?.toString('utf8') ?? null;
    return {
      topic: this.target.dlqTopic,
      partition: 0,
      key: message.key,
      value: JSON.stringify({
        role: 'changelog',
        indexUid: this.target.indexUid,
        topic: this.target.docsTopic,
        shard,
        offset: message.offset,
        eventId,
        rejectedAt: Date.now(),
        error: { message: `Cannot read the document record: ${reason}.`, code: 'undecodable_record' },
        valueBase64: message.value?.toString('base64') ?? null,
      }),
      headers: {
        ...Object.fromEntries(Object.entries(message.headers)),
        [HEADER_DLQ_REASON]: 'undecodable_record',
      },
    };
  }

  private requireStore(): ChangelogStore {
    if (this.store === undefined) throw new Error(`changelog of ${this.target.docsTopic} is not started`);
    return this.store;
  }
}

/** The registry id of the envelope schema under `<changelog topic>-value`, when a registry is configured. */
export async function avroSchemaIdOf(
  target: FolderTarget,
  deps: Pick<FolderDeps, 'schemaRegistryUrl'>,
): Promise<number | undefined> {
  if (deps.schemaRegistryUrl === undefined) return undefined;
  return registerSchema(deps.schemaRegistryUrl, `${target.changelogTopic}-value`, CHANGE_ENVELOPE_SCHEMA);
}

/** Sends a transaction's records in bounded requests; keeps the first offset per partition. */
class ChunkedSender {
  readonly firsts = new Map<string, number>();
  private buffer: OutgoingMessage[] = [];

  constructor(private readonly txn: LogTransaction) {}

  async push(message: OutgoingMessage): Promise<void> {
    this.buffer.push(message);
    if (this.buffer.length >= SEND_CHUNK) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const sent = await this.txn.send(this.buffer);
    this.buffer = [];
    for (const [key, offset] of sent) if (!this.firsts.has(key)) this.firsts.set(key, offset);
  }
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
