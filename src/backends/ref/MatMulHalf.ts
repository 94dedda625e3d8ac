/**
 * y = a · op(b) for a (M, K) float32 and a bfloat16/float16 matrix b: (N, K) read transposed when
 * `transB`, else (K, N). b is widened one row at a time (never as a whole), and sums run in float64
 * over k in ascending order, exactly as the reference MatMul does on the widened b: the two give the
 * same bits, which the parity tests check.
 */
import type { KernelFn } from '../../engine/kernels.js';
import { isHalf } from '../../tensor/dtype.js';
import { halfToFloats } from '../../tensor/half.js';

export const MatMulHalf: KernelFn<'MatMulHalf'> = (ctx, [a, b], { transB }) => {
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.dtype !== 'float32' || !isHalf(b.dtype)) {
    throw new Error(`MatMulHalf: expected a float32 (M, K) and a half (N, K) or (K, N), got ${a.dtype} [${a.shape.join(', ')}] and ${b.dtype} [${b.shape.join(', ')}]`);
  }
  const [m, k] = a.shape as [number, number];
  const [rows, cols] = b.shape as [number, number];
  const n = transB ? rows : cols;
  if ((transB ? cols : rows) !== k) throw new Error(`MatMulHalf: inner dimensions differ (${k} vs ${transB ? cols : rows})`);
  const out = ctx.alloc([m, n], 'float32');
  const av = ctx.f32(a);
  const bits = ctx.u16(b);
  const ov = ctx.f32(out);
  const row = new Float32Array(cols);
  if (transB) {
    for (let j = 0; j < n; j++) {
      halfToFloats(bits.subarray(j * k, (j + 1) * k), b.dtype, row); // b[j, :]
      for (let i = 0; i < m; i++) {
        let sum = 0;
        for (let p = 0; p < k; p++) sum += av[i * k + p]! * row[p]!;
        ov[i * n + j] = sum;
      }
    }
  } else {
    const acc = new Float64Array(m * n);
    for (let p = 0; p < k; p++) {
      halfToFloats(bits.subarray(p * n, (p + 1) * n), b.dtype, row); // b[p, :]
      for (let i = 0; i < m; i++) {
        const x = av[i * k + p]!;
        for (let j = 0; j < n; j++) acc[i * n + j] += x * row[j]!;
      }
    }
    ov.set(acc);
  }
  return [out];
};
