// Events of the single-partition `tasks` topic. The task projection folds them into
// Meilisearch task objects; a task's uid is the offset of its `TaskEnqueued` record.
import type { EventEnvelope, EventError } from './envelope.ts';

/** One shard a task appended events to, with the owners whose applies count toward its quorum. */
export interface TaskShard {
  shard: number;
  /** Events the task appended to this shard's partition (its `parts`). */
  events: number;
  /** Documents (upserts, updates) or ids (deletions) of the task in this shard; 0 for index-wide events. */
  documents: number;
  /** Owners of the shard when the task was enqueued: `owners[group]` lists node ids of that replica group. */
  owners: string[][];
}

/**
 * What Meilisearch shows in `details` when the task is enqueued. Which fields are set depends on
 * the task type; the counters Meilisearch fills at the end (`indexedDocuments`, `deletedDocuments`)
 * come from the apply events.
 */
export interface TaskEnqueuedDetails {
  receivedDocuments: number | null;
  providedIds: number | null;
  /** Delete-by-filter filter, or cancel/delete-tasks query string, as Meilisearch shows it. */
  originalFilter: string | null;
  primaryKey: string | null;
  oldIndexUid: string | null;
  newIndexUid: string | null;
  /** The settings object the client sent, as JSON text. */
  settings: string | null;
  /** Index swaps `[{ indexes: [a, b], rename }]`, as JSON text. */
  swaps: string | null;
  matchedTasks: number | null;
}

/** Counters a node reports for what it applied (null when it could not tell this task's share). */
export interface TaskCounts {
  indexedDocuments: number | null;
  deletedDocuments: number | null;
}

export interface TaskEnqueuedEvent extends EventEnvelope<'TaskEnqueued'> {
  taskUid: null;
  /** Meilisearch task type (`documentAdditionOrUpdate`, `settingsUpdate`, ...). */
  taskType: string;
  /** Replication factor of the index when enqueued: write quorum is floor(rf/2)+1 owners of a group. */
  replicationFactor: number;
  /** Shards touched; empty for tasks completed by `TaskSucceeded` / `TaskFailed` (control-only tasks). */
  shards: TaskShard[];
  details: TaskEnqueuedDetails;
  customMetadata: string | null;
}

/** A node applied the task's whole share of one shard. */
export interface TaskShardAppliedEvent extends EventEnvelope<'TaskShardApplied'>, TaskCounts {
  taskUid: number;
  nodeId: string;
  replicaGroup: number;
  shard: number;
  /** Offset of the task's last event in the shard's partition. */
  offset: number;
}

/** A node rejected the task's documents in one shard (deterministic rejection, not a transient fault). */
export interface TaskShardFailedEvent extends EventEnvelope<'TaskShardFailed'> {
  taskUid: number;
  nodeId: string;
  replicaGroup: number;
  shard: number;
  offset: number;
  error: EventError;
}

/** The whole task failed, before its events were appended (validation at task time) or after. */
export interface TaskFailedEvent extends EventEnvelope<'TaskFailed'> {
  taskUid: number;
  error: EventError;
}

/** The whole task succeeded; how tasks without shard work (index creation, swaps...) complete. */
export interface TaskSucceededEvent extends EventEnvelope<'TaskSucceeded'>, TaskCounts {
  taskUid: number;
}

/**
 * A `taskCancelation` task canceled this task (`taskUid`). Only a task still enqueued or processing
 * when the record is folded becomes `canceled`; for any other the record changes nothing.
 */
export interface TaskCanceledEvent extends EventEnvelope<'TaskCanceled'> {
  taskUid: number;
  /** Uid of the `taskCancelation` task. */
  canceledBy: number;
}

/**
 * A `taskDeletion` task deleted this task (`taskUid`) from the task list. Only a final task is
 * deleted; for a task still enqueued or processing the record changes nothing.
 */
export interface TaskDeletedEvent extends EventEnvelope<'TaskDeleted'> {
  taskUid: number;
  /** Uid of the `taskDeletion` task. */
  deletedBy: number;
}

export type TaskEvent =
  | TaskEnqueuedEvent
  | TaskShardAppliedEvent
  | TaskShardFailedEvent
  | TaskFailedEvent
  | TaskSucceededEvent
  | TaskCanceledEvent
  | TaskDeletedEvent;

export const TASK_EVENT_TYPES = [
  'TaskEnqueued',
  'TaskShardApplied',
  'TaskShardFailed',
  'TaskFailed',
  'TaskSucceeded',
  'TaskCanceled',
  'TaskDeleted',
] as const satisfies readonly TaskEvent['type'][];
