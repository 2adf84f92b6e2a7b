// Builders of the records an index-level operation appends (create, update, delete, primary key
// set): the control event, and the task events of tasks that touch no document partition
// (`TaskEnqueued` with no shards, completed by `TaskSucceeded` or `TaskFailed`).
import { currentSchemaVersion } from '../events/avro-schemas.ts';
import type {
  DocsTopicPreparedEvent,
  IndexCreatedEvent,
  IndexDeletedEvent,
  IndexesSwappedEvent,
  IndexSwap,
  PrimaryKeySetEvent,
} from '../events/control-events.ts';
import type { EventError } from '../events/envelope.ts';
import type {
  TaskEnqueuedDetails,
  TaskEnqueuedEvent,
  TaskFailedEvent,
  TaskSucceededEvent,
} from '../events/task-events.ts';

export interface EventStamp {
  /** Unique id of the operation; event ids derive from it. */
  readonly writeId: string;
  readonly timestamp: number;
}

export function emptyTaskDetails(): TaskEnqueuedDetails {
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

export function indexTaskEnqueued(
  stamp: EventStamp,
  taskType: 'indexCreation' | 'indexUpdate' | 'indexDeletion',
  indexUid: string,
  details: Partial<TaskEnqueuedDetails>,
  replicationFactor: number,
): TaskEnqueuedEvent {
  return taskEnqueued(stamp, taskType, indexUid, details, replicationFactor);
}

/**
 * `TaskEnqueued` of a task without shard work of any type (a document write refused at task time,
 * a task cancelation or deletion, an index swap): completed by `TaskSucceeded` or `TaskFailed`.
 */
export function taskEnqueued(
  stamp: EventStamp,
  taskType: string,
  indexUid: string | null,
  details: Partial<TaskEnqueuedDetails>,
  replicationFactor: number,
  customMetadata: string | null = null,
): TaskEnqueuedEvent {
  return {
    eventId: `${stamp.writeId}:enqueued`,
    type: 'TaskEnqueued',
    schemaVersion: currentSchemaVersion('TaskEnqueued'),
    indexUid,
    generation: null,
    timestamp: stamp.timestamp,
    taskUid: null,
    taskType,
    replicationFactor,
    shards: [],
    details: { ...emptyTaskDetails(), ...details },
    customMetadata,
  };
}

export function taskSucceeded(
  stamp: EventStamp,
  taskUid: number,
  indexUid: string | null,
  counts: { indexedDocuments?: number; deletedDocuments?: number } = {},
): TaskSucceededEvent {
  return {
    eventId: `${stamp.writeId}:succeeded`,
    type: 'TaskSucceeded',
    schemaVersion: currentSchemaVersion('TaskSucceeded'),
    indexUid,
    generation: null,
    timestamp: stamp.timestamp,
    taskUid,
    indexedDocuments: counts.indexedDocuments ?? null,
    deletedDocuments: counts.deletedDocuments ?? null,
  };
}

export function taskFailed(
  stamp: EventStamp,
  taskUid: number,
  indexUid: string | null,
  error: EventError,
): TaskFailedEvent {
  return {
    eventId: `${stamp.writeId}:failed`,
    type: 'TaskFailed',
    schemaVersion: currentSchemaVersion('TaskFailed'),
    indexUid,
    generation: null,
    timestamp: stamp.timestamp,
    taskUid,
    error: { message: error.message, code: error.code, type: error.type, link: error.link },
  };
}

export function indexCreated(
  stamp: EventStamp,
  indexUid: string,
  generation: number,
  shards: number,
  primaryKey: string | null,
  taskUid: number | null,
  docsTopic: string | null = null,
): IndexCreatedEvent {
  return {
    eventId: `${stamp.writeId}:index-created`,
    type: 'IndexCreated',
    schemaVersion: currentSchemaVersion('IndexCreated'),
    indexUid,
    generation,
    timestamp: stamp.timestamp,
    taskUid,
    primaryKey,
    shards,
    docsTopic,
  };
}

/** A spare document topic is ready (see `DocsTopicPreparedEvent`). */
export function docsTopicPrepared(
  stamp: EventStamp,
  topic: string,
  shards: number,
  spec: string,
): DocsTopicPreparedEvent {
  return {
    eventId: `${stamp.writeId}:docs-topic-prepared`,
    type: 'DocsTopicPrepared',
    schemaVersion: currentSchemaVersion('DocsTopicPrepared'),
    indexUid: null,
    generation: null,
    timestamp: stamp.timestamp,
    taskUid: null,
    topic,
    shards,
    spec,
  };
}

export function indexDeleted(
  stamp: EventStamp,
  indexUid: string,
  generation: number,
  taskUid: number,
): IndexDeletedEvent {
  return {
    eventId: `${stamp.writeId}:index-deleted`,
    type: 'IndexDeleted',
    schemaVersion: currentSchemaVersion('IndexDeleted'),
    indexUid,
    generation,
    timestamp: stamp.timestamp,
    taskUid,
  };
}

export function primaryKeySet(
  stamp: EventStamp,
  indexUid: string,
  generation: number,
  primaryKey: string,
  taskUid: number | null,
): PrimaryKeySetEvent {
  return {
    eventId: `${stamp.writeId}:primary-key`,
    type: 'PrimaryKeySet',
    schemaVersion: currentSchemaVersion('PrimaryKeySet'),
    indexUid,
    generation,
    timestamp: stamp.timestamp,
    taskUid,
    primaryKey,
  };
}

export function indexesSwapped(
  stamp: EventStamp,
  swaps: readonly IndexSwap[],
  taskUid: number,
): IndexesSwappedEvent {
  return {
    eventId: `${stamp.writeId}:indexes-swapped`,
    type: 'IndexesSwapped',
    schemaVersion: currentSchemaVersion('IndexesSwapped'),
    indexUid: null,
    generation: null,
    timestamp: stamp.timestamp,
    taskUid,
    swaps: swaps.map((swap) => ({ indexes: [swap.indexes[0], swap.indexes[1]], rename: swap.rename })),
  };
}
