/**
 * attn's `transformer` classifier as an ONNX graph: input `input_ids` (batch, sequence) int64,
 * 0 = padding; output `logits` (batch, numClasses). The same computation as
 * `TransformerClassifier.forward` in eval mode (dropout off):
 *
 *   ids → Gather(embedding)·√d → ([CLS] prepended) → + positions[:T] → encoder layers (padding keys
 *   masked; pre-norm, ReLU or exact GELU) → LayerNorm → mean / attention / [CLS] pooling → Linear
 *
 * ```ts
 * const bytes = classifierGraph(model).toModel(); // onnxruntime: session.run({ input_ids })
 * ```
 */
import type { TransformerClassifier } from '../../models/transformer-classifier.js';
import { PositionalEmbedding } from '../../nn/positional.js';
import type { TransformerEncoderLayer } from '../../nn/transformer-encoder.js';
import { ExportError } from '../errors.js';
import { OnnxGraph } from './graph.js';
import { attention, dimOf, gelu, layerNorm, linear, mergeHeads, MASKED, ParamTracker, splitHeads } from './layers.js';

/** nn.MultiheadAttention (packed in_proj, batch first) over x with the key mask `allowed` (B, 1, 1, T). */
function selfAttention(g: OnnxGraph, p: ParamTracker, x: string, layer: TransformerEncoderLayer, allowed: string, name: string): string {
  const mha = layer.selfAttn;
  if (!mha.inProjWeight) throw new ExportError('onnx', `${name}: separate q/k/v projection weights are not exported`);
  const E = mha.embedDim;
  const w = p.use(mha.inProjWeight, `${name}.in_proj_weight_t`, true); // (E, 3E)
  let qkv = g.op1('MatMul', [x, w]); // (B, T, 3E)
  if (mha.inProjBias) qkv = g.op1('Add', [qkv, p.use(mha.inProjBias, `${name}.in_proj_bias`)]);
  const [q, k, v] = g.op('Split', [qkv, g.int64([E, E, E])], { axis: 2 }, 3).map((t) => splitHeads(g, t, mha.numHeads, mha.headDim)); // (B, H, T, hd)
  const y = attention(g, q!, k!, v!, allowed, mha.headDim); // (B, H, T, hd)
  return linear(g, p, mergeHeads(g, y, E), mha.outProj, `${name}.out_proj`); // (B, T, E)
}

function feedForward(g: OnnxGraph, p: ParamTracker, x: string, layer: TransformerEncoderLayer, name: string): string {
  const h = linear(g, p, x, layer.linear1, `${name}.linear1`); // (B, T, ff)
  const a = layer.activation === 'gelu' ? gelu(g, h, 'none') : g.op1('Relu', [h]);
  return linear(g, p, a, layer.linear2, `${name}.linear2`); // (B, T, E)
}

/**
 * The ONNX graph of a transformer classifier (its weights as initializers).
 *
 * ```ts
 * const g = classifierGraph(new TransformerClassifier(config));
 * writeFile('model.onnx', g.toModel());
 * ```
 */
export function classifierGraph(model: TransformerClassifier): OnnxGraph {
  const { dModel: D, numClasses } = model.config;
  const g = new OnnxGraph('attn_transformer_classifier');
  const p = new ParamTracker(model, g);
  const ids = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  let real = g.op1('Not', [g.op1('Equal', [ids, g.int64([0], [])])]); // (B, T) bool: real tokens
  let x = g.op1('Gather', [p.use(model.embedding.weight, 'embedding.weight'), ids], { axis: 0 }); // (B, T, D)
  x = g.op1('Mul', [x, g.scalar(Math.sqrt(D), 'embedding_scale')]); // the √d of initScaledEmbedding
  const batch = dimOf(g, ids, 0); // (1)
  if (model.clsToken) {
    const cls = g.op1('Expand', [p.use(model.clsToken, 'cls_token'), g.op1('Concat', [batch, g.int64([1, D])], { axis: 0 })]); // (B, 1, D)
    x = g.op1('Concat', [cls, x], { axis: 1 }); // (B, 1 + T, D)
    const yes = g.op1('Expand', [g.initializer('true', Uint8Array.of(1), [1, 1], 'bool'), g.op1('Concat', [batch, g.int64([1])], { axis: 0 })]); // (B, 1)
    real = g.op1('Concat', [yes, real], { axis: 1 }); // (B, 1 + T)
  }
  const table = model.positional instanceof PositionalEmbedding ? p.use(model.positional.weight, 'positional.weight') : g.initializer('positional.pe', Float32Array.from(model.positional.pe.data() as Float32Array), [...model.positional.pe.shape]);
  const positions = g.op1('Slice', [table, g.int64([0]), dimOf(g, x, 1), g.int64([0])]); // (T', D)
  x = g.op1('Add', [x, positions]); // (B, T', D)
  const allowed = g.op1('Unsqueeze', [real, g.int64([1, 2])]); // (B, 1, 1, T'): keys that are not padding
  for (const [i, layer] of [...model.layers].entries()) {
    const name = `layers.${i}`;
    // attn's classifier layers are pre-norm (TransformerClassifier builds them with normFirst).
    if (!layer.normFirst) throw new ExportError('onnx', `${name} is a post-norm encoder layer; the classifier export writes pre-norm layers`);
    x = g.op1('Add', [x, selfAttention(g, p, layerNorm(g, p, x, layer.norm1, `${name}.norm1`), layer, allowed, `${name}.self_attn`)]); // (B, T', D)
    x = g.op1('Add', [x, feedForward(g, p, layerNorm(g, p, x, layer.norm2, `${name}.norm2`), layer, name)]);
  }
  x = layerNorm(g, p, x, model.norm, 'norm'); // (B, T', D)
  let pooled: string; // (B, D)
  if (model.attentionPooling) {
    // One learned query: softmax(x·q/√D) over the real tokens, then the weighted sum.
    const q = g.op1('Reshape', [p.use(model.attentionPooling.query, 'pooling.query'), g.int64([D, 1])]); // (D, 1)
    const scores = g.op1('Mul', [g.op1('MatMul', [x, q]), g.scalar(1 / Math.sqrt(D), 'pool_scale')]); // (B, T', 1)
    const masked = g.op1('Where', [g.op1('Unsqueeze', [real, g.int64([-1])]), scores, g.scalar(MASKED, 'pool_masked')]);
    const w = g.op1('Softmax', [masked], { axis: 1 }); // (B, T', 1)
    pooled = g.op1('ReduceSum', [g.op1('Mul', [x, w]), g.int64([1])], { keepdims: 0 });
  } else if (model.clsToken) {
    pooled = g.op1('Gather', [x, g.int64([0], [])], { axis: 1 }); // (B, D): the [CLS] position
  } else {
    const m = g.op1('Unsqueeze', [g.op1('Cast', [real], { to: 1 }), g.int64([-1])]); // (B, T, 1) float
    const sum = g.op1('ReduceSum', [g.op1('Mul', [x, m]), g.int64([1])], { keepdims: 0 }); // (B, D)
    const count = g.op1('Max', [g.op1('ReduceSum', [m, g.int64([1])], { keepdims: 0 }), g.scalar(1, 'count_floor')]); // (B, 1)
    pooled = g.op1('Div', [sum, count]);
  }
  const logits = linear(g, p, pooled, model.classifier, 'classifier'); // (B, C)
  g.output(logits, 'logits', 'float32', ['batch_size', numClasses]);
  p.assertAllUsed('transformer classifier');
  return g;
}
