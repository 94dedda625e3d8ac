/** Every public op, as functions; `Tensor` methods call these. */
export * from './creation.js';
export * from './unary.js';
export * from './binary.js';
export * from './cast.js';
export * from './reduce.js';
export * from './matmul.js';
export * from './matmul-half.js';
export * from './shape.js';
export * from './indexing.js';
export * from './softmax.js';
export * from './layer-norm.js';
export * from './cross-entropy.js';
export * from './dropout.js';
export * from './attention.js';
export * from './adamw-update.js';
export * from './slice-assign.js';
export * from './linear-cross-entropy.js';
