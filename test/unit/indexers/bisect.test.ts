// Bisecting a rejected batch down to the items the node refuses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bisectRejected } from '../../../indexers/bisect.ts';

/** A fake node: rejects any request holding a bad item; records what it applied, in order. */
function fakeNode(bad: ReadonlySet<number>) {
  const applied: number[] = [];
  const attempt = async (items: readonly number[]) => {
    const poison = items.find((i) => bad.has(i));
    if (poison !== undefined) return { ok: false as const, error: `bad ${poison}` };
    applied.push(...items);
    return { ok: true as const };
  };
  return { applied, attempt };
}

describe('bisectRejected', () => {
  it('isolates the one bad item and applies the rest in order', async () => {
    const node = fakeNode(new Set([5]));
    const items = Array.from({ length: 10 }, (_, i) => i);
    const result = await bisectRejected(items, 'bad 5', node.attempt);
    expect(result.rejected).toEqual([{ item: 5, error: 'bad 5' }]);
    expect(node.applied).toEqual([0, 1, 2, 3, 4, 6, 7, 8, 9]);
    expect(result.attempts).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(items.length)));
  });

  it('rejects a single-item batch without another request', async () => {
    const node = fakeNode(new Set([1]));
    const result = await bisectRejected([1], 'bad 1', node.attempt);
    expect(result).toEqual({ rejected: [{ item: 1, error: 'bad 1' }], attempts: 0 });
  });

  it('for any set of bad items: rejects exactly them, applies every other item once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 200 }),
        fc.array(fc.nat(199), { minLength: 1, maxLength: 8 }),
        async (n, picks) => {
          const items = Array.from({ length: n }, (_, i) => i);
          const bad = new Set(picks.map((p) => p % n));
          const node = fakeNode(bad);
          const result = await bisectRejected(items, 'whole batch', node.attempt);
          expect(result.rejected.map((r) => r.item)).toEqual([...bad].sort((a, b) => a - b));
          expect(node.applied).toEqual(items.filter((i) => !bad.has(i)));
          expect(result.attempts).toBeLessThanOrEqual(2 * bad.size * Math.max(1, Math.ceil(Math.log2(n))));
        },
      ),
    );
  });
});
