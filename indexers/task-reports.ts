// What an applier tells the rest of the cluster after a node request: `TaskShardApplied` once a
// task's last part in the shard is applied, `TaskShardFailed` once per task the node rejected
// something of, and a dead-letter record per rejected document, id or barrier. Pure: builds
// log messages; the applier appends them before it commits the partition offset.
import { currentSchemaVersion } from '#core/events/avro-schemas.ts';
import type { EventCodec } from '#core/events/codec.ts';
import type { EventError } from '#core/events/envelope.ts';
import type { TaskShardAppliedEvent, TaskShardFailedEvent } from '#core/events/task-events.ts';
import { eventHeaders, HEADER_DLQ_REASON, taskMessage, type LogMessage } from '#core/log/log-message.ts';
import type { TopicNames } from '#core/log/topics.ts';
import type { OpOutcome } from './node-executor.ts';
import type { DocumentItem, IdItem, PartitionRecord } from './plan-batch.ts';

export interface ApplierIdentity {
  readonly nodeId: string;
  /** Position of the node's group among the index's groups (the `owners[group]` index of `TaskEnqueued`). */
  readonly replicaGroup: number;
  readonly indexUid: string;
  readonly nodeIndexUid: string;
  readonly shard: number;
}

interface TaskProgress {
  indexedDocuments: number | null;
  deletedDocuments: number | null;
  /** The node rejected part of this task here: it reports failure, never success. */
  failed: boolean;
}

export { HEADER_DLQ_REASON };

const addCount = (a: number | null, b: number | null): number | null =>
  a === null || b === null ? null : a + b;

/**
 * Per partition: counters of the tasks in progress (a task's parts may span several node
 * requests). A task first seen past its part 0 (the applier resumed mid-task) reports null
 * counters, since the share applied before the restart is unknown here.
 */
export class PartitionTaskTracker {
  private readonly tasks = new Map<number, TaskProgress>();

  constructor(
    private readonly identity: ApplierIdentity,
    private readonly topics: TopicNames,
    private readonly codec: EventCodec,
  ) {}

  /** Drops every task in progress (the partition was re-read from its committed offset). */
  reset(): void {
    this.tasks.clear();
  }

  /** Records one applied request; returns the task and dead-letter messages to append, in order. */
  report(records: readonly PartitionRecord[], outcome: OpOutcome, now: number): LogMessage[] {
    const messages: LogMessage[] = [];
    const rejectedByTask = new Map<number, OpOutcome['rejected'][number]>();
    for (const rejection of outcome.rejected) {
      const uid = rejection.record.event.taskUid;
      if (!rejectedByTask.has(uid)) rejectedByTask.set(uid, rejection);
      messages.push(this.deadLetter(rejection.record, rejection.item, rejection.error, now));
    }
    for (const record of records) {
      const { event } = record;
      const uid = event.taskUid;
      let progress = this.tasks.get(uid);
      if (progress === undefined || event.part === 0) {
        const known = event.part === 0;
        progress = { indexedDocuments: known ? 0 : null, deletedDocuments: known ? 0 : null, failed: false };
        this.tasks.set(uid, progress);
      }
      const counts = outcome.counts.get(uid);
      if (counts !== undefined) {
        // Counts are per request and task: add them once, on the task's first record of the request.
        if (records.find((r) => r.event.taskUid === uid) === record) {
          progress.indexedDocuments = addCount(progress.indexedDocuments, counts.indexedDocuments);
          progress.deletedDocuments = addCount(progress.deletedDocuments, counts.deletedDocuments);
        }
      }
      const rejection = rejectedByTask.get(uid);
      if (rejection !== undefined && !progress.failed) {
        progress.failed = true;
        messages.push(this.failed(record, rejection.error, now));
      }
      if (event.part === event.parts - 1) {
        if (!progress.failed) messages.push(this.applied(record, progress, now));
        this.tasks.delete(uid);
      }
    }
    return messages;
  }

  private envelope(record: PartitionRecord, kind: 'applied' | 'failed', now: number) {
    const { event } = record;
    return {
      eventId: `${event.eventId}:${kind}:${this.identity.nodeId}`,
      schemaVersion: 0,
      indexUid: event.indexUid,
      generation: event.generation,
      timestamp: now,
      taskUid: event.taskUid,
      nodeId: this.identity.nodeId,
      replicaGroup: this.identity.replicaGroup,
      shard: this.identity.shard,
      offset: record.offset,
    };
  }

  private applied(record: PartitionRecord, progress: TaskProgress, now: number): LogMessage {
    const event: TaskShardAppliedEvent = {
      ...this.envelope(record, 'applied', now),
      type: 'TaskShardApplied',
      schemaVersion: currentSchemaVersion('TaskShardApplied'),
      indexedDocuments: progress.indexedDocuments,
      deletedDocuments: progress.deletedDocuments,
    };
    return taskMessage(event, this.topics, this.codec);
  }

  private failed(record: PartitionRecord, error: EventError, now: number): LogMessage {
    const event: TaskShardFailedEvent = {
      ...this.envelope(record, 'failed', now),
      type: 'TaskShardFailed',
      schemaVersion: currentSchemaVersion('TaskShardFailed'),
      error: { message: error.message, code: error.code, type: error.type, link: error.link },
    };
    return taskMessage(event, this.topics, this.codec);
  }

  private deadLetter(
    record: PartitionRecord,
    item: DocumentItem | IdItem | null,
    error: EventError,
    now: number,
  ): LogMessage {
    const { event } = record;
    const value: Record<string, unknown> = {
      indexUid: this.identity.indexUid,
      nodeIndexUid: this.identity.nodeIndexUid,
      nodeId: this.identity.nodeId,
      shard: this.identity.shard,
      offset: record.offset,
      taskUid: event.taskUid,
      eventId: event.eventId,
      eventType: event.type,
      rejectedAt: now,
      error: { message: error.message, code: error.code, type: error.type, link: error.link },
    };
    let key: string = event.eventId;
    if (item !== null && 'body' in item) {
      key = item.id;
      value.documentId = item.id;
      // The body as sent to the node (it carries `_miroir_shard`); kept as text when it is not JSON.
      const text = item.body.toString('utf8');
      try {
        value.document = JSON.parse(text);
      } catch {
        value.documentText = text;
      }
    } else if (item !== null) {
      key = item.id;
      value.documentId = item.id;
    } else if (event.type === 'DocumentsDeletedByFilter') {
      value.filter = event.filter;
    } else if (event.type === 'SettingsBarrier') {
      value.settingsVersion = event.settingsVersion;
      value.settings = event.settings;
    }
    return {
      topic: this.topics.dlq(this.identity.indexUid),
      partition: 0,
      key,
      value: Buffer.from(JSON.stringify(value)),
      headers: { ...eventHeaders(event), [HEADER_DLQ_REASON]: error.code },
    };
  }
}
