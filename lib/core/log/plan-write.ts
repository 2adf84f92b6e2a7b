// Plans the log records of one validated client write: document events grouped per partition
// (= shard) and split under the record size limit, index-wide events (settings, clear, delete by
// filter) as one barrier in EVERY partition so they keep their order against documents on every
// shard, and the task's `TaskEnqueued`. Two steps, because a task's uid is the offset of its
// `TaskEnqueued` record: append `taskMessage`, then encode the rest with `messagesFor(uid)`.
import { currentSchemaVersion } from '../events/avro-schemas.ts';
import { defaultEventCodec, type EventCodec } from '../events/codec.ts';
import type { DocumentEvent } from '../events/document-events.ts';
import type { SettingsChangedEvent } from '../events/control-events.ts';
import type {
  TaskEnqueuedDetails,
  TaskEnqueuedEvent,
  TaskShard,
  TaskSucceededEvent,
} from '../events/task-events.ts';
import { miroirError } from '../errors.ts';
import { DEFAULT_DOCS_MAX_MESSAGE_BYTES } from './topic-configs.ts';
import { controlMessage, eventMessage, taskMessage, type LogMessage } from './log-message.ts';
import {
  avroItemSize,
  splitIntoPartitionBatches,
  type BatchLimits,
  type PartitionBatches,
} from './partition-batches.ts';
import type { TopicNames } from './topics.ts';

export interface DocumentInput {
  /** Primary key value as a string (numbers as their decimal text, as Meilisearch stores them). */
  readonly id: string;
  /** The document's JSON, as the client sent it. */
  readonly body: Buffer;
}

export type WriteOperation =
  /** `POST /documents` (upsert: replace) or `PUT /documents` (update: partial merge). */
  | {
      readonly kind: 'upsert' | 'update';
      readonly primaryKey: string;
      readonly documents: readonly DocumentInput[];
      /** `shards[i]` is the shard of `documents[i]` (from `shardOf`). */
      readonly shards: ArrayLike<number>;
    }
  /** `DELETE /documents/{id}`, `POST /documents/delete-batch`. */
  | { readonly kind: 'deleteIds'; readonly ids: readonly string[]; readonly shards: ArrayLike<number> }
  /** `POST /documents/delete`: the filter exactly as the client sent it (string or array). */
  | { readonly kind: 'deleteByFilter'; readonly filter: unknown }
  /** `DELETE /documents`. */
  | { readonly kind: 'clear' }
  /** Settings routes: the settings object as sent (reset fields as `null`). */
  | { readonly kind: 'settings'; readonly settings: Readonly<Record<string, unknown>> };

export type WriteLimits = BatchLimits;

export const DEFAULT_WRITE_LIMITS: WriteLimits = {
  // About 1 MiB per record: big enough for efficient node batches, small enough to keep consumer fetches smooth.
  batchBytes: 1024 * 1024,
  maxMessageBytes: DEFAULT_DOCS_MAX_MESSAGE_BYTES,
  maxItems: 10_000,
};

/** `owners[shard][group]` = node ids owning the shard in that replica group. */
export type ShardOwners = readonly (readonly (readonly string[])[])[];

export interface PlanWriteInput {
  readonly topics: TopicNames;
  readonly indexUid: string;
  readonly generation: number;
  /** Shards of the generation (partitions of its document topic). */
  readonly shardCount: number;
  readonly operation: WriteOperation;
  /** Current owners of every shard, recorded in `TaskEnqueued` for the quorum rule. */
  readonly owners: ShardOwners;
  readonly replicationFactor: number;
  /** Unique id of this write (e.g. a UUID); every event id derives from it, so retries are recognisable. */
  readonly writeId: string;
  /** Milliseconds since the epoch; the planner never reads the clock. */
  readonly timestamp: number;
  readonly customMetadata?: string | null;
  readonly limits?: Partial<WriteLimits>;
  readonly codec?: EventCodec;
}

export interface PartitionPlan {
  readonly partition: number;
  /** Records the task appends to this partition. */
  readonly events: number;
  /** Documents or ids of the task in this partition (0 for index-wide events). */
  readonly documents: number;
}

export interface WritePlan {
  readonly taskEnqueued: TaskEnqueuedEvent;
  /** The encoded `TaskEnqueued` for the tasks topic; its offset becomes the task uid. */
  readonly taskMessage: LogMessage;
  readonly partitions: readonly PartitionPlan[];
  /**
   * Every other record of the write, encoded with the task uid: the `SettingsChanged` control record
   * (whose settings version is the task uid), then the partition records in partition order, or a
   * `TaskSucceeded` when the write touches no partition (an empty payload).
   */
  messagesFor(taskUid: number): LogMessage[];
}

/** Largest uid the encoding budgets for: avsc writes longs up to 2^52 (an 8-byte varint). */
const MAX_UID = 2 ** 52;
const MAX_INT = 2 ** 31 - 1;
/** Avro block count of a non-empty array: a long varint. */
const ARRAY_BLOCK_BUDGET = 10;

function taskTypeOf(operation: WriteOperation): string {
  return operation.kind === 'upsert' || operation.kind === 'update'
    ? 'documentAdditionOrUpdate'
    : operation.kind === 'settings'
      ? 'settingsUpdate'
      : 'documentDeletion';
}

function emptyDetails(): TaskEnqueuedDetails {
  return {
    receivedDocuments: null,
    providedIds: null,
    originalFilter: null,
    primaryKey: null,
    oldIndexUid: null,
    newIndexUid: null,
    settings: null,
    swaps: null,
    matchedTasks: null,
  };
}

function detailsOf(operation: WriteOperation): TaskEnqueuedDetails {
  const details = emptyDetails();
  switch (operation.kind) {
    case 'upsert':
    case 'update':
      details.receivedDocuments = operation.documents.length;
      break;
    case 'deleteIds':
      details.providedIds = operation.ids.length;
      break;
    case 'deleteByFilter':
      // Meilisearch shows the filter serialized as JSON text: a string filter keeps its quotes.
      details.originalFilter = JSON.stringify(operation.filter);
      break;
    case 'settings':
      details.settings = JSON.stringify(operation.settings);
      break;
    case 'clear':
      break;
  }
  return details;
}

function resolveLimits(partial: Partial<WriteLimits> | undefined): WriteLimits {
  const limits = { ...DEFAULT_WRITE_LIMITS, ...partial };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw miroirError('internal', `Write limit ${name} must be a positive integer, got ${value}.`);
  }
  if (limits.batchBytes > limits.maxMessageBytes) {
    throw miroirError(
      'internal',
      `batchBytes (${limits.batchBytes}) exceeds maxMessageBytes (${limits.maxMessageBytes}).`,
    );
  }
  return limits;
}

interface PlannedEvent {
  readonly partition: number;
  readonly sizeHint: number | undefined;
  readonly key: string | null;
  build(taskUid: number): DocumentEvent;
}

export function planWrite(input: PlanWriteInput): WritePlan {
  const { topics, indexUid, generation, shardCount, operation, writeId, timestamp } = input;
  const codec = input.codec ?? defaultEventCodec();
  const limits = resolveLimits(input.limits);
  if (!Number.isSafeInteger(shardCount) || shardCount < 1)
    throw miroirError('internal', `Shard count ${shardCount} is not a positive integer.`);
  if (input.owners.length !== shardCount)
    throw miroirError('internal', `Got owners for ${input.owners.length} shards, expected ${shardCount}.`);
  const docsTopic = topics.docs(indexUid, generation);

  const envelope = <T extends DocumentEvent['type']>(
    type: T,
    partition: number,
    part: number,
    taskUid: number,
  ) => ({
    eventId: `${writeId}:${partition}:${part}`,
    type,
    schemaVersion: currentSchemaVersion(type),
    indexUid,
    generation,
    timestamp,
    taskUid,
  });

  // Encoded size of an event with no items, with the widest varints any real event can have.
  const baseSize = (type: DocumentEvent['type'], extra: Record<string, unknown>): number => {
    const widest = {
      ...envelope(type, shardCount - 1, MAX_INT, MAX_UID),
      eventId: `${writeId}:${shardCount - 1}:${MAX_INT}`,
      part: MAX_INT,
      parts: MAX_INT,
      ...extra,
    };
    return (
      codec.headerSize(type, widest.schemaVersion) +
      codec.avroType(type, widest.schemaVersion).toBuffer(widest).length
    );
  };

  const planned: PlannedEvent[] = [];
  const partitions: PartitionPlan[] = [];

  const addBatches = (
    groups: PartitionBatches[],
    make: (batch: number[], partition: number, part: number, parts: number, taskUid: number) => DocumentEvent,
    keyOf: (batch: number[]) => string | null,
  ) => {
    for (const group of groups) {
      const parts = group.batches.length;
      group.batches.forEach((batch, part) => {
        planned.push({
          partition: group.partition,
          sizeHint: group.sizes[part],
          key: keyOf(batch),
          build: (taskUid) => make(batch, group.partition, part, parts, taskUid),
        });
      });
      partitions.push({ partition: group.partition, events: parts, documents: group.items });
    }
  };

  const everyPartition = (make: (partition: number, taskUid: number) => DocumentEvent) => {
    for (let partition = 0; partition < shardCount; partition += 1) {
      planned.push({
        partition,
        sizeHint: undefined,
        key: null,
        build: (taskUid) => make(partition, taskUid),
      });
      partitions.push({ partition, events: 1, documents: 0 });
    }
  };

  switch (operation.kind) {
    case 'upsert':
    case 'update': {
      const type = operation.kind === 'upsert' ? 'DocumentsUpserted' : 'DocumentsUpdated';
      const { documents, primaryKey } = operation;
      const base = baseSize(type, { primaryKey, ids: [], documents: [] }) + 2 * ARRAY_BLOCK_BUDGET;
      const groups = splitIntoPartitionBatches(
        shardCount,
        operation.shards,
        documents.length,
        (i) => {
          const doc = documents[i] as DocumentInput;
          return avroItemSize(Buffer.byteLength(doc.id)) + avroItemSize(doc.body.length);
        },
        base,
        limits,
        (i) => `Document \`${(documents[i] as DocumentInput).id}\``,
      );
      addBatches(
        groups,
        (batch, partition, part, parts, taskUid) => ({
          ...envelope(type, partition, part, taskUid),
          part,
          parts,
          primaryKey,
          ids: batch.map((i) => (documents[i] as DocumentInput).id),
          documents: batch.map((i) => (documents[i] as DocumentInput).body),
        }),
        (batch) => (documents[batch[0] as number] as DocumentInput).id,
      );
      break;
    }
    case 'deleteIds': {
      const { ids } = operation;
      const base = baseSize('DocumentsDeleted', { ids: [] }) + ARRAY_BLOCK_BUDGET;
      const groups = splitIntoPartitionBatches(
        shardCount,
        operation.shards,
        ids.length,
        (i) => avroItemSize(Buffer.byteLength(ids[i] as string)),
        base,
        limits,
        (i) => `Document id \`${ids[i]}\``,
      );
      addBatches(
        groups,
        (batch, partition, part, parts, taskUid) => ({
          ...envelope('DocumentsDeleted', partition, part, taskUid),
          part,
          parts,
          ids: batch.map((i) => ids[i] as string),
        }),
        (batch) => ids[batch[0] as number] as string,
      );
      break;
    }
    case 'deleteByFilter': {
      const filter = JSON.stringify(operation.filter);
      everyPartition((partition, taskUid) => ({
        ...envelope('DocumentsDeletedByFilter', partition, 0, taskUid),
        part: 0,
        parts: 1,
        filter,
      }));
      break;
    }
    case 'clear':
      everyPartition((partition, taskUid) => ({
        ...envelope('DocumentsCleared', partition, 0, taskUid),
        part: 0,
        parts: 1,
      }));
      break;
    case 'settings': {
      const settings = JSON.stringify(operation.settings);
      everyPartition((partition, taskUid) => ({
        ...envelope('SettingsBarrier', partition, 0, taskUid),
        part: 0,
        parts: 1,
        // The task uid is unique and increasing, so it doubles as the index's settings version.
        settingsVersion: taskUid,
        settings,
      }));
      break;
    }
  }

  const shards: TaskShard[] = partitions.map((p) => ({
    shard: p.partition,
    events: p.events,
    documents: p.documents,
    owners: (input.owners[p.partition] ?? []).map((group) => [...group]),
  }));
  const taskEnqueued: TaskEnqueuedEvent = {
    eventId: `${writeId}:enqueued`,
    type: 'TaskEnqueued',
    schemaVersion: currentSchemaVersion('TaskEnqueued'),
    indexUid,
    generation,
    timestamp,
    taskUid: null,
    taskType: taskTypeOf(operation),
    replicationFactor: input.replicationFactor,
    shards,
    details: detailsOf(operation),
    customMetadata: input.customMetadata ?? null,
  };

  return {
    taskEnqueued,
    taskMessage: taskMessage(taskEnqueued, topics, codec),
    partitions,
    messagesFor(taskUid) {
      if (!Number.isSafeInteger(taskUid) || taskUid < 0 || taskUid > MAX_UID)
        throw miroirError('internal', `Task uid ${taskUid} is not an integer in 0..2^52.`);
      const messages: LogMessage[] = [];
      if (operation.kind === 'settings') {
        const changed: SettingsChangedEvent = {
          eventId: `${writeId}:control`,
          type: 'SettingsChanged',
          schemaVersion: currentSchemaVersion('SettingsChanged'),
          indexUid,
          generation,
          timestamp,
          taskUid,
          settingsVersion: taskUid,
          settings: JSON.stringify(operation.settings),
        };
        messages.push(controlMessage(changed, topics, codec));
      }
      for (const event of planned) {
        messages.push(
          eventMessage(
            event.build(taskUid),
            { topic: docsTopic, partition: event.partition, key: event.key },
            codec,
            event.sizeHint,
          ),
        );
      }
      if (planned.length === 0) {
        // Nothing to apply (an empty payload): the task is done as soon as it is enqueued.
        const succeeded: TaskSucceededEvent = {
          eventId: `${writeId}:succeeded`,
          type: 'TaskSucceeded',
          schemaVersion: currentSchemaVersion('TaskSucceeded'),
          indexUid,
          generation,
          timestamp,
          taskUid,
          indexedDocuments: operation.kind === 'upsert' || operation.kind === 'update' ? 0 : null,
          deletedDocuments: operation.kind === 'deleteIds' ? 0 : null,
        };
        messages.push(taskMessage(succeeded, topics, codec));
      }
      return messages;
    },
  };
}
