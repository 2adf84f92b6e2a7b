import { describe, expect, it } from 'vitest';
import { allShardsHaveQuorum, shardHasQuorum, writeQuorum } from '#core/tasks/quorum.ts';
import { shard } from '#test/fixtures/events.tasks.ts';

describe('write quorum', () => {
  it('given RF 1..5 and full groups, when the quorum is computed, then it is floor(RF/2)+1', () => {
    expect([1, 2, 3, 4, 5].map((rf) => writeQuorum(rf, rf))).toEqual([1, 2, 2, 3, 3]);
  });

  it('given a group with fewer owners than RF, when the quorum is computed, then it is capped at the owners that exist', () => {
    expect(writeQuorum(3, 2)).toBe(2);
    expect(writeQuorum(5, 1)).toBe(1);
    expect(writeQuorum(3, 0)).toBe(1);
  });

  it('given applies of other shards, when one shard is checked, then only its own applies count', () => {
    const s0 = shard(0, 1, ['a', 'b']);
    expect(
      shardHasQuorum(s0, 2, [
        { shard: 1, nodeId: 'a', replicaGroup: 0 },
        { shard: 1, nodeId: 'b', replicaGroup: 0 },
      ]),
    ).toBe(false);
    expect(
      shardHasQuorum(s0, 2, [
        { shard: 0, nodeId: 'a', replicaGroup: 0 },
        { shard: 0, nodeId: 'b', replicaGroup: 0 },
      ]),
    ).toBe(true);
  });

  it('given a group added after the task was enqueued, when its nodes report, then they need a full RF majority', () => {
    const s0 = shard(0, 1, ['a', 'b', 'c']);
    expect(shardHasQuorum(s0, 3, [{ shard: 0, nodeId: 'x', replicaGroup: 1 }])).toBe(false);
    expect(
      shardHasQuorum(s0, 3, [
        { shard: 0, nodeId: 'x', replicaGroup: 1 },
        { shard: 0, nodeId: 'y', replicaGroup: 1 },
      ]),
    ).toBe(true);
  });

  it('given a task without shards, when checked, then applies alone never complete it', () => {
    expect(allShardsHaveQuorum([], 1, [{ shard: 0, nodeId: 'a', replicaGroup: 0 }])).toBe(false);
  });
});
