// The cluster layout as every service sees it: nodes, replica groups, indexes, and per index a
// precomputed shard -> owners table. The topology projection folds `control` events into a
// `TopologySpec` (plain JSON); `createTopology` validates it and derives the tables once, so
// routing a document is hash + mod + table lookup until the next topology change.
import { miroirError } from './errors.ts';
import { buildPlacementTable, type PlacementTable, type RankingCache } from './routing/placement-table.ts';
import { MAX_SHARDS } from './routing/hash.ts';

/**
 * joining: receives writes for the shards it will own and replays them, serves no reads yet.
 * active: owns, serves. draining: leaving; keeps serving (and receiving writes for) the shards
 * it still holds until their new owners are ready. failed: still an owner (a transient failure
 * moves nothing) but serves no reads. removed: gone; owns nothing.
 */
export const NODE_STATES = ['active', 'joining', 'draining', 'failed', 'removed'] as const;
export type NodeState = (typeof NODE_STATES)[number];

/** initializing: takes writes, no reads until caught up. draining: no reads; being retired. */
export const GROUP_STATES = ['initializing', 'active', 'draining'] as const;
export type GroupState = (typeof GROUP_STATES)[number];

export const INDEX_STATES = ['creating', 'active', 'resharding', 'deleting'] as const;
export type IndexState = (typeof INDEX_STATES)[number];

export interface TopologyNode {
  readonly id: string;
  readonly url: string;
  readonly group: string;
  readonly state: NodeState;
}

export interface ReplicaGroup {
  readonly id: string;
  readonly state: GroupState;
}

export interface TopologyIndex {
  readonly uid: string;
  readonly primaryKey: string | null;
  /** S of the current generation. */
  readonly shards: number;
  /** Copies of each shard inside each group. */
  readonly rf: number;
  /** The replica groups that hold this index (every one holds every shard). */
  readonly groups: readonly string[];
  readonly generation: number;
  readonly state: IndexState;
  /** The index's name on the nodes (differs from `uid` once an index was deleted and re-created). */
  readonly nodeIndexUid?: string;
  /**
   * Uid the generation was created under, which names its document topic
   * (`docs.<logUid>.g<generation>`); differs from `uid` after a swap or rename. Absent means `uid`.
   */
  readonly logUid?: string;
  /** The spare document topic the generation took at creation; absent: named after `logUid`. */
  readonly docsTopic?: string;
  /**
   * Shards a node owns but has not caught up on yet (assigned, not ready), by node id: such a
   * replica takes writes but serves no reads. Absent means every owner is ready.
   */
  readonly unready?: Readonly<Record<string, readonly number[]>>;
}

/** A document topic created ahead of any index; laid out as the next index will be (every group). */
export interface SpareTopic {
  readonly topic: string;
  readonly shards: number;
  readonly rf: number;
}

export interface TopologySpec {
  readonly groups: readonly ReplicaGroup[];
  readonly nodes: readonly TopologyNode[];
  readonly indexes: readonly TopologyIndex[];
  /** Spare document topics, so indexers can join their groups before an index takes one. */
  readonly spares?: readonly SpareTopic[];
}

export interface Topology extends TopologySpec {
  readonly nodeById: ReadonlyMap<string, TopologyNode>;
  readonly groupById: ReadonlyMap<string, ReplicaGroup>;
  /** Placement table per index uid. */
  readonly tables: ReadonlyMap<string, PlacementTable>;
  /** Placement table per spare topic (a spare whose layout cannot be built has none). */
  readonly spareTables: ReadonlyMap<string, PlacementTable>;
}

function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Every structural problem of a spec, so one error can name them all. */
function specProblems(spec: TopologySpec): string[] {
  const problems: string[] = [];
  const groups = new Set<string>();
  for (const group of spec.groups) {
    if (!isNonEmptyString(group.id)) problems.push('a replica group has an empty id');
    else if (groups.has(group.id)) problems.push(`replica group \`${group.id}\` is declared twice`);
    if (!isOneOf(GROUP_STATES, group.state))
      problems.push(`replica group \`${group.id}\` has unknown state \`${String(group.state)}\``);
    groups.add(group.id);
  }
  const nodes = new Set<string>();
  for (const node of spec.nodes) {
    if (!isNonEmptyString(node.id)) problems.push('a node has an empty id');
    else if (nodes.has(node.id)) problems.push(`node \`${node.id}\` is declared twice`);
    nodes.add(node.id);
    if (!groups.has(node.group))
      problems.push(`node \`${node.id}\` belongs to unknown replica group \`${node.group}\``);
    if (!isOneOf(NODE_STATES, node.state))
      problems.push(`node \`${node.id}\` has unknown state \`${String(node.state)}\``);
    if (typeof node.url !== 'string') problems.push(`node \`${node.id}\` has no url`);
  }
  const uids = new Set<string>();
  for (const index of spec.indexes) {
    const name = `index \`${index.uid}\``;
    if (!isNonEmptyString(index.uid)) problems.push('an index has an empty uid');
    else if (uids.has(index.uid)) problems.push(`${name} is declared twice`);
    uids.add(index.uid);
    if (!Number.isInteger(index.shards) || index.shards < 1 || index.shards > MAX_SHARDS) {
      problems.push(
        `${name} has ${String(index.shards)} shards; expected an integer from 1 to ${MAX_SHARDS}`,
      );
    }
    if (!Number.isInteger(index.rf) || index.rf < 1)
      problems.push(`${name} has replication factor ${String(index.rf)}; expected a positive integer`);
    if (!Number.isInteger(index.generation) || index.generation < 0)
      problems.push(`${name} has generation ${String(index.generation)}`);
    if (!isOneOf(INDEX_STATES, index.state))
      problems.push(`${name} has unknown state \`${String(index.state)}\``);
    if (index.groups.length === 0) problems.push(`${name} is held by no replica group`);
    if (new Set(index.groups).size !== index.groups.length)
      problems.push(`${name} lists a replica group twice`);
    for (const group of index.groups) {
      if (!groups.has(group)) problems.push(`${name} is held by unknown replica group \`${group}\``);
    }
    for (const [node, shards] of Object.entries(index.unready ?? {})) {
      if (!nodes.has(node)) problems.push(`${name} marks unknown node \`${node}\` unready`);
      if (shards.some((s) => !Number.isInteger(s) || s < 0 || s >= index.shards))
        problems.push(`${name} marks an out-of-range shard unready on \`${node}\``);
    }
  }
  return problems;
}

/**
 * Validates a spec and derives the placement tables. A bad spec (unknown references, RF above
 * the placement nodes of a group, out-of-range numbers) is one `miroir_invalid_topology` error
 * that lists every problem.
 */
export function createTopology(spec: TopologySpec): Topology {
  const problems = specProblems(spec);
  if (problems.length > 0)
    throw miroirError('miroir_invalid_topology', `Invalid topology: ${problems.join('; ')}.`);
  const tables = new Map<string, PlacementTable>();
  // Indexes with the same S over the same group share rankings: hash once per (shard, node).
  const rankings: RankingCache = new Map();
  for (const index of spec.indexes) tables.set(index.uid, buildPlacementTable(index, spec.nodes, rankings));
  return {
    groups: spec.groups,
    nodes: spec.nodes,
    indexes: spec.indexes,
    ...(spec.spares !== undefined ? { spares: spec.spares } : {}),
    spareTables: spareTablesOf(spec, rankings),
    nodeById: new Map(spec.nodes.map((node) => [node.id, node])),
    groupById: new Map(spec.groups.map((group) => [group.id, group])),
    tables,
  };
}

/** Spares are an optimisation: one whose layout is invalid (RF above a group's size) is left out, never fatal. */
function spareTablesOf(spec: TopologySpec, rankings: RankingCache): Map<string, PlacementTable> {
  const out = new Map<string, PlacementTable>();
  const groups = spec.groups.map((g) => g.id);
  for (const spare of spec.spares ?? []) {
    if (groups.length === 0) break;
    const layout: TopologyIndex = {
      uid: spare.topic,
      primaryKey: null,
      shards: spare.shards,
      rf: spare.rf,
      groups,
      generation: 0,
      state: 'active',
    };
    try {
      out.set(spare.topic, buildPlacementTable(layout, spec.nodes, rankings));
    } catch {
      // Left out: the index that takes it is laid out (and checked) as any other.
    }
  }
  return out;
}

/** The placement table of one index; an unknown uid is Meilisearch's `index_not_found`. */
export function placementOf(topology: Topology, uid: string): PlacementTable {
  const table = topology.tables.get(uid);
  if (table === undefined) throw miroirError('index_not_found', `Index \`${uid}\` not found.`);
  return table;
}

/** The groups of an index that serve reads (active ones), in the index's order. */
export function readableGroups(topology: Topology, uid: string): string[] {
  return placementOf(topology, uid)
    .groups.map((placement) => placement.group)
    .filter((group) => topology.groupById.get(group)?.state === 'active');
}
