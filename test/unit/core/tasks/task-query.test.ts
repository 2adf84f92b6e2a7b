import { describe, expect, it } from 'vitest';
import { isMiroirError } from '#core/errors.ts';
import { applyTaskRecord, type TaskLogRecord, type TaskState } from '#core/tasks/task-projection.ts';
import {
  getTask,
  parseTaskDate,
  parseTasksQuery,
  queryTasks,
  type RawQuery,
} from '#core/tasks/task-query.ts';
import { applied, enqueued, shard, shardFailed, T0 } from '#test/fixtures/events.tasks.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// 10 tasks, uids 0..9, one hour apart; even uids on `movies`, odd on `books`; uid 8 is a settings
// update; 0..5 succeeded (started and finished 10 min after enqueue); 6 failed; 7..9 enqueued.
function table(): Map<number, TaskState> {
  const records: TaskLogRecord[] = [];
  for (let uid = 0; uid < 10; uid += 1) {
    const at = T0 + uid * HOUR;
    records.push(
      enqueued({
        uid,
        at,
        indexUid: uid % 2 === 0 ? 'movies' : 'books',
        type: uid === 8 ? 'settingsUpdate' : 'documentAdditionOrUpdate',
        shards: [shard(0, 1, ['n1'])],
      }),
    );
    if (uid <= 5) records.push(applied(uid, 0, 'n1', 0, at + 10 * 60_000));
    if (uid === 6) records.push(shardFailed(uid, 0, 'n1', 0, at + 10 * 60_000));
  }
  const t = new Map<number, TaskState>();
  for (const r of records) applyTaskRecord(t, r);
  return t;
}

const tasks = table();
const list = (raw: RawQuery) => queryTasks(tasks, parseTasksQuery(raw));
const uids = (raw: RawQuery) => list(raw).results.map((t) => t.uid);

function error(fn: () => unknown): { message: string; code: string; status: number } {
  try {
    fn();
  } catch (err) {
    if (isMiroirError(err)) return { message: err.message, code: err.code, status: err.status };
    throw err;
  }
  throw new Error('expected an error');
}

describe('GET /tasks', () => {
  describe('pagination', () => {
    it('given no parameters, when listed, then newest first, limit 20, from = first uid, next null', () => {
      expect(list({})).toMatchObject({ total: 10, limit: 20, from: 9, next: null });
      expect(uids({})).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    });

    it('given a limit, when listed, then next is the uid that starts the next page and total ignores the limit', () => {
      expect(list({ limit: '3' })).toMatchObject({ total: 10, limit: 3, from: 9, next: 6 });
      expect(uids({ limit: '3', from: '6' })).toEqual([6, 5, 4]);
      expect(list({ limit: '3', from: '6' })).toMatchObject({ total: 10, from: 6, next: 3 });
      expect(list({ limit: '3', from: '2' })).toMatchObject({ from: 2, next: null });
    });

    it('given reverse=true, when listed, then oldest first and from is a lower bound', () => {
      expect(uids({ reverse: 'true', limit: '4' })).toEqual([0, 1, 2, 3]);
      expect(list({ reverse: 'true', limit: '4', from: '7' })).toMatchObject({
        from: 7,
        next: null,
        total: 10,
      });
      expect(uids({ reverse: 'true', from: '7' })).toEqual([7, 8, 9]);
    });

    it('given limit 0 or a from past every task, when listed, then results are empty but total still counts', () => {
      expect(list({ limit: '0' })).toEqual({ results: [], total: 10, limit: 0, from: null, next: 9 });
      expect(list({ reverse: 'true', from: '100' })).toEqual({
        results: [],
        total: 10,
        limit: 20,
        from: null,
        next: null,
      });
    });
  });

  describe('filters', () => {
    it('given uids, statuses, types and indexUids, when listed, then they combine with AND and lists with OR', () => {
      expect(uids({ uids: '1,3,4,99' })).toEqual([4, 3, 1]);
      expect(uids({ statuses: 'enqueued' })).toEqual([9, 8, 7]);
      expect(uids({ statuses: 'failed,enqueued' })).toEqual([9, 8, 7, 6]);
      expect(uids({ types: 'settingsUpdate' })).toEqual([8]);
      expect(uids({ types: 'SETTINGSUPDATE' })).toEqual([8]);
      expect(uids({ indexUids: 'books', statuses: 'succeeded' })).toEqual([5, 3, 1]);
      expect(list({ indexUids: 'books', statuses: 'succeeded', limit: '1' })).toMatchObject({
        total: 3,
        next: 3,
      });
    });

    it('given * in a list, when listed, then the filter matches anything', () => {
      expect(uids({ statuses: 'succeeded,*' })).toHaveLength(10);
      expect(uids({ indexUids: '*', uids: '*' })).toHaveLength(10);
    });

    it('given batchUids, when listed, then each started task is its own batch', () => {
      expect(uids({ batchUids: '2,7' })).toEqual([2]);
    });

    it('given canceledBy, when listed, then nothing matches (Miroir never cancels)', () => {
      expect(uids({ canceledBy: '1' })).toEqual([]);
    });

    it('given date bounds, when listed, then they are exclusive and tasks lacking that date never match a bound on it', () => {
      const iso = (ms: number) => new Date(ms).toISOString();
      expect(uids({ afterEnqueuedAt: iso(T0 + 7 * HOUR) })).toEqual([9, 8]);
      expect(uids({ beforeEnqueuedAt: iso(T0 + 2 * HOUR) })).toEqual([1, 0]);
      expect(uids({ afterStartedAt: iso(T0 + 4 * HOUR) })).toEqual([6, 5, 4]);
      expect(uids({ beforeFinishedAt: iso(T0 + HOUR + 10 * 60_000) })).toEqual([0]);
      expect(uids({ afterFinishedAt: '*' })).toHaveLength(10);
    });

    it('given a date-only bound, when parsed, then after means after the end of that day and before means before its start', () => {
      expect(parseTaskDate('2021-12-03', 'after')).toBe(Date.UTC(2021, 11, 4));
      expect(parseTaskDate('2021-12-03', 'before')).toBe(Date.UTC(2021, 11, 3));
      expect(parseTaskDate('1997-11-12T09:55:06-06:20', 'after')).toBe(Date.UTC(1997, 10, 12, 16, 15, 6));
      expect(parseTaskDate('1997-11-12T09:55:06.200000300Z', 'after')).toBe(
        Date.UTC(1997, 10, 12, 9, 55, 6, 200),
      );
      expect(uids({ afterEnqueuedAt: new Date(T0).toISOString().slice(0, 10) })).toEqual([]);
      expect(uids({ beforeEnqueuedAt: new Date(T0 + DAY).toISOString().slice(0, 10) })).toHaveLength(10);
    });
  });

  describe('validation errors (Meilisearch messages)', () => {
    it('given a non-numeric uid in a list, when parsed, then invalid_task_uids points at the item', () => {
      expect(error(() => parseTasksQuery({ uids: 'cat' }))).toEqual({
        message: 'Invalid value in parameter `uids`: could not parse `cat` as a positive integer',
        code: 'invalid_task_uids',
        status: 400,
      });
      expect(error(() => parseTasksQuery({ uids: '78,hello,world' })).message).toBe(
        'Invalid value in parameter `uids[1]`: could not parse `hello` as a positive integer',
      );
      expect(error(() => parseTasksQuery({ uids: 'cat,*,dog' })).message).toBe(
        'Invalid value in parameter `uids[0]`: could not parse `cat` as a positive integer',
      );
      expect(error(() => parseTasksQuery({ batchUids: '-1' })).code).toBe('invalid_batch_uids');
      expect(error(() => parseTasksQuery({ canceledBy: 'doggo' })).message).toBe(
        'Invalid value in parameter `canceledBy`: could not parse `doggo` as a positive integer',
      );
    });

    it('given a bad status or type, when parsed, then the message lists the available values', () => {
      expect(error(() => parseTasksQuery({ statuses: 'finished' }))).toEqual({
        message:
          'Invalid value in parameter `statuses`: `finished` is not a valid task status. Available statuses are `enqueued`, `processing`, `succeeded`, `failed`, `canceled`.',
        code: 'invalid_task_statuses',
        status: 400,
      });
      expect(error(() => parseTasksQuery({ types: 'createIndex' }))).toEqual({
        message:
          'Invalid value in parameter `types`: `createIndex` is not a valid task type. Available types are `documentAdditionOrUpdate`, `documentEdition`, `documentDeletion`, `settingsUpdate`, `indexCreation`, `indexDeletion`, `indexUpdate`, `indexSwap`, `taskCancelation`, `taskDeletion`, `dumpCreation`, `snapshotCreation`, `export`, `upgradeDatabase`, `indexCompaction`, `networkTopologyChange`, `dsrUpdate`, `dsrClear`.',
        code: 'invalid_task_types',
        status: 400,
      });
    });

    it('given a bad index uid, when parsed, then invalid_index_uid with the index uid message', () => {
      expect(error(() => parseTasksQuery({ indexUids: '1,hé' }))).toEqual({
        message:
          'Invalid value in parameter `indexUids[1]`: `hé` is not a valid index uid. Index uid can be an integer or a string containing only alphanumeric characters, hyphens (-) and underscores (_), and can not be more than 512 bytes.',
        code: 'invalid_index_uid',
        status: 400,
      });
    });

    it('given bad limit, from or reverse, when parsed, then each has its own code', () => {
      expect(error(() => parseTasksQuery({ limit: 'doggo' }))).toMatchObject({
        code: 'invalid_task_limit',
        message: 'Invalid value in parameter `limit`: could not parse `doggo` as a positive integer',
      });
      expect(error(() => parseTasksQuery({ limit: '-1' })).code).toBe('invalid_task_limit');
      expect(error(() => parseTasksQuery({ limit: '4294967296' })).code).toBe('invalid_task_limit');
      expect(error(() => parseTasksQuery({ from: '*' })).message).toBe(
        'Invalid value in parameter `from`: could not parse `*` as a positive integer',
      );
      expect(error(() => parseTasksQuery({ reverse: 'doggo' }))).toMatchObject({
        code: 'invalid_task_reverse',
        message:
          'Invalid value in parameter `reverse`: could not parse `doggo` as a boolean, expected either `true` or `false`',
      });
    });

    it('given bad dates, when parsed, then each date parameter has its own code', () => {
      expect(error(() => parseTasksQuery({ afterFinishedAt: '2021' }))).toEqual({
        message:
          'Invalid value in parameter `afterFinishedAt`: `2021` is an invalid date-time. It should follow the YYYY-MM-DD or RFC 3339 date-time format.',
        code: 'invalid_task_after_finished_at',
        status: 400,
      });
      expect(error(() => parseTasksQuery({ beforeEnqueuedAt: '2021-12-03T23' })).code).toBe(
        'invalid_task_before_enqueued_at',
      );
      expect(error(() => parseTasksQuery({ afterStartedAt: '2021-12-03T23:45' })).code).toBe(
        'invalid_task_after_started_at',
      );
      expect(error(() => parseTasksQuery({ beforeStartedAt: '2021-02-30' })).code).toBe(
        'invalid_task_before_started_at',
      );
    });

    it('given an unknown parameter, when parsed, then bad_request lists the accepted ones with a suggestion when close', () => {
      const accepted =
        'expected one of `limit`, `from`, `reverse`, `batchUids`, `uids`, `canceledBy`, `types`, `statuses`, `indexUids`, `afterEnqueuedAt`, `beforeEnqueuedAt`, `afterStartedAt`, `beforeStartedAt`, `afterFinishedAt`, `beforeFinishedAt`';
      expect(error(() => parseTasksQuery({ doggo: '1' }))).toEqual({
        message: `Unknown parameter \`doggo\`: ${accepted}`,
        code: 'bad_request',
        status: 400,
      });
      expect(error(() => parseTasksQuery({ statuse: 'failed' })).message).toBe(
        `Unknown parameter \`statuse\`: did you mean \`statuses\`? ${accepted}`,
      );
    });
  });
});

describe('GET /tasks/{uid}', () => {
  it('given a known uid, when fetched, then the task object is returned', () => {
    expect(getTask(tasks, '6')).toMatchObject({ uid: 6, status: 'failed', indexUid: 'movies' });
  });

  it('given an unknown uid, when fetched, then task_not_found (404)', () => {
    expect(error(() => getTask(tasks, '77'))).toEqual({
      message: 'Task `77` not found.',
      code: 'task_not_found',
      status: 404,
    });
  });

  it('given a non-numeric uid, when fetched, then invalid_task_uids (400)', () => {
    expect(error(() => getTask(tasks, 'abc'))).toEqual({
      message: 'Task uid `abc` is invalid. It should only contain numeric characters.',
      code: 'invalid_task_uids',
      status: 400,
    });
  });
});
