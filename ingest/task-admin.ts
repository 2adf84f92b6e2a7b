// Task cancelation and deletion (`POST /tasks/cancel`, `DELETE /tasks`) on Miroir's task log.
// The task is answered once enqueued; then, after this process folded every task before it, one
// `TaskCanceled` / `TaskDeleted` per matching task goes to the tasks topic, and the task succeeds
// with the number of tasks the projection actually canceled or deleted (a task that finished
// before the record was folded keeps its outcome, as in Meilisearch).
import { randomUUID } from 'node:crypto';
import { errorBody } from '#core/errors.ts';
import { currentSchemaVersion } from '#core/events/avro-schemas.ts';
import type { TaskCanceledEvent, TaskDeletedEvent } from '#core/events/task-events.ts';
import { taskEnqueued, taskFailed, taskSucceeded } from '#core/ingest/index-events.ts';
import { isTerminal } from '#core/tasks/task-projection.ts';
import { matchingTasks, type TasksQuery } from '#core/tasks/task-query.ts';
import type { TaskRunner } from '#adapters/read-models/task-runner.ts';
import type { IndexTask } from './index-lifecycle.ts';
import type { LogWriter } from './log-writer.ts';

export interface TaskAdminDeps {
  readonly writer: LogWriter;
  readonly tasks: Pick<TaskRunner, 'state' | 'waitForOffset' | 'waitCaughtUp'>;
  readonly replicationFactor: number;
  /** How long the task waits for this process to fold the log up to it (default 30 s). */
  readonly foldWaitMs?: number;
  readonly onBackgroundError?: (err: unknown, taskUid: number) => void;
}

/** Which tasks the caller's key may touch, by the task's index (null: a task of no index). */
export type TaskVisibility = (indexUid: string | null) => boolean;

const ALL_TASKS: TaskVisibility = () => true;

export interface TaskAdmin {
  /**
   * `POST /tasks/cancel`: `originalFilter` is `?` and the raw query string. Only tasks `visible`
   * to the caller's key match, as Meilisearch limits a scoped key to its indexes' tasks.
   */
  cancel(query: TasksQuery, originalFilter: string, visible?: TaskVisibility): Promise<IndexTask>;
  /** `DELETE /tasks`, limited the same way. */
  delete(query: TasksQuery, originalFilter: string, visible?: TaskVisibility): Promise<IndexTask>;
}

type Action = 'cancel' | 'delete';

function recordFor(
  action: Action,
  uid: number,
  by: number,
  writeId: string,
): TaskCanceledEvent | TaskDeletedEvent {
  const envelope = { indexUid: null, generation: null, timestamp: Date.now(), taskUid: uid };
  return action === 'cancel'
    ? {
        ...envelope,
        eventId: `${writeId}:canceled:${uid}`,
        type: 'TaskCanceled',
        schemaVersion: currentSchemaVersion('TaskCanceled'),
        canceledBy: by,
      }
    : {
        ...envelope,
        eventId: `${writeId}:deleted:${uid}`,
        type: 'TaskDeleted',
        schemaVersion: currentSchemaVersion('TaskDeleted'),
        deletedBy: by,
      };
}

export function createTaskAdmin(deps: TaskAdminDeps): TaskAdmin {
  const { writer, tasks } = deps;
  const waitMs = deps.foldWaitMs ?? 30_000;

  const run = async (
    action: Action,
    query: TasksQuery,
    visible: TaskVisibility,
    taskUid: number,
    writeId: string,
  ): Promise<number> => {
    // Every task enqueued before this one is folded here once the projection passed its offset.
    await tasks.waitForOffset(taskUid, waitMs);
    const targets = matchingTasks(tasks.state(), query).filter(
      (t) =>
        t.uid < taskUid &&
        visible(t.enqueued?.indexUid ?? null) &&
        (action === 'cancel' ? !isTerminal(t) : isTerminal(t)),
    );
    if (targets.length === 0) return 0;
    const offsets = await Promise.all(
      targets.map((t) => writer.appendTask(recordFor(action, t.uid, taskUid, writeId))),
    );
    await tasks.waitForOffset(Math.max(...offsets), waitMs);
    const table = tasks.state();
    return targets.filter((t) => {
      const now = table.get(t.uid);
      return action === 'cancel' ? now?.canceledBy === taskUid : now?.deletedBy === taskUid;
    }).length;
  };

  const enqueue = async (
    action: Action,
    query: TasksQuery,
    originalFilter: string,
    visible: TaskVisibility,
  ): Promise<IndexTask> => {
    const writeId = randomUUID();
    const stamp = { writeId, timestamp: Date.now() };
    // `matchedTasks` counts what the query matches now: every task appended before this request,
    // including one this process's projection has not folded yet (e.g. enqueued a moment ago).
    await tasks.waitCaughtUp(waitMs);
    const matchedTasks = matchingTasks(tasks.state(), query).filter((t) =>
      visible(t.enqueued?.indexUid ?? null),
    ).length;
    const taskType = action === 'cancel' ? 'taskCancelation' : 'taskDeletion';
    const taskUid = await writer.appendTask(
      taskEnqueued(stamp, taskType, null, { matchedTasks, originalFilter }, deps.replicationFactor),
    );
    void run(action, query, visible, taskUid, writeId)
      .then(
        (count) =>
          writer.appendTask(
            taskSucceeded({ writeId, timestamp: Date.now() }, taskUid, null, { deletedDocuments: count }),
          ),
        (err: unknown) =>
          writer.appendTask(taskFailed({ writeId, timestamp: Date.now() }, taskUid, null, errorBody(err))),
      )
      .catch((err: unknown) => deps.onBackgroundError?.(err, taskUid));
    return { taskUid, enqueuedAt: stamp.timestamp };
  };

  return {
    cancel: (query, originalFilter, visible = ALL_TASKS) => enqueue('cancel', query, originalFilter, visible),
    delete: (query, originalFilter, visible = ALL_TASKS) => enqueue('delete', query, originalFilter, visible),
  };
}
