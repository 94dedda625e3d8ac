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

// ---- Op codes ----
/** unary_f32 (assembly/unary.ts). */
export const U_NEG = 0;
export const U_EXP = 1;
export const U_LOG = 2;
export const U_SQRT = 3;
export const U_RSQRT = 4;
export const U_ABS = 5;
export const U_RELU = 6;
export const U_GELU = 7;
export const U_GELU_TANH = 8;
export const U_TANH = 9;
export const U_SIGMOID = 10;
export const U_SILU = 11;
export const U_SQUARE = 12;
export const U_RECIPROCAL = 13;
export const U_SIGN = 14;
export const U_COPY = 15;
/** binary_same / binary_strided: float32 arithmetic. */
export const B_ADD = 0;
export const B_SUB = 1;
export const B_MUL = 2;
export const B_DIV = 3;
export const B_MAX = 4;
export const B_MIN = 5;
export const B_POW = 6;
/** Comparisons of float32 inputs, writing int32 0/1. */
export const C_EQ = 10;
export const C_NE = 11;
export const C_LT = 12;
export const C_LE = 13;
export const C_GT = 14;
export const C_GE = 15;
/** The same comparisons of int32 inputs. */
export const CI_EQ = 20;
export const CI_NE = 21;
export const CI_LT = 22;
export const CI_LE = 23;
export const CI_GT = 24;
export const CI_GE = 25;
/** int32 arithmetic (wrapping). */
export const I_ADD = 30;
export const I_SUB = 31;
export const I_MUL = 32;
export const I_MAX = 34;
export const I_MIN = 35;
/** reduce_last / reduce_mid. */
export const R_SUM = 0;
export const R_MAX = 1;
export const R_MIN = 2;

// ---- Strided descriptor (binary_strided, where_strided, copy_strided; int32 words) ----
/** [rank, shape[MAX_RANK], strides of operand 0[MAX_RANK], of operand 1, of operand 2], element strides, 0 = broadcast. */
export const SD_MAX_RANK = 6;
export const SD_RANK = 0;
export const SD_SHAPE = 1;
export const SD_STRIDES = 1 + SD_MAX_RANK;
export const SD_WORDS = 1 + 4 * SD_MAX_RANK;

// ---- Cast modes (cast_32, assembly/movement.ts) ----
/** 32-bit copy (same representation); int32/bool → float32; float32 → int32 (JS ToInt32 of the truncation); → bool (x != 0). */
export const CAST_COPY = 0;
export const CAST_I2F = 1;
export const CAST_F2I = 2;
export const CAST_F2B = 3;
export const CAST_I2B = 4;

// ---- Movement descriptor (pad_rows, gather_elements, scatter_add; assembly/movement.ts) ----
/** int32 words at PARAM_BASE. Pad: output shape, input shape, amounts before, input strides; gather/scatter: index shape and the strides of x (gather) or out (scatter). */
export const MV_MAX_RANK = 8;
export const MV_RANK = 0;
export const MV_AXIS = 1;
/** Pad value as 32 bits (float32 bits, or the int32). */
export const MV_VALUE = 2;
export const MV_SHAPE = 3;
export const MV_SHAPE2 = MV_SHAPE + MV_MAX_RANK;
export const MV_BEFORE = MV_SHAPE2 + MV_MAX_RANK;
export const MV_STRIDES = MV_BEFORE + MV_MAX_RANK;
export const MV_WORDS = MV_STRIDES + MV_MAX_RANK;

// ---- GEMM (assembly/gemm.ts) ----
/** Columns of a packed op(B) panel (the micro-kernel's width); gemm_pack_b's work items are panels. */
export const GEMM_NR = 8;
/** Rows of op(A) packed per cache block: each block re-reads the packed B once, so chunks of a row split hold at least this many rows. */
export const GEMM_MC = 120;

// ---- Attention descriptor (int32 / float32 words at PARAM_BASE; read by assembly/attention_shared.ts) ----
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
/** Key/value heads (divides H) and the rows of each kv head in the dk/dv outputs (Tmax ≥ Tk; the JS side's default dk/dv strides). */
export const ATTN_HKV = 39;
export const ATTN_TKOUT = 40;
/**
 * Element strides (batch, head, row) of the outputs o, dq, dk, dv (the last dim contiguous), so a
 * caller can have them written straight into another layout (heads side by side in (B, T, C), or
 * the thirds of a packed (B, T, 3C) gradient). lse, the weights and dRow stay contiguous.
 */
export const ATTN_OS = 41;
export const ATTN_DQS = 44;
export const ATTN_DKS = 47;
export const ATTN_DVS = 50;
export const ATTN_DESC_WORDS = 56;

// ---- Tensor lists (sumsq_blocks, scale_blocks; assembly/foreach.ts; int32 words at PARAM_BASE) ----
/**
 * One job over a list of tensors: every tensor is cut into blocks of FE_BLOCK elements (its last
 * block shorter), numbered one after another over the list; the work items are the blocks, so
 * which thread takes a block never changes what is computed. Words: [count, 0, 0, 0], then one
 * entry of FE_ENTRY_WORDS per tensor [ptr (bytes), elements, first block, 0] and a closing entry
 * whose first block is the total.
 */
export const FE_BLOCK = 4096;
export const FE_COUNT = 0;
export const FE_ENTRIES = 4;
export const FE_ENTRY_WORDS = 4;
export const FE_PTR = 0;
export const FE_N = 1;
export const FE_FIRST = 2;
/** Tensors one job takes (the entries and the closing one fill the parameter block); longer lists run as several jobs. */
export const FE_MAX_TENSORS = (PARAM_BYTES / 4 - FE_ENTRIES) / FE_ENTRY_WORDS - 1;
/**
 * The AdamW step over a list of parameters (adamw_blocks): the same header and blocks, entries of
 * AW_ENTRY_WORDS [param, grad, expAvg, expAvgSq (bytes), elements, first block, 0, 0] and a
 * closing entry whose first block is the total.
 */
export const AW_ENTRY_WORDS = 8;
export const AW_P = 0;
export const AW_G = 1;
export const AW_M = 2;
export const AW_V = 3;
export const AW_N = 4;
export const AW_FIRST = 5;
export const AW_MAX_TENSORS = ((PARAM_BYTES / 4 - FE_ENTRIES) / AW_ENTRY_WORDS | 0) - 1;
