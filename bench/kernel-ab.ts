/**
 * Two builds of the kernel module side by side in one process, on one thread, interleaved
 * (A, B, A, B …, medians): the way to compare a kernel change on a shared, noisy machine, where
 * separate runs minutes apart differ by more than the change. Both instances share one memory and
 * read the same inputs; each call's output is checked bit for bit against the other build's.
 *
 *   cp build/kernels-relaxed.wasm /tmp/old.wasm   # before the change
 *   npm run build:wasm
 *   node --import tsx bench/kernel-ab.ts /tmp/old.wasm build/kernels-relaxed.wasm [--rounds 15]
 *
 * Cases: the products of a B5 training step (bench/lib/b5-shapes.ts; gemm_rows, which
 * packs A and op(B) itself as one thread does) and the erf GELU forward and gradient over
 * B5's 768 × 512 activations, at init scale (N(0, 0.23)) and after training (N(0, 1)).
 * The relaxed build needs `--experimental-wasm-relaxed-simd` on Node 20 (set here).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import v8 from 'node:v8';
import { B5_SHAPES } from './lib/b5-shapes.js';
import * as ABI from '../src/backends/wasm/abi.js';

v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
const [pathA, pathB] = process.argv.slice(2).filter((a) => a.endsWith('.wasm'));
if (!pathA || !pathB) throw new Error('kernel-ab: give two .wasm builds (A then B)');
const ri = process.argv.indexOf('--rounds');
const rounds = ri >= 0 ? Number(process.argv[ri + 1]) : 15;

type Fn = (...args: number[]) => number | void;
const memory = new WebAssembly.Memory({ initial: 2048, maximum: 65536, shared: true });
const inst = [pathA, pathB].map((p) => {
  const i = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(p)), { env: { memory } });
  const e = i.exports as Record<string, Fn>;
  e.set_thread_index!(0);
  return e;
});

let top = 32 << 20; // above the reserved 16 MiB and the shared scratch
function alloc(n: number): number {
  const p = top;
  top += Math.ceil((n * 4) / 64) * 64;
  return p;
}
function fill(p: number, n: number, seed: number, scale: number): void {
  const a = new Float32Array(memory.buffer, p, n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i += 2) {
    // Box-Muller pairs of normals
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = (s + 1) / 2 ** 32;
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const v = s / 2 ** 32;
    const r = Math.sqrt(-2 * Math.log(u)) * scale;
    a[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) a[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
}

interface Case { name: string; flops?: number; perStep?: number; out: number; n: number; call(e: Record<string, Fn>): void }
const cases: Case[] = [];
const rowBlock = inst[0]!.gemm_row_block!() as number;
if (inst[1]!.gemm_row_block!() !== rowBlock) throw new Error('kernel-ab: the builds differ in GEMM row block (relaxed vs plain?)');
for (const s of B5_SHAPES) {
  const a = alloc(s.M * s.K), b = alloc(s.K * s.N), c = alloc(s.M * s.N);
  fill(a, s.M * s.K, 1, 1);
  fill(b, s.K * s.N, 2, 0.05);
  const lda = s.transA ? s.M : s.K, ldb = s.transB ? s.K : s.N;
  const items = Math.ceil(s.M / rowBlock);
  cases.push({
    name: `${s.name} ${s.M}×${s.K}×${s.N}${s.transA ? ' tA' : ''}${s.transB ? ' tB' : ''}`,
    flops: 2 * s.M * s.K * s.N, perStep: s.perStep, out: c, n: s.M * s.N,
    call: (e) => void e.gemm_rows!(a, b, c, s.M, s.N, s.K, lda, ldb, s.N, s.transA ? 1 : 0, s.transB ? 1 : 0, 1, 0, 1, 0, 0, 0, 0, items),
  });
}
const G = 768 * 512;
for (const [label, scale] of [['init scale, N(0, 0.23)', 0.23], ['trained scale, N(0, 1)', 1]] as const) {
  const x = alloc(G), dy = alloc(G), y = alloc(G);
  fill(x, G, 3, scale);
  fill(dy, G, 4, 1);
  cases.push({ name: `GELU forward, ${label}`, out: y, n: G, call: (e) => void e.unary_f32!(ABI.U_GELU, x, y, 0, G) });
  cases.push({ name: `GELU gradient, ${label}`, out: y, n: G, call: (e) => void e.gelu_grad_f32!(0, x, dy, y, 0, G) });
}

const times = cases.map(() => [[], []] as number[][]);
const median = (xs: number[]): number => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
for (let r = 0; r < rounds; r++) {
  cases.forEach((k, ci) => {
    if (r === 0) {
      // both builds give the same bits
      const outs = [0, 1].map((v) => {
        inst[v]!.set_thread_index!(0);
        k.call(inst[v]!);
        return new Uint32Array(memory.buffer, k.out, k.n).slice();
      });
      for (let i = 0; i < k.n; i++) if (outs[0]![i] !== outs[1]![i]) throw new Error(`kernel-ab: ${k.name}: element ${i} differs between the builds`);
    }
    // single calls alternating A, B, B, A …: a neighbour's burst hits both about equally
    for (let rep = 0; rep < 6; rep++) {
      for (const v of rep % 2 === 0 ? [0, 1] : [1, 0]) {
        const t0 = performance.now();
        k.call(inst[v]!);
        times[ci]![v]!.push(performance.now() - t0);
      }
    }
  });
}
console.log(`kernel-ab: A = ${pathA}, B = ${pathB}; ${rounds} interleaved rounds on one thread; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
console.log('| case | A µs | B µs | B ÷ A |');
console.log('|---|---|---|---|');
const step = [0, 0];
cases.forEach((k, ci) => {
  const [ta, tb] = [median(times[ci]![0]!), median(times[ci]![1]!)];
  step[0] += ta * (k.perStep ?? 0);
  step[1] += tb * (k.perStep ?? 0);
  const rate = (t: number): string => (k.flops ? ` (${(k.flops / t / 1e6).toFixed(1)} GFLOP/s)` : '');
  console.log(`| ${k.name} | ${(ta * 1000).toFixed(0)}${rate(ta)} | ${(tb * 1000).toFixed(0)}${rate(tb)} | ${(tb / ta).toFixed(3)} |`);
});
console.log(`| the 51 products of a step | ${step[0]!.toFixed(1)} ms | ${step[1]!.toFixed(1)} ms | ${(step[1]! / step[0]!).toFixed(3)} |`);
