// The batch router must equal `shardOf` (the BigInt reference) on every key: that is what keeps
// the golden vectors true for the fast path. Checked on generated keys of every shape, over
// power-of-two and other shard counts, across chunk boundaries and on both kernels.
import fc from 'fast-check';
import xxhash from 'xxhash-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketByShard, initRouting, MAX_SHARDS, routeBatch, shardOf } from '#core/routing/index.ts';
import { createApiKernel } from '#core/routing/shard-kernel.ts';

beforeAll(async () => {
  await initRouting();
});

const shardCount = fc.oneof(
  fc.constantFrom(1, 2, 3, 7, 64, 100, 1000, 4096, MAX_SHARDS),
  fc.integer({ min: 1, max: MAX_SHARDS }),
);
// Arbitrary UTF-16 code units: the only generator here that yields lone surrogates (fast-check's
// string units are all well-formed), including keys that end or start with half a pair.
const codeUnits = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff })), {
    maxLength: 12,
  })
  .map((units) => String.fromCharCode(...units));
const key = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  codeUnits,
  fc.string({ minLength: 30, maxLength: 600 }),
  fc.integer().map(String),
);

function reference(keys: readonly string[], s: number): number[] {
  return keys.map((k) => shardOf(k, s));
}

describe('routeBatch', () => {
  it('equals shardOf for any keys (ASCII, unicode, lone surrogates, long) and any S', () => {
    fc.assert(
      fc.property(fc.array(key, { maxLength: 200 }), shardCount, (keys, s) => {
        expect([...routeBatch(keys, { shards: s })]).toEqual(reference(keys, s));
      }),
      { numRuns: 300 },
    );
  });

  it('equals shardOf on 50K keys, across the encoding chunk boundary', () => {
    const keys = Array.from({ length: 50_000 }, (_, i) =>
      i === 30_000 ? 'ünïcode in a later chunk' : `doc-${i * 7919}`,
    );
    for (const s of [64, 1000]) {
      const got = routeBatch(keys, { shards: s });
      expect(got).toHaveLength(keys.length);
      expect([...got]).toEqual(reference(keys, s));
    }
  });

  it('keeps split surrogate pairs apart: keys are encoded one by one, never joined', () => {
    // Joined, 'a\ud83c' + '\udf89b' would form one 🎉; separately each holds a lone surrogate.
    const keys = ['a\ud83c', '\udf89b', 'plain'];
    expect([...routeBatch(keys, { shards: 1000 })]).toEqual(reference(keys, 1000));
    expect(shardOf('a\ud83c', 1000)).toBe(shardOf('a\ufffd', 1000));
  });

  it('reuses a caller buffer and leaves entries past the batch alone', () => {
    const out = new Uint16Array(8).fill(9999);
    const result = routeBatch(['a', 'b', 'c'], { shards: 16 }, out);
    expect(result).toBe(out);
    expect([...out.subarray(0, 3)]).toEqual(reference(['a', 'b', 'c'], 16));
    expect([...out.subarray(3)]).toEqual([9999, 9999, 9999, 9999, 9999]);
  });

  it('routes an empty batch to an empty result', () => {
    expect(routeBatch([], { shards: 64 })).toHaveLength(0);
  });

  it('rejects bad input with clear errors', () => {
    expect(() => routeBatch(['a', 7 as unknown as string], { shards: 4 })).toThrowError(
      expect.objectContaining({ code: 'invalid_document_id', message: expect.stringMatching(/key #1/) }),
    );
    expect(() => routeBatch('abc' as unknown as string[], { shards: 4 })).toThrowError(
      expect.objectContaining({ code: 'bad_request' }),
    );
    expect(() => routeBatch(['a', 'b'], { shards: 4 }, new Uint16Array(1))).toThrowError(
      /holds 1 entries for 2 keys/,
    );
  });
});

describe('public-api kernel (fallback when the direct wasm path is unavailable)', () => {
  it('equals shardOf too', async () => {
    const kernel = createApiKernel(await xxhash());
    expect(kernel.kind).toBe('public-api');
    fc.assert(
      fc.property(fc.array(key, { maxLength: 100 }), shardCount, (keys, s) => {
        const out = new Uint16Array(keys.length);
        kernel.shardsOf(keys, s, out);
        expect([...out]).toEqual(reference(keys, s));
      }),
      { numRuns: 100 },
    );
  });
});

describe('bucketByShard', () => {
  it('groups batch positions by shard, stable, covering every position once', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 300 })
          .chain((s) =>
            fc.tuple(fc.constant(s), fc.array(fc.integer({ min: 0, max: s - 1 }), { maxLength: 500 })),
          ),
        ([s, list]) => {
          const shards = Uint16Array.from(list);
          const { offsets, docs } = bucketByShard(shards, s);
          expect(offsets).toHaveLength(s + 1);
          expect(offsets[s]).toBe(list.length);
          for (let shard = 0; shard < s; shard++) {
            const members = [...docs.subarray(offsets[shard], offsets[shard + 1])];
            const expected = list.flatMap((value, i) => (value === shard ? [i] : []));
            expect(members).toEqual(expected);
          }
        },
      ),
    );
  });

  it('rejects a shard number outside S', () => {
    expect(() => bucketByShard(Uint16Array.from([0, 5]), 4)).toThrowError(/Shard 5 at position 1/);
  });
});
