/** Node-only glue: synchronous loading of the kernel module with `node:fs`. */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { chooseRelaxed, kernelUrl, relaxedSimdSupported, resetRelaxedProbe, type KernelBuildOptions, type KernelModule } from './load-kernels.js';

/**
 * Node 20 ships relaxed SIMD behind `--experimental-wasm-relaxed-simd` (on by default from 22).
 * The GEMM micro-kernel is ~1.4x faster with `f32x4.relaxed_madd`, so unless
 * ATTN_WASM_RELAXED=0 we turn the flag on before compiling. Returns whether it is now supported.
 */
export function enableRelaxedSimd(): boolean {
  if (relaxedSimdSupported()) return true;
  if (process.env.ATTN_WASM_RELAXED === '0') return false;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return false;
  }
  resetRelaxedProbe();
  return relaxedSimdSupported();
}

/**
 * Reads and compiles the kernel module synchronously (Node only).
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
    bytes = readFileSync(url);
  } catch (e) {
    throw new Error(`attn: cannot read ${url.href} (run \`npm run build:wasm\`): ${(e as Error).message}`);
  }
  return { module: new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>), relaxed, shared };
}
