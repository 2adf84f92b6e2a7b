// `initRouting({ directWasm: false })` keeps routing on xxhash-wasm's public API: same shards.
import { describe, expect, it } from 'vitest';
import { initRouting, routeBatch, routingKernelKind, shardOf } from '#core/routing/index.ts';

describe('routing without the direct wasm kernel', () => {
  it('uses the public-api kernel and routes identically', async () => {
    await initRouting({ directWasm: false });
    expect(routingKernelKind()).toBe('public-api');
    const keys = Array.from({ length: 2000 }, (_, i) => (i % 10 === 0 ? `clé-${i}` : `${i}`));
    for (const s of [3, 64])
      expect([...routeBatch(keys, { shards: s })]).toEqual(keys.map((k) => shardOf(k, s)));
  });
});
