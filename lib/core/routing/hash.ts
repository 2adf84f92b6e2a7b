// xxh64 with seed 0, from the installed xxhash-wasm package: the one hash behind document
// placement (`shardOf`) and rendezvous scores. Loading wasm is asynchronous, so a process awaits
// `initRouting()` once at start-up; every routing function is synchronous afterwards.
import xxhash from 'xxhash-wasm';
import { miroirError } from '../errors.ts';
import {
  createApiKernel,
  createDirectKernel,
  type ShardKernel,
  type ShardKernelKind,
  type Xxh64Api,
  type Xxh64Exports,
} from './shard-kernel.ts';
import { wasmRuntime, type WasmInstance } from './wasm-runtime.ts';

/** Largest shard count: shards travel as Uint16 and the batch reduction is exact up to 2^16. */
export const MAX_SHARDS = 65_536;

interface RoutingHash {
  readonly api: Xxh64Api;
  readonly kernel: ShardKernel;
}

let ready: RoutingHash | undefined;
let loading: Promise<RoutingHash> | undefined;

export interface InitRoutingOptions {
  /** false keeps the batch router on xxhash-wasm's public per-key API (slower, same results). */
  readonly directWasm?: boolean;
}

/**
 * Loads the wasm hash. Idempotent and safe to call concurrently; options only matter on the
 * first call of the process.
 */
export async function initRouting(options: InitRoutingOptions = {}): Promise<void> {
  loading ??= load(options.directWasm ?? true).catch((err: unknown) => {
    // A failed load (e.g. wasm unavailable) must not poison every later attempt.
    loading = undefined;
    throw err;
  });
  ready = await loading;
}

export function isRoutingReady(): boolean {
  return ready !== undefined;
}

/** Which batch kernel `routeBatch` uses ('wasm-direct' unless the fast path was unavailable). */
export function routingKernelKind(): ShardKernelKind {
  return loaded().kernel.kind;
}

function loaded(): RoutingHash {
  if (ready === undefined) {
    throw miroirError(
      'internal',
      'Routing is not initialised: `await initRouting()` once before hashing keys.',
    );
  }
  return ready;
}

/** xxh64 (seed 0) of the UTF-8 bytes of `input`, as an unsigned 64-bit BigInt. */
export function xxh64(input: string): bigint {
  return loaded().api.h64(input, 0n);
}

/** xxh64 as 16 lower-case hex digits, the form the golden vectors pin. */
export function xxh64Hex(input: string): string {
  return xxh64(input).toString(16).padStart(16, '0');
}

export function assertShardCount(shards: number): void {
  if (!Number.isInteger(shards) || shards < 1 || shards > MAX_SHARDS) {
    throw miroirError(
      'miroir_invalid_topology',
      `The shard count must be an integer from 1 to ${MAX_SHARDS}, got ${String(shards)}.`,
    );
  }
}

/**
 * The placement contract: shard = xxh64(UTF-8 bytes of the primary key string, seed 0) mod S.
 * Plain BigInt arithmetic on purpose: this is the reference the batch kernels are tested against.
 */
export function shardOf(primaryKey: string, shards: number): number {
  if (typeof primaryKey !== 'string') {
    throw miroirError(
      'invalid_document_id',
      `Routing expects a string primary key, got ${typeof primaryKey}.`,
    );
  }
  assertShardCount(shards);
  return Number(xxh64(primaryKey) % BigInt(shards));
}

/** The batch kernel chosen at init, for `routeBatch`. */
export function shardKernel(): ShardKernel {
  return loaded().kernel;
}

async function load(directWasm: boolean): Promise<RoutingHash> {
  const { api, moduleBytes } = loadPublicApi();
  const publicApi = await api;
  const direct =
    directWasm && moduleBytes !== undefined ? await loadDirectExports(moduleBytes, publicApi) : undefined;
  return {
    api: publicApi,
    kernel: direct === undefined ? createApiKernel(publicApi) : createDirectKernel(direct),
  };
}

/**
 * Starts xxhash-wasm and keeps the bytes of the wasm module it instantiates. The public API
 * hashes one key per call, copying it into wasm memory and masking a BigInt each time; batches
 * need the module's raw `xxh64(ptr, len, seed)` on keys encoded once. The package does not export
 * its module, so the bytes are observed as it passes them to WebAssembly.instantiate. That call
 * happens synchronously inside `xxhash()` (before its first await), so the hook is in place for
 * exactly that call and nothing else can run while it is.
 */
function loadPublicApi(): { api: Promise<Xxh64Api>; moduleBytes: Uint8Array | undefined } {
  const runtime = wasmRuntime();
  const instantiate = runtime.instantiate;
  let moduleBytes: Uint8Array | undefined;
  runtime.instantiate = function observe(source: unknown, imports?: unknown): Promise<unknown> {
    if (moduleBytes === undefined && source instanceof Uint8Array) moduleBytes = source;
    return instantiate.call(runtime, source, imports);
  };
  try {
    const api = xxhash();
    return { api, moduleBytes };
  } finally {
    runtime.instantiate = instantiate;
  }
}

// Inputs whose digests the direct exports must reproduce before they are trusted: empty,
// short, unicode, and longer than xxh64's 32-byte stripe.
const SELF_CHECK = ['', 'a', 'doc-42', 'héllo wörld ☃', 'x'.repeat(100)];

/** A second, private instance of the same module (own memory), or undefined if it does not fit. */
async function loadDirectExports(moduleBytes: Uint8Array, api: Xxh64Api): Promise<Xxh64Exports | undefined> {
  const runtime = wasmRuntime();
  let exports: Readonly<Record<string, unknown>>;
  try {
    const source = (await runtime.instantiate(moduleBytes)) as { instance: WasmInstance };
    exports = source.instance.exports;
  } catch {
    return undefined;
  }
  const { mem, xxh64: raw } = exports;
  if (!(mem instanceof runtime.Memory) || typeof raw !== 'function') return undefined;
  const candidate: Xxh64Exports = { mem, xxh64: raw as Xxh64Exports['xxh64'] };
  const encoder = new TextEncoder();
  try {
    const agrees = SELF_CHECK.every((key) => {
      const bytes = encoder.encode(key);
      if (candidate.mem.buffer.byteLength < bytes.length) return false;
      new Uint8Array(candidate.mem.buffer).set(bytes);
      return BigInt.asUintN(64, candidate.xxh64(0, bytes.length, 0n)) === api.h64(key, 0n);
    });
    return agrees ? candidate : undefined;
  } catch {
    // A different export signature throws on the call: the public-api kernel stays in charge.
    return undefined;
  }
}
