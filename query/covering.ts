// Replica selection for the query role: live load per node (in-flight requests, latency EWMA, a
// short circuit-breaker after failures), round-robin over replica groups, and the assignment of a
// set of shards to nodes (core `coveringSet`), falling back group by group for what one cannot cover.
import { coveringSet, type NodeLoad, type PlacementTable } from '#core/routing/index.ts';

export interface ReplicaSelectorOptions {
  /** How long a node that failed or timed out is skipped before it is tried again. Default 1000 ms. */
  readonly failureCooldownMs?: number;
  /** Weight of the newest latency sample in the EWMA. Default 0.2. */
  readonly ewmaAlpha?: number;
  readonly now?: () => number;
}

interface NodeStats {
  inFlight: number;
  latencyEwmaMs: number;
  measured: boolean;
  unhealthyUntil: number;
}

/** Shards assigned to nodes, each node with the group it answers from. */
export interface Assignment {
  readonly nodes: readonly {
    readonly node: string;
    readonly group: string;
    readonly shards: readonly number[];
  }[];
  /** Shards no allowed replica of any group can serve, ascending. */
  readonly uncovered: readonly number[];
}

export interface AssignOptions {
  /** Nodes not to use (they already failed for this request). */
  readonly exclude?: ReadonlySet<string>;
  /** When given, a replica may serve a shard only if this says so (read-your-writes). */
  readonly eligible?: (node: string, shard: number) => boolean;
}

export class ReplicaSelector {
  private readonly stats = new Map<string, NodeStats>();
  private readonly cooldownMs: number;
  private readonly alpha: number;
  private readonly now: () => number;
  private turn = 0;

  constructor(opts: ReplicaSelectorOptions = {}) {
    this.cooldownMs = opts.failureCooldownMs ?? 1000;
    this.alpha = opts.ewmaAlpha ?? 0.2;
    this.now = opts.now ?? (() => performance.now());
  }

  private statsOf(node: string): NodeStats {
    let stats = this.stats.get(node);
    if (stats === undefined) {
      stats = { inFlight: 0, latencyEwmaMs: 0, measured: false, unhealthyUntil: 0 };
      this.stats.set(node, stats);
    }
    return stats;
  }

  /** Called when a request to `node` starts; the returned function ends it with its outcome. */
  begin(node: string): (outcome: 'ok' | 'failed', elapsedMs: number) => void {
    const stats = this.statsOf(node);
    stats.inFlight += 1;
    let ended = false;
    return (outcome, elapsedMs) => {
      if (ended) return;
      ended = true;
      stats.inFlight -= 1;
      if (outcome === 'failed') {
        stats.unhealthyUntil = this.now() + this.cooldownMs;
        return;
      }
      stats.unhealthyUntil = 0;
      stats.latencyEwmaMs = stats.measured
        ? stats.latencyEwmaMs + this.alpha * (elapsedMs - stats.latencyEwmaMs)
        : elapsedMs;
      stats.measured = true;
    };
  }

  /** Marks a node unavailable for the cooldown (a timeout counts before its request ends). */
  markFailed(node: string): void {
    this.statsOf(node).unhealthyUntil = this.now() + this.cooldownMs;
  }

  load(node: string): NodeLoad {
    const stats = this.stats.get(node);
    if (stats === undefined) return { healthy: true, inFlight: 0, latencyEwmaMs: 0 };
    return {
      healthy: stats.unhealthyUntil <= this.now(),
      inFlight: stats.inFlight,
      latencyEwmaMs: stats.latencyEwmaMs,
    };
  }

  /** The readable groups of an index, starting with the next one in round-robin order. */
  groupOrder(groups: readonly string[]): string[] {
    if (groups.length <= 1) return [...groups];
    const start = this.turn % groups.length;
    this.turn = (this.turn + 1) % 1_000_000_007;
    return [...groups.slice(start), ...groups.slice(0, start)];
  }

  private loadsFor(
    table: PlacementTable,
    group: string,
    exclude: ReadonlySet<string> | undefined,
  ): Map<string, NodeLoad> {
    const loads = new Map<string, NodeLoad>();
    const placement = table.groups.find((candidate) => candidate.group === group);
    for (const replicas of placement?.readable ?? []) {
      for (const node of replicas) {
        if (loads.has(node)) continue;
        const load = this.load(node);
        loads.set(node, exclude?.has(node) === true ? { ...load, healthy: false } : load);
      }
    }
    return loads;
  }

  /**
   * One replica per shard, preferring `groups[0]` and moving to the next group only for shards the
   * previous ones cannot cover. Each node gets all its shards at once, so it is asked once.
   */
  assign(
    table: PlacementTable,
    groups: readonly string[],
    shards: readonly number[],
    opts: AssignOptions = {},
  ): Assignment {
    const nodes: { node: string; group: string; shards: number[] }[] = [];
    let left = [...shards];
    for (const group of groups) {
      if (left.length === 0) break;
      const loads = this.loadsFor(table, group, opts.exclude);
      const picked = new Map<string, number[]>();
      const missing: number[] = [];
      if (opts.eligible === undefined) {
        const set = coveringSet(table, group, loads, { shards: left });
        for (const [node, assigned] of set.nodes) picked.set(node, [...assigned]);
        missing.push(...set.uncovered);
      } else {
        // Eligibility is per (node, shard): run the choice shard by shard with ineligible replicas masked.
        const eligible = opts.eligible;
        for (const shard of left) {
          const masked = new Map<string, NodeLoad>();
          for (const [node, load] of loads)
            masked.set(node, eligible(node, shard) ? load : { ...load, healthy: false });
          const set = coveringSet(table, group, masked, { shards: [shard] });
          const [entry] = set.nodes;
          if (entry === undefined) missing.push(shard);
          else picked.set(entry[0], [...(picked.get(entry[0]) ?? []), shard]);
        }
      }
      for (const [node, assigned] of picked) nodes.push({ node, group, shards: assigned });
      left = missing;
    }
    return { nodes, uncovered: left.sort((a, b) => a - b) };
  }
}
