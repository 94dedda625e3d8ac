/**
 * Finds, compiles and instantiates the kernel module (`build/kernels.wasm` or, where the engine
 * supports relaxed SIMD, `build/kernels-relaxed.wasm`).
 *
 * The environment-specific steps (reading the bytes, turning on an engine flag) go through the
 * platform seam: `loadKernelModuleSync` needs a platform that reads files synchronously (Node);
 * `loadKernelModule` works everywhere (`fetch` in a browser or worker).
 *
 * @example
 *   const { module } = await loadKernelModule();
 *   const memory = new WebAssembly.Memory({ initial: 512, maximum: 65536, shared: true });
 *   const k = instantiateKernels(module, memory);
 */

import { env, readUrl, readUrlSync, setEngineFlag } from '../../platform/index.js';

/** Bytes at the bottom of memory owned by the module (static data, parameter block, scratch). */
export const WASM_RESERVED_BYTES = 16 * 1024 * 1024;
/** Pages the module declares as its minimum; the engine's memory must be at least this big. */
export const WASM_MIN_PAGES = 256;
/** Where JS writes small kernel descriptors (shapes, strides) right before a job. */
export const PARAM_BLOCK_PTR = 1 << 20;
export const PARAM_BLOCK_BYTES = 64 << 10;
/** Highest thread index the module has scratch space for, plus one. */
export const MAX_KERNEL_THREADS = 16;

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

/** Chooses the build: an explicit choice, else ATTN_WASM_RELAXED=0/1, else detection. */
export function chooseRelaxed(relaxed?: boolean): boolean {
  if (relaxed !== undefined) return relaxed && relaxedSimdSupported();
  if (env('ATTN_WASM_RELAXED') === '0') return false;
  return relaxedSimdSupported();
}

/**
 * Node 20 ships relaxed SIMD behind `--experimental-wasm-relaxed-simd` (on by default from 22).
 * The GEMM micro-kernel is ~1.4x faster with `f32x4.relaxed_madd`, so unless
 * ATTN_WASM_RELAXED=0 we turn the flag on (through the platform) before compiling. Returns
 * whether relaxed SIMD is now supported.
 *
 * @example
 *   if (enableRelaxedSimd()) console.log('relaxed SIMD on');
 */
export function enableRelaxedSimd(): boolean {
  if (relaxedSimdSupported()) return true;
  if (env('ATTN_WASM_RELAXED') === '0') return false;
  if (!setEngineFlag('--experimental-wasm-relaxed-simd')) return false;
  resetRelaxedProbe();
  return relaxedSimdSupported();
}

/**
 * Reads and compiles the kernel module synchronously (on a platform that reads files
 * synchronously: Node).
 *
 * @example
 *   const { module, relaxed } = loadKernelModuleSync();
 */
export function loadKernelModuleSync(options: KernelBuildOptions = {}): KernelModule {
  const shared = options.shared ?? true;
  if (shared && options.relaxed !== false) enableRelaxedSimd();
  const relaxed = shared && chooseRelaxed(options.relaxed);
  const url = kernelUrl(relaxed, shared);
  let bytes: Uint8Array;
  try {
    bytes = readUrlSync(url);
  } catch (e) {
    throw new Error(`attn: cannot read ${url.href} (run \`npm run build:wasm\`): ${(e as Error).message}`);
  }
  return { module: new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), relaxed, shared };
}

/** Compiles the kernel module (the relaxed build when supported, unless `relaxed` says otherwise). */
export async function loadKernelModule(options: KernelBuildOptions = {}): Promise<KernelModule> {
  const shared = options.shared ?? true;
  const relaxed = shared && chooseRelaxed(options.relaxed);
  const url = kernelUrl(relaxed, shared);
  let bytes: Uint8Array;
  try {
    bytes = await readUrl(url);
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
  const exports = instance.exports as unknown as KernelExports;
  (exports.set_thread_index as (i: number) => void)(threadIndex);
  return exports;
}
