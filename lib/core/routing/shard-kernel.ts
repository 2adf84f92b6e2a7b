// Batch kernels: the shard of many primary keys at once, bit-identical to `shardOf` (xxh64 of
// the key's UTF-8 bytes, seed 0, mod S) but without its per-key costs: no BigInt modulo, no
// per-key allocation, and (direct kernel) one UTF-8 encoding pass straight into wasm memory.
import { miroirError } from '../errors.ts';
import { WASM_PAGE_BYTES, type WasmMemory } from './wasm-runtime.ts';

export type ShardKernelKind = 'wasm-direct' | 'public-api';

export interface ShardKernel {
  readonly kind: ShardKernelKind;
  /** Writes the shard of `keys[i]` into `out[i]` for every i; `out` holds at least `keys.length`. */
  shardsOf(keys: readonly string[], shards: number, out: Uint16Array): void;
}

/** The raw exports of xxhash-wasm's module: `xxh64(ptr, len, seed)` hashes `mem[ptr, ptr+len)`. */
export interface Xxh64Exports {
  readonly mem: WasmMemory;
  readonly xxh64: (ptr: number, len: number, seed: bigint) => bigint;
}

/** The one member of xxhash-wasm's public API the fallback kernel needs. */
export interface Xxh64Api {
  readonly h64: (input: string, seed?: bigint) => bigint;
}

// Upper 64-bit halves are read back as two uint32 through a shared buffer, so no BigInt
// arithmetic runs per key. Which half is "low" depends on the platform's byte order.
const scratch64 = new BigUint64Array(1);
const scratch32 = new Uint32Array(scratch64.buffer);
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HIGH = 1 - LOW;

const TWO_POW_32 = 4_294_967_296;

/**
 * (hi * 2^32 + lo) mod S with exact double arithmetic: for S <= 2^16 every intermediate stays
 * below 2^33, far inside the 2^53 doubles represent exactly.
 */
function reduce(hi: number, lo: number, shards: number, pow32ModS: number): number {
  return ((hi % shards) * pow32ModS + lo) % shards;
}

// Keys per encoding pass. Small joined strings are cheap to build (a 10K-key join into one large
// string measured about 1.3x slower than five 2K-key ones), and memory stays bounded: 2K keys of
// Meilisearch's 511-byte id limit at 3 bytes per UTF-16 unit is about 3 MB of wasm memory.
const CHUNK_KEYS = 2_048;
const encoder = new TextEncoder();

function notAString(index: number, value: unknown): Error {
  return miroirError(
    'invalid_document_id',
    `Routing expects string primary keys; key #${index} is of type ${typeof value}.`,
  );
}

/** Fast path: the package's own wasm module, called directly on keys encoded into its memory. */
export function createDirectKernel(exports: Xxh64Exports): ShardKernel {
  const { mem, xxh64 } = exports;
  let bytes = new Uint8Array(mem.buffer);
  const offsets = new Int32Array(CHUNK_KEYS + 1);

  function ensureBytes(size: number): void {
    if (mem.buffer.byteLength < size) {
      mem.grow(Math.ceil((size - mem.buffer.byteLength) / WASM_PAGE_BYTES));
    }
    // Growing detaches the old ArrayBuffer; re-view whenever the buffer changed.
    if (bytes.buffer !== mem.buffer) bytes = new Uint8Array(mem.buffer);
  }

  /** Encodes keys[from, to) back to back from byte 0; offsets[i - from] is key i's first byte. */
  function encodeChunk(keys: readonly string[], from: number, to: number): void {
    // Offsets as if every UTF-16 unit were one byte (all ASCII, the norm for Meilisearch ids);
    // the encoder's byte count tells whether that held.
    let units = 0;
    for (let i = from; i < to; i++) {
      const key = keys[i];
      if (typeof key !== 'string') throw notAString(i, key);
      offsets[i - from] = units;
      units += key.length;
    }
    offsets[to - from] = units;
    ensureBytes(units * 3);
    const written = encoder.encodeInto(keys.slice(from, to).join(''), bytes).written;
    if (written === units) return;
    // Non-ASCII: encode key by key, since a lone surrogate at the end of one key could pair
    // with the start of the next in the joined string and change both keys' bytes.
    let pos = 0;
    for (let i = from; i < to; i++) {
      offsets[i - from] = pos;
      pos += encoder.encodeInto(keys[i] as string, bytes.subarray(pos)).written;
    }
    offsets[to - from] = pos;
  }

  function shardsOf(keys: readonly string[], shards: number, out: Uint16Array): void {
    const pow32ModS = TWO_POW_32 % shards;
    const mask = (shards & (shards - 1)) === 0 ? shards - 1 : -1;
    for (let from = 0; from < keys.length; from += CHUNK_KEYS) {
      const to = Math.min(from + CHUNK_KEYS, keys.length);
      encodeChunk(keys, from, to);
      if (mask >= 0) {
        // Power-of-two S divides 2^32, so the low half alone decides the shard.
        for (let i = from; i < to; i++) {
          const start = offsets[i - from] as number;
          scratch64[0] = xxh64(start, (offsets[i - from + 1] as number) - start, 0n);
          out[i] = (scratch32[LOW] as number) & mask;
        }
      } else {
        for (let i = from; i < to; i++) {
          const start = offsets[i - from] as number;
          scratch64[0] = xxh64(start, (offsets[i - from + 1] as number) - start, 0n);
          out[i] = reduce(scratch32[HIGH] as number, scratch32[LOW] as number, shards, pow32ModS);
        }
      }
    }
  }

  return { kind: 'wasm-direct', shardsOf };
}

/** Fallback: xxhash-wasm's public per-key `h64`, still free of BigInt modulo. */
export function createApiKernel(api: Xxh64Api): ShardKernel {
  function shardsOf(keys: readonly string[], shards: number, out: Uint16Array): void {
    const pow32ModS = TWO_POW_32 % shards;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (typeof key !== 'string') throw notAString(i, key);
      scratch64[0] = api.h64(key, 0n);
      out[i] = reduce(scratch32[HIGH] as number, scratch32[LOW] as number, shards, pow32ModS);
    }
  }
  return { kind: 'public-api', shardsOf };
}
