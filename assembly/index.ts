// attn kernels: every export is a pure function over byte offsets into the shared memory.
// Kernels that the thread pool splits take (start, end) as their last two arguments.
export { set_thread_index, get_thread_index, debug_trap_on_thread } from './common';
export { gemm_rows, gemm_cols, gemm_row_block, gemm_pack_b, gemm_rows_packed, gemm_packed_b_floats } from './gemm';
export { gemv_cols } from './gemv';
export { unary_f32, gelu_grad_f32, dropout_f32 } from './unary';
export { binary_same, binary_strided, where_strided } from './binary';
export { reduce_last, reduce_mid, argreduce, softmax_last, softmax_mid } from './reduce';
export { layernorm_fwd, layernorm_bwd_dx, layernorm_bwd_params } from './layernorm';
export { cross_entropy_fwd, cross_entropy_bwd } from './cross_entropy';
export { index_select, index_add } from './embedding';
export { adamw_step } from './adamw';
export { cast_32, pad_rows, gather_elements, scatter_add, copy_strided, slice_assign } from './movement';
export { sumsq_blocks, scale_blocks, adamw_blocks } from './foreach';
export { gemm_half_nt, gemm_half_nn, gemm_half_max_k } from './gemm_half';
export { attn_fwd } from './attention';
export { attn_bwd_prep, attn_bwd_dq, attn_bwd_dkv, attn_bwd_fused } from './attention_backward';
export { attn_scratch_bytes, attn_desc_echo } from './attention_shared';
// The kernel ABI constants, exported as immutable globals so the backend can check that the
// loaded build matches src/backends/wasm/abi.ts (a stale build/*.wasm is refused).
export * from '../src/backends/wasm/abi';
