// Renders a task state as Meilisearch's task object: key order, `details` per task type (null
// counters until the task is done, 0 when it failed), RFC 3339 dates and ISO-8601 durations.
import type { TaskEnqueuedDetails } from '../events/task-events.ts';
import type { EnqueuedTaskView, TaskView } from './task-kinds.ts';
import type { EnqueuedTask, TaskState } from './task-projection.ts';

/** RFC 3339 UTC with a `Z` suffix (millisecond precision: clients parse it, they do not compare strings). */
export function formatTaskDate(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Meilisearch's ISO-8601 duration: `P`, then `{d}D` when at least a day, then `T{s}S` with the
 * shortest exact fraction (whole milliseconds here, so none or 3 digits): `PT0.009S`, `PT1S`, `P1DT3S`.
 */
export function formatTaskDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const days = Math.floor(total / 86_400_000);
  const rest = total - days * 86_400_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest % 1000;
  const fraction = millis === 0 ? '' : `.${String(millis).padStart(3, '0')}`;
  return `P${days > 0 ? `${days}D` : ''}T${seconds}${fraction}S`;
}

type Counter = 'indexedDocuments' | 'deletedDocuments';

/**
 * Final value of a counter: the whole-task outcome when it carries one; else, per touched shard,
 * the first node report carrying it (replicas hold the same documents), falling back to the
 * shard's enqueued count for the counters that equal it when nothing was rejected.
 */
function finalCount(
  state: TaskState,
  enqueued: EnqueuedTask,
  counter: Counter,
  fallbackIsEnqueued: boolean,
): number {
  const fromOutcome = state.outcome?.[counter];
  if (fromOutcome !== undefined && fromOutcome !== null) return fromOutcome;
  let sum = 0;
  for (const shard of enqueued.shards) {
    const report = state.applies.find((a) => a.shard === shard.shard && a[counter] !== null);
    sum += report?.[counter] ?? (fallbackIsEnqueued ? shard.documents : 0);
  }
  return sum;
}

function counter(
  state: TaskState,
  enqueued: EnqueuedTask,
  name: Counter,
  fallbackIsEnqueued: boolean,
): number | null {
  if (state.status === 'failed') return 0;
  if (state.status !== 'succeeded') return null;
  return finalCount(state, enqueued, name, fallbackIsEnqueued);
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The `details` object Meilisearch shows for this task type, or undefined when it has none. */
export function taskDetails(state: TaskState, enqueued: EnqueuedTask): Record<string, unknown> | undefined {
  const d: TaskEnqueuedDetails = enqueued.details;
  switch (enqueued.type) {
    case 'documentAdditionOrUpdate':
      return {
        receivedDocuments: d.receivedDocuments ?? 0,
        indexedDocuments: counter(state, enqueued, 'indexedDocuments', true),
      };
    case 'documentDeletion':
      if (d.originalFilter !== null) {
        return {
          providedIds: 0,
          deletedDocuments: counter(state, enqueued, 'deletedDocuments', false),
          originalFilter: d.originalFilter,
        };
      }
      if (d.providedIds !== null) {
        return {
          providedIds: d.providedIds,
          deletedDocuments: counter(state, enqueued, 'deletedDocuments', true),
          originalFilter: null,
        };
      }
      return { deletedDocuments: counter(state, enqueued, 'deletedDocuments', false) };
    case 'settingsUpdate': {
      const settings = parseJson(d.settings);
      return typeof settings === 'object' && settings !== null
        ? { ...(settings as Record<string, unknown>) }
        : {};
    }
    case 'indexCreation':
      return { primaryKey: d.primaryKey };
    case 'indexUpdate': {
      const details: Record<string, unknown> = { primaryKey: d.primaryKey };
      if (d.oldIndexUid !== null) details.oldIndexUid = d.oldIndexUid;
      if (d.newIndexUid !== null) details.newIndexUid = d.newIndexUid;
      return details;
    }
    case 'indexDeletion':
      return { deletedDocuments: counter(state, enqueued, 'deletedDocuments', false) };
    case 'indexSwap':
      return { swaps: parseJson(d.swaps) ?? [] };
    case 'taskCancelation':
      return {
        matchedTasks: d.matchedTasks ?? 0,
        canceledTasks: counter(state, enqueued, 'deletedDocuments', false),
        originalFilter: d.originalFilter,
      };
    case 'taskDeletion':
      return {
        matchedTasks: d.matchedTasks ?? 0,
        deletedTasks: counter(state, enqueued, 'deletedDocuments', false),
        originalFilter: d.originalFilter,
      };
    case 'dumpCreation':
      return { dumpUid: null };
    case 'snapshotCreation':
      return undefined;
    default: {
      // A type Miroir does not shape specially: show whatever the enqueued details carry.
      const details: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(d))
        if (value !== null)
          details[key] = key === 'settings' || key === 'swaps' ? parseJson(value as string) : value;
      return details;
    }
  }
}

/** A task a `taskDeletion` removed: kept in the table as a tombstone, answered as not found. */
export function isDeletedTask(state: TaskState): boolean {
  return state.deletedBy !== undefined && state.deletedBy !== null;
}

/** The Meilisearch task object of a task, or null when its `TaskEnqueued` was never seen or it was deleted. */
export function renderTask(state: TaskState): TaskView | null {
  const enqueued = state.enqueued;
  if (enqueued === null || isDeletedTask(state)) return null;
  const details = taskDetails(state, enqueued);
  const view: TaskView = {
    uid: state.uid,
    // Miroir has no batches of its own: each task is its own batch once it started.
    batchUid: state.startedAt === null ? null : state.uid,
    indexUid: enqueued.indexUid,
    status: state.status,
    type: enqueued.type,
    canceledBy: state.canceledBy ?? null,
    ...(details === undefined ? {} : { details }),
    error:
      state.error === null
        ? null
        : {
            message: state.error.message,
            code: state.error.code,
            type: state.error.type,
            link: state.error.link,
          },
    duration:
      state.startedAt !== null && state.finishedAt !== null
        ? formatTaskDuration(state.finishedAt - state.startedAt)
        : null,
    enqueuedAt: formatTaskDate(enqueued.enqueuedAt),
    startedAt: state.startedAt === null ? null : formatTaskDate(state.startedAt),
    finishedAt: state.finishedAt === null ? null : formatTaskDate(state.finishedAt),
  };
  if (enqueued.customMetadata !== null) view.customMetadata = enqueued.customMetadata;
  return view;
}

/** The 202 body of the write that enqueued a task. */
export function renderEnqueuedTask(
  taskUid: number,
  enqueued: Pick<EnqueuedTask, 'type' | 'indexUid' | 'enqueuedAt' | 'customMetadata'>,
): EnqueuedTaskView {
  const view: EnqueuedTaskView = {
    taskUid,
    indexUid: enqueued.indexUid,
    status: 'enqueued',
    type: enqueued.type,
    enqueuedAt: formatTaskDate(enqueued.enqueuedAt),
  };
  if (enqueued.customMetadata !== null) view.customMetadata = enqueued.customMetadata;
  return view;
}
