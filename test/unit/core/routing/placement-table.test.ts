// Placement tables under node states: where writes go (target owners plus current replicas,
// every group) and which replicas may serve reads, while nodes join, drain, fail or leave.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  buildPlacementTable,
  groupOwnersOf,
  groupPlacement,
  initRouting,
  ownersOf,
  writeTargetsOf,
} from '#core/routing/index.ts';
import type { NodeState, TopologyIndex, TopologyNode } from '#core/topology.ts';

beforeAll(async () => {
  await initRouting();
});

const S = 64;
const index: TopologyIndex = {
  uid: 'movies',
  primaryKey: 'id',
  shards: S,
  rf: 2,
  groups: ['g1', 'g2'],
  generation: 0,
  state: 'active',
};

function node(id: string, group: string, state: NodeState = 'active'): TopologyNode {
  return { id, url: `http://${id}:7700`, group, state };
}

const g1 = ['a1', 'a2', 'a3'];
const g2 = ['b1', 'b2', 'b3'];
const steady = [...g1.map((id) => node(id, 'g1')), ...g2.map((id) => node(id, 'g2'))];

function withState(nodes: readonly TopologyNode[], id: string, state: NodeState): TopologyNode[] {
  return nodes.map((n) => (n.id === id ? { ...n, state } : n));
}

describe('buildPlacementTable', () => {
  it('in a steady cluster: owners = serving = readable = rendezvous owners; writes reach RF nodes in every group', () => {
    const table = buildPlacementTable(index, steady);
    expect(table).toMatchObject({ index: 'movies', generation: 0, shards: S, rf: 2 });
    for (let shard = 0; shard < S; shard++) {
      const a = ownersOf(shard, g1, 2);
      const b = ownersOf(shard, g2, 2);
      expect(groupOwnersOf(table, 'g1', shard)).toEqual(a);
      expect(groupPlacement(table, 'g1').serving[shard]).toEqual(a);
      expect(groupPlacement(table, 'g1').readable[shard]).toEqual(a);
      expect(groupOwnersOf(table, 'g2', shard)).toEqual(b);
      expect(writeTargetsOf(table, shard)).toEqual([...a, ...b]);
    }
  });

  it('a joining node takes writes for the shards it will own, the old owner keeps serving them', () => {
    const nodes = [...steady, node('a4', 'g1', 'joining')];
    const table = buildPlacementTable(index, nodes);
    const group = groupPlacement(table, 'g1');
    let gained = 0;
    for (let shard = 0; shard < S; shard++) {
      const target = ownersOf(shard, [...g1, 'a4'], 2);
      const before = ownersOf(shard, g1, 2);
      expect(group.owners[shard]).toEqual(target);
      expect(group.serving[shard]).toEqual(before);
      expect(group.readable[shard]).toEqual(before);
      expect(writeTargetsOf(table, shard)).toEqual(
        expect.arrayContaining([...new Set([...target, ...before])]),
      );
      if (target.includes('a4')) gained++;
      // The other group is untouched.
      expect(groupPlacement(table, 'g2').owners[shard]).toEqual(ownersOf(shard, g2, 2));
    }
    expect(gained).toBeGreaterThan(0);
  });

  it('a draining node leaves the target layout but keeps serving, and receiving writes for, what it holds', () => {
    const nodes = [...withState(steady, 'a1', 'draining'), node('a4', 'g1')];
    const table = buildPlacementTable(index, nodes);
    const group = groupPlacement(table, 'g1');
    for (let shard = 0; shard < S; shard++) {
      expect(group.owners[shard]).not.toContain('a1');
      const holding = ownersOf(shard, [...g1, 'a4'], 2);
      expect(group.serving[shard]).toEqual(holding);
      if (holding.includes('a1')) {
        expect(group.readable[shard]).toContain('a1');
        expect(writeTargetsOf(table, shard)).toContain('a1');
      } else {
        expect(writeTargetsOf(table, shard)).not.toContain('a1');
      }
    }
  });

  it('a failed node stays an owner and a write target (nothing moves) but is never readable', () => {
    const table = buildPlacementTable(index, withState(steady, 'a2', 'failed'));
    const group = groupPlacement(table, 'g1');
    for (let shard = 0; shard < S; shard++) {
      expect(group.owners[shard]).toEqual(ownersOf(shard, g1, 2));
      expect(group.readable[shard]).not.toContain('a2');
      expect(group.readable[shard]).toEqual(ownersOf(shard, g1, 2).filter((id) => id !== 'a2'));
    }
  });

  it('a removed node owns nothing; its replacements are not readable until ready', () => {
    const unready = { a3: [0, 1, 2] };
    const table = buildPlacementTable({ ...index, unready }, withState(steady, 'a1', 'removed'));
    const group = groupPlacement(table, 'g1');
    for (let shard = 0; shard < S; shard++) {
      const survivors = ownersOf(shard, ['a2', 'a3'], 2);
      expect(group.owners[shard]).toEqual(survivors);
      expect(writeTargetsOf(table, shard)).not.toContain('a1');
      // a3 took over shards 0..2 but has not caught up on them yet.
      expect(group.readable[shard]).toEqual(shard <= 2 ? ['a2'] : survivors);
    }
  });

  it('a group whose nodes are all joining takes writes and serves nothing yet', () => {
    const nodes = [...g1.map((id) => node(id, 'g1')), ...g2.map((id) => node(id, 'g2', 'joining'))];
    const table = buildPlacementTable(index, nodes);
    const group = groupPlacement(table, 'g2');
    for (let shard = 0; shard < S; shard++) {
      expect(group.serving[shard]).toEqual([]);
      expect(group.readable[shard]).toEqual([]);
      expect(writeTargetsOf(table, shard)).toEqual([...ownersOf(shard, g1, 2), ...ownersOf(shard, g2, 2)]);
    }
  });

  it('refuses an RF the target layout of a group cannot hold (e.g. draining below RF)', () => {
    const nodes = withState(withState(steady, 'a1', 'draining'), 'a2', 'removed');
    expect(() => buildPlacementTable(index, nodes)).toThrowError(
      expect.objectContaining({
        code: 'miroir_invalid_topology',
        message: expect.stringMatching(/replica group `g1`/),
      }),
    );
  });

  it('rejects out-of-range shards and unknown groups in lookups', () => {
    const table = buildPlacementTable(index, steady);
    const invalid = expect.objectContaining({ code: 'miroir_invalid_topology' });
    expect(() => writeTargetsOf(table, S)).toThrowError(invalid);
    expect(() => writeTargetsOf(table, -1)).toThrowError(invalid);
    expect(() => groupOwnersOf(table, 'g9', 0)).toThrowError(
      /Replica group `g9` does not hold index `movies`/,
    );
  });
});
