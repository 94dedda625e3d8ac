/**
 * `F`: the functional layer API, named as `torch.nn.functional`.
 *
 * ```ts
 * import { F } from 'attn';
 * const h = F.linear(x, w, b).relu();
 * const loss = F.crossEntropy(logits, labels);
 * ```
 */
import type { Tensor } from '../tensor/tensor.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import * as ops from '../ops/index.js';

export { embedding, layerNorm, dropout, crossEntropy, linearCrossEntropy, scaledDotProductAttention, packedQkvAttention, softmax, logSoftmax, relu, gelu, tanh, sigmoid, silu, pad } from '../ops/index.js';
export type { AttentionOptions, AttentionResult, CrossEntropyOptions } from '../ops/index.js';

/**
 * y = x Wᵀ + b with W (out, in), as `torch.nn.functional.linear`.
 *
 * ```ts
 * const y = F.linear(x, weight, bias); // (…, in) → (…, out)
 * ```
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  x.assertAlive('linear');
  weight.assertAlive('linear');
  if (weight.rank !== 2 || x.rank === 0 || x.shape[x.rank - 1] !== weight.shape[1]) {
    throw new ShapeError(`linear: input ${formatShape(x.shape)} does not match weight ${formatShape(weight.shape)} (expected input (…, ${weight.shape[1]}))`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0])) {
    throw new ShapeError(`linear: bias ${formatShape(bias.shape)} does not match weight ${formatShape(weight.shape)} (expected (${weight.shape[0]}))`);
  }
  // Flatten the leading dims so the product is one GEMM with the weight read transposed.
  const rows = x.rank === 1 ? ops.reshape(x, [1, x.shape[0]!]) : ops.reshape(x, [-1, weight.shape[1]!]);
  let y = ops.matmul(rows, weight, { transB: true });
  if (bias) y = y.add(bias);
  return ops.reshape(y, [...x.shape.slice(0, -1), weight.shape[0]!]);
}
