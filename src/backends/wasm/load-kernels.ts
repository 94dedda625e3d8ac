/**
 * Finds, compiles and instantiates the kernel module (`build/kernels.wasm` or, where the engine
 * supports relaxed SIMD, `build/kernels-relaxed.wasm`).
 *
 * Portable: the only environment-specific step is reading the bytes, done with `fetch` in a
 * browser/worker and with `node:fs` (imported lazily) in Node. `loadKernelModuleSync` (Node only)
 * lives in `load-kernels-node.ts`.
 *
 * @example
 *   const { module } = await loadKernelModule();
 *   const memory = new WebAssembly.Memory({ initial: 512, maximum: 65536, shared: true });
 *   const k = instantiateKernels(module, memory);
 */
import * as ABI from './abi.js';
import { checkKernelAbi } from './abi-check.js';

/** Bytes at the bottom of memory owned by the module (static data, parameter block, scratch). */
export const WASM_RESERVED_BYTES = ABI.RESERVED_BYTES;
/** Pages the module declares as its minimum; the engine's memory must be at least this big. */
export const WASM_MIN_PAGES = ABI.RESERVED_BYTES / 65536;
/** Where JS writes small kernel descriptors (shapes, strides) right before a job. */
export const PARAM_BLOCK_PTR = ABI.PARAM_BASE;
export const PARAM_BLOCK_BYTES = ABI.PARAM_BYTES;
/** Highest thread index the module has scratch space for, plus one. */
export const MAX_KERNEL_THREADS = ABI.MAX_THREADS;

export interface KernelModule {
  module: WebAssembly.Module;
  /** True when the relaxed-SIMD build was chosen. */
  relaxed: boolean;
  /** True for the builds that import a shared memory (threads); false for the single-thread one. */
  shared: boolean;
}

/** Options for choosing a build. */
export interface KernelBuildOptions {
  /** Force the relaxed-SIMD build on or off (default: when supported). */
  relaxed?: boolean;
  /** The engine's memory is shared (default true); false selects the single-thread build. */
  shared?: boolean;
}

/** Every kernel export is a function of numbers; the names are listed in kernels.ts. */
export type KernelExports = Record<string, (...args: number[]) => number | void>;

// (module (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0))))
const ZERO16 = new Array<number>(16).fill(0);
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type: () -> v128
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x0a, 0x3d, 0x01, 0x3b, 0x00, // code: 1 body of 59 bytes, no locals
  0xfd, 0x0c, ...ZERO16, 0xfd, 0x0c, ...ZERO16, 0xfd, 0x0c, ...ZERO16,
  0xfd, 0x85, 0x02, // f32x4.relaxed_madd
  0x0b,
]);

let relaxedCache: boolean | undefined;

/** Whether this engine validates relaxed-SIMD code (Node >= 22, or Node 20 with a flag). */
export function relaxedSimdSupported(): boolean {
  if (relaxedCache === undefined) {
    try {
      relaxedCache = WebAssembly.validate(RELAXED_PROBE);
    } catch {
      relaxedCache = false;
    }
  }
  return relaxedCache;
}

/** Forgets the cached probe result (after a runtime flag change). */
export function resetRelaxedProbe(): void {
  relaxedCache = undefined;
}

/** URL of a kernel build; resolves from both `src/backends/wasm/` and `dist/backends/wasm/`. */
export function kernelUrl(relaxed: boolean, shared = true): URL {
  if (!shared) return new URL('../../../build/kernels-unshared.wasm', import.meta.url);
  return relaxed
    ? new URL('../../../build/kernels-relaxed.wasm', import.meta.url)
    : new URL('../../../build/kernels.wasm', import.meta.url);
}

/** Chooses the build: an explicit choice, else ATTN_WASM_RELAXED=0/1 (Node), else detection. */
export function chooseRelaxed(relaxed?: boolean): boolean {
  if (relaxed !== undefined) return relaxed && relaxedSimdSupported();
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.ATTN_WASM_RELAXED;
  if (env === '0') return false;
  return relaxedSimdSupported();
}

function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

async function readBytes(url: URL): Promise<Uint8Array> {
  if (url.protocol === 'file:' && isNode()) {
    const fs = await import('node:fs/promises');
    return new Uint8Array(await fs.readFile(url));
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`attn: could not load ${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Compiles the kernel module (the relaxed build when supported, unless `relaxed` says otherwise). */
export async function loadKernelModule(options: KernelBuildOptions = {}): Promise<KernelModule> {
  const shared = options.shared ?? true;
  const relaxed = shared && chooseRelaxed(options.relaxed);
  const url = kernelUrl(relaxed, shared);
  let bytes: Uint8Array;
  try {
    bytes = await readBytes(url);
  } catch (e) {
    throw new Error(`attn: cannot read ${url.href} (run \`npm run build:wasm\`): ${(e as Error).message}`);
  }
  return { module: await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>), relaxed, shared };
}

/** Compiles kernel bytes obtained elsewhere. */
export function compileKernelBytes(bytes: Uint8Array, relaxed = false, shared = true): KernelModule {
  return { module: new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), relaxed, shared };
}

/** Instantiates the module on `memory` for the calling thread (thread index `threadIndex`). */
export function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory, threadIndex = 0): KernelExports {
  if (memory.buffer.byteLength < WASM_MIN_PAGES * 65536) {
    throw new Error(`attn: kernel memory must be at least ${WASM_MIN_PAGES} pages (16 MiB), got ${memory.buffer.byteLength} bytes`);
  }
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  checkKernelAbi(instance.exports);
  const exports = instance.exports as unknown as KernelExports;
  (exports.set_thread_index as (i: number) => void)(threadIndex);
  return exports;
}
