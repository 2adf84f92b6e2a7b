// The owners recorded in a task for its quorum rule: for each shard, per replica group (in the
// index's group order, which is the group number of apply reports), the nodes that own it now.
import type { ShardOwners } from '../log/plan-write.ts';
import type { Topology } from '../topology.ts';

/** Empty owner lists when the index cannot be placed yet (no node known): any later owner then counts. */
export function shardOwnersOf(topology: Topology | null, indexUid: string, shardCount: number): ShardOwners {
  const table = topology?.tables.get(indexUid);
  if (table === undefined || table.shards !== shardCount) return Array.from({ length: shardCount }, () => []);
  return Array.from({ length: shardCount }, (_, shard) =>
    table.groups.map((group) => [...(group.owners[shard] ?? [])]),
  );
}
