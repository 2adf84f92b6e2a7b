// Meilisearch's batches (`GET /batches`, `GET /batches/{uid}`) over Miroir's tasks. Miroir has no
// batches of several tasks: every task that started is its own batch, whose uid is the task uid
// (the task's `batchUid`), so batches answer Meilisearch's shapes with one task each.
import { miroirError } from '../errors.ts';
import { matchingTasks, pageOf, type TaskList, type TasksQuery } from './task-query.ts';
import type { TaskState, TaskTable } from './task-projection.ts';
import { formatTaskDate, formatTaskDuration, renderTask } from './task-view.ts';

export interface BatchView {
  uid: number;
  progress: null;
  details: Record<string, unknown>;
  stats: {
    totalNbTasks: number;
    status: Record<string, number>;
    types: Record<string, number>;
    indexUids: Record<string, number>;
    progressTrace: Record<string, string>;
  };
  duration: string | null;
  startedAt: string;
  finishedAt: string | null;
  batchStrategy: string;
}

export type BatchList = Omit<TaskList, 'results'> & { results: BatchView[] };

/** Task types Meilisearch batches with others of the same index; the rest run alone. */
const BATCHED_TYPES: ReadonlySet<string> = new Set([
  'documentAdditionOrUpdate',
  'documentDeletion',
  'settingsUpdate',
]);

/** The batch of a started task, or null when it has not started (or was deleted). */
export function renderBatch(state: TaskState): BatchView | null {
  const task = renderTask(state);
  if (task === null || task.startedAt === null) return null;
  // A batch's details leave out what is null (Meilisearch's `DetailsView` skips unset fields).
  const details = Object.fromEntries(Object.entries(task.details ?? {}).filter(([, v]) => v !== null));
  const strategy =
    BATCHED_TYPES.has(task.type) && task.indexUid !== null
      ? `batched all enqueued tasks for index \`${task.indexUid}\``
      : `created batch containing only task with id ${task.uid} of type \`${task.type}\` that cannot be batched with any other task.`;
  return {
    uid: task.uid,
    progress: null,
    details,
    stats: {
      totalNbTasks: 1,
      status: { [task.status]: 1 },
      types: { [task.type]: 1 },
      indexUids: task.indexUid === null ? {} : { [task.indexUid]: 1 },
      progressTrace: {},
    },
    duration:
      state.startedAt !== null && state.finishedAt !== null
        ? formatTaskDuration(state.finishedAt - state.startedAt)
        : null,
    startedAt: task.startedAt,
    finishedAt: state.finishedAt === null ? null : formatTaskDate(state.finishedAt),
    batchStrategy: strategy,
  };
}

/** `GET /batches`: the `GET /tasks` filters and paging, over the tasks that started. */
export function queryBatches(tasks: TaskTable, query: TasksQuery): BatchList {
  const started = matchingTasks(tasks, query).filter((s) => s.startedAt !== null);
  return pageOf(started, query, (state) => renderBatch(state) as BatchView);
}

/** `GET /batches/{uid}`: the path segment as received. */
export function getBatch(tasks: TaskTable, uidText: string): BatchView {
  if (!/^\+?[0-9]+$/.test(uidText) || Number(uidText) > 4_294_967_295)
    throw miroirError(
      'invalid_batch_uids',
      `Batch uid \`${uidText}\` is invalid. It should only contain numeric characters.`,
    );
  const uid = Number(uidText);
  const state = tasks.get(uid);
  const view = state === undefined ? null : renderBatch(state);
  if (view === null) throw miroirError('batch_not_found', `Batch \`${uid}\` not found.`);
  return view;
}
