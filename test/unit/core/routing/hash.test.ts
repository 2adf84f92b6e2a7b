// The hash entry points: refused before init, exact after, clear errors on bad input.
import { describe, expect, it } from 'vitest';
import {
  initRouting,
  isRoutingReady,
  MAX_SHARDS,
  routeBatch,
  routingKernelKind,
  shardOf,
  xxh64,
  xxh64Hex,
} from '#core/routing/index.ts';

// One file = one module instance (vitest isolates files), so the first block sees no init.
describe('before initRouting()', () => {
  it('every hashing entry point fails with a clear error', () => {
    expect(isRoutingReady()).toBe(false);
    for (const call of [
      () => shardOf('a', 4),
      () => xxh64('a'),
      () => routeBatch(['a'], { shards: 4 }),
      () => routingKernelKind(),
    ]) {
      expect(call).toThrowError(/await initRouting\(\)/);
    }
    expect(() => shardOf('a', 4)).toThrowError(expect.objectContaining({ code: 'internal' }));
  });
});

describe('after initRouting()', () => {
  it('initialises once, concurrently and idempotently, on the direct wasm kernel', async () => {
    await Promise.all([initRouting(), initRouting(), initRouting()]);
    await initRouting();
    expect(isRoutingReady()).toBe(true);
    expect(routingKernelKind()).toBe('wasm-direct');
  });

  it('hashes the UTF-8 bytes with seed 0 (xxh64 reference digests)', () => {
    // Published xxh64 test values: the empty input and "a" with seed 0.
    expect(xxh64Hex('')).toBe('ef46db3751d8e999');
    expect(xxh64Hex('a')).toBe('d24ec4f1a98c6e5b');
    expect(xxh64('a')).toBe(0xd24ec4f1a98c6e5bn);
  });

  it('shard is the unsigned digest modulo S', () => {
    const digest = xxh64('doc-123');
    for (const s of [1, 2, 5, 64, 1000, MAX_SHARDS])
      expect(shardOf('doc-123', s)).toBe(Number(digest % BigInt(s)));
    expect(shardOf('anything', 1)).toBe(0);
  });

  it.each([0, -1, 1.5, Number.NaN, MAX_SHARDS + 1, Infinity])('rejects shard count %s', (s) => {
    expect(() => shardOf('a', s)).toThrowError(expect.objectContaining({ code: 'miroir_invalid_topology' }));
    expect(() => routeBatch(['a'], { shards: s })).toThrowError(
      expect.objectContaining({ code: 'miroir_invalid_topology' }),
    );
  });

  it('rejects a primary key that is not a string', () => {
    expect(() => shardOf(42 as unknown as string, 4)).toThrowError(
      expect.objectContaining({ code: 'invalid_document_id' }),
    );
  });
});
