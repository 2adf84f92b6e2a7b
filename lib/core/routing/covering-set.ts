// The covering set of one search: inside one replica group, one healthy replica per shard,
// chosen from live load (in-flight requests, latency EWMA). Shards no healthy replica can serve
// are reported, not hidden, so the caller can degrade (partial answer) or fail (strict mode).
import { miroirError } from '../errors.ts';
import { assertShardOf, groupPlacement, type PlacementTable } from './placement-table.ts';

export interface NodeLoad {
  /** False while health checks fail (or the circuit is open): the node is skipped. */
  readonly healthy: boolean;
  readonly inFlight: number;
  readonly latencyEwmaMs: number;
}

export interface CoveringOptions {
  /** Only these shards (e.g. a primary-key filter's); default every shard of the index. */
  readonly shards?: readonly number[];
  /** Cost of one in-flight request, in latency milliseconds. Default 2. */
  readonly inFlightWeight?: number;
  /** Weight of the latency EWMA. Default 1. */
  readonly latencyWeight?: number;
}

export interface CoveringSet {
  readonly group: string;
  /** Node -> the shards it answers for, nodes in order of first use, shards ascending. */
  readonly nodes: ReadonlyMap<string, readonly number[]>;
  /** Shards with no healthy, ready replica in this group, ascending. */
  readonly uncovered: readonly number[];
}

// A node nobody has measured yet counts as healthy and idle: the topology already says it is
// readable, and treating it as busy would keep it from ever being measured.
const UNMEASURED: NodeLoad = { healthy: true, inFlight: 0, latencyEwmaMs: 0 };

function assertWeight(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw miroirError(
      'bad_request',
      `The covering-set option \`${name}\` must be a finite non-negative number, got ${String(value)}.`,
    );
  }
}

/**
 * One replica per shard: the lowest `inFlight * inFlightWeight + latencyEwmaMs * latencyWeight`
 * among the shard's healthy readable replicas; equal costs go to the better rendezvous rank, so
 * an idle cluster spreads shards over their primary owners and every process picks the same.
 */
export function coveringSet(
  table: PlacementTable,
  group: string,
  loads: ReadonlyMap<string, NodeLoad>,
  options: CoveringOptions = {},
): CoveringSet {
  const inFlightWeight = options.inFlightWeight ?? 2;
  const latencyWeight = options.latencyWeight ?? 1;
  assertWeight('inFlightWeight', inFlightWeight);
  assertWeight('latencyWeight', latencyWeight);
  const placement = groupPlacement(table, group);
  const wanted =
    options.shards === undefined
      ? Array.from({ length: table.shards }, (_, shard) => shard)
      : [...new Set(options.shards)].sort((a, b) => a - b);
  const nodes = new Map<string, number[]>();
  const uncovered: number[] = [];
  for (const shard of wanted) {
    assertShardOf(table, shard);
    let best: string | undefined;
    let bestCost = Infinity;
    for (const node of placement.readable[shard] ?? []) {
      const load = loads.get(node) ?? UNMEASURED;
      if (!load.healthy) continue;
      const raw = load.inFlight * inFlightWeight + load.latencyEwmaMs * latencyWeight;
      // A garbled measurement ranks last but still covers; strict `<` keeps the better-ranked
      // replica on ties.
      const cost = Number.isNaN(raw) ? Infinity : raw;
      if (best === undefined || cost < bestCost) {
        best = node;
        bestCost = cost;
      }
    }
    if (best === undefined) {
      uncovered.push(shard);
      continue;
    }
    const assigned = nodes.get(best);
    if (assigned === undefined) nodes.set(best, [shard]);
    else assigned.push(shard);
  }
  return { group, nodes, uncovered };
}
