// Document placement and replica choice: xxh64 shard routing, rendezvous owners per replica
// group, placement tables, batch routing and covering sets. Pure; `await initRouting()` first.
export {
  initRouting,
  isRoutingReady,
  routingKernelKind,
  shardOf,
  xxh64,
  xxh64Hex,
  MAX_SHARDS,
} from './hash.ts';
export type { InitRoutingOptions } from './hash.ts';
export { ownersOf, rankNodes, rendezvousKey, rendezvousScore } from './rendezvous.ts';
export { buildPlacementTable, groupOwnersOf, groupPlacement, writeTargetsOf } from './placement-table.ts';
export type { GroupPlacement, PlacementTable, ShardNodes } from './placement-table.ts';
export { bucketByShard, routeBatch } from './route-batch.ts';
export type { ShardBuckets } from './route-batch.ts';
export { coveringSet } from './covering-set.ts';
export type { CoveringOptions, CoveringSet, NodeLoad } from './covering-set.ts';
export type { ShardKernel, ShardKernelKind } from './shard-kernel.ts';
