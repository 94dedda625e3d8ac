/**
 * Kernel-level GEMM benchmark: the wasm `gemm` binding on a bare pool (no engine), GFLOP/s for
 * 512×512×512 and 8192×128 · 128×512 at 1 and 2 threads; median of 15 runs after warm-up.
 *
 *   node --import tsx bench/gemm.ts            # relaxed SIMD where available
 *   ATTN_WASM_RELAXED=0 node --import tsx bench/gemm.ts   # the plain SIMD128 build
 */
import { loadKernelModuleSync } from '../src/backends/wasm/load-kernels.js';
import { WASM_RESERVED_BYTES } from '../src/backends/wasm/load-kernels.js';
import { gemm } from '../src/backends/wasm/kernels.js';
import { ThreadPool } from '../src/backends/wasm/thread-pool.js';

const { module, relaxed } = loadKernelModuleSync();
const memory = new WebAssembly.Memory({ initial: 2048, maximum: 65536, shared: true });
const shapes = [
  { M: 512, N: 512, K: 512, label: '512x512x512' },
  { M: 8192, N: 512, K: 128, label: '8192x128 . 128x512' },
];
console.log(`wasm GEMM (${relaxed ? 'relaxed SIMD' : 'SIMD128'}), median of 15 runs`);
for (const threads of [1, 2]) {
  const pool = new ThreadPool(memory, module, threads);
  pool.waitReady();
  for (const { M, N, K, label } of shapes) {
    const a = WASM_RESERVED_BYTES;
    const b = a + M * K * 4;
    const c = b + K * N * 4;
    const need = c + M * N * 4;
    if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / 65536));
    const f32 = new Float32Array(memory.buffer);
    for (let i = 0; i < M * K; i++) f32[a / 4 + i] = Math.sin(i);
    for (let i = 0; i < K * N; i++) f32[b / 4 + i] = Math.cos(i);
    const times: number[] = [];
    for (let r = 0; r < 20; r++) {
      const t0 = performance.now();
      gemm(pool, { a, b, c, M, N, K });
      if (r >= 5) times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    const ms = times[times.length >> 1]!;
    console.log(`${label.padEnd(20)} threads=${threads}  ${ms.toFixed(2).padStart(7)} ms  ${((2 * M * N * K) / ms / 1e6).toFixed(1).padStart(6)} GFLOP/s`);
  }
  pool.terminate();
}
