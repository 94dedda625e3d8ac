/**
 * `nn`: modules with PyTorch's names, keys, defaults and init.
 *
 * ```ts
 * import { nn } from 'attn';
 * const layer = new nn.TransformerEncoderLayer(64, 4, { batchFirst: true });
 * ```
 */
export { Module, StateDictError, withHalfWeights } from './module.js';
export type { TensorModule } from './module.js';
export { deepCopy } from './deep-copy.js';
export type { StateValue, LoadResult } from './module.js';
export { Linear } from './linear.js';
export type { LinearOptions } from './linear.js';
export { Embedding } from './embedding.js';
export type { EmbeddingOptions } from './embedding.js';
export { LayerNorm } from './layer-norm.js';
export type { LayerNormOptions } from './layer-norm.js';
export { Dropout, ReLU, GELU } from './dropout.js';
export { Sequential, ModuleList } from './container.js';
export { SinusoidalPositionalEncoding, PositionalEmbedding } from './positional.js';
export type { PositionalOptions } from './positional.js';
export { RotaryEmbedding } from './rotary.js';
export type { RotaryOptions } from './rotary.js';
export { MultiheadAttention } from './multihead-attention.js';
export type { MultiheadAttentionOptions, MultiheadAttentionForwardOptions } from './multihead-attention.js';
export { TransformerEncoderLayer, TransformerEncoder } from './transformer-encoder.js';
export type { TransformerLayerOptions, EncoderForwardOptions, Activation } from './transformer-encoder.js';
export { TransformerDecoderLayer, TransformerDecoder } from './transformer-decoder.js';
export type { DecoderForwardOptions } from './transformer-decoder.js';
export { LSTM } from './lstm.js';
export type { LSTMOptions, LSTMForwardOptions } from './lstm.js';
export { AttentionPooling } from './attention-pooling.js';
export type { AttentionPoolingOptions } from './attention-pooling.js';
export * as init from './init.js';
export * as functional from './functional.js';
export { KVCache } from './kv-cache.js';
export type { KVCacheOptions, KVCacheEntry, KVCacheAttentionOptions } from './kv-cache.js';
