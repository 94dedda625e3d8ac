/**
 * Batched matrix product of rank ≥ 2 tensors: out[..., m, n] = Σ_k op(a)[..., m, k] · op(b)[..., k, n],
 * with batch dims broadcast and op() an optional transpose of the last two dims.
 * Accumulates in float64: the reference is the exact answer the fast kernels approximate.
 */
import type { KernelFn } from '../../engine/kernels.js';
import { broadcastShapes, sizeOf } from '../../tensor/shape.js';
import { broadcastIndexMap } from './util.js';

export const MatMul: KernelFn<'MatMul'> = (ctx, [a, b], { transA, transB }) => {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [m, ka] = transA ? [a.shape[ra - 1]!, a.shape[ra - 2]!] : [a.shape[ra - 2]!, a.shape[ra - 1]!];
  const [kb, n] = transB ? [b.shape[rb - 1]!, b.shape[rb - 2]!] : [b.shape[rb - 2]!, b.shape[rb - 1]!];
  if (ka !== kb) throw new Error(`matmul: inner dimensions differ (${ka} vs ${kb})`);
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batch = broadcastShapes('matmul', batchA, batchB);
  const out = ctx.alloc([...batch, m, n], 'float32');
  const av = ctx.f32(a);
  const bv = ctx.f32(b);
  const ov = ctx.f32(out);
  const mapA = broadcastIndexMap(batchA, batch);
  const mapB = broadcastIndexMap(batchB, batch);
  const strideA = ka * m;
  const strideB = kb * n;
  for (let bi = 0; bi < sizeOf(batch); bi++) {
    const offA = mapA(bi) * strideA;
    const offB = mapB(bi) * strideB;
    const offO = bi * m * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k < ka; k++) {
          const x = av[offA + (transA ? k * m + i : i * ka + k)]!;
          const y = bv[offB + (transB ? j * kb + k : k * n + j)]!;
          sum += x * y;
        }
        ov[offO + i * n + j] = sum;
      }
    }
  }
  return [out];
};
