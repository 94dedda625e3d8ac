/**
 * `clf-small` written with tfjs-core ops: the same pre-norm Transformer encoder classifier as
 * attn's TransformerClassifier and torch_bench.py (token embedding + sinusoidal positions, N
 * pre-norm layers with exact GELU, final LayerNorm, padding-masked mean pooling, Linear). tfjs has
 * no trainable attention layer or GELU op, so both are spelled out here.
 */
import type { Tf } from './load.js';

export interface ClfConfig {
  vocabSize: number;
  dModel: number;
  numHeads: number;
  numLayers: number;
  dimFeedforward: number;
  numClasses: number;
  seq: number;
  /**
   * 'gather' is how a tfjs user writes an embedding (`tf.gather`); its gradient needs the
   * UnsortedSegmentSum kernel, which tfjs-backend-wasm lacks. 'onehot' computes the same thing as
   * one-hot(ids) @ table, a matmul every backend can differentiate (and 2·tokens·vocab·d FLOPs).
   */
  embedding: 'gather' | 'onehot';
}

export interface TfClassifier {
  variables: Tf[];
  /** ids (B, T) int32 → logits (B, C). */
  forward(ids: Tf): Tf;
  dispose(): void;
}

function sinusoidal(tf: Tf, T: number, d: number): Tf {
  const pe = new Float32Array(T * d);
  for (let pos = 0; pos < T; pos++) {
    for (let i = 0; i < d; i += 2) {
      const angle = pos / Math.pow(10000, i / d);
      pe[pos * d + i] = Math.sin(angle);
      if (i + 1 < d) pe[pos * d + i + 1] = Math.cos(angle);
    }
  }
  return tf.tensor(pe, [T, d]);
}

export function tfClassifier(tf: Tf, c: ClfConfig): TfClassifier {
  const { dModel: d, numHeads: H, dimFeedforward: F, numClasses: C } = c;
  const dh = d / H;
  const vars: Tf[] = [];
  const v = (init: Tf): Tf => {
    const x = tf.variable(init);
    vars.push(x);
    return x;
  };
  const uniform = (shape: number[], fanIn: number): Tf => tf.randomUniform(shape, -1 / Math.sqrt(fanIn), 1 / Math.sqrt(fanIn));
  const emb = v(tf.randomNormal([c.vocabSize, d]));
  const pos = sinusoidal(tf, c.seq, d);
  const layers = Array.from({ length: c.numLayers }, () => ({
    ln1g: v(tf.ones([d])), ln1b: v(tf.zeros([d])),
    wqkv: v(uniform([d, 3 * d], d)), bqkv: v(tf.zeros([3 * d])),
    wo: v(uniform([d, d], d)), bo: v(tf.zeros([d])),
    ln2g: v(tf.ones([d])), ln2b: v(tf.zeros([d])),
    w1: v(uniform([d, F], d)), b1: v(tf.zeros([F])),
    w2: v(uniform([F, d], F)), b2: v(tf.zeros([d])),
  }));
  const lnfG = v(tf.ones([d]));
  const lnfB = v(tf.zeros([d]));
  const wc = v(uniform([d, C], d));
  const bc = v(tf.zeros([C]));

  const layerNorm = (x: Tf, g: Tf, b: Tf): Tf => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), b);
  };
  // Exact GELU, as torch's default: x · Φ(x).
  const gelu = (x: Tf): Tf => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
  const dense = (x2: Tf, w: Tf, b: Tf): Tf => tf.add(tf.matMul(x2, w), b);

  const forward = (ids: Tf): Tf => {
    const [B, T] = ids.shape as [number, number];
    const real = tf.cast(tf.notEqual(ids, 0), 'float32'); // (B, T)
    const keyBias = tf.reshape(tf.mul(tf.sub(1, real), -1e9), [B, 1, 1, T]); // (B, 1, 1, T)
    const tokens =
      c.embedding === 'gather'
        ? tf.gather(emb, ids) // (B, T, d)
        : tf.reshape(tf.matMul(tf.oneHot(tf.reshape(ids, [B * T]), c.vocabSize), emb), [B, T, d]); // (B·T, V) @ (V, d)
    let x = tf.add(tokens, pos); // (B, T, d)
    for (const L of layers) {
      const h = tf.reshape(layerNorm(x, L.ln1g, L.ln1b), [B * T, d]); // (B·T, d)
      const [q, k, vv] = tf.split(dense(h, L.wqkv, L.bqkv), 3, 1).map((t: Tf) => tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3])); // (B, H, T, dh)
      const att = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh)), keyBias)); // (B, H, T, T)
      const o = tf.reshape(tf.transpose(tf.matMul(att, vv), [0, 2, 1, 3]), [B * T, d]); // (B·T, d)
      x = tf.add(x, tf.reshape(dense(o, L.wo, L.bo), [B, T, d]));
      const h2 = tf.reshape(layerNorm(x, L.ln2g, L.ln2b), [B * T, d]);
      x = tf.add(x, tf.reshape(dense(gelu(dense(h2, L.w1, L.b1)), L.w2, L.b2), [B, T, d])); // (B, T, d)
    }
    x = layerNorm(x, lnfG, lnfB);
    const m = tf.expandDims(real, -1); // (B, T, 1)
    const pooled = tf.div(tf.sum(tf.mul(x, m), 1), tf.maximum(tf.sum(m, 1), 1)); // (B, d)
    return dense(pooled, wc, bc); // (B, C)
  };

  return {
    variables: vars,
    forward,
    dispose: () => {
      for (const x of vars) x.dispose();
      pos.dispose();
    },
  };
}
