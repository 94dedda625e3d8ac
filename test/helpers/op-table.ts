/**
 * attn's side of the parity fixtures: every op name used by tools/make-op-fixtures.py, implemented
 * through attn's public API with the same argument names (the Python file's TORCH table is the
 * other side).
 */
import {
  F, Tensor, type TensorOrScalar,
  add, sub, mul, div, pow, maximum, minimum, clamp, neg, exp, log, sqrt, rsqrt, abs, square, sign,
  relu, gelu, tanh, sigmoid, silu, softmax, logSoftmax, eq, ne, lt, le, gt, ge, where, maskedFill,
  sum, mean, max, min, argmax, argmin, variance, std, logsumexp, matmul,
  reshape, flatten, unsqueeze, squeeze, permute, transpose, broadcastTo, expand, slice, narrow, cat, stack, split, chunk, pad, clone,
  indexSelect, gather, tril, triu,
} from '../../src/index.js';

// The fixtures' arguments are JSON; each op reads the ones it knows.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OpArgs = Record<string, any>;
export type OpFn = (inputs: Tensor[], args: OpArgs) => Tensor | Tensor[];

const binary =
  (f: (a: TensorOrScalar, b: TensorOrScalar) => Tensor): OpFn =>
  ([x, y], a) =>
    a.scalar !== undefined ? (a.scalarFirst ? f(a.scalar as number, x!) : f(x!, a.scalar as number)) : f(x!, y!);

const unary =
  (f: (x: Tensor) => Tensor): OpFn =>
  ([x]) =>
    f(x!);

export const OPS: Record<string, OpFn> = {
  add: binary(add),
  sub: binary(sub),
  mul: binary(mul),
  div: binary(div),
  pow: binary(pow),
  maximum: binary(maximum),
  minimum: binary(minimum),
  neg: unary(neg),
  exp: unary(exp),
  log: unary(log),
  sqrt: unary(sqrt),
  rsqrt: unary(rsqrt),
  abs: unary(abs),
  square: unary(square),
  sign: unary(sign),
  clamp: ([x], a) => clamp(x!, a.min, a.max),
  relu: unary(relu),
  gelu: ([x], a) => gelu(x!, a.approximate),
  tanh: unary(tanh),
  sigmoid: unary(sigmoid),
  silu: unary(silu),
  eq: binary(eq),
  ne: binary(ne),
  lt: binary(lt),
  le: binary(le),
  gt: binary(gt),
  ge: binary(ge),
  where: (t, a) => where(t[0]!, a.a !== undefined ? (a.a as number) : t[1]!, a.b !== undefined ? (a.b as number) : t[t.length - 1]!),
  maskedFill: ([x, mask], a) => maskedFill(x!, mask!, a.value),
  tril: ([x], a) => tril(x!, a.diagonal),
  triu: ([x], a) => triu(x!, a.diagonal),
  softmax: ([x], a) => softmax(x!, a.dim),
  logSoftmax: ([x], a) => logSoftmax(x!, a.dim),
  logsumexp: ([x], a) => logsumexp(x!, a.dim, a.keepdim ?? false),
  sum: ([x], a) => sum(x!, a.dim, a.keepdim ?? false),
  mean: ([x], a) => mean(x!, a.dim, a.keepdim ?? false),
  max: ([x], a) => max(x!, a.dim, a.keepdim ?? false),
  min: ([x], a) => min(x!, a.dim, a.keepdim ?? false),
  argmax: ([x], a) => argmax(x!, a.dim, a.keepdim ?? false),
  argmin: ([x], a) => argmin(x!, a.dim, a.keepdim ?? false),
  var: ([x], a) => variance(x!, a.dim, { correction: a.correction, keepdim: a.keepdim }),
  std: ([x], a) => std(x!, a.dim, { correction: a.correction, keepdim: a.keepdim }),
  matmul: ([x, y]) => matmul(x!, y!),
  linear: ([x, w, b]) => F.linear(x!, w!, b ?? null),
  reshape: ([x], a) => reshape(x!, a.shape),
  view: ([x], a) => x!.view(a.shape),
  flatten: ([x], a) => flatten(x!, a.startDim, a.endDim),
  // Reshape of views of a copy: view → transpose (copy) → reshape → view → unsqueeze → squeeze.
  viewChain: ([x]) => x!.view(6, 4).transpose(0, 1).reshape(2, 12).view(2, 3, 4).unsqueeze(1).squeeze(1).mul(2),
  transpose: ([x], a) => transpose(x!, a.dim0, a.dim1),
  permute: ([x], a) => permute(x!, a.dims),
  unsqueeze: ([x], a) => unsqueeze(x!, a.dim),
  squeeze: ([x], a) => squeeze(x!, a.dim),
  expand: ([x], a) => expand(x!, a.shape),
  broadcastTo: ([x], a) => broadcastTo(x!, a.shape),
  slice: ([x], a) => slice(x!, a.dim, a.start, a.end, a.step),
  narrow: ([x], a) => narrow(x!, a.dim, a.start, a.length),
  cat: (t, a) => cat(t, a.dim),
  stack: (t, a) => stack(t, a.dim),
  split: ([x], a) => split(x!, a.sizeOrSections, a.dim),
  chunk: ([x], a) => chunk(x!, a.chunks, a.dim),
  pad: ([x], a) => pad(x!, a.pad, a.value),
  clone: unary(clone),
  indexSelect: ([x, index], a) => indexSelect(x!, a.dim, index!),
  gather: ([x, index], a) => gather(x!, a.dim, index!),
  embedding: ([ids, weight], a) => F.embedding(ids!, weight!, a.paddingIdx ?? null),
  layerNorm: (t, a) => {
    const weight = a.weight ? t[1]! : null;
    const bias = a.bias ? t[a.weight ? 2 : 1]! : null;
    return F.layerNorm(t[0]!, a.normalizedShape, weight, bias, a.eps);
  },
  crossEntropy: ([logits, targets], a) =>
    F.crossEntropy(logits!, targets!, { reduction: a.reduction, ignoreIndex: a.ignoreIndex, labelSmoothing: a.labelSmoothing }),
  scaledDotProductAttention: ([q, k, v, mask], a) => {
    const options = { attnMask: mask ?? null, isCausal: a.isCausal ?? false, scale: a.scale, enableGqa: a.enableGqa, kvLength: a.kvLength };
    if (a.returnWeights) {
      const { output, weights } = F.scaledDotProductAttention(q!, k!, v!, { ...options, returnWeights: true });
      return [output, weights!];
    }
    return F.scaledDotProductAttention(q!, k!, v!, options);
  },
};
