// The task projection: folds the records of the single-partition `tasks` topic into one state
// per task. A task's uid is the offset of its `TaskEnqueued` record (unique and increasing across
// processes and restarts, because Kafka assigns it). Every step is idempotent: applies are a set
// keyed by (shard, node), the first terminal outcome wins, so at-least-once delivery and replays
// converge to the same state.
import type { EventError } from '../events/envelope.ts';
import type { TaskEnqueuedDetails, TaskEvent, TaskShard } from '../events/task-events.ts';
import { allShardsHaveQuorum } from './quorum.ts';

/** One consumed record of the tasks topic: its offset and decoded event. */
export interface TaskLogRecord {
  readonly offset: number;
  readonly event: TaskEvent;
}

export interface EnqueuedTask {
  readonly type: string;
  readonly indexUid: string | null;
  readonly enqueuedAt: number;
  readonly replicationFactor: number;
  readonly shards: readonly TaskShard[];
  readonly details: TaskEnqueuedDetails;
  readonly customMetadata: string | null;
}

export interface ShardApplyMark {
  readonly shard: number;
  readonly nodeId: string;
  readonly replicaGroup: number;
  readonly offset: number;
  readonly at: number;
  readonly indexedDocuments: number | null;
  readonly deletedDocuments: number | null;
}

export type TaskStateStatus = 'enqueued' | 'processing' | 'succeeded' | 'failed' | 'canceled';

/** Plain data (JSON-serializable), so stores such as Redis can keep it as is. */
export interface TaskState {
  readonly uid: number;
  /** Null while only later events of the task were seen (its `TaskEnqueued` fell out of retention). */
  readonly enqueued: EnqueuedTask | null;
  readonly status: TaskStateStatus;
  /** First apply report per (shard, node), in log order. */
  readonly applies: readonly ShardApplyMark[];
  readonly error: EventError | null;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  /** Counters of a whole-task `TaskSucceeded`, which win over per-shard reports. */
  readonly outcome: {
    readonly indexedDocuments: number | null;
    readonly deletedDocuments: number | null;
  } | null;
  /** Uid of the `taskCancelation` task that canceled it (absent in states stored before cancelation existed). */
  readonly canceledBy?: number | null;
  /** Uid of the `taskDeletion` task that deleted it: a deleted task is kept as a tombstone, never shown. */
  readonly deletedBy?: number | null;
}

export interface TaskProjection {
  readonly name: 'tasks';
  readonly version: number;
  /** The state of a task no record mentioned yet. */
  readonly initialState: null;
  /** The task a record belongs to: the record's own offset for `TaskEnqueued`, else its `taskUid`. */
  keyOf(record: TaskLogRecord): number;
  evolve(state: TaskState | null, record: TaskLogRecord): TaskState;
}

/** Succeeded, failed or canceled: no later record changes the task's outcome. */
export function isTerminal(state: TaskState): boolean {
  return state.status === 'succeeded' || state.status === 'failed' || state.status === 'canceled';
}

function blank(uid: number): TaskState {
  return {
    uid,
    enqueued: null,
    status: 'enqueued',
    applies: [],
    error: null,
    startedAt: null,
    finishedAt: null,
    outcome: null,
  };
}

/** Succeeds the task when the applies reach quorum on every touched shard. */
function settle(state: TaskState, at: number): TaskState {
  if (isTerminal(state) || state.enqueued === null) return state;
  if (!allShardsHaveQuorum(state.enqueued.shards, state.enqueued.replicationFactor, state.applies))
    return state;
  const startedAt = state.startedAt ?? at;
  // Clocks of different hosts may disagree; a task never finishes before it started.
  return { ...state, status: 'succeeded', startedAt, finishedAt: Math.max(at, startedAt) };
}

function finish(
  state: TaskState,
  at: number,
  outcome: Pick<TaskState, 'status' | 'error' | 'outcome'>,
): TaskState {
  if (isTerminal(state)) return state;
  const startedAt = state.startedAt ?? at;
  return { ...state, ...outcome, startedAt, finishedAt: Math.max(at, startedAt) };
}

function evolve(current: TaskState | null, record: TaskLogRecord): TaskState {
  const { event } = record;
  const state = current ?? blank(taskProjection.keyOf(record));
  switch (event.type) {
    case 'TaskEnqueued': {
      if (state.enqueued !== null) return state;
      const enqueued: EnqueuedTask = {
        type: event.taskType,
        indexUid: event.indexUid,
        enqueuedAt: event.timestamp,
        replicationFactor: event.replicationFactor,
        shards: event.shards,
        details: event.details,
        customMetadata: event.customMetadata,
      };
      const latestApply = state.applies.reduce((max, a) => Math.max(max, a.at), event.timestamp);
      return settle({ ...state, enqueued }, latestApply);
    }
    case 'TaskShardApplied': {
      if (isTerminal(state)) return state;
      if (state.applies.some((a) => a.shard === event.shard && a.nodeId === event.nodeId)) return state;
      const mark: ShardApplyMark = {
        shard: event.shard,
        nodeId: event.nodeId,
        replicaGroup: event.replicaGroup,
        offset: event.offset,
        at: event.timestamp,
        indexedDocuments: event.indexedDocuments,
        deletedDocuments: event.deletedDocuments,
      };
      const startedAt =
        state.startedAt === null ? event.timestamp : Math.min(state.startedAt, event.timestamp);
      return settle(
        { ...state, status: 'processing', applies: [...state.applies, mark], startedAt },
        event.timestamp,
      );
    }
    case 'TaskShardFailed':
    case 'TaskFailed':
      return finish(state, event.timestamp, { status: 'failed', error: event.error, outcome: null });
    case 'TaskSucceeded':
      return finish(state, event.timestamp, {
        status: 'succeeded',
        error: null,
        outcome: { indexedDocuments: event.indexedDocuments, deletedDocuments: event.deletedDocuments },
      });
    case 'TaskCanceled': {
      // Only an open task is canceled; one that finished first keeps its outcome (Meilisearch's
      // cancelation also leaves finished tasks alone). A canceled task counts no documents.
      if (isTerminal(state)) return state;
      const canceled = finish(state, event.timestamp, { status: 'canceled', error: null, outcome: null });
      return { ...canceled, canceledBy: event.canceledBy };
    }
    case 'TaskDeleted':
      // Only final tasks are deleted; the first deletion wins and the tombstone absorbs later records.
      if (!isTerminal(state) || state.deletedBy != null) return state;
      return { ...state, deletedBy: event.deletedBy };
  }
}

export const taskProjection: TaskProjection = {
  name: 'tasks',
  // 2: TaskCanceled and TaskDeleted.
  version: 2,
  initialState: null,
  keyOf: (record) => (record.event.type === 'TaskEnqueued' ? record.offset : record.event.taskUid),
  evolve,
};

/** In-memory table of task states, uid -> state. */
export type TaskTable = ReadonlyMap<number, TaskState>;

/** Folds one record into a caller-owned table (the in-process store; Redis stores do the same per key). */
export function applyTaskRecord(table: Map<number, TaskState>, record: TaskLogRecord): TaskState {
  const uid = taskProjection.keyOf(record);
  const next = taskProjection.evolve(table.get(uid) ?? taskProjection.initialState, record);
  table.set(uid, next);
  return next;
}
