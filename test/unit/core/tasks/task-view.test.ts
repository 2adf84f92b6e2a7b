import { describe, expect, it } from 'vitest';
import { applyTaskRecord, type TaskLogRecord, type TaskState } from '#core/tasks/task-projection.ts';
import { formatTaskDuration, renderEnqueuedTask, renderTask } from '#core/tasks/task-view.ts';
import type { TaskView } from '#core/tasks/task-kinds.ts';
import {
  applied,
  enqueued,
  INVALID_ID_ERROR,
  shard,
  shardFailed,
  T0,
  taskSucceeded,
} from '#test/fixtures/events.tasks.ts';

function view(records: readonly TaskLogRecord[], uid: number): TaskView {
  const table = new Map<number, TaskState>();
  for (const record of records) applyTaskRecord(table, record);
  const rendered = renderTask(table.get(uid) as TaskState);
  if (rendered === null) throw new Error('task not rendered');
  return rendered;
}

const twoShards = [shard(0, 3, ['a']), shard(1, 2, ['b'])];

describe('task view', () => {
  it('given an enqueued addition, when rendered, then it has Meilisearch keys in order and null counters', () => {
    const task = view([enqueued({ uid: 5, shards: twoShards, details: { receivedDocuments: 5 } })], 5);
    expect(Object.keys(task)).toEqual([
      'uid',
      'batchUid',
      'indexUid',
      'status',
      'type',
      'canceledBy',
      'details',
      'error',
      'duration',
      'enqueuedAt',
      'startedAt',
      'finishedAt',
    ]);
    expect(task).toEqual({
      uid: 5,
      batchUid: null,
      indexUid: 'movies',
      status: 'enqueued',
      type: 'documentAdditionOrUpdate',
      canceledBy: null,
      details: { receivedDocuments: 5, indexedDocuments: null },
      error: null,
      duration: null,
      enqueuedAt: '2026-02-01T12:00:00.000Z',
      startedAt: null,
      finishedAt: null,
    });
  });

  it('given a succeeded addition, when rendered, then indexedDocuments sums node reports per shard and duration is ISO-8601', () => {
    const records = [
      enqueued({ uid: 5, shards: twoShards, details: { receivedDocuments: 5 } }),
      applied(5, 0, 'a', 0, T0 + 1000, { indexed: 3 }),
      applied(5, 1, 'b', 0, T0 + 2250, { indexed: 1 }),
    ];
    expect(view(records, 5)).toMatchObject({
      status: 'succeeded',
      batchUid: 5,
      details: { receivedDocuments: 5, indexedDocuments: 4 },
      duration: 'PT1.250S',
      startedAt: '2026-02-01T12:00:01.000Z',
      finishedAt: '2026-02-01T12:00:02.250Z',
    });
  });

  it('given shards without node counts, when rendered, then the enqueued per-shard counts stand in', () => {
    const records = [
      enqueued({ uid: 5, shards: twoShards, details: { receivedDocuments: 5 } }),
      applied(5, 0, 'a', 0, T0),
      applied(5, 1, 'b', 0, T0),
    ];
    expect(view(records, 5).details).toEqual({ receivedDocuments: 5, indexedDocuments: 5 });
  });

  it('given a failed task, when rendered, then counters are 0 and the error is the node error object', () => {
    const records = [
      enqueued({ uid: 5, shards: twoShards, details: { receivedDocuments: 5 } }),
      shardFailed(5, 1, 'b', 0, T0 + 9),
    ];
    expect(view(records, 5)).toMatchObject({
      status: 'failed',
      details: { receivedDocuments: 5, indexedDocuments: 0 },
      error: INVALID_ID_ERROR,
      duration: 'PT0S',
    });
  });

  it('given the three kinds of document deletion, when rendered, then details follow Meilisearch per kind', () => {
    const byIds = enqueued({
      uid: 1,
      type: 'documentDeletion',
      shards: [shard(0, 2, ['a'])],
      details: { receivedDocuments: null, providedIds: 2 },
    });
    expect(view([byIds], 1).details).toEqual({
      providedIds: 2,
      deletedDocuments: null,
      originalFilter: null,
    });
    expect(view([byIds, applied(1, 0, 'a', 0, T0, { deleted: 1 })], 1).details).toEqual({
      providedIds: 2,
      deletedDocuments: 1,
      originalFilter: null,
    });

    const byFilter = enqueued({
      uid: 2,
      type: 'documentDeletion',
      shards: [shard(0, 0, ['a'])],
      details: { receivedDocuments: null, originalFilter: '"genre = horror"' },
    });
    expect(view([byFilter, applied(2, 0, 'a', 0, T0, { deleted: 7 })], 2).details).toEqual({
      providedIds: 0,
      deletedDocuments: 7,
      originalFilter: '"genre = horror"',
    });

    const clear = enqueued({
      uid: 3,
      type: 'documentDeletion',
      shards: [shard(0, 0, ['a'])],
      details: { receivedDocuments: null },
    });
    expect(view([clear], 3).details).toEqual({ deletedDocuments: null });
    expect(view([clear, applied(3, 0, 'a', 0, T0)], 3).details).toEqual({ deletedDocuments: 0 });
  });

  it('given a settings update, when rendered, then details are the settings object the client sent', () => {
    const settings = { filterableAttributes: ['genres'], stopWords: null };
    const task = view(
      [
        enqueued({
          uid: 1,
          type: 'settingsUpdate',
          details: { receivedDocuments: null, settings: JSON.stringify(settings) },
        }),
      ],
      1,
    );
    expect(task.details).toEqual(settings);
  });

  it('given index tasks, when rendered, then details carry the primary key, renames and deleted documents', () => {
    expect(
      view(
        [
          enqueued({
            uid: 1,
            type: 'indexCreation',
            shards: [],
            details: { receivedDocuments: null, primaryKey: 'id' },
          }),
        ],
        1,
      ).details,
    ).toEqual({ primaryKey: 'id' });
    expect(
      view(
        [
          enqueued({
            uid: 2,
            type: 'indexUpdate',
            shards: [],
            details: { receivedDocuments: null, primaryKey: null, oldIndexUid: 'a', newIndexUid: 'b' },
          }),
        ],
        2,
      ).details,
    ).toEqual({ primaryKey: null, oldIndexUid: 'a', newIndexUid: 'b' });
    const deletion = enqueued({
      uid: 3,
      type: 'indexDeletion',
      shards: [],
      details: { receivedDocuments: null },
    });
    expect(view([deletion, taskSucceeded(3, T0 + 1, { deleted: 42 })], 3).details).toEqual({
      deletedDocuments: 42,
    });
    expect(
      view(
        [
          enqueued({
            uid: 4,
            type: 'indexSwap',
            indexUid: null,
            shards: [],
            details: { receivedDocuments: null, swaps: '[{"indexes":["a","b"],"rename":false}]' },
          }),
        ],
        4,
      ),
    ).toMatchObject({
      indexUid: null,
      details: { swaps: [{ indexes: ['a', 'b'], rename: false }] },
    });
  });

  it('given a snapshot task, when rendered, then the details key is left out', () => {
    const task = view(
      [
        enqueued({
          uid: 1,
          type: 'snapshotCreation',
          indexUid: null,
          shards: [],
          details: { receivedDocuments: null },
        }),
      ],
      1,
    );
    expect('details' in task).toBe(false);
  });

  it('given custom metadata, when rendered, then it comes last and only when set', () => {
    const task = view([enqueued({ uid: 1, customMetadata: 'run-7' })], 1);
    expect(Object.keys(task).at(-1)).toBe('customMetadata');
    expect(task.customMetadata).toBe('run-7');
  });

  it('given an enqueued write, when its 202 body is rendered, then it is the EnqueuedTask shape', () => {
    expect(
      renderEnqueuedTask(12, {
        type: 'documentAdditionOrUpdate',
        indexUid: 'movies',
        enqueuedAt: T0,
        customMetadata: null,
      }),
    ).toEqual({
      taskUid: 12,
      indexUid: 'movies',
      status: 'enqueued',
      type: 'documentAdditionOrUpdate',
      enqueuedAt: '2026-02-01T12:00:00.000Z',
    });
  });

  it('given durations, when formatted, then they follow Meilisearch ISO-8601 (days, seconds, shortest exact fraction)', () => {
    expect(formatTaskDuration(0)).toBe('PT0S');
    expect(formatTaskDuration(9)).toBe('PT0.009S');
    expect(formatTaskDuration(500)).toBe('PT0.500S');
    expect(formatTaskDuration(1000)).toBe('PT1S');
    expect(formatTaskDuration(3_723_450)).toBe('PT3723.450S');
    expect(formatTaskDuration(86_403_000)).toBe('P1DT3S');
  });
});
