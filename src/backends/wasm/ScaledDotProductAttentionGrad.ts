/**
 * Fused (flash) attention backward on wasm: dq by query blocks, dk/dv by key blocks of kv heads
 * (summing each group's query heads), or both in one pass per kv head.
 */
import type { KernelFn } from '../../engine/kernels.js';
import { broadcastStrides } from '../../tensor/shape.js';
import { attentionGeometry } from '../ref/ScaledDotProductAttention.js';
import { ScaledDotProductAttentionGrad as refAttentionGrad } from '../ref/ScaledDotProductAttentionGrad.js';
import { attentionSupported, flashAttentionBackward, type Strides3 } from './kernels.js';
import { pool } from './state.js';

export const ScaledDotProductAttentionGrad: KernelFn<'ScaledDotProductAttentionGrad'> = (ctx, inputs, attrs) => {
  const [q, k, v, mask, o, lse, dout] = inputs;
  const g = attentionGeometry(q, k, v, attrs.kvLength);
  const { batch: B, heads: H, kvHeads: Hkv, tq: Tq, tk: Tk, tmax: Tmax, d: D, dv: Dv } = g;
  if (!attentionSupported(pool(), D, Dv) || (mask && mask.dtype !== 'float32')) return refAttentionGrad(ctx, inputs, attrs);
  const dq = ctx.alloc(q.shape, 'float32');
  const dk = ctx.alloc(k.shape, 'float32');
  const dv = ctx.alloc(v.shape, 'float32');
  if (Tk < Tmax) {
    // The kernels write rows [0, Tk) of each kv head; the rows past kvLength get no gradient.
    const dks = ctx.f32(dk), dvs = ctx.f32(dv);
    for (let r = 0; r < B * Hkv; r++) {
      dks.fill(0, (r * Tmax + Tk) * D, (r + 1) * Tmax * D);
      dvs.fill(0, (r * Tmax + Tk) * Dv, (r + 1) * Tmax * Dv);
    }
  }
  const dRow = ctx.alloc([B * H * Tq], 'float32'); // scratch, released by the engine
  const ms = mask ? (broadcastStrides(mask.shape, [B, H, Tq, Tk]) as [number, number, number, number]) : undefined;
  const kvStrides = (d: number): Strides3 => [Hkv * Tmax * d, Tmax * d, d];
  flashAttentionBackward(pool(), {
    B, H, Hkv, Tq, Tk, D, Dv, q: q.ptr, k: k.ptr, v: v.ptr, o: o.ptr, lse: lse.ptr, kStrides: kvStrides(D), vStrides: kvStrides(Dv),
    mask: mask?.ptr ?? 0, maskStrides: ms, causal: attrs.causal, scale: attrs.scale, dropoutP: attrs.dropoutP, seed: attrs.seed,
    dO: dout.ptr, dq: dq.ptr, dk: dk.ptr, dv: dv.ptr, TkOut: Tmax, dRow: dRow.ptr,
  });
  return [dq, dk, dv];
};
