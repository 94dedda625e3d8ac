/**
 * attn layers as ONNX subgraphs, shared by the classifier and decoder exports. Every weight goes
 * through `ParamTracker.use`, so that an export can prove it used every parameter of the model
 * (a layer it does not know would leave some unused, and the export is refused rather than wrong).
 *
 * ```ts
 * const p = new ParamTracker(model, g);
 * const h = linear(g, p, x, model.classifier, 'classifier'); // (B, C)
 * p.assertAllUsed('transformer classifier');
 * ```
 */
import type { Module } from '../../nn/module.js';
import type { Linear } from '../../nn/linear.js';
import type { LayerNorm } from '../../nn/layer-norm.js';
import type { Tensor } from '../../tensor/tensor.js';
import { ExportError } from '../errors.js';
import type { OnnxGraph } from './graph.js';

/** The most negative float32: the masked scores (−∞ would give NaN rows when a query sees no key). */
export const MASKED = -3.4028234663852886e38;

const f32 = (t: Tensor): Float32Array => Float32Array.from(t.data() as Float32Array);

/** Which of a model's parameters went into the graph. */
export class ParamTracker {
  private readonly used = new Set<Tensor>();
  constructor(private readonly model: Module, private readonly g: OnnxGraph) {}

  /** The parameter as an initializer (transposed 2-D when `transpose`). */
  use(t: Tensor, name: string, transpose = false): string {
    this.used.add(t);
    if (!transpose) return this.g.initializer(name, f32(t), [...t.shape]);
    const [rows, cols] = t.shape as [number, number];
    const data = t.data() as Float32Array;
    const out = new Float32Array(data.length);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
    return this.g.initializer(name, out, [cols, rows]);
  }

  /** Marks a parameter as used without writing it (a weight written once and read twice). */
  mark(t: Tensor): void {
    this.used.add(t);
  }

  /** Refuses the export when a parameter was not used: a layer the exporter does not know. */
  assertAllUsed(what: string): void {
    const unused = this.model.namedParameters().filter(([, p]) => !this.used.has(p)).map(([n]) => n);
    if (unused.length > 0) throw new ExportError('onnx', `the ${what} has parameters the ONNX exporter does not handle (${unused.slice(0, 4).join(', ')}${unused.length > 4 ? ', …' : ''}): an unsupported layer`);
  }
}

/** y = x Wᵀ + b: a MatMul with the weight stored [in, out], and an Add. */
export function linear(g: OnnxGraph, p: ParamTracker, x: string, layer: Linear, name: string): string {
  const y = g.op1('MatMul', [x, p.use(layer.weight, `${name}.weight_t`, true)]);
  return layer.bias ? g.op1('Add', [y, p.use(layer.bias, `${name}.bias`)]) : y;
}

/** LayerNormalization (opset 17) over the last dim; a missing weight or bias is 1 or 0. */
export function layerNorm(g: OnnxGraph, p: ParamTracker, x: string, ln: LayerNorm, name: string): string {
  const n = ln.normalizedShape.reduce((a, b) => a * b, 1);
  if (ln.normalizedShape.length !== 1) throw new ExportError('onnx', `${name}: LayerNorm over ${ln.normalizedShape.length} dims is not exported (only the last dim)`);
  const scale = ln.weight ? p.use(ln.weight, `${name}.weight`) : g.initializer(`${name}.weight`, new Float32Array(n).fill(1), [n]);
  const bias = ln.bias ? p.use(ln.bias, `${name}.bias`) : g.initializer(`${name}.bias`, new Float32Array(n), [n]);
  return g.op1('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: { f: ln.eps } });
}

/** GELU: exact (`0.5·x·(1 + erf(x/√2))`) or the tanh approximation (`gelu_new`). */
export function gelu(g: OnnxGraph, x: string, approximate: 'none' | 'tanh'): string {
  const half = g.op1('Mul', [x, g.scalar(0.5, 'half')]);
  let inner: string;
  if (approximate === 'tanh') {
    const cube = g.op1('Mul', [g.op1('Mul', [x, x]), x]);
    const poly = g.op1('Add', [x, g.op1('Mul', [cube, g.scalar(0.044715, 'gelu_c')])]);
    inner = g.op1('Tanh', [g.op1('Mul', [poly, g.scalar(Math.sqrt(2 / Math.PI), 'sqrt_2_over_pi')])]);
  } else {
    inner = g.op1('Erf', [g.op1('Mul', [x, g.scalar(Math.SQRT1_2, 'inv_sqrt2')])]);
  }
  return g.op1('Mul', [half, g.op1('Add', [inner, g.scalar(1, 'one')])]);
}

/** (B, T, H·D) → (B, H, T, D). */
export function splitHeads(g: OnnxGraph, x: string, heads: number, headDim: number): string {
  return g.op1('Transpose', [g.op1('Reshape', [x, g.int64([0, 0, heads, headDim])])], { perm: [0, 2, 1, 3] });
}

/** (B, H, T, D) → (B, T, H·D). */
export function mergeHeads(g: OnnxGraph, x: string, width: number): string {
  return g.op1('Reshape', [g.op1('Transpose', [x], { perm: [0, 2, 1, 3] }), g.int64([0, 0, width])]);
}

/**
 * softmax(q kᵀ / √D, masked) v for q (B, H, Tq, D), k and v (B, H, Tk, D); `allowed` is a bool
 * broadcastable to (B, H, Tq, Tk), true where a query may attend.
 */
export function attention(g: OnnxGraph, q: string, k: string, v: string, allowed: string, headDim: number): string {
  const scores = g.op1('Mul', [g.op1('MatMul', [q, g.op1('Transpose', [k], { perm: [0, 1, 3, 2] })]), g.scalar(1 / Math.sqrt(headDim), 'attn_scale')]); // (B, H, Tq, Tk)
  const masked = g.op1('Where', [allowed, scores, g.scalar(MASKED, 'masked')]);
  return g.op1('MatMul', [g.op1('Softmax', [masked], { axis: -1 }), v]); // (B, H, Tq, D)
}

/** Dim `axis` of x's shape as a 1-element int64 tensor. */
export function dimOf(g: OnnxGraph, x: string, axis: number): string {
  return g.op1('Gather', [g.op1('Shape', [x]), g.int64([axis])], { axis: 0 }); // (1)
}
