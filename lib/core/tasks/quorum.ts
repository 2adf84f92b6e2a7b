// The write-quorum rule of a task: a shard is done once, in at least one replica group, a
// majority of its owners (floor(RF/2)+1, capped at the owners that exist) applied the task's
// events. Any node reporting an apply for the group counts, so an owner that joined after the
// task was enqueued and replayed the shard counts too.
import type { TaskShard } from '../events/task-events.ts';

export interface ShardApply {
  readonly shard: number;
  readonly nodeId: string;
  readonly replicaGroup: number;
}

/** Applies needed in a group whose owners are `ownerCount` nodes, for replication factor `rf`. */
export function writeQuorum(rf: number, ownerCount: number): number {
  const majority = Math.floor(rf / 2) + 1;
  return Math.max(1, Math.min(majority, ownerCount));
}

export function shardHasQuorum(shard: TaskShard, rf: number, applies: readonly ShardApply[]): boolean {
  const nodesPerGroup = new Map<number, Set<string>>();
  for (const apply of applies) {
    if (apply.shard !== shard.shard) continue;
    let nodes = nodesPerGroup.get(apply.replicaGroup);
    if (nodes === undefined) {
      nodes = new Set();
      nodesPerGroup.set(apply.replicaGroup, nodes);
    }
    nodes.add(apply.nodeId);
  }
  for (const [group, nodes] of nodesPerGroup) {
    const owners = shard.owners[group];
    // A group created after the task was enqueued has no recorded owners: it needs a full majority.
    const ownerCount = owners === undefined || owners.length === 0 ? rf : owners.length;
    if (nodes.size >= writeQuorum(rf, ownerCount)) return true;
  }
  return false;
}

/** True once every touched shard has quorum; a task without shards is never done by applies. */
export function allShardsHaveQuorum(
  shards: readonly TaskShard[],
  rf: number,
  applies: readonly ShardApply[],
): boolean {
  return shards.length > 0 && shards.every((shard) => shardHasQuorum(shard, rf, applies));
}
