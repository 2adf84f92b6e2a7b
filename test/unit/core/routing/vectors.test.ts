// Golden vectors pin the placement contract across processes and releases: the xxh64 digest and
// shard of each key for several S, rendezvous scores of fixed inputs, and owner tables for fixed
// node sets. The file was cross-checked against an independent xxh64 (python-xxhash 4.1.0).
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  initRouting,
  ownersOf,
  rendezvousKey,
  rendezvousScore,
  routeBatch,
  shardOf,
  xxh64Hex,
} from '#core/routing/index.ts';

interface RoutingVectors {
  shardCounts: number[];
  keys: { key: string; xxh64: string; shards: Record<string, number> }[];
  scores: { shard: number; node: string; input: string; xxh64: string }[];
  owners: { name: string; nodes: string[]; rf: number; shards: number; owners: string[][] }[];
}

// Read with JSON.parse rather than a JSON import: the bundler's JSON loader rejects the lone
// surrogate escape ("\ud800") that one vector pins on purpose.
const vectors = JSON.parse(
  readFileSync(new URL('../../../fixtures/routing.vectors.json', import.meta.url), 'utf8'),
) as RoutingVectors;

beforeAll(async () => {
  await initRouting();
});

describe('routing golden vectors', () => {
  it('covers the edge cases the contract promises', () => {
    const keys = vectors.keys.map((entry) => entry.key);
    expect(keys).toContain('');
    expect(keys).toContain('\ud800');
    expect(keys.some((key) => key.length >= 1000)).toBe(true);
    expect(keys.some((key) => [...key].some((char) => (char.codePointAt(0) ?? 0) > 0x7f))).toBe(true);
    expect(vectors.shardCounts).toEqual(expect.arrayContaining([1, 3, 64, 65536]));
  });

  it.each(vectors.keys.map((entry) => [JSON.stringify(entry.key).slice(0, 40), entry] as const))(
    'key %s: digest and shards',
    (_, entry) => {
      expect(xxh64Hex(entry.key)).toBe(entry.xxh64);
      for (const s of vectors.shardCounts) {
        expect(shardOf(entry.key, s), `S=${s}`).toBe(entry.shards[String(s)]);
      }
    },
  );

  it('the batch router reproduces every pinned shard', () => {
    const keys = vectors.keys.map((entry) => entry.key);
    for (const s of vectors.shardCounts) {
      const expected = vectors.keys.map((entry) => entry.shards[String(s)]);
      expect([...routeBatch(keys, { shards: s })], `S=${s}`).toEqual(expected);
    }
  });

  it.each(vectors.scores)('score of shard $shard on node $node', (entry) => {
    expect(rendezvousKey(entry.shard, entry.node)).toBe(entry.input);
    expect(rendezvousScore(entry.shard, entry.node).toString(16).padStart(16, '0')).toBe(entry.xxh64);
  });

  it.each(vectors.owners)('owners: $name', (entry) => {
    expect(entry.owners).toHaveLength(entry.shards);
    entry.owners.forEach((owners, shard) => {
      expect(ownersOf(shard, entry.nodes, entry.rf), `shard ${shard}`).toEqual(owners);
    });
  });
});
