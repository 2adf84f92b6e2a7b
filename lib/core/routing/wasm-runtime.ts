// A minimal typed view of the WebAssembly global: the project compiles against ES2023 without
// the DOM library, which is where TypeScript declares WebAssembly, and only these members are used.

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

export interface WasmInstance {
  readonly exports: Readonly<Record<string, unknown>>;
}

export interface WasmRuntime {
  instantiate: (source: unknown, imports?: unknown) => Promise<unknown>;
  readonly Memory: abstract new (...args: never[]) => WasmMemory;
}

export const WASM_PAGE_BYTES = 65_536;

export function wasmRuntime(): WasmRuntime {
  return (globalThis as unknown as { WebAssembly: WasmRuntime }).WebAssembly;
}
