import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openChangelogStore } from '#adapters/changelog-store.ts';

describe('changelog store', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const path = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'miroir-store-'));
    dirs.push(dir);
    return join(dir, 'nested', 'state.sqlite');
  };

  it('keeps documents per shard, reads many at once, and survives a reopen', () => {
    const file = path();
    const store = openChangelogStore(file);
    const keys = Array.from({ length: 700 }, (_, i) => `k${i}`);
    store.apply(
      keys.map((key, i) => ({ shard: i % 2, key, doc: `{"i":${i}}` })),
      new Map([[0, 5]]),
    );
    store.apply(
      [{ shard: 0, key: 'k0', doc: null }],
      new Map([
        [0, 3],
        [1, 9],
      ]),
    );
    expect(store.get(1, 'k1')).toBe('{"i":1}');
    expect(store.get(0, 'k1')).toBeUndefined();
    const many = store.getMany(1, [...keys, 'absent']);
    expect(many.size).toBe(350);
    expect(many.get('k699')).toBe('{"i":699}');
    expect([...store.entries(0)].length).toBe(349);
    store.setMeta('target', 'x');
    store.close();
    const again = openChangelogStore(file);
    // Restore positions only move forward.
    expect(again.restoredOffsets()).toEqual(
      new Map([
        [0, 5],
        [1, 9],
      ]),
    );
    expect(again.shards()).toEqual([0, 1]);
    expect(again.count()).toBe(699);
    expect(again.meta('target')).toBe('x');
    again.close();
  });
});
