// Covering sets: every shard gets exactly one healthy readable replica of the chosen group, or
// is reported uncovered; load inputs steer the choice; equal loads resolve the same way everywhere.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildPlacementTable,
  coveringSet,
  groupPlacement,
  initRouting,
  type NodeLoad,
} from '#core/routing/index.ts';
import type { NodeState, TopologyIndex, TopologyNode } from '#core/topology.ts';

beforeAll(async () => {
  await initRouting();
});

const nodeIds = ['n1', 'n2', 'n3', 'n4', 'n5'];
const states: readonly NodeState[] = ['active', 'joining', 'draining', 'failed', 'removed'];

function table(shards: number, rf: number, nodes: readonly TopologyNode[]) {
  const index: TopologyIndex = {
    uid: 'docs',
    primaryKey: 'id',
    shards,
    rf,
    groups: ['g1'],
    generation: 3,
    state: 'active',
  };
  return buildPlacementTable(index, nodes);
}

const idle: NodeLoad = { healthy: true, inFlight: 0, latencyEwmaMs: 0 };

describe('coveringSet', () => {
  it('covers every shard with one healthy readable replica, or reports it (any states, health and loads)', () => {
    const loadArb = fc.record({
      healthy: fc.boolean(),
      inFlight: fc.nat(50),
      latencyEwmaMs: fc.double({ min: 0, max: 500, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...states), { minLength: 5, maxLength: 5 }),
        fc.array(loadArb, { minLength: 5, maxLength: 5 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 40 }),
        (nodeStates, loadList, rf, shards) => {
          const nodes = nodeIds.map((id, i) => ({
            id,
            url: `http://${id}`,
            group: 'g1',
            state: nodeStates[i] as NodeState,
          }));
          const targets = nodes.filter(
            (n) => n.state === 'active' || n.state === 'joining' || n.state === 'failed',
          ).length;
          fc.pre(targets >= rf);
          const placement = table(shards, rf, nodes);
          const loads = new Map(nodeIds.map((id, i) => [id, loadList[i] as NodeLoad]));
          const cover = coveringSet(placement, 'g1', loads);
          const seen = new Map<number, string>();
          for (const [node, list] of cover.nodes) {
            expect(list.length).toBeGreaterThan(0);
            for (const shard of list) {
              expect(seen.has(shard)).toBe(false);
              seen.set(shard, node);
            }
          }
          for (let shard = 0; shard < shards; shard++) {
            const node = seen.get(shard);
            const candidates = (groupPlacement(placement, 'g1').readable[shard] ?? []).filter(
              (id) => loads.get(id)?.healthy,
            );
            if (node === undefined) {
              expect(cover.uncovered).toContain(shard);
              expect(candidates).toEqual([]);
            } else {
              expect(cover.uncovered).not.toContain(shard);
              expect(candidates).toContain(node);
              const cost = (id: string) =>
                (loads.get(id)?.inFlight ?? 0) * 2 + (loads.get(id)?.latencyEwmaMs ?? 0);
              for (const other of candidates) expect(cost(node)).toBeLessThanOrEqual(cost(other));
              const state = nodes.find((n) => n.id === node)?.state;
              expect(state === 'active' || state === 'draining').toBe(true);
            }
          }
        },
      ),
    );
  });

  it('with idle nodes every shard goes to its primary owner (spread, and the same in every process)', () => {
    const nodes = nodeIds.map((id) => ({ id, url: '', group: 'g1', state: 'active' as const }));
    const placement = table(64, 2, nodes);
    const cover = coveringSet(placement, 'g1', new Map());
    expect(cover.uncovered).toEqual([]);
    for (const [node, shards] of cover.nodes) {
      for (const shard of shards) expect(groupPlacement(placement, 'g1').owners[shard]?.[0]).toBe(node);
    }
    expect(cover.nodes.size).toBe(5);
    expect(coveringSet(placement, 'g1', new Map())).toEqual(cover);
  });

  it('prefers fewer in-flight requests and lower latency, skipping unhealthy replicas', () => {
    const nodes = ['n1', 'n2'].map((id) => ({ id, url: '', group: 'g1', state: 'active' as const }));
    const placement = table(8, 2, nodes);
    const busy = coveringSet(
      placement,
      'g1',
      new Map([
        ['n1', { healthy: true, inFlight: 10, latencyEwmaMs: 5 }],
        ['n2', idle],
      ]),
    );
    expect([...busy.nodes.keys()]).toEqual(['n2']);
    const slow = coveringSet(
      placement,
      'g1',
      new Map([
        ['n1', idle],
        ['n2', { healthy: true, inFlight: 0, latencyEwmaMs: 80 }],
      ]),
    );
    expect([...slow.nodes.keys()]).toEqual(['n1']);
    // Weights trade one for the other: 3 in flight (x2 = 6) beats 10 ms of latency.
    const traded = coveringSet(
      placement,
      'g1',
      new Map([
        ['n1', { healthy: true, inFlight: 3, latencyEwmaMs: 0 }],
        ['n2', { healthy: true, inFlight: 0, latencyEwmaMs: 10 }],
      ]),
    );
    expect([...traded.nodes.keys()]).toEqual(['n1']);
    const down = coveringSet(
      placement,
      'g1',
      new Map([
        ['n1', { healthy: false, inFlight: 0, latencyEwmaMs: 0 }],
        ['n2', { healthy: true, inFlight: 99, latencyEwmaMs: 999 }],
      ]),
    );
    expect([...down.nodes.keys()]).toEqual(['n2']);
    expect(down.nodes.get('n2')).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const none = coveringSet(
      placement,
      'g1',
      new Map([
        ['n1', { ...idle, healthy: false }],
        ['n2', { ...idle, healthy: false }],
      ]),
    );
    expect(none.uncovered).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(none.nodes.size).toBe(0);
  });

  it('a garbled (NaN) load still covers, ranked after sane ones', () => {
    const nodes = ['n1', 'n2'].map((id) => ({ id, url: '', group: 'g1', state: 'active' as const }));
    const placement = table(4, 2, nodes);
    const nan = { healthy: true, inFlight: Number.NaN, latencyEwmaMs: 0 };
    expect(
      [
        ...coveringSet(
          placement,
          'g1',
          new Map([
            ['n1', nan],
            ['n2', nan],
          ]),
        ).nodes.values(),
      ]
        .flat()
        .sort(),
    ).toEqual([0, 1, 2, 3]);
    expect([
      ...coveringSet(
        placement,
        'g1',
        new Map([
          ['n1', nan],
          ['n2', { ...idle, latencyEwmaMs: 1e6 }],
        ]),
      ).nodes.keys(),
    ]).toEqual(['n2']);
  });

  it('covers only the requested shards (deduplicated, ascending)', () => {
    const nodes = nodeIds.map((id) => ({ id, url: '', group: 'g1', state: 'active' as const }));
    const cover = coveringSet(table(16, 1, nodes), 'g1', new Map(), { shards: [9, 3, 9] });
    expect([...cover.nodes.values()].flat().sort((a, b) => a - b)).toEqual([3, 9]);
  });

  it('rejects unknown groups, out-of-range shards and bad weights', () => {
    const nodes = nodeIds.map((id) => ({ id, url: '', group: 'g1', state: 'active' as const }));
    const placement = table(16, 1, nodes);
    expect(() => coveringSet(placement, 'g2', new Map())).toThrowError(
      expect.objectContaining({ code: 'miroir_invalid_topology' }),
    );
    expect(() => coveringSet(placement, 'g1', new Map(), { shards: [16] })).toThrowError(
      /Shard 16 is out of range/,
    );
    expect(() => coveringSet(placement, 'g1', new Map(), { inFlightWeight: -1 })).toThrowError(
      expect.objectContaining({ code: 'bad_request' }),
    );
    expect(() => coveringSet(placement, 'g1', new Map(), { latencyWeight: Number.NaN })).toThrowError(
      /latencyWeight/,
    );
  });
});
