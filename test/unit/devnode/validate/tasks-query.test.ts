import { describe, expect, it } from 'vitest';
import type { MiroirError } from '#core/errors.ts';
import type { TaskRecord } from '#devnode/tasks/types.ts';
import { parseTaskQuery } from '#devnode/validate/tasks-query.ts';

const task = (over: Partial<TaskRecord>): TaskRecord => ({
  uid: 0,
  batchUid: 0,
  indexUid: 'movies',
  status: 'succeeded',
  type: 'documentAdditionOrUpdate',
  canceledBy: null,
  details: {},
  error: null,
  duration: 'PT0S',
  enqueuedAt: '2024-05-01T10:00:00.000Z',
  startedAt: '2024-05-01T10:00:01.000Z',
  finishedAt: '2024-05-01T10:00:02.000Z',
  ...over,
});

function caught(fn: () => unknown): MiroirError {
  try {
    fn();
  } catch (err) {
    return err as MiroirError;
  }
  throw new Error('expected an error');
}

describe('task filters', () => {
  it('matches on uids, types (any case), statuses and index uids', () => {
    const q = parseTaskQuery(
      { uids: '1,2', types: 'DOCUMENTADDITIONORUPDATE', statuses: 'succeeded', indexUids: 'movies' },
      'list',
    );
    expect(q.matches(task({ uid: 1 }))).toBe(true);
    expect(q.matches(task({ uid: 3 }))).toBe(false);
    expect(q.matches(task({ uid: 2, status: 'failed' }))).toBe(false);
    expect(q.matches(task({ uid: 2, indexUid: 'books' }))).toBe(false);
    expect(q.limit).toBe(20);
  });

  it('treats date bounds as exclusive and a date-only after bound as the end of that day', () => {
    expect(parseTaskQuery({ afterEnqueuedAt: '2024-05-01T09:00:00Z' }, 'list').matches(task({}))).toBe(true);
    expect(parseTaskQuery({ afterEnqueuedAt: '2024-05-01' }, 'list').matches(task({}))).toBe(false);
    expect(parseTaskQuery({ beforeEnqueuedAt: '2024-05-02' }, 'list').matches(task({}))).toBe(true);
    expect(parseTaskQuery({ beforeFinishedAt: '2024-05-01T10:00:02Z' }, 'list').matches(task({}))).toBe(
      false,
    );
  });

  it('rejects bad values with the parameter code', () => {
    expect(caught(() => parseTaskQuery({ statuses: 'doggo' }, 'list')).message).toBe(
      'Invalid value in parameter `statuses`: `doggo` is not a valid task status. Available statuses are `enqueued`, `processing`, `succeeded`, `failed`, `canceled`.',
    );
    expect(caught(() => parseTaskQuery({ types: 'doggo' }, 'list')).code).toBe('invalid_task_types');
    expect(caught(() => parseTaskQuery({ uids: 'x' }, 'list')).code).toBe('invalid_task_uids');
    expect(caught(() => parseTaskQuery({ indexUids: 'bad uid' }, 'list')).code).toBe('invalid_index_uid');
    const date = caught(() => parseTaskQuery({ afterStartedAt: 'yesterday' }, 'list'));
    expect(date.code).toBe('invalid_task_after_started_at');
    expect(date.message).toBe(
      'Invalid value in parameter `afterStartedAt`: `yesterday` is an invalid date-time. It should follow the YYYY-MM-DD or RFC 3339 date-time format.',
    );
  });

  it('requires a filter to cancel or delete', () => {
    const err = caught(() => parseTaskQuery({}, 'delete'));
    expect(err.code).toBe('missing_task_filters');
    expect(err.message).toMatch(
      /^Query parameters to filter the tasks to delete are missing\. Available query parameters are: `uids`, `indexUids`/,
    );
    expect(caught(() => parseTaskQuery({ limit: '3' }, 'cancel')).code).toBe('bad_request');
  });
});
