/**
 * Attention from a packed projection qkv (B, T, 3C), the specification: the composed path
 *   q, k, v = qkv.split(C, 2) → each (B, T, H, hs).transpose(1, 2) → (B, H, T, hs)
 *   o = ScaledDotProductAttention(q, k, v)                          (B, H, T, hs)
 *   y = o.transpose(1, 2).reshape(B, T, C)                           (heads side by side)
 * written literally: q, k, v are gathered into contiguous scratch, the reference attention kernel
 * runs on them, and o is scattered back. The backward does the same with the reference gradient
 * kernel, packing dq | dk | dv as qkv is. Only the wasm kernels skip the copies.
 */
import type { KernelContext, KernelFn, TensorInfo } from '../../engine/kernels.js';
import { ScaledDotProductAttention } from './ScaledDotProductAttention.js';
import { ScaledDotProductAttentionGrad } from './ScaledDotProductAttentionGrad.js';

/** B, T, C, the heads H and the head size hs of a packed qkv (B, T, 3C); throws naming the kernel. */
export function packedGeometry(kernel: string, qkv: TensorInfo, heads: number): { B: number; T: number; C: number; H: number; hs: number } {
  const [B, T, C3] = qkv.shape as [number, number, number];
  if (qkv.shape.length !== 3 || C3 % 3 !== 0 || !(Number.isInteger(heads) && heads >= 1) || (C3 / 3) % heads !== 0) {
    throw new Error(`${kernel}: expected qkv (B, T, 3C) with C divisible by ${heads} heads, got [${qkv.shape.join(', ')}]`);
  }
  const C = C3 / 3;
  return { B, T, C, H: heads, hs: C / heads };
}

/**
 * Copies between a (B, T, stride) row layout at column `col` (heads side by side, hs each) and a
 * contiguous (B, H, T, hs) tensor: `toHeads` gathers, else scatters.
 */
function moveHeads(packed: Float32Array, stride: number, col: number, heads: Float32Array, B: number, T: number, H: number, hs: number, toHeads: boolean): void {
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const p = (b * T + t) * stride + col + h * hs;
        const q = ((b * H + h) * T + t) * hs;
        if (toHeads) heads.set(packed.subarray(p, p + hs), q);
        else packed.set(heads.subarray(q, q + hs), p);
      }
    }
  }
}

/** q, k, v of a packed qkv as contiguous (B, H, T, hs) scratch tensors. */
function splitHeads(ctx: KernelContext, qkv: TensorInfo, heads: number): TensorInfo[] {
  const { B, T, C, H, hs } = packedGeometry('PackedQkvAttention', qkv, heads);
  return [0, 1, 2].map((part) => {
    const t = ctx.alloc([B, H, T, hs], 'float32');
    // views taken after the allocation (it may grow the memory and detach older views)
    moveHeads(ctx.f32(qkv), 3 * C, part * C, ctx.f32(t), B, T, H, hs, true);
    return t;
  });
}

export const PackedQkvAttention: KernelFn<'PackedQkvAttention'> = (ctx, [qkv], { heads, causal, scale, dropoutP, seed }) => {
  const { B, T, C, H, hs } = packedGeometry('PackedQkvAttention', qkv, heads);
  const [q, k, v] = splitHeads(ctx, qkv, heads) as [TensorInfo, TensorInfo, TensorInfo];
  const [o, lse] = ScaledDotProductAttention(ctx, [q, k, v, null], { causal, scale, dropoutP, seed, returnWeights: false, kvLength: T }) as [TensorInfo, TensorInfo];
  const y = ctx.alloc([B, T, C], 'float32');
  moveHeads(ctx.f32(y), C, 0, ctx.f32(o), B, T, H, hs, false);
  return [y, lse];
};

export const PackedQkvAttentionGrad: KernelFn<'PackedQkvAttentionGrad'> = (ctx, [qkv, y, lse, dy], { heads, causal, scale, dropoutP, seed }) => {
  const { B, T, C, H, hs } = packedGeometry('PackedQkvAttentionGrad', qkv, heads);
  const [q, k, v] = splitHeads(ctx, qkv, heads) as [TensorInfo, TensorInfo, TensorInfo];
  const o = ctx.alloc([B, H, T, hs], 'float32');
  moveHeads(ctx.f32(y), C, 0, ctx.f32(o), B, T, H, hs, true);
  const dout = ctx.alloc([B, H, T, hs], 'float32');
  moveHeads(ctx.f32(dy), C, 0, ctx.f32(dout), B, T, H, hs, true);
  const grads = ScaledDotProductAttentionGrad(ctx, [q, k, v, null, o, lse, dout], { causal, scale, dropoutP, seed, kvLength: T });
  const dqkv = ctx.alloc([B, T, 3 * C], 'float32');
  grads.forEach((g, part) => moveHeads(ctx.f32(dqkv), 3 * C, part * C, ctx.f32(g), B, T, H, hs, false));
  return [dqkv];
};
