/**
 * Maths on attention weights for the explorer, `attn attention` and `POST /v1/attention`:
 * attention rollout (Abnar & Zuidema 2020), and per-head statistics (entropy, mean distance
 * attended). Plain arrays in, plain arrays out: no tensors, no imports, so it runs anywhere.
 *
 * An `AttentionStack` holds one text's weights: for each layer a row-major (H, T, T) array whose
 * row i (query i) is a distribution over the keys j.
 *
 * ```ts
 * const stack: AttentionStack = { heads: 2, length: 3, layers: [w0, w1] }; // w: Float32Array(2·3·3)
 * const r = attentionRollout(stack);        // (T, T): how much query i draws on input token j
 * const { entropy, distance } = attentionStatistics(stack); // [layer][head]
 * ```
 */

export interface AttentionStack {
  heads: number;
  /** Tokens T (queries = keys). */
  length: number;
  /** One (H, T, T) row-major array per layer, bottom layer first. */
  layers: ArrayLike<number>[];
}

function checkStack(op: string, stack: AttentionStack): void {
  const { heads: H, length: T } = stack;
  if (!Number.isInteger(H) || H < 1 || !Number.isInteger(T) || T < 1) throw new RangeError(`${op}: heads and length must be positive integers, got heads ${H}, length ${T}`);
  stack.layers.forEach((w, l) => {
    if (w.length !== H * T * T) throw new RangeError(`${op}: layer ${l} has ${w.length} weights, expected heads·length·length = ${H}·${T}·${T} = ${H * T * T}`);
  });
}

/**
 * The heads' mean of one layer, with the residual connection as identity added, rows
 * renormalised: Â = norm(mean_h(A_h) + I). A row that is all zero (a padding query) becomes I's row.
 *
 * ```ts
 * const a = residualAttention(stack.layers[0], 2, 3); // (3·3) rows summing to 1
 * ```
 */
export function residualAttention(weights: ArrayLike<number>, heads: number, length: number): Float64Array {
  const T = length;
  const out = new Float64Array(T * T);
  for (let h = 0; h < heads; h++) for (let k = 0; k < T * T; k++) out[k]! += weights[h * T * T + k]! / heads;
  for (let i = 0; i < T; i++) {
    out[i * T + i]! += 1;
    let sum = 0;
    for (let j = 0; j < T; j++) sum += out[i * T + j]!;
    for (let j = 0; j < T; j++) out[i * T + j]! /= sum;
  }
  return out;
}

/**
 * Attention rollout (Abnar & Zuidema 2020): R = Â_L · … · Â_1 with Â_l = norm(mean_h(A_l) + I).
 * Row i of R says how much of the top layer's token i comes from input token j; rows sum to 1.
 * `upToLayer` (default all) stops after that many layers. Returns (T, T) row-major.
 *
 * ```ts
 * const r = attentionRollout(stack); // r[i * T + j]
 * ```
 */
export function attentionRollout(stack: AttentionStack, upToLayer = stack.layers.length): Float64Array {
  checkStack('attentionRollout', stack);
  const T = stack.length;
  if (!Number.isInteger(upToLayer) || upToLayer < 0 || upToLayer > stack.layers.length) throw new RangeError(`attentionRollout: upToLayer must be 0 … ${stack.layers.length}, got ${upToLayer}`);
  let r = new Float64Array(T * T);
  for (let i = 0; i < T; i++) r[i * T + i] = 1;
  for (let l = 0; l < upToLayer; l++) {
    const a = residualAttention(stack.layers[l]!, stack.heads, T);
    const next = new Float64Array(T * T);
    // next = a · r: the layer's mixing applied on top of what came before.
    for (let i = 0; i < T; i++) {
      for (let k = 0; k < T; k++) {
        const aik = a[i * T + k]!;
        if (aik === 0) continue;
        for (let j = 0; j < T; j++) next[i * T + j]! += aik * r[k * T + j]!;
      }
    }
    r = next;
  }
  return r;
}

export interface HeadStatistics {
  /** [layer][head]: the mean over queries of −Σ_j p_ij ln p_ij, in nats (0 = one key; ln T = uniform). */
  entropy: number[][];
  /** [layer][head]: the mean over queries of Σ_j p_ij |i − j|, in tokens. */
  distance: number[][];
}

/**
 * Per-head statistics: how spread out each head's attention is (entropy) and how far it looks
 * (mean distance). Queries whose row is all zero (padding) are left out of the means.
 *
 * ```ts
 * const { entropy, distance } = attentionStatistics(stack); // entropy[1][0]: layer 1, head 0
 * ```
 */
export function attentionStatistics(stack: AttentionStack): HeadStatistics {
  checkStack('attentionStatistics', stack);
  const { heads: H, length: T } = stack;
  const entropy: number[][] = [];
  const distance: number[][] = [];
  for (const w of stack.layers) {
    const e: number[] = [];
    const d: number[] = [];
    for (let h = 0; h < H; h++) {
      let eSum = 0;
      let dSum = 0;
      let rows = 0;
      for (let i = 0; i < T; i++) {
        let rowEntropy = 0;
        let rowDistance = 0;
        let mass = 0;
        for (let j = 0; j < T; j++) {
          const p = w[(h * T + i) * T + j]!;
          mass += p;
          if (p > 0) rowEntropy -= p * Math.log(p);
          rowDistance += p * Math.abs(i - j);
        }
        if (mass === 0) continue;
        eSum += rowEntropy;
        dSum += rowDistance;
        rows++;
      }
      e.push(rows ? eSum / rows : 0);
      d.push(rows ? dSum / rows : 0);
    }
    entropy.push(e);
    distance.push(d);
  }
  return { entropy, distance };
}

/**
 * (T, T) row-major as nested rows, each value rounded to `digits` decimals (default 6), for JSON.
 *
 * ```ts
 * squareRows(attentionRollout(stack), T); // [[…T], …T]
 * ```
 */
export function squareRows(values: ArrayLike<number>, length: number, digits = 6): number[][] {
  const scale = 10 ** digits;
  const rows: number[][] = [];
  for (let i = 0; i < length; i++) {
    const row: number[] = new Array(length);
    for (let j = 0; j < length; j++) row[j] = Math.round(values[i * length + j]! * scale) / scale;
    rows.push(row);
  }
  return rows;
}
