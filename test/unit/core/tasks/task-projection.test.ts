import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyTaskRecord,
  taskProjection,
  type TaskLogRecord,
  type TaskState,
} from '#core/tasks/task-projection.ts';
import { renderTask } from '#core/tasks/task-view.ts';
import {
  applied,
  enqueued,
  INVALID_ID_ERROR,
  shard,
  shardFailed,
  T0,
  taskFailed,
  taskSucceeded,
} from '#test/fixtures/events.tasks.ts';

/** Folds records in order into a fresh table (the given/when part of every test). */
function fold(records: readonly TaskLogRecord[]): Map<number, TaskState> {
  const table = new Map<number, TaskState>();
  for (const record of records) applyTaskRecord(table, record);
  return table;
}

function statusOf(records: readonly TaskLogRecord[], uid: number): string | undefined {
  return fold(records).get(uid)?.status;
}

describe('task projection', () => {
  it('is a named, versioned projection whose key is the TaskEnqueued offset or the event task uid', () => {
    expect(taskProjection).toMatchObject({ name: 'tasks', version: 2, initialState: null });
    expect(taskProjection.keyOf(enqueued({ uid: 17 }))).toBe(17);
    expect(taskProjection.keyOf(applied(17, 0, 'n1', 0, T0))).toBe(17);
  });

  describe('lifecycle', () => {
    it('given a TaskEnqueued, when folded, then the task is enqueued with no start or finish', () => {
      const task = fold([enqueued({ uid: 3 })]).get(3);
      expect(task).toMatchObject({
        uid: 3,
        status: 'enqueued',
        startedAt: null,
        finishedAt: null,
        error: null,
      });
    });

    it('given one of two shards applied, when folded, then the task is processing since that apply', () => {
      const records = [
        enqueued({ uid: 1, shards: [shard(0, 1, ['n1']), shard(1, 1, ['n2'])] }),
        applied(1, 0, 'n1', 0, T0 + 50),
      ];
      expect(fold(records).get(1)).toMatchObject({
        status: 'processing',
        startedAt: T0 + 50,
        finishedAt: null,
      });
    });

    it('given every shard applied, when folded, then the task succeeded when the last shard reached quorum', () => {
      const records = [
        enqueued({ uid: 1, shards: [shard(0, 1, ['n1']), shard(1, 1, ['n2'])] }),
        applied(1, 1, 'n2', 0, T0 + 50),
        applied(1, 0, 'n1', 0, T0 + 80),
      ];
      expect(fold(records).get(1)).toMatchObject({
        status: 'succeeded',
        startedAt: T0 + 50,
        finishedAt: T0 + 80,
      });
    });

    it('given a node rejecting the documents of one shard, when folded, then the task failed with the node error', () => {
      const records = [
        enqueued({ uid: 1, shards: [shard(0, 1, ['n1']), shard(1, 1, ['n2'])] }),
        applied(1, 0, 'n1', 0, T0 + 10),
        shardFailed(1, 1, 'n2', 0, T0 + 20),
      ];
      expect(fold(records).get(1)).toMatchObject({
        status: 'failed',
        error: INVALID_ID_ERROR,
        startedAt: T0 + 10,
        finishedAt: T0 + 20,
      });
    });

    it('given a failed task, when a late apply arrives, then it stays failed (the first outcome wins)', () => {
      const records = [
        enqueued({ uid: 1 }),
        shardFailed(1, 0, 'n1', 0, T0 + 20),
        applied(1, 0, 'n9', 0, T0 + 30),
        taskSucceeded(1, T0 + 40),
      ];
      expect(fold(records).get(1)).toMatchObject({ status: 'failed', finishedAt: T0 + 20 });
    });

    it('given a succeeded task, when a TaskFailed arrives later, then it stays succeeded', () => {
      expect(
        statusOf(
          [enqueued({ uid: 1 }), applied(1, 0, 'n1', 0, T0 + 5), taskFailed(1, T0 + 9, INVALID_ID_ERROR)],
          1,
        ),
      ).toBe('succeeded');
    });

    it('given a task without shard work, when TaskSucceeded or TaskFailed arrives, then that decides its outcome', () => {
      const creation = enqueued({
        uid: 4,
        type: 'indexCreation',
        shards: [],
        details: { receivedDocuments: null, primaryKey: 'id' },
      });
      expect(statusOf([creation], 4)).toBe('enqueued');
      expect(fold([creation, taskSucceeded(4, T0 + 3)]).get(4)).toMatchObject({
        status: 'succeeded',
        startedAt: T0 + 3,
        finishedAt: T0 + 3,
      });
      const error = {
        message: 'Index `movies` already exists.',
        code: 'index_already_exists',
        type: 'invalid_request',
        link: 'https://docs.meilisearch.com/errors#index_already_exists',
      };
      expect(fold([creation, taskFailed(4, T0 + 3, error)]).get(4)).toMatchObject({
        status: 'failed',
        error,
      });
    });

    it('given applies from hosts with skewed clocks, when folded, then the task never finishes before it started', () => {
      const records = [
        enqueued({ uid: 1, shards: [shard(0, 1, ['n1']), shard(1, 1, ['n2'])] }),
        applied(1, 0, 'n1', 0, T0 + 100),
        applied(1, 1, 'n2', 0, T0 + 40),
      ];
      const task = fold(records).get(1);
      expect(task).toMatchObject({ status: 'succeeded', startedAt: T0 + 40 });
      expect(task?.finishedAt).toBeGreaterThanOrEqual(task?.startedAt ?? Infinity);
    });

    it('given records of a task whose TaskEnqueued fell out of retention, when folded, then the task is not shown', () => {
      const table = fold([applied(9, 0, 'n1', 0, T0)]);
      expect(table.get(9)?.enqueued).toBeNull();
      expect(renderTask(table.get(9) as TaskState)).toBeNull();
    });
  });

  describe('write quorum', () => {
    it('given RF 1, when the single owner applied, then the shard is done', () => {
      expect(
        statusOf([enqueued({ uid: 1, rf: 1, shards: [shard(0, 1, ['a'])] }), applied(1, 0, 'a', 0, T0)], 1),
      ).toBe('succeeded');
    });

    it('given RF 2 in one group, when one of two owners applied, then it waits for both', () => {
      const base = [
        enqueued({ uid: 1, rf: 2, shards: [shard(0, 1, ['a', 'b'])] }),
        applied(1, 0, 'a', 0, T0),
      ];
      expect(statusOf(base, 1)).toBe('processing');
      expect(statusOf([...base, applied(1, 0, 'b', 0, T0 + 1)], 1)).toBe('succeeded');
    });

    it('given RF 3, when 2 of 3 owners applied, then the majority is enough (the third node may have failed)', () => {
      const base = [
        enqueued({ uid: 1, rf: 3, shards: [shard(0, 1, ['a', 'b', 'c'])] }),
        applied(1, 0, 'a', 0, T0),
      ];
      expect(statusOf(base, 1)).toBe('processing');
      expect(statusOf([...base, applied(1, 0, 'c', 0, T0 + 1)], 1)).toBe('succeeded');
    });

    it('given RF 2 and a failed node, when only the other owner applied, then the task keeps processing', () => {
      const records = [
        enqueued({ uid: 1, rf: 2, shards: [shard(0, 1, ['a', 'dead'])] }),
        applied(1, 0, 'a', 0, T0),
      ];
      expect(statusOf(records, 1)).toBe('processing');
    });

    it('given 2 groups, when one group reached quorum, then the shard is done even if the other group lags', () => {
      const shards = [shard(0, 1, ['a', 'b'], ['c', 'd']), shard(1, 1, ['b', 'a'], ['d', 'c'])];
      const records = [
        enqueued({ uid: 1, rf: 2, shards }),
        applied(1, 0, 'c', 1, T0),
        applied(1, 0, 'd', 1, T0 + 1),
        applied(1, 1, 'a', 0, T0 + 2),
        applied(1, 1, 'c', 1, T0 + 3),
      ];
      // Shard 0 has quorum in group 1; shard 1 has one apply in each group: not yet.
      expect(statusOf(records, 1)).toBe('processing');
      expect(statusOf([...records, applied(1, 1, 'b', 0, T0 + 4)], 1)).toBe('succeeded');
    });

    it('given applies from different groups, when counted, then they never add up to one group quorum', () => {
      const records = [
        enqueued({ uid: 1, rf: 2, shards: [shard(0, 1, ['a', 'b'], ['c', 'd'])] }),
        applied(1, 0, 'a', 0, T0),
        applied(1, 0, 'c', 1, T0),
      ];
      expect(statusOf(records, 1)).toBe('processing');
    });

    it('given a group smaller than RF, when all its owners applied, then that is its quorum', () => {
      const records = [
        enqueued({ uid: 1, rf: 3, shards: [shard(0, 1, ['a', 'b'])] }),
        applied(1, 0, 'a', 0, T0),
        applied(1, 0, 'b', 0, T0),
      ];
      expect(statusOf(records, 1)).toBe('succeeded');
    });

    it('given a new owner that replayed the shard after a node failure, when it reports, then it counts toward quorum', () => {
      const records = [
        enqueued({ uid: 1, rf: 2, shards: [shard(0, 1, ['a', 'dead'])] }),
        applied(1, 0, 'a', 0, T0),
        applied(1, 0, 'replacement', 0, T0 + 60_000),
      ];
      expect(statusOf(records, 1)).toBe('succeeded');
    });

    it('given the same node reporting a shard twice, when counted, then it counts once', () => {
      const records = [
        enqueued({ uid: 1, rf: 2, shards: [shard(0, 1, ['a', 'b'])] }),
        applied(1, 0, 'a', 0, T0),
        applied(1, 0, 'a', 0, T0 + 5),
      ];
      expect(statusOf(records, 1)).toBe('processing');
    });
  });

  describe('idempotence (CONVENTIONS rule 6)', () => {
    const history: TaskLogRecord[] = [
      enqueued({ uid: 1, rf: 3, shards: [shard(0, 2, ['a', 'b', 'c']), shard(1, 3, ['b', 'c', 'a'])] }),
      applied(1, 0, 'a', 0, T0 + 1, { indexed: 2 }),
      applied(1, 1, 'b', 0, T0 + 2),
      applied(1, 0, 'b', 0, T0 + 3),
      applied(1, 1, 'c', 0, T0 + 4, { indexed: 3 }),
      applied(1, 1, 'a', 0, T0 + 5),
      enqueued({ uid: 2, type: 'indexCreation', shards: [] }),
      taskSucceeded(2, T0 + 6),
      enqueued({ uid: 3 }),
      shardFailed(3, 0, 'n1', 0, T0 + 7),
      taskFailed(3, T0 + 8, INVALID_ID_ERROR),
    ];

    it('given any state and record of a history, when the record is applied twice, then the state equals applying it once', () => {
      let state: TaskState | null = null;
      const byTask = new Map<number, TaskState | null>();
      for (const record of history) {
        const key = taskProjection.keyOf(record);
        state = byTask.get(key) ?? null;
        const once = taskProjection.evolve(state, record);
        const twice = taskProjection.evolve(once, record);
        expect(twice).toEqual(once);
        byTask.set(key, once);
      }
    });

    it('given a history delivered at least once (any record repeated any time later), when folded, then the tables are equal', () => {
      const expected = fold(history);
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.nat({ max: history.length - 1 }), fc.nat({ max: history.length })), {
            maxLength: 12,
          }),
          (repeats) => {
            const delivered = [...history];
            // Each repeat re-delivers record i at a position after its first delivery.
            for (const [i, at] of repeats) {
              const position = Math.max(
                delivered.indexOf(history[i] as TaskLogRecord) + 1,
                Math.min(at, delivered.length),
              );
              delivered.splice(position, 0, history[i] as TaskLogRecord);
            }
            expect(fold(delivered)).toEqual(expected);
          },
        ),
        { numRuns: 200 },
      );
    });

    it('given a folded state, when serialized as JSON and read back, then nothing is lost (stores such as Redis keep it as is)', () => {
      for (const state of fold(history).values()) expect(JSON.parse(JSON.stringify(state))).toEqual(state);
    });
  });
});
