// The query planner: primary-key pinning narrows the shards, the shard clause is ANDed in the
// array form, and only nodes holding foreign shards get it.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRouting, shardOf } from '#core/routing/index.ts';
import {
  atLeastOneShard,
  needsShardClause,
  shardClause,
  shardsForDocuments,
  shardsForFilter,
  withShardClause,
} from '../../../query/plan.ts';
import { resolveIndex } from '../../../query/view.ts';
import { makeView } from './fixtures.ts';

beforeAll(async () => {
  await initRouting();
});

describe('shardsForFilter', () => {
  let table: ReturnType<typeof resolveIndex>['table'];
  beforeAll(() => {
    table = resolveIndex(makeView({ shards: 12, rf: 1, groups: { g1: ['n1', 'n2', 'n3'] } }), 'docs').table;
  });

  it('sends a primary-key equality to the owning shard only', () => {
    expect(shardsForFilter(table, 'id', 'id = 42')).toEqual([shardOf('42', 12)]);
    expect(shardsForFilter(table, 'id', ['id = 42', 'genre = horror'])).toEqual([shardOf('42', 12)]);
  });

  it('unions the shards of an IN list and of OR branches', () => {
    const expected = [...new Set(['1', '2', '3'].map((id) => shardOf(id, 12)))].sort((a, b) => a - b);
    expect(shardsForFilter(table, 'id', 'id IN [1, 2, 3]')).toEqual(expected);
    expect(shardsForFilter(table, 'id', 'id = 1 OR id = 2 OR id = 3')).toEqual(expected);
  });

  it('fans out to every shard when the filter does not pin the key, is invalid or the index has no key', () => {
    const all = Array.from({ length: 12 }, (_, i) => i);
    expect(shardsForFilter(table, 'id', 'genre = horror')).toEqual(all);
    expect(shardsForFilter(table, 'id', 'id = 1 OR genre = horror')).toEqual(all);
    expect(shardsForFilter(table, 'id', 'id = ')).toEqual(all);
    expect(shardsForFilter(table, null, 'id = 1')).toEqual(all);
    expect(shardsForFilter(table, 'id', undefined)).toEqual(all);
    // Letters may match other ids case-insensitively: not pinned.
    expect(shardsForFilter(table, 'id', 'id = abc')).toEqual(all);
  });

  it('a contradiction pins no shard, and the search still asks one for the response shape', () => {
    const pinned = shardsForFilter(table, 'id', 'id = 1 AND id = 2');
    expect(pinned).toEqual([]);
    expect(atLeastOneShard(pinned)).toEqual([0]);
  });

  it('narrows document listings by ids and filter together', () => {
    expect(shardsForDocuments(table, 'id', ['7', 8], null)).toEqual(
      [...new Set([shardOf('7', 12), shardOf('8', 12)])].sort((a, b) => a - b),
    );
    expect(shardsForDocuments(table, 'id', [7], 'id = 8')).toEqual(
      shardOf('7', 12) === shardOf('8', 12) ? [shardOf('7', 12)] : [],
    );
  });
});

describe('shard clause', () => {
  it('is one EXISTS for one shard and an OR of them for several', () => {
    expect(shardClause([3])).toBe('_miroir_shard.s3 EXISTS');
    expect(shardClause([1, 4, 7])).toBe(
      '_miroir_shard.s1 EXISTS OR _miroir_shard.s4 EXISTS OR _miroir_shard.s7 EXISTS',
    );
  });

  it('is ANDed to the client filter in the array form, never re-quoting it', () => {
    expect(withShardClause(undefined, [1])).toBe('_miroir_shard.s1 EXISTS');
    expect(withShardClause('', [1])).toBe('_miroir_shard.s1 EXISTS');
    expect(withShardClause('a = "x y"', [1, 2])).toEqual([
      'a = "x y"',
      '_miroir_shard.s1 EXISTS OR _miroir_shard.s2 EXISTS',
    ]);
    expect(withShardClause(['a = 1', ['b = 2', 'c = 3']], [0])).toEqual([
      'a = 1',
      ['b = 2', 'c = 3'],
      '_miroir_shard.s0 EXISTS',
    ]);
  });

  it('rejects a filter of another type as Meilisearch does', () => {
    expect(() => withShardClause(42, [1])).toThrow(
      expect.objectContaining({ code: 'invalid_search_filter' }),
    );
  });
});

describe('needsShardClause', () => {
  it('RF=1: a node asked for all its shards needs no clause, one asked for fewer does', () => {
    const { table } = resolveIndex(
      makeView({ shards: 12, rf: 1, groups: { g1: ['n1', 'n2', 'n3'] } }),
      'docs',
    );
    const owned = Array.from({ length: 12 }, (_, s) => s).filter((s) =>
      table.groups[0]?.owners[s]?.includes('n1'),
    );
    expect(owned.length).toBeGreaterThan(1);
    expect(needsShardClause(table, 'g1', 'n1', owned)).toBe(false);
    expect(needsShardClause(table, 'g1', 'n1', owned.slice(1))).toBe(true);
  });

  it('RF=3 over 3 nodes: a node holds every shard, so only a request for all of them goes unconfined', () => {
    const { table } = resolveIndex(
      makeView({ shards: 6, rf: 3, groups: { g1: ['n1', 'n2', 'n3'] } }),
      'docs',
    );
    expect(needsShardClause(table, 'g1', 'n2', [0, 1, 2, 3, 4, 5])).toBe(false);
    expect(needsShardClause(table, 'g1', 'n2', [0, 1])).toBe(true);
  });
});
