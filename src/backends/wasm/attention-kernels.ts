/**
 * Bindings of the fused attention kernels (forward and backward): the descriptor they read, the
 * shapes and head dims they support, and when a call splits over the thread pool.
 */
import type { ThreadPool } from './thread-pool.js';
import * as ABI from './abi.js';
import { callExport, callKernel } from './signatures.js';
import { b2i, dropoutThreshold, views } from './kernel-views.js';

/** Element strides (batch, head, row) of a (B, H, T, D) operand; the last dim must be contiguous. */
export type Strides3 = readonly [number, number, number];

export interface AttentionShape {
  B: number;
  /** Query heads. */
  H: number;
  Tq: number;
  /** Keys attended to (kvLength): k and v may hold more rows, which their strides step over. */
  Tk: number;
  D: number;
  Dv: number;
  /** Key/value heads (default H); must divide H. Query head h reads kv head ⌊h / (H / Hkv)⌋. */
  Hkv?: number;
}

export interface AttentionForwardParams extends AttentionShape {
  q: number;
  k: number;
  v: number;
  /** Outputs: o (B, H, Tq, Dv), written through `oStrides`, and lse (B, H, Tq), contiguous. */
  o: number;
  lse: number;
  /** Element strides (batch, head, row) o is written with; default contiguous [H·Tq·Dv, Tq·Dv, Dv]. */
  oStrides?: Strides3;
  /** Optional output: softmax weights (B, H, Tq, Tk) before dropout; 0 = not wanted. */
  weights?: number;
  /** Optional additive float mask (0/-inf for boolean masks); 0 = none. */
  mask?: number;
  /** Mask element strides (batch, head, row, col) over (B, H, Tq, Tk); 0 broadcasts. */
  maskStrides?: readonly [number, number, number, number];
  qStrides?: Strides3;
  /** Default: contiguous (B, Hkv, Tk, ·); a cache of Tmax rows is [Hkv·Tmax·D, Tmax·D, D]. */
  kStrides?: Strides3;
  vStrides?: Strides3;
  /** Bottom-right aligned: query i sees keys j ≤ i + Tk − Tq. */
  causal?: boolean;
  /** Default 1/sqrt(D). */
  scale?: number;
  dropoutP?: number;
  seed?: number;
}

export interface AttentionBackwardParams extends AttentionForwardParams {
  /** Upstream gradient (B, H, Tq, Dv), strided like q. */
  dO: number;
  dOStrides?: Strides3;
  /**
   * Outputs dq (B,H,Tq,D), dk (B,Hkv,TkOut,D), dv (B,Hkv,TkOut,Dv), contiguous unless strides are
   * given. Rows ≥ Tk of dk and dv are not written (the caller zeroes them).
   */
  dq: number;
  dk: number;
  dv: number;
  /** Rows per kv head of dk and dv (default Tk): their default strides. */
  TkOut?: number;
  /** Element strides (batch, head, row) dq, dk, dv are written with (the last dim contiguous). */
  dqStrides?: Strides3;
  dkStrides?: Strides3;
  dvStrides?: Strides3;
  /** Scratch of B·H·Tq floats (rowsum(dO ∘ O)). */
  dRow: number;
  /**
   * 'fused': one pass per kv head (dQ, dK, dV together), split over (b, kv head); 'split': a dQ
   * pass over query blocks and a dK/dV pass over key blocks, which recompute the probabilities
   * twice but split finer; 'auto' (default) picks by `fusedAttentionBackward`. Both add the same
   * terms in the same order, so the results are bitwise identical either way and for any thread
   * count.
   */
  strategy?: 'auto' | 'fused' | 'split';
}

/** Whether the fused kernels' per-thread scratch can hold head dims D, Dv. */
export function attentionSupported(pool: ThreadPool, D: number, Dv: number): boolean {
  return D >= 1 && Dv >= 1 && callExport(pool, 'attn_scratch_bytes', { D, Dv }) <= ABI.SCRATCH_BYTES;
}

/** Writes the attention descriptor (word offsets from abi.ts) into the parameter block; returns its pointer. */
export function writeAttentionDesc(pool: ThreadPool, p: AttentionForwardParams, bwd?: AttentionBackwardParams): number {
  const { i32, f32 } = views(pool);
  const w = ABI.PARAM_BASE >> 2;
  i32.fill(0, w, w + ABI.ATTN_DESC_WORDS);
  const Hkv = p.Hkv ?? p.H;
  const contiguous = (H: number, T: number, D: number): Strides3 => [H * T * D, T * D, D];
  const dropoutP = p.dropoutP ?? 0;
  i32[w + ABI.ATTN_B] = p.B;
  i32[w + ABI.ATTN_H] = p.H;
  i32[w + ABI.ATTN_HKV] = Hkv;
  i32[w + ABI.ATTN_TQ] = p.Tq;
  i32[w + ABI.ATTN_TK] = p.Tk;
  i32[w + ABI.ATTN_D] = p.D;
  i32[w + ABI.ATTN_DV] = p.Dv;
  i32[w + ABI.ATTN_Q] = p.q;
  i32[w + ABI.ATTN_K] = p.k;
  i32[w + ABI.ATTN_V] = p.v;
  i32[w + ABI.ATTN_O] = p.o;
  i32[w + ABI.ATTN_LSE] = p.lse;
  i32[w + ABI.ATTN_P] = p.weights ?? 0;
  i32[w + ABI.ATTN_MASK] = p.mask ?? 0;
  i32[w + ABI.ATTN_CAUSAL] = b2i(p.causal);
  f32[w + ABI.ATTN_SCALE] = p.scale ?? 1 / Math.sqrt(p.D);
  i32[w + ABI.ATTN_THRESH] = dropoutP > 0 ? dropoutThreshold(dropoutP) : 0;
  i32[w + ABI.ATTN_SEED] = p.seed ?? 0;
  f32[w + ABI.ATTN_KEEPSCALE] = dropoutP > 0 ? 1 / (1 - dropoutP) : 1;
  i32.set(p.qStrides ?? contiguous(p.H, p.Tq, p.D), w + ABI.ATTN_QS);
  i32.set(p.kStrides ?? contiguous(Hkv, p.Tk, p.D), w + ABI.ATTN_KS);
  i32.set(p.vStrides ?? contiguous(Hkv, p.Tk, p.Dv), w + ABI.ATTN_VS);
  i32.set(p.maskStrides ?? [0, 0, 0, 0], w + ABI.ATTN_MS);
  i32.set(p.oStrides ?? contiguous(p.H, p.Tq, p.Dv), w + ABI.ATTN_OS);
  const TkOut = bwd?.TkOut ?? p.Tk;
  i32[w + ABI.ATTN_TKOUT] = TkOut;
  if (bwd) {
    i32[w + ABI.ATTN_DO] = bwd.dO;
    i32[w + ABI.ATTN_DQ] = bwd.dq;
    i32[w + ABI.ATTN_DK] = bwd.dk;
    i32[w + ABI.ATTN_DVG] = bwd.dv;
    i32[w + ABI.ATTN_DROW] = bwd.dRow;
    i32.set(bwd.dOStrides ?? contiguous(p.H, p.Tq, p.Dv), w + ABI.ATTN_DOS);
    i32.set(bwd.dqStrides ?? contiguous(p.H, p.Tq, p.D), w + ABI.ATTN_DQS);
    i32.set(bwd.dkStrides ?? contiguous(Hkv, TkOut, p.D), w + ABI.ATTN_DKS);
    i32.set(bwd.dvStrides ?? contiguous(Hkv, TkOut, p.Dv), w + ABI.ATTN_DVS);
  }
  return ABI.PARAM_BASE;
}

function checkAttention(pool: ThreadPool, p: AttentionShape & { dropoutP?: number; TkOut?: number }): void {
  if (!attentionSupported(pool, p.D, p.Dv)) {
    throw new Error(`flashAttention: head dims D=${p.D}, Dv=${p.Dv} need more scratch than the wasm kernels have`);
  }
  const Hkv = p.Hkv ?? p.H;
  if (!(Number.isInteger(Hkv) && Hkv >= 1 && p.H % Hkv === 0)) throw new Error(`flashAttention: Hkv ${Hkv} must divide H ${p.H}`);
  if (p.TkOut !== undefined && p.TkOut < p.Tk) throw new Error(`flashAttention: TkOut ${p.TkOut} is below Tk ${p.Tk}`);
  if (p.dropoutP !== undefined && !(p.dropoutP >= 0 && p.dropoutP < 1)) throw new Error(`flashAttention: dropoutP must be in [0, 1), got ${p.dropoutP}`);
}

/** Fused attention forward: o, lse (and weights when asked). Split over (b, h, 32-query block). */
export function flashAttentionForward(pool: ThreadPool, p: AttentionForwardParams): void {
  checkAttention(pool, p);
  if (p.B * p.H * p.Tq === 0) return;
  const desc = writeAttentionDesc(pool, p);
  // An item is one query block against every key: a decoding step's (Tq = 1) is a few thousand
  // multiply-adds, less than waking a worker costs, so small jobs stay on the calling thread.
  const perItem = Math.min(p.Tq, ABI.ATTN_BR) * Math.max(1, p.Tk) * (p.D + p.Dv);
  callKernel(pool, 'attn_fwd', { desc }, p.B * p.H * Math.ceil(p.Tq / ABI.ATTN_BR), Math.ceil(ATTN_MIN_MACS_PER_THREAD / perItem));
}
/** Multiply-adds a thread should have at least before an attention forward is split (~30 µs). */
const ATTN_MIN_MACS_PER_THREAD = 1 << 17;

/**
 * Whether the one-pass backward (split over kv heads) beats the two-pass one (split over blocks)
 * for `heads` = B·Hkv on `threads` threads. The one pass computes scores, probabilities and dS once
 * instead of twice (5 tile products instead of 9); measured 1.48× faster on one thread (B 4, H 8,
 * seq 2048, D 64). It wins unless heads spread too unevenly over the threads: 1 head on 2
 * threads leaves one idle, so that case keeps the two passes.
 */
export function fusedAttentionBackward(heads: number, threads: number): boolean {
  const rounds = Math.ceil(heads / threads);
  return (rounds * threads) / heads < FUSED_BACKWARD_SPEEDUP;
}
const FUSED_BACKWARD_SPEEDUP = 1.45;

/** Fused attention backward from o and lse: dq, dk, dv (contiguous unless strides are given). */
export function flashAttentionBackward(pool: ThreadPool, p: AttentionBackwardParams): void {
  checkAttention(pool, p);
  const kvHeads = p.B * (p.Hkv ?? p.H);
  if (kvHeads === 0) return;
  const desc = writeAttentionDesc(pool, p, p);
  if (p.Tq > 0) callKernel(pool, 'attn_bwd_prep', { desc }, p.B * p.H * p.Tq, 256);
  const strategy = p.strategy ?? 'auto';
  if (strategy === 'fused' || (strategy === 'auto' && fusedAttentionBackward(kvHeads, pool.numThreads))) {
    callKernel(pool, 'attn_bwd_fused', { desc }, kvHeads);
    return;
  }
  if (p.Tq > 0) callKernel(pool, 'attn_bwd_dq', { desc }, p.B * p.H * Math.ceil(p.Tq / ABI.ATTN_BR));
  if (p.Tk > 0) callKernel(pool, 'attn_bwd_dkv', { desc }, kvHeads * Math.ceil(p.Tk / ABI.ATTN_BC));
}
