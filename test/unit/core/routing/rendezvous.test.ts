// Properties of shard placement: deterministic, uniform over shards, RF distinct owners, and
// minimal movement when a group gains or loses a node (no virtual nodes needed).
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { initRouting, ownersOf, rankNodes, shardOf } from '#core/routing/index.ts';

beforeAll(async () => {
  await initRouting();
});

// Distinct node ids: plain, unicode, and shapes that only the ':' separator keeps apart.
const nodeId = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.stringMatching(/^node-[0-9]{1,3}$/),
  fc.string({ minLength: 1, unit: 'grapheme' }),
);
const nodeSet = (min: number, max: number) => fc.uniqueArray(nodeId, { minLength: min, maxLength: max });

/** Pearson chi-square of observed bucket counts against a uniform expectation. */
function chiSquare(counts: readonly number[], total: number): number {
  const expected = total / counts.length;
  return counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
}

describe('shardOf', () => {
  it('is deterministic', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.integer({ min: 1, max: 65536 }),
        (key, s) => shardOf(key, s) === shardOf(key, s) && shardOf(key, s) < s,
      ),
    );
  });

  // df = 63: mean 63, sd 11.2. 110 is p < 0.0005, so a pass is not luck and a fail is a real skew.
  it.each([
    ['sequential ids', (i: number) => `doc-${i}`],
    ['numeric ids', (i: number) => String(i)],
    ['hex ids', (i: number) => (i * 2654435761).toString(16)],
  ])('spreads 100K %s uniformly over S=64 (chi-square)', (_, makeKey) => {
    const counts = new Array<number>(64).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const shard = shardOf(makeKey(i), 64);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    expect(chiSquare(counts, 100_000)).toBeLessThan(110);
  });
});

describe('rendezvous owners', () => {
  it('are deterministic, distinct, RF long, members of the group, and independent of list order', () => {
    fc.assert(
      fc.property(
        nodeSet(1, 8),
        fc.integer({ min: 0, max: 4095 }),
        fc.integer({ min: 1, max: 8 }),
        (nodes, shard, rfWanted) => {
          const rf = Math.min(rfWanted, nodes.length);
          const owners = ownersOf(shard, nodes, rf);
          expect(owners).toHaveLength(rf);
          expect(new Set(owners).size).toBe(rf);
          for (const owner of owners) expect(nodes).toContain(owner);
          expect(ownersOf(shard, [...nodes].reverse(), rf)).toEqual(owners);
          expect(ownersOf(shard, nodes, rf)).toEqual(owners);
          // Owners for RF r are the prefix of the full ranking.
          expect(rankNodes(shard, nodes).slice(0, rf)).toEqual(owners);
        },
      ),
    );
  });

  it('adding a node only moves shards to the new node, about 1/(N+1) of the ownerships', () => {
    fc.assert(
      fc.property(nodeSet(3, 7), nodeId, fc.integer({ min: 1, max: 3 }), (nodes, added, rfWanted) => {
        fc.pre(!nodes.includes(added));
        const rf = Math.min(rfWanted, nodes.length);
        const S = 256;
        let movedSlots = 0;
        for (let shard = 0; shard < S; shard++) {
          const before = ownersOf(shard, nodes, rf);
          const after = ownersOf(shard, [...nodes, added], rf);
          const lost = before.filter((node) => !after.includes(node));
          const gained = after.filter((node) => !before.includes(node));
          // Exact: either nothing changes, or the new node replaces exactly one owner.
          if (gained.length === 0) expect(lost).toEqual([]);
          else {
            expect(gained).toEqual([added]);
            expect(lost).toHaveLength(1);
          }
          movedSlots += gained.length;
        }
        // Statistical: moved fraction of RF*S slots is 1/(N+1); binomial sd over S*rf trials at 6 sd.
        const p = 1 / (nodes.length + 1);
        const trials = S * rf;
        const sd = Math.sqrt(trials * p * (1 - p));
        expect(Math.abs(movedSlots - trials * p)).toBeLessThan(6 * sd);
      }),
      { numRuns: 30, seed: 20_251_127 },
    );
  });

  it('removing a node only moves the shards it owned', () => {
    fc.assert(
      fc.property(nodeSet(2, 7), fc.nat(), fc.integer({ min: 1, max: 3 }), (nodes, pick, rfWanted) => {
        const removed = nodes[pick % nodes.length] as string;
        const rest = nodes.filter((node) => node !== removed);
        const rf = Math.min(rfWanted, rest.length);
        for (let shard = 0; shard < 256; shard++) {
          const before = ownersOf(shard, nodes, rf);
          const after = ownersOf(shard, rest, rf);
          if (!before.includes(removed)) expect(after).toEqual(before);
          else {
            // The surviving owners stay, in order; one replacement joins.
            expect(after.filter((node) => before.includes(node))).toEqual(
              before.filter((node) => node !== removed),
            );
            expect(after.filter((node) => !before.includes(node))).toHaveLength(1);
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('balances 64 shards over 3 nodes (RF 1) and moves 16 shards to a 4th', () => {
    const nodes = ['node-0', 'node-1', 'node-2'];
    const load = new Map<string, number>();
    let moved = 0;
    for (let shard = 0; shard < 64; shard++) {
      const [owner] = ownersOf(shard, nodes, 1);
      load.set(owner as string, (load.get(owner as string) ?? 0) + 1);
      const [next] = ownersOf(shard, [...nodes, 'node-3'], 1);
      if (next !== owner) {
        expect(next).toBe('node-3');
        moved++;
      }
    }
    for (const count of load.values()) expect(count).toBeGreaterThanOrEqual(18);
    for (const count of load.values()) expect(count).toBeLessThanOrEqual(26);
    expect(moved).toBe(16);
  });

  it('rejects an RF above the group size, a bad RF, duplicate or empty node ids, bad shard ids', () => {
    const invalid = expect.objectContaining({ code: 'miroir_invalid_topology' });
    expect(() => ownersOf(0, ['a', 'b'], 3)).toThrowError(invalid);
    expect(() => ownersOf(0, ['a', 'b'], 3)).toThrowError(
      /replication factor 3 exceeds the 2 placement node/,
    );
    expect(() => ownersOf(0, [], 1)).toThrowError(invalid);
    expect(() => ownersOf(0, ['a'], 0)).toThrowError(invalid);
    expect(() => ownersOf(0, ['a', 'b'], 1.5)).toThrowError(invalid);
    expect(() => ownersOf(0, ['a', 'a'], 1)).toThrowError(/listed twice/);
    expect(() => ownersOf(0, ['a', ''], 1)).toThrowError(/non-empty/);
    expect(() => ownersOf(-1, ['a'], 1)).toThrowError(invalid);
    expect(() => ownersOf(0.5, ['a'], 1)).toThrowError(invalid);
  });
});
