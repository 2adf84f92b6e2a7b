// Replica selection: round-robin over groups, failures skipped for a cooldown, load steering,
// group fallback for uncovered shards, and per-(node, shard) eligibility for read-your-writes.
import { beforeAll, describe, expect, it } from 'vitest';
import { initRouting } from '#core/routing/index.ts';
import { ReplicaSelector } from '../../../query/covering.ts';
import { resolveIndex } from '../../../query/view.ts';
import { makeView } from './fixtures.ts';

beforeAll(async () => {
  await initRouting();
});

const shards = (n: number) => Array.from({ length: n }, (_, i) => i);

function coveredOnce(assignment: ReturnType<ReplicaSelector['assign']>, wanted: number[]): void {
  const seen = assignment.nodes.flatMap((entry) => entry.shards);
  expect([...seen, ...assignment.uncovered].sort((a, b) => a - b)).toEqual(wanted);
  expect(new Set(seen).size).toBe(seen.length);
}

describe('ReplicaSelector', () => {
  it('asks each node once for all the shards it covers', () => {
    const { table } = resolveIndex(
      makeView({ shards: 12, rf: 2, groups: { g1: ['n1', 'n2', 'n3'] } }),
      'docs',
    );
    const assignment = new ReplicaSelector().assign(table, ['g1'], shards(12));
    coveredOnce(assignment, shards(12));
    expect(assignment.uncovered).toEqual([]);
    expect(new Set(assignment.nodes.map((entry) => entry.node)).size).toBe(assignment.nodes.length);
  });

  it('alternates replica groups round-robin', () => {
    const selector = new ReplicaSelector();
    expect(selector.groupOrder(['a', 'b'])).toEqual(['a', 'b']);
    expect(selector.groupOrder(['a', 'b'])).toEqual(['b', 'a']);
    expect(selector.groupOrder(['a', 'b'])).toEqual(['a', 'b']);
    expect(selector.groupOrder(['only'])).toEqual(['only']);
  });

  it('skips a failed node until its cooldown ends', () => {
    let now = 0;
    const selector = new ReplicaSelector({ failureCooldownMs: 100, now: () => now });
    const { table } = resolveIndex(
      makeView({ shards: 8, rf: 2, groups: { g1: ['n1', 'n2', 'n3'] } }),
      'docs',
    );
    selector.markFailed('n1');
    const during = selector.assign(table, ['g1'], shards(8));
    expect(during.nodes.map((entry) => entry.node)).not.toContain('n1');
    expect(during.uncovered).toEqual([]);
    now = 101;
    expect(selector.load('n1').healthy).toBe(true);
  });

  it('reports shards no replica can serve (RF=1, owner down)', () => {
    const selector = new ReplicaSelector();
    const { table } = resolveIndex(
      makeView({ shards: 12, rf: 1, groups: { g1: ['n1', 'n2', 'n3'] } }),
      'docs',
    );
    const owned = shards(12).filter((s) => table.groups[0]?.owners[s]?.includes('n2'));
    const assignment = selector.assign(table, ['g1'], shards(12), { exclude: new Set(['n2']) });
    expect(assignment.uncovered).toEqual(owned);
    coveredOnce(assignment, shards(12));
  });

  it('falls back to another group only for the shards the first cannot cover', () => {
    const selector = new ReplicaSelector();
    const { table } = resolveIndex(
      makeView({ shards: 12, rf: 1, groups: { g1: ['a1', 'a2'], g2: ['b1', 'b2'] } }),
      'docs',
    );
    const lost = shards(12).filter((s) => table.groups[0]?.owners[s]?.includes('a1'));
    const assignment = selector.assign(table, ['g1', 'g2'], shards(12), { exclude: new Set(['a1']) });
    expect(assignment.uncovered).toEqual([]);
    const fromG2 = assignment.nodes.filter((entry) => entry.group === 'g2').flatMap((entry) => entry.shards);
    expect(fromG2.sort((a, b) => a - b)).toEqual(lost);
  });

  it('prefers the less loaded replica', () => {
    const selector = new ReplicaSelector();
    const { table } = resolveIndex(makeView({ shards: 1, rf: 2, groups: { g1: ['n1', 'n2'] } }), 'docs');
    const first = selector.assign(table, ['g1'], [0]).nodes[0]?.node as string;
    const busy = [selector.begin(first), selector.begin(first)];
    const other = selector.assign(table, ['g1'], [0]).nodes[0]?.node;
    expect(other).not.toBe(first);
    for (const end of busy) end('ok', 1);
  });

  it('keeps shards on eligible replicas only', () => {
    const selector = new ReplicaSelector();
    const { table } = resolveIndex(makeView({ shards: 4, rf: 2, groups: { g1: ['n1', 'n2'] } }), 'docs');
    const assignment = selector.assign(table, ['g1'], shards(4), {
      eligible: (node, shard) => shard !== 2 || node === 'n2',
    });
    expect(assignment.nodes.find((entry) => entry.shards.includes(2))?.node).toBe('n2');
    const none = selector.assign(table, ['g1'], [1], { eligible: () => false });
    expect(none.uncovered).toEqual([1]);
  });
});
