// The shard -> owners table of one index, per replica group, derived from node states by
// rendezvous ranking. Two layouts coexist while nodes join or drain: `owners` (where shards are
// going: joining nodes in, draining nodes out) and `serving` (where the data is now: joining
// nodes out, draining nodes in). Writes go to both; reads use replicas that are ready.
import { miroirError } from '../errors.ts';
import type { NodeState, TopologyIndex, TopologyNode } from '../topology.ts';
import { assertShardCount } from './hash.ts';
import { assertReplicationFactor, rankNodes } from './rendezvous.ts';

export type ShardNodes = readonly (readonly string[])[];

export interface GroupPlacement {
  readonly group: string;
  /** Per shard: the RF target owners, best first. */
  readonly owners: ShardNodes;
  /** Per shard: the RF replicas holding the data now, best first (fewer while a group fills). */
  readonly serving: ShardNodes;
  /** Per shard: nodes that may answer reads (serving, then owners; read-capable and ready). */
  readonly readable: ShardNodes;
}

export interface PlacementTable {
  readonly index: string;
  readonly generation: number;
  readonly shards: number;
  readonly rf: number;
  readonly groups: readonly GroupPlacement[];
  /** Per shard: every node that must receive its writes, over all groups (owners and serving). */
  readonly writeTargets: ShardNodes;
}

const TARGET_STATES: ReadonlySet<NodeState> = new Set(['active', 'joining', 'failed']);
const SERVING_STATES: ReadonlySet<NodeState> = new Set(['active', 'draining', 'failed']);
const READ_STATES: ReadonlySet<NodeState> = new Set(['active', 'draining']);

/** Rankings of all non-removed nodes of a group for every shard, shareable between indexes of equal S. */
export type RankingCache = Map<string, readonly (readonly string[])[]>;

function rankings(
  group: string,
  members: readonly string[],
  shards: number,
  cache: RankingCache | undefined,
): readonly (readonly string[])[] {
  const key = `${shards}\u0000${group}\u0000${members.join('\u0000')}`;
  const cached = cache?.get(key);
  if (cached !== undefined) return cached;
  const ranked = Array.from({ length: shards }, (_, shard) => rankNodes(shard, members));
  cache?.set(key, ranked);
  return ranked;
}

function topN(
  ranked: readonly string[],
  states: ReadonlySet<NodeState>,
  stateOf: ReadonlyMap<string, NodeState>,
  n: number,
): string[] {
  const picked: string[] = [];
  for (const node of ranked) {
    if (picked.length === n) break;
    if (states.has(stateOf.get(node) as NodeState)) picked.push(node);
  }
  return picked;
}

function buildGroup(
  index: TopologyIndex,
  group: string,
  nodes: readonly TopologyNode[],
  cache: RankingCache | undefined,
): GroupPlacement {
  const live = nodes.filter((node) => node.group === group && node.state !== 'removed');
  const stateOf = new Map(live.map((node) => [node.id, node.state]));
  const targetCount = live.filter((node) => TARGET_STATES.has(node.state)).length;
  assertReplicationFactor(index.rf, targetCount, `replica group \`${group}\` (index \`${index.uid}\`)`);
  const unready = new Map(
    Object.entries(index.unready ?? {}).map(([node, shards]) => [node, new Set(shards)]),
  );
  const ranked = rankings(
    group,
    live.map((node) => node.id),
    index.shards,
    cache,
  );
  const owners: string[][] = [];
  const serving: string[][] = [];
  const readable: string[][] = [];
  ranked.forEach((order, shard) => {
    const target = topN(order, TARGET_STATES, stateOf, index.rf);
    const current = topN(order, SERVING_STATES, stateOf, index.rf);
    owners.push(target);
    serving.push(current);
    readable.push(
      [...new Set([...current, ...target])].filter(
        (node) => READ_STATES.has(stateOf.get(node) as NodeState) && unready.get(node)?.has(shard) !== true,
      ),
    );
  });
  return { group, owners, serving, readable };
}

/** Derives the table of one index. `nodes` may list nodes of any group; removed nodes own nothing. */
export function buildPlacementTable(
  index: TopologyIndex,
  nodes: readonly TopologyNode[],
  cache?: RankingCache,
): PlacementTable {
  assertShardCount(index.shards);
  const groups = index.groups.map((group) => buildGroup(index, group, nodes, cache));
  const writeTargets = Array.from({ length: index.shards }, (_, shard) => {
    const targets: string[] = [];
    for (const placement of groups) {
      for (const node of [...(placement.owners[shard] ?? []), ...(placement.serving[shard] ?? [])]) {
        if (!targets.includes(node)) targets.push(node);
      }
    }
    return targets;
  });
  return {
    index: index.uid,
    generation: index.generation,
    shards: index.shards,
    rf: index.rf,
    groups,
    writeTargets,
  };
}

export function groupPlacement(table: PlacementTable, group: string): GroupPlacement {
  const placement = table.groups.find((candidate) => candidate.group === group);
  if (placement === undefined) {
    throw miroirError(
      'miroir_invalid_topology',
      `Replica group \`${group}\` does not hold index \`${table.index}\`.`,
    );
  }
  return placement;
}

export function assertShardOf(table: PlacementTable, shard: number): void {
  if (!Number.isInteger(shard) || shard < 0 || shard >= table.shards) {
    throw miroirError(
      'miroir_invalid_topology',
      `Shard ${String(shard)} is out of range for index \`${table.index}\` (${table.shards} shards).`,
    );
  }
}

/** Every node, in every group, that must apply writes to `shard`. */
export function writeTargetsOf(table: PlacementTable, shard: number): readonly string[] {
  assertShardOf(table, shard);
  return table.writeTargets[shard] as readonly string[];
}

/** The target owners of `shard` inside one group. */
export function groupOwnersOf(table: PlacementTable, group: string, shard: number): readonly string[] {
  assertShardOf(table, shard);
  return groupPlacement(table, group).owners[shard] as readonly string[];
}
