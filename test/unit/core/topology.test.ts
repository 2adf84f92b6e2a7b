// The Topology value: validation of a spec (every problem named at once), derived placement
// tables per index, lookups, and isolation between replica groups.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRouting, ownersOf } from '#core/routing/index.ts';
import { createTopology, placementOf, readableGroups, type TopologySpec } from '#core/topology.ts';

beforeAll(async () => {
  await initRouting();
});

const spec: TopologySpec = {
  groups: [
    { id: 'g1', state: 'active' },
    { id: 'g2', state: 'initializing' },
  ],
  nodes: [
    { id: 'a1', url: 'http://a1:7700', group: 'g1', state: 'active' },
    { id: 'a2', url: 'http://a2:7700', group: 'g1', state: 'active' },
    { id: 'a3', url: 'http://a3:7700', group: 'g1', state: 'active' },
    { id: 'b1', url: 'http://b1:7700', group: 'g2', state: 'active' },
    { id: 'b2', url: 'http://b2:7700', group: 'g2', state: 'active' },
    { id: 'b3', url: 'http://b3:7700', group: 'g2', state: 'active' },
  ],
  indexes: [
    {
      uid: 'movies',
      primaryKey: 'id',
      shards: 64,
      rf: 2,
      groups: ['g1', 'g2'],
      generation: 0,
      state: 'active',
    },
    { uid: 'books', primaryKey: null, shards: 64, rf: 1, groups: ['g1'], generation: 2, state: 'creating' },
  ],
};

describe('createTopology', () => {
  it('derives one placement table per index, with lookups by id', () => {
    const topology = createTopology(spec);
    expect([...topology.tables.keys()]).toEqual(['movies', 'books']);
    expect(topology.nodeById.get('b2')?.url).toBe('http://b2:7700');
    expect(topology.groupById.get('g2')?.state).toBe('initializing');
    const movies = placementOf(topology, 'movies');
    expect(movies.groups.map((g) => g.group)).toEqual(['g1', 'g2']);
    expect(movies.groups[0]?.owners[5]).toEqual(ownersOf(5, ['a1', 'a2', 'a3'], 2));
    const books = placementOf(topology, 'books');
    expect(books).toMatchObject({ generation: 2, rf: 1, shards: 64 });
    expect(books.writeTargets[5]).toEqual(ownersOf(5, ['a1', 'a2', 'a3'], 1));
  });

  it('reads only from active groups', () => {
    const topology = createTopology(spec);
    expect(readableGroups(topology, 'movies')).toEqual(['g1']);
    const promoted = createTopology({ ...spec, groups: [spec.groups[0]!, { id: 'g2', state: 'active' }] });
    expect(readableGroups(promoted, 'movies')).toEqual(['g1', 'g2']);
  });

  it('a node joining one group changes nothing in the other group', () => {
    const before = placementOf(createTopology(spec), 'movies');
    const after = placementOf(
      createTopology({
        ...spec,
        nodes: [...spec.nodes, { id: 'a4', url: '', group: 'g1', state: 'active' }],
      }),
      'movies',
    );
    expect(after.groups[1]).toEqual(before.groups[1]);
    expect(after.groups[0]).not.toEqual(before.groups[0]);
  });

  it('an unknown index is index_not_found', () => {
    expect(() => placementOf(createTopology(spec), 'nope')).toThrowError(
      expect.objectContaining({ code: 'index_not_found', message: 'Index `nope` not found.' }),
    );
  });

  it('names every problem of a bad spec in one miroir_invalid_topology error', () => {
    const bad = {
      groups: [
        { id: 'g1', state: 'active' },
        { id: 'g1', state: 'sleeping' },
      ],
      nodes: [
        { id: 'a1', url: 'http://a1', group: 'g1', state: 'active' },
        { id: 'a1', url: 'http://a1', group: 'g7', state: 'asleep' },
      ],
      indexes: [
        {
          uid: 'x',
          primaryKey: 'id',
          shards: 0,
          rf: 0,
          groups: ['g9'],
          generation: -1,
          state: 'active',
          unready: { ghost: [1] },
        },
        { uid: 'y', primaryKey: 'id', shards: 4, rf: 1, groups: [], generation: 0, state: 'weird' },
      ],
    } as unknown as TopologySpec;
    let message = '';
    try {
      createTopology(bad);
    } catch (err) {
      expect(err).toMatchObject({ code: 'miroir_invalid_topology', status: 400, type: 'invalid_request' });
      message = (err as Error).message;
    }
    for (const part of [
      'replica group `g1` is declared twice',
      'unknown state `sleeping`',
      'node `a1` is declared twice',
      'unknown replica group `g7`',
      'unknown state `asleep`',
      'index `x` has 0 shards',
      'replication factor 0',
      'generation -1',
      'unknown replica group `g9`',
      'unknown node `ghost`',
      'index `y` is held by no replica group',
      'unknown state `weird`',
    ]) {
      expect(message).toContain(part);
    }
  });

  it('refuses an RF above the placement nodes of a group', () => {
    const tooFew = { ...spec, indexes: [{ ...spec.indexes[0]!, rf: 4 }] };
    expect(() => createTopology(tooFew)).toThrowError(
      /replication factor 4 exceeds the 3 placement node\(s\) of replica group `g1`/,
    );
  });
});
