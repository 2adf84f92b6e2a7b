// Index swaps and renames in the topology projection: given indexes, when `IndexesSwapped` is
// folded, then the client uids name the other generations (topics and node indexes stay), a
// rename frees its old uid for a fresh generation, and an impossible swap changes nothing.
import { describe, expect, it } from 'vitest';
import type { ControlEvent, IndexSwap } from '#core/events/control-events.ts';
import {
  createTopologyProjection,
  creationOutcome,
  nextGeneration,
  swapProblem,
  topologySpecOf,
} from '#core/topology-projection.ts';
import { CONTROL_BASE, folder } from '#test/fixtures/control-log.ts';

const base = CONTROL_BASE;
const projection = createTopologyProjection({
  nodes: [{ id: 'n1', url: 'http://n1:7700', group: 'g1' }],
  replicationFactor: 1,
});

function created(uid: string, generation = 0, primaryKey: string | null = null): ControlEvent {
  return {
    ...base,
    eventId: `c-${uid}-${generation}`,
    type: 'IndexCreated',
    indexUid: uid,
    generation,
    primaryKey,
    shards: 2,
  };
}
function swapped(...swaps: IndexSwap[]): ControlEvent {
  return { ...base, eventId: `swap-${JSON.stringify(swaps)}`, type: 'IndexesSwapped', taskUid: 9, swaps };
}
function deleted(uid: string, generation: number): ControlEvent {
  return { ...base, eventId: `d-${uid}`, type: 'IndexDeleted', indexUid: uid, generation };
}
const fold = folder(projection);

describe('IndexesSwapped', () => {
  it("given a and b, when swapped, then a names b's generation and node index, and b names a's", () => {
    const state = fold([
      created('a', 0, 'id'),
      created('b', 0, 'sku'),
      swapped({ indexes: ['a', 'b'], rename: false }),
    ]);
    expect(state.indexes.a).toMatchObject({
      uid: 'a',
      primaryKey: 'sku',
      nodeIndexUid: 'b--g0',
      logUid: 'b',
    });
    expect(state.indexes.b).toMatchObject({ uid: 'b', primaryKey: 'id', nodeIndexUid: 'a--g0', logUid: 'a' });
    const spec = topologySpecOf(state);
    expect(spec.indexes.find((i) => i.uid === 'a')).toMatchObject({ logUid: 'b', nodeIndexUid: 'b--g0' });
  });

  it('given a swap folded twice (a replayed record), then the state equals folding it once', () => {
    const once = fold([created('a'), created('b'), swapped({ indexes: ['a', 'b'], rename: false })]);
    expect(
      projection.evolve(once, {
        offset: once.offset,
        event: swapped({ indexes: ['a', 'b'], rename: false }),
      }),
    ).toBe(once);
  });

  it('given two swaps back, then every uid names its own generation again', () => {
    const swap = swapped({ indexes: ['a', 'b'], rename: false });
    const state = fold([created('a'), created('b'), swap, swap]);
    expect(state.indexes.a).toMatchObject({ nodeIndexUid: 'a--g0', logUid: 'a' });
    expect(state.indexes.b).toMatchObject({ nodeIndexUid: 'b--g0', logUid: 'b' });
  });

  it('given a missing index, when swapped, then nothing changes and swapProblem says index_not_found', () => {
    const before = fold([created('a')]);
    const swaps: IndexSwap[] = [{ indexes: ['a', 'zz'], rename: false }];
    expect(swapProblem(before, swaps)).toEqual({ code: 'index_not_found', message: 'Index `zz` not found.' });
    expect(fold([swapped(...swaps)], before).indexes).toEqual(before.indexes);
  });

  it("given a rename onto an existing index, then it is refused with Meilisearch's message", () => {
    const state = fold([created('a'), created('b')]);
    expect(swapProblem(state, [{ indexes: ['a', 'b'], rename: true }])).toEqual({
      code: 'index_already_exists',
      message:
        'Cannot rename `a` to `b` as the index already exists. Hint: You can remove `b` first and then do your remove.',
    });
  });
});

describe('rename', () => {
  it("given a, when renamed to c, then c names a's generation, a is gone and a new a gets a fresh generation", () => {
    const state = fold([created('a', 0, 'id'), swapped({ indexes: ['a', 'c'], rename: true })]);
    expect(state.indexes.a).toBeUndefined();
    expect(state.indexes.c).toMatchObject({ uid: 'c', primaryKey: 'id', nodeIndexUid: 'a--g0', logUid: 'a' });
    // docs.a.g0 still belongs to c: a new index a must not reuse it.
    expect(nextGeneration(state, 'a')).toBe(1);
    expect(fold([created('a', 0)], state).indexes.a).toBeUndefined();
    expect(fold([created('a', 1)], state).indexes.a).toMatchObject({ generation: 1, nodeIndexUid: 'a--g1' });
  });

  it('given a renamed index deleted later, then its log uid keeps the retired generation', () => {
    const state = fold([created('a'), swapped({ indexes: ['a', 'c'], rename: true }), deleted('c', 0)]);
    expect(state.retiredGenerations.a).toBe(0);
    expect(nextGeneration(state, 'a')).toBe(1);
    expect(nextGeneration(state, 'c')).toBe(0);
  });

  it('given a creation record of the old uid, then it still reports the creation and the new uid keeps its span', () => {
    const state = fold([created('a'), swapped({ indexes: ['a', 'c'], rename: true })]);
    expect(creationOutcome(state, 'a', 0)).toBe('created');
    expect(state.lastCreation.a).toMatchObject({ offset: 0, deletedOffset: 1 });
    expect(state.lastCreation.c).toMatchObject({ offset: 0, deletedOffset: null });
  });
});
