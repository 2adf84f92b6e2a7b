// Topology projection: given a history of control events, when one more is folded, then the
// state is as expected; folding any record twice (or replaying a prefix) equals folding it once.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { initRouting } from '#core/routing/hash.ts';
import type { ControlEvent } from '#core/events/control-events.ts';
import { createTopology } from '#core/topology.ts';
import {
  createTopologyProjection,
  creationOutcome,
  mergeClientSettings,
  nextGeneration,
  nodeIndexUidFor,
  topologySpecOf,
  type ControlLogRecord,
} from '#core/topology-projection.ts';
import { CONTROL_BASE, folder } from '#test/fixtures/control-log.ts';

const base = CONTROL_BASE;
const projection = createTopologyProjection({
  nodes: [
    { id: 'n1', url: 'http://n1:7700', group: 'g1' },
    { id: 'n2', url: 'http://n2:7700', group: 'g1' },
  ],
  replicationFactor: 2,
});

function created(uid: string, generation = 0, primaryKey: string | null = null): ControlEvent {
  return {
    ...base,
    eventId: `c-${uid}-${generation}`,
    type: 'IndexCreated',
    indexUid: uid,
    generation,
    primaryKey,
    shards: 4,
  };
}
function settings(uid: string, version: number, patch: Record<string, unknown>): ControlEvent {
  return {
    ...base,
    eventId: `s-${uid}-${version}`,
    type: 'SettingsChanged',
    indexUid: uid,
    generation: 0,
    taskUid: version,
    settingsVersion: version,
    settings: JSON.stringify(patch),
  };
}

const fold = folder(projection);

describe('topology projection', () => {
  beforeAll(() => initRouting());

  it('starts from the configured nodes and their groups', () => {
    const state = projection.initialState;
    expect(state.offset).toBe(-1);
    expect(state.groups).toEqual(['g1']);
    expect(state.nodes.map((n) => [n.id, n.state])).toEqual([
      ['n1', 'active'],
      ['n2', 'active'],
    ]);
  });

  it('given nothing, when an index is created, then it has the layout, rf and a per-generation node index', () => {
    const state = fold([created('movies', 0, 'id')]);
    expect(state.indexes.movies).toMatchObject({
      uid: 'movies',
      primaryKey: 'id',
      shards: 4,
      rf: 2,
      groups: ['g1'],
      generation: 0,
      nodeIndexUid: 'movies--g0',
      settingsVersion: -1,
    });
  });

  it('given a new index, a settings change from the very first task (uid 0) applies', () => {
    const change: ControlEvent = {
      ...base,
      eventId: 's0',
      type: 'SettingsChanged',
      indexUid: 'movies',
      settingsVersion: 0,
      settings: JSON.stringify({ searchableAttributes: ['title', 'genre'] }),
    };
    const state = fold([created('movies', 0, 'id'), change]);
    expect(state.indexes.movies?.settingsVersion).toBe(0);
    expect(state.indexes.movies?.settings).toMatchObject({ searchableAttributes: ['title', 'genre'] });
  });

  it('ignores a second creation of a live index (the first wins)', () => {
    const state = fold([created('movies', 0, 'id'), { ...created('movies', 0, 'sku'), eventId: 'other' }]);
    expect(state.indexes.movies?.primaryKey).toBe('id');
  });

  it('given a deleted index, the next generation is one past its last', () => {
    const deleted: ControlEvent = { ...base, eventId: 'd', type: 'IndexDeleted', indexUid: 'movies' };
    const state = fold([created('movies', 0), deleted]);
    expect(state.indexes.movies).toBeUndefined();
    expect(nextGeneration(state, 'movies')).toBe(1);
    expect(nextGeneration(state, 'books')).toBe(0);
    const again = fold([created('movies', 1)], state);
    expect(again.indexes.movies?.nodeIndexUid).toBe(nodeIndexUidFor('movies', 1));
  });

  it('sets the primary key of a keyless index', () => {
    const set: ControlEvent = {
      ...base,
      eventId: 'pk',
      type: 'PrimaryKeySet',
      indexUid: 'movies',
      primaryKey: 'id',
    };
    expect(fold([created('movies'), set]).indexes.movies?.primaryKey).toBe('id');
  });

  it('merges settings versions with PATCH semantics and ignores older versions', () => {
    const state = fold([
      created('movies'),
      settings('movies', 5, {
        filterableAttributes: ['genre'],
        typoTolerance: { minWordSizeForTypos: { oneTypo: 4 } },
      }),
      settings('movies', 7, { typoTolerance: { enabled: false }, stopWords: ['the'] }),
      settings('movies', 6, { stopWords: ['stale'] }),
      settings('movies', 9, { filterableAttributes: null }),
    ]);
    const index = state.indexes.movies;
    expect(index?.settingsVersion).toBe(9);
    expect(index?.settings).toEqual({
      typoTolerance: { minWordSizeForTypos: { oneTypo: 4 }, enabled: false },
      stopWords: ['the'],
    });
  });

  it('follows node events: join (new group), drain, fail, remove', () => {
    const joined: ControlEvent = {
      ...base,
      eventId: 'j',
      type: 'NodeJoined',
      nodeId: 'n3',
      url: 'http://n3:7700',
      replicaGroup: 1,
    };
    const draining: ControlEvent = { ...base, eventId: 'dr', type: 'NodeDraining', nodeId: 'n1' };
    const failed: ControlEvent = { ...base, eventId: 'f', type: 'NodeFailed', nodeId: 'n2', reason: 'down' };
    const removed: ControlEvent = { ...base, eventId: 'r', type: 'NodeRemoved', nodeId: 'n3' };
    const state = fold([joined, draining, failed]);
    expect(state.groups).toEqual(['g1', 'g2']);
    expect(state.nodes.map((n) => [n.id, n.group, n.state])).toEqual([
      ['n1', 'g1', 'draining'],
      ['n2', 'g1', 'failed'],
      ['n3', 'g2', 'active'],
    ]);
    expect(fold([removed], state).nodes.find((n) => n.id === 'n3')?.state).toBe('removed');
  });

  it('tracks shards assigned but not ready, per node', () => {
    const assigned = (shard: number): ControlEvent => ({
      ...base,
      eventId: `a${shard}`,
      type: 'ShardAssigned',
      indexUid: 'movies',
      generation: 0,
      nodeId: 'n2',
      replicaGroup: 0,
      shard,
    });
    const ready: ControlEvent = {
      ...base,
      eventId: 'r1',
      type: 'ShardReady',
      indexUid: 'movies',
      generation: 0,
      nodeId: 'n2',
      replicaGroup: 0,
      shard: 1,
      offset: 10,
    };
    const state = fold([created('movies'), assigned(1), assigned(3)]);
    expect(state.indexes.movies?.unready).toEqual({ n2: [1, 3] });
    expect(fold([ready], state).indexes.movies?.unready).toEqual({ n2: [3] });
  });

  it('sets and removes aliases', () => {
    const set: ControlEvent = {
      ...base,
      eventId: 'as',
      type: 'AliasSet',
      alias: 'current',
      targets: ['movies'],
    };
    const removed: ControlEvent = { ...base, eventId: 'ar', type: 'AliasRemoved', alias: 'current' };
    expect(fold([set]).aliases).toEqual({ current: ['movies'] });
    expect(fold([set, removed]).aliases).toEqual({});
  });

  it('derives a placeable topology spec', () => {
    const topology = createTopology(topologySpecOf(fold([created('movies', 0, 'id')])));
    const table = topology.tables.get('movies');
    expect(table?.shards).toBe(4);
    expect(table?.groups[0]?.owners.every((owners) => owners.length === 2)).toBe(true);
  });

  it('mergeClientSettings replaces lists and resets keys with null', () => {
    expect(
      mergeClientSettings(
        { a: [1], faceting: { maxValuesPerFacet: 10 } },
        { a: [2], faceting: { sortFacetValuesBy: { '*': 'count' } } },
      ),
    ).toEqual({
      a: [2],
      faceting: { maxValuesPerFacet: 10, sortFacetValuesBy: { '*': 'count' } },
    });
  });
});

// ---- idempotence (CONVENTIONS rule 6) ----------------------------------------------------------

const uid = fc.constantFrom('movies', 'books');
const node = fc.constantFrom('n1', 'n2', 'n3');
const controlEvent: fc.Arbitrary<ControlEvent> = fc.oneof(
  fc
    .tuple(uid, fc.nat(3), fc.option(fc.constantFrom('id', 'sku'), { nil: null }))
    .map(([u, g, pk]) => created(u, g, pk)),
  uid.map((u): ControlEvent => ({ ...base, eventId: 'd', type: 'IndexDeleted', indexUid: u })),
  fc.tuple(uid, fc.constantFrom('id', 'sku')).map(([u, pk]): ControlEvent => ({
    ...base,
    eventId: 'p',
    type: 'PrimaryKeySet',
    indexUid: u,
    primaryKey: pk,
  })),
  fc
    .tuple(
      uid,
      fc.integer({ min: 1, max: 50 }),
      fc.constantFrom({ stopWords: ['a'] }, { stopWords: null }, { typoTolerance: { enabled: false } }),
    )
    .map(([u, v, p]) => settings(u, v, p)),
  fc.tuple(node, fc.nat(2)).map(([n, g]): ControlEvent => ({
    ...base,
    eventId: 'j',
    type: 'NodeJoined',
    nodeId: n,
    url: `http://${n}`,
    replicaGroup: g,
  })),
  node.map((n): ControlEvent => ({ ...base, eventId: 'f', type: 'NodeFailed', nodeId: n, reason: 'x' })),
  fc.tuple(uid, node, fc.nat(3)).map(([u, n, s]): ControlEvent => ({
    ...base,
    eventId: 'a',
    type: 'ShardAssigned',
    indexUid: u,
    generation: 0,
    nodeId: n,
    replicaGroup: 0,
    shard: s,
  })),
  fc.tuple(uid, node, fc.nat(3)).map(([u, n, s]): ControlEvent => ({
    ...base,
    eventId: 'r',
    type: 'ShardReady',
    indexUid: u,
    generation: 0,
    nodeId: n,
    replicaGroup: 0,
    shard: s,
    offset: 1,
  })),
);

describe('topology projection idempotence', () => {
  it('folding every record twice equals folding it once', () => {
    fc.assert(
      fc.property(fc.array(controlEvent, { maxLength: 30 }), (events) => {
        const records: ControlLogRecord[] = events.map((event, offset) => ({ offset, event }));
        const once = records.reduce(projection.evolve, projection.initialState);
        const twice = records.reduce(
          (s, r) => projection.evolve(projection.evolve(s, r), r),
          projection.initialState,
        );
        expect(twice).toEqual(once);
      }),
    );
  });

  it('a replay from the beginning after a restart (redelivered prefix) converges to the same state', () => {
    fc.assert(
      fc.property(fc.array(controlEvent, { maxLength: 30 }), fc.nat(30), (events, cut) => {
        const records: ControlLogRecord[] = events.map((event, offset) => ({ offset, event }));
        const once = records.reduce(projection.evolve, projection.initialState);
        const prefix = records.slice(0, Math.min(cut, records.length));
        const redelivered = [...prefix, ...records].reduce(projection.evolve, projection.initialState);
        expect(redelivered).toEqual(once);
      }),
    );
  });

  it('each event is idempotent on its own, even under a new offset', () => {
    fc.assert(
      fc.property(fc.array(controlEvent, { maxLength: 20 }), controlEvent, (history, event) => {
        const state = history
          .map((e, offset) => ({ offset, event: e }))
          .reduce(projection.evolve, projection.initialState);
        const once = projection.evolve(state, { offset: history.length, event });
        const again = projection.evolve(once, { offset: history.length + 1, event });
        expect({ ...again, offset: 0 }).toEqual({ ...once, offset: 0 });
      }),
    );
  });
});

describe('concurrent creations of one index (control log order decides)', () => {
  beforeAll(() => initRouting());
  const deleted: ControlEvent = { ...base, eventId: 'd', type: 'IndexDeleted', indexUid: 'movies' };

  it('given two creations of an unknown index, the first record creates it and the second sees it exists', () => {
    const state = fold([created('movies', 0, 'id'), { ...created('movies', 0, 'sku'), eventId: 'other' }]);
    expect(state.indexes.movies?.primaryKey).toBe('id');
    expect(creationOutcome(state, 'movies', 0)).toBe('created');
    expect(creationOutcome(state, 'movies', 1)).toBe('exists');
  });

  it('given a deleted generation, a creation that still carries it is ignored and the index stays deleted', () => {
    // Appended by a process whose view had not folded the deletion yet.
    const state = fold([created('movies', 0), deleted, { ...created('movies', 0), eventId: 'stale' }]);
    expect(state.indexes.movies).toBeUndefined();
    expect(state.retiredGenerations).toEqual({ movies: 0 });
    expect(creationOutcome(state, 'movies', 2)).toBe('ignored');
    // Appended again with the next generation, it creates the index.
    const again = fold([created('movies', 1)], state);
    expect(again.indexes.movies?.generation).toBe(1);
    expect(creationOutcome(again, 'movies', 3)).toBe('created');
  });

  it('a creation that won keeps its outcome after a later deletion; one that lost before that deletion stays lost', () => {
    const state = fold([created('movies', 0), { ...created('movies', 0), eventId: 'late' }, deleted]);
    expect(state.lastCreation.movies).toEqual({ generation: 0, offset: 0, deletedOffset: 2 });
    expect(creationOutcome(state, 'movies', 0)).toBe('created');
    expect(creationOutcome(state, 'movies', 1)).toBe('exists');
  });

  it('knows nothing of an index never created', () => {
    expect(creationOutcome(projection.initialState, 'movies', 0)).toBe('ignored');
  });
});
