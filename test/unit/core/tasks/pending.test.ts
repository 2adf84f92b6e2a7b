import { describe, expect, it } from 'vitest';
import { openTasksBefore } from '#core/tasks/pending.ts';
import type { TaskState, TaskStateStatus } from '#core/tasks/task-projection.ts';

function task(uid: number, indexUid: string | null, status: TaskStateStatus): TaskState {
  return {
    uid,
    enqueued: {
      type: 'documentAdditionOrUpdate',
      indexUid,
      enqueuedAt: 0,
      replicationFactor: 1,
      shards: [],
      details: {},
      customMetadata: null,
    },
    status,
    applies: [],
    error: null,
    startedAt: null,
    finishedAt: null,
    outcome: null,
  } as unknown as TaskState;
}

describe('openTasksBefore', () => {
  it('lists the non-final tasks of one index enqueued before a uid, ascending', () => {
    const table = new Map<number, TaskState>(
      [
        task(9, 'books', 'processing'),
        task(3, 'books', 'enqueued'),
        task(4, 'books', 'succeeded'),
        task(5, 'books', 'failed'),
        task(6, 'movies', 'enqueued'),
        task(12, 'books', 'enqueued'),
      ].map((t) => [t.uid, t]),
    );
    expect(openTasksBefore(table, 'books', 10)).toEqual([3, 9]);
    expect(openTasksBefore(table, 'movies', 10)).toEqual([6]);
    expect(openTasksBefore(table, 'books', 3)).toEqual([]);
  });
});
