// TaskCanceled and TaskDeleted folded by the task projection: only open tasks are canceled, only
// final tasks are deleted, the first outcome wins, and replays change nothing.
import { describe, expect, it } from 'vitest';
import { applyTaskRecord, type TaskLogRecord, type TaskState } from '#core/tasks/task-projection.ts';
import { getTask, parseTasksQuery, queryTasks } from '#core/tasks/task-query.ts';
import { renderTask } from '#core/tasks/task-view.ts';
import {
  applied,
  enqueued,
  T0,
  taskCanceled,
  taskDeleted,
  taskSucceeded,
} from '#test/fixtures/events.tasks.ts';

function fold(records: readonly TaskLogRecord[]): Map<number, TaskState> {
  const table = new Map<number, TaskState>();
  for (const record of records) applyTaskRecord(table, record);
  return table;
}

const cancelation = (uid: number, matched: number): TaskLogRecord =>
  enqueued({
    uid,
    type: 'taskCancelation',
    indexUid: null,
    shards: [],
    details: { receivedDocuments: null, matchedTasks: matched, originalFilter: '?uids=1,2' },
  });

describe('task cancelation', () => {
  it('given an enqueued task, when TaskCanceled is folded, then it is canceled by that task with a finish date', () => {
    const table = fold([enqueued({ uid: 1 }), cancelation(5, 1), taskCanceled(1, T0 + 50, 5)]);
    const view = renderTask(table.get(1) as TaskState);
    expect(view).toMatchObject({
      status: 'canceled',
      canceledBy: 5,
      details: { receivedDocuments: 1, indexedDocuments: null },
      finishedAt: new Date(T0 + 50).toISOString(),
    });
  });

  it('given a task that succeeded first, when TaskCanceled is folded, then it keeps its outcome', () => {
    const table = fold([enqueued({ uid: 1 }), taskSucceeded(1, T0 + 10), taskCanceled(1, T0 + 50, 5)]);
    expect(table.get(1)).toMatchObject({ status: 'succeeded' });
    expect(table.get(1)?.canceledBy ?? null).toBeNull();
  });

  it('given a canceled task, when a late apply report arrives, then it stays canceled', () => {
    const table = fold([enqueued({ uid: 1 }), taskCanceled(1, T0 + 5, 5), applied(1, 0, 'n1', 0, T0 + 9)]);
    expect(table.get(1)).toMatchObject({ status: 'canceled', canceledBy: 5 });
  });

  it('given the cancelation task succeeded with its count, then its details show matched and canceled tasks', () => {
    const table = fold([cancelation(5, 2), taskSucceeded(5, T0 + 3, { deleted: 1 })]);
    expect(renderTask(table.get(5) as TaskState)).toMatchObject({
      indexUid: null,
      type: 'taskCancelation',
      details: { matchedTasks: 2, canceledTasks: 1, originalFilter: '?uids=1,2' },
    });
  });

  it('given canceled tasks, when GET /tasks filters on canceledBy, then only those match', () => {
    const table = fold([
      enqueued({ uid: 1 }),
      enqueued({ uid: 2 }),
      taskCanceled(1, T0 + 5, 5),
      taskCanceled(2, T0 + 5, 6),
    ]);
    const list = queryTasks(table, parseTasksQuery({ canceledBy: '5' }));
    expect(list.results.map((t) => t.uid)).toEqual([1]);
    expect(queryTasks(table, parseTasksQuery({ statuses: 'canceled' })).total).toBe(2);
  });

  it('folding a TaskCanceled twice equals folding it once', () => {
    const once = fold([enqueued({ uid: 1 }), taskCanceled(1, T0 + 5, 5)]);
    const twice = fold([enqueued({ uid: 1 }), taskCanceled(1, T0 + 5, 5), taskCanceled(1, T0 + 5, 5)]);
    expect(twice).toEqual(once);
  });
});

describe('task deletion', () => {
  it('given a finished task, when TaskDeleted is folded, then GET /tasks and GET /tasks/{uid} no longer show it', () => {
    const table = fold([
      enqueued({ uid: 1 }),
      taskSucceeded(1, T0 + 1),
      enqueued({ uid: 2 }),
      taskDeleted(1, T0 + 9, 7),
    ]);
    expect(() => getTask(table, '1')).toThrow(expect.objectContaining({ code: 'task_not_found' }));
    expect(queryTasks(table, parseTasksQuery({})).results.map((t) => t.uid)).toEqual([2]);
  });

  it('given an open task, when TaskDeleted is folded, then it stays (Meilisearch deletes only finished tasks)', () => {
    const table = fold([enqueued({ uid: 1 }), taskDeleted(1, T0 + 9, 7)]);
    expect(renderTask(table.get(1) as TaskState)).toMatchObject({ status: 'enqueued' });
  });

  it('given a deleted task, when a late record arrives, then it stays deleted', () => {
    const table = fold([
      enqueued({ uid: 1 }),
      taskSucceeded(1, T0 + 1),
      taskDeleted(1, T0 + 9, 7),
      applied(1, 0, 'n1', 0, T0 + 10),
    ]);
    expect(renderTask(table.get(1) as TaskState)).toBeNull();
  });
});
