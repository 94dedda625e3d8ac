// The wasm kernel ABI, defined once: what the JavaScript side (src/backends/wasm/) writes and the
// AssemblyScript kernels (assembly/) read. Both compilers build this file — assembly/ imports it
// as '../src/backends/wasm/abi' — so it holds only `export const NAME = <integer expression>;`
// (an i32 constant in AssemblyScript, a number in TypeScript): no types, no objects, no imports.
//
// assembly/index.ts re-exports every constant as an immutable wasm global; the backend compares
// them with this file when it starts and refuses a build that differs (a stale build/*.wasm:
// run `npm run build:wasm` after changing a value).

// ---- Memory map of the reserved region [0, 16 MiB) (the engine never allocates below it) ----
/** Parameter block: JS writes small descriptors (shapes, strides) here right before a job. */
export const PARAM_BASE = 1 << 20;
export const PARAM_BYTES = 64 << 10;
/** Per-thread scratch: SCRATCH_BYTES for each thread index 0 .. MAX_THREADS - 1. */
export const SCRATCH_BASE = 2 << 20;
export const SCRATCH_BYTES = 896 << 10;
export const MAX_THREADS = 16;
export const RESERVED_BYTES = 16 << 20;

// ---- Attention descriptor (int32 / float32 words at PARAM_BASE; assembly/attention.ts) ----
/** Tiles: queries per block (forward, dQ) and keys per block (dK/dV). */
export const ATTN_BR = 32;
export const ATTN_BC = 64;
/** Sizes. ATTN_TK is the number of keys attended to (kvLength); ATTN_HKV the key/value heads. */
export const ATTN_B = 0;
export const ATTN_H = 1;
export const ATTN_TQ = 2;
export const ATTN_TK = 3;
export const ATTN_D = 4;
export const ATTN_DV = 5;
/** Pointers (bytes): inputs q, k, v; outputs o, lse, weights (0 = none); additive mask (0 = none). */
export const ATTN_Q = 6;
export const ATTN_K = 7;
export const ATTN_V = 8;
export const ATTN_O = 9;
export const ATTN_LSE = 10;
export const ATTN_P = 11;
export const ATTN_MASK = 12;
/** causal flag, scale (f32), dropout threshold (24-bit), seed, keep scale (f32). */
export const ATTN_CAUSAL = 13;
export const ATTN_SCALE = 14;
export const ATTN_THRESH = 15;
export const ATTN_SEED = 16;
export const ATTN_KEEPSCALE = 17;
/** Element strides (batch, head, row) of q, k, v; the mask has four (batch, head, row, col). */
export const ATTN_QS = 18;
export const ATTN_KS = 21;
export const ATTN_VS = 24;
export const ATTN_MS = 27;
/** Backward: dO pointer, outputs dq, dk, dv, the rowsum(dO ∘ O) scratch, dO strides (3 words). */
export const ATTN_DO = 31;
export const ATTN_DQ = 32;
export const ATTN_DK = 33;
export const ATTN_DVG = 34;
export const ATTN_DROW = 35;
export const ATTN_DOS = 36;
/** Key/value heads (divides H) and the rows of each kv head in the dk/dv outputs (Tmax ≥ Tk). */
export const ATTN_HKV = 39;
export const ATTN_TKOUT = 40;
export const ATTN_DESC_WORDS = 44;
