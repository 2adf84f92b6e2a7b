// Spare document topics in the topology: `DocsTopicPrepared` lists a spare, the first
// `IndexCreated` that names it takes it (topic and node index), a second claim of the same spare
// is ignored (its creator retries), and spares are laid out for the indexers like a new index.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ControlEvent } from '#core/events/control-events.ts';
import { initRouting } from '#core/routing/hash.ts';
import { createTopology } from '#core/topology.ts';
import {
  createTopologyProjection,
  creationOutcome,
  nodeIndexUidFor,
  spareNodeIndexUid,
  sparesFor,
  topologySpecOf,
} from '#core/topology-projection.ts';
import { docsTopicOf, topicNames } from '#core/log/topics.ts';
import { targetsOf } from '../../../indexers/applier-manager.ts';
import { CONTROL_BASE, folder } from '#test/fixtures/control-log.ts';

const base = CONTROL_BASE;
const projection = createTopologyProjection({
  nodes: [
    { id: 'n1', url: 'http://n1:7700', group: 'g1' },
    { id: 'n2', url: 'http://n2:7700', group: 'g1' },
    { id: 'n3', url: 'http://n3:7700', group: 'g1' },
  ],
  replicationFactor: 1,
});
const topics = topicNames('miroir.');
const SPEC = 'spec-a';

function prepared(id: string, shards = 4, spec = SPEC): ControlEvent {
  return {
    ...base,
    eventId: `p-${id}`,
    type: 'DocsTopicPrepared',
    topic: topics.spare(id),
    shards,
    spec,
  };
}

function created(uid: string, docsTopic: string | null, shards = 4): ControlEvent {
  return {
    ...base,
    schemaVersion: 2,
    eventId: `c-${uid}`,
    type: 'IndexCreated',
    indexUid: uid,
    generation: 0,
    primaryKey: 'id',
    shards,
    docsTopic,
  };
}

const fold = folder(projection);

describe('spare document topics in the topology', () => {
  beforeAll(() => initRouting());

  it('given a prepared spare, when an index takes it, then the index uses its topic and node index and the spare is gone', () => {
    const spare = topics.spare('aaaa');
    const state = fold([prepared('aaaa'), prepared('bbbb'), created('movies', spare)]);
    const index = state.indexes.movies;
    expect(index?.docsTopic).toBe(spare);
    expect(index?.nodeIndexUid).toBe('_spare-aaaa');
    expect(docsTopicOf(topics, index!)).toBe(spare);
    expect(Object.keys(state.spareTopics ?? {})).toEqual([topics.spare('bbbb')]);
    expect(creationOutcome(state, 'movies', 2)).toBe('created');
  });

  it('given a spare taken already, when a second creation names it, then that creation is ignored', () => {
    const spare = topics.spare('aaaa');
    const state = fold([prepared('aaaa'), created('movies', spare), created('books', spare)]);
    expect(state.indexes.books).toBeUndefined();
    expect(creationOutcome(state, 'books', 2)).toBe('ignored');
  });

  it('given a creation naming a spare of another shard count or no spare at all, then it is ignored', () => {
    const state = fold([prepared('aaaa', 8), created('movies', topics.spare('aaaa'), 4)]);
    expect(state.indexes.movies).toBeUndefined();
    expect(fold([created('songs', topics.spare('never'))]).indexes.songs).toBeUndefined();
  });

  it('given a creation without a spare, then the index keeps the topic and node index named after it', () => {
    const state = fold([prepared('aaaa'), created('movies', null)]);
    expect(state.indexes.movies?.docsTopic).toBeUndefined();
    expect(state.indexes.movies?.nodeIndexUid).toBe(nodeIndexUidFor('movies', 0));
    expect(docsTopicOf(topics, state.indexes.movies!)).toBe('miroir.docs.movies.g0');
    expect(Object.keys(state.spareTopics ?? {})).toHaveLength(1);
  });

  it('given the same spare announced twice or after it was taken, then it is listed once and never again', () => {
    const spare = topics.spare('aaaa');
    expect(Object.keys(fold([prepared('aaaa'), prepared('aaaa')]).spareTopics ?? {})).toHaveLength(1);
    const taken = fold([prepared('aaaa'), created('movies', spare), prepared('aaaa')]);
    expect(taken.spareTopics).toEqual({});
  });

  it('given spares of several specs, then sparesFor lists only those an index of that spec may take', () => {
    const state = fold([prepared('aaaa'), prepared('bbbb', 4, 'spec-b'), prepared('cccc', 8)]);
    expect(sparesFor(state, 4, SPEC)).toEqual([topics.spare('aaaa')]);
    expect(sparesFor(state, 8, SPEC)).toEqual([topics.spare('cccc')]);
  });

  it('given a spare, when the topology is placed, then indexers get its partitions like a new index and its prepared node index', () => {
    const state = fold([prepared('aaaa')]);
    const topology = createTopology(topologySpecOf(state));
    const table = topology.spareTables.get(topics.spare('aaaa'));
    expect(table?.shards).toBe(4);
    const all = ['n1', 'n2', 'n3'].flatMap((node) => targetsOf(topology, node, topics));
    expect(
      all.every((t) => t.spare === true && t.nodeIndexUid === spareNodeIndexUid(topics.spare('aaaa'))),
    ).toBe(true);
    // RF 1: every shard has exactly one owner among the nodes.
    expect(all.flatMap((t) => t.partitions).sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
    // Once an index takes it, the same node applies the same partitions of the same topic.
    const taken = createTopology(topologySpecOf(fold([created('movies', topics.spare('aaaa'))], state)));
    for (const node of ['n1', 'n2', 'n3']) {
      const before = targetsOf(topology, node, topics).map((t) => [t.topic, t.partitions, t.nodeIndexUid]);
      const after = targetsOf(taken, node, topics).map((t) => [t.topic, t.partitions, t.nodeIndexUid]);
      expect(after).toEqual(before);
      expect(targetsOf(taken, node, topics).every((t) => t.spare !== true && t.indexUid === 'movies')).toBe(
        true,
      );
    }
  });

  it('given spare topic ids, then only safe ids make a topic name', () => {
    expect(topics.spare('5f0c2a9e7d1b4c36')).toBe('miroir.docs._spare.5f0c2a9e7d1b4c36');
    expect(() => topics.spare('a.b')).toThrow();
    expect(() => topics.spare('')).toThrow();
  });
});
