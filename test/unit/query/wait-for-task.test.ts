// Read-your-writes: given a task's applies, which replicas a read may use, and the bounded wait.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRouting } from '#core/routing/index.ts';
import type { TaskState } from '#core/tasks/task-projection.ts';
import { resolveIndex } from '../../../query/view.ts';
import { appliedReplicas, parseWaitForTask, waitForTask } from '../../../query/wait-for-task.ts';
import { makeView } from './fixtures.ts';

beforeAll(async () => {
  await initRouting();
});

function task(
  applies: [number, string][],
  status: TaskState['status'] = 'processing',
  indexUid = 'docs',
): TaskState {
  return {
    uid: 9,
    enqueued: {
      type: 'documentAdditionOrUpdate',
      indexUid,
      enqueuedAt: 0,
      replicationFactor: 2,
      shards: [
        { shard: 1, events: 1, documents: 1, owners: [] },
        { shard: 2, events: 1, documents: 1, owners: [] },
      ],
      details: {} as never,
      customMetadata: null,
    },
    status,
    applies: applies.map(([shard, nodeId]) => ({
      shard,
      nodeId,
      replicaGroup: 0,
      offset: 0,
      at: 0,
      indexedDocuments: 1,
      deletedDocuments: null,
    })),
    error: null,
    startedAt: null,
    finishedAt: null,
    outcome: null,
  };
}

describe('appliedReplicas', () => {
  const setup = () =>
    resolveIndex(makeView({ shards: 4, rf: 2, groups: { g1: ['n1', 'n2', 'n3'] } }), 'docs');

  it('waits while a touched shard has no replica that applied the task', () => {
    const { table, groups } = setup();
    const owner1 = table.groups[0]?.owners[1]?.[0] as string;
    expect(appliedReplicas(undefined, 'docs', table, groups, [0, 1, 2, 3])).toBeUndefined();
    expect(appliedReplicas(task([[1, owner1]]), 'docs', table, groups, [0, 1, 2, 3])).toBeUndefined();
  });

  it('restricts touched shards to the replicas that applied it, others are free', () => {
    const { table, groups } = setup();
    const owner1 = table.groups[0]?.owners[1]?.[0] as string;
    const owner2 = table.groups[0]?.owners[2]?.[1] as string;
    const eligible = appliedReplicas(
      task([
        [1, owner1],
        [2, owner2],
      ]),
      'docs',
      table,
      groups,
      [0, 1, 2, 3],
    );
    expect(typeof eligible).toBe('function');
    if (typeof eligible !== 'function') return;
    expect(eligible(owner1, 1)).toBe(true);
    const otherOwner1 = table.groups[0]?.owners[1]?.[1] as string;
    expect(eligible(otherOwner1, 1)).toBe(false);
    expect(eligible('n3', 0)).toBe(true);
    // A read pinned to untouched shards does not wait.
    expect(appliedReplicas(task([]), 'docs', table, groups, [0, 3])).not.toBeUndefined();
  });

  it('does not wait for a failed task or a task of another index', () => {
    const { table, groups } = setup();
    expect(appliedReplicas(task([], 'failed'), 'docs', table, groups, [1])).toBe('all');
    expect(appliedReplicas(task([], 'processing', 'other'), 'docs', table, groups, [1])).toBe('all');
  });
});

describe('waitForTask', () => {
  it('returns once the task is visible, and answers anyway at the bound', async () => {
    const { table, groups } = resolveIndex(
      makeView({ shards: 4, rf: 1, groups: { g1: ['n1', 'n2'] } }),
      'docs',
    );
    const owners = [1, 2].map((s) => table.groups[0]?.owners[s]?.[0] as string);
    let polls = 0;
    const lookup = async () => {
      polls += 1;
      return polls < 3
        ? task([])
        : task([
            [1, owners[0] as string],
            [2, owners[1] as string],
          ]);
    };
    const done = await waitForTask(9, 'docs', table, groups, [0, 1, 2, 3], {
      lookup,
      timeoutMs: 2000,
      intervalMs: 1,
    });
    expect(done.timedOut).toBe(false);
    expect(polls).toBe(3);
    const late = await waitForTask(9, 'docs', table, groups, [1], {
      lookup: async () => undefined,
      timeoutMs: 30,
      intervalMs: 1,
    });
    expect(late).toEqual({ eligible: 'all', timedOut: true });
  });

  it('parses the header', () => {
    expect(parseWaitForTask(undefined)).toBeUndefined();
    expect(parseWaitForTask(' 12 ')).toBe(12);
    expect(() => parseWaitForTask('abc')).toThrow(expect.objectContaining({ code: 'invalid_header_value' }));
  });
});
