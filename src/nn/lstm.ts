/**
 * `nn.LSTM` with PyTorch's keys (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`,
 * `…_reverse`), gate order (i, f, g, o), init U(±1/√hidden), and `pack_padded_sequence` semantics
 * for per-sequence lengths. Written with ops (a loop over time), so it is differentiable on every
 * backend.
 */
import { Tensor } from '../tensor/tensor.js';
import { fromArray, zeros } from '../ops/creation.js';
import { where } from '../ops/binary.js';
import { cat, reshape, slice, split, stack } from '../ops/shape.js';
import { dropout } from '../ops/dropout.js';
import { linear } from './functional.js';
import { uniform_ } from './init.js';
import { Module } from './module.js';
import { checkPositive } from './linear.js';

export interface LSTMOptions {
  numLayers?: number;
  /** Learn `bias_ih` and `bias_hh` (default true). */
  bias?: boolean;
  /** (B, T, F) when true, else (T, B, F) (PyTorch's default). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  bidirectional?: boolean;
}

export interface LSTMForwardOptions {
  /**
   * Real length of each sequence (1 ≤ length ≤ T), as `pack_padded_sequence`: outputs past a
   * sequence's length are 0, hN/cN are taken at its last real step, and the reverse direction
   * starts at its last real token. Padding never affects the results.
   */
  lengths?: readonly number[] | Int32Array | Tensor | null;
  /** Initial [h0, c0], each (numLayers·D, B, H). Default zeros. */
  hx?: [Tensor, Tensor] | null;
}

/**
 * A (bi)directional multi-layer LSTM. Returns `[output, [hN, cN]]`: output (B, T, D·H) (batch
 * first) and hN, cN (numLayers·D, B, H), D = 2 when bidirectional.
 *
 * ```ts
 * const lstm = new LSTM(32, 64, { numLayers: 2, bidirectional: true, batchFirst: true });
 * const [out, [hN, cN]] = lstm.forward(x, { lengths: [7, 3, 5] }); // (3, 7, 128), (4, 3, 64)
 * ```
 */
export class LSTM extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  /** [layer][direction] → [w_ih (4H, in), w_hh (4H, H), b_ih (4H) | null, b_hh (4H) | null]. */
  private readonly weights: [Tensor, Tensor, Tensor | null, Tensor | null][][] = [];

  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    super();
    this.numLayers = options.numLayers ?? 1;
    checkPositive('LSTM', { inputSize, hiddenSize, numLayers: this.numLayers });
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.bidirectional = options.bidirectional ?? false;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = options.dropout ?? 0;
    const H = hiddenSize;
    const D = this.bidirectional ? 2 : 1;
    const bound = 1 / Math.sqrt(H);
    const param = (name: string, shape: number[]) => this.registerParameter(name, uniform_(zeros(shape), -bound, bound));
    for (let l = 0; l < this.numLayers; l++) {
      const dirs: [Tensor, Tensor, Tensor | null, Tensor | null][] = [];
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const inSize = l === 0 ? inputSize : H * D;
        const wIh = param(`weight_ih${sfx}`, [4 * H, inSize]); // (4H, in)
        const wHh = param(`weight_hh${sfx}`, [4 * H, H]); // (4H, H)
        const bIh = (options.bias ?? true) ? param(`bias_ih${sfx}`, [4 * H]) : null; // (4H)
        const bHh = (options.bias ?? true) ? param(`bias_hh${sfx}`, [4 * H]) : null; // (4H)
        dirs.push([wIh, wHh, bIh, bHh]);
      }
      this.weights.push(dirs);
    }
  }

  override forward(input: Tensor, options: LSTMForwardOptions = {}): [Tensor, [Tensor, Tensor]] {
    const unbatched = input.rank === 2;
    if ((input.rank !== 3 && !unbatched) || input.shape[input.rank - 1] !== this.inputSize) {
      throw new Error(`LSTM: expected input (${this.batchFirst ? 'B, T' : 'T, B'}, ${this.inputSize}) or (T, ${this.inputSize}), got [${input.shape.join(', ')}]`);
    }
    const x = unbatched ? input.unsqueeze(0) : this.batchFirst ? input : input.transpose(0, 1); // (B, T, F)
    const [B, T] = x.shape as [number, number, number];
    const H = this.hiddenSize;
    const D = this.bidirectional ? 2 : 1;
    const masks = this.stepMasks(options.lengths ?? null, B, T); // T × (B, 1) bool, or null
    let h0: Tensor | null = null;
    let c0: Tensor | null = null;
    if (options.hx) {
      [h0, c0] = options.hx.map((s) => (unbatched ? s.unsqueeze(1) : s)) as [Tensor, Tensor]; // (L·D, B, H)
      for (const s of [h0, c0]) {
        if (s.rank !== 3 || s.shape[0] !== this.numLayers * D || s.shape[1] !== B || s.shape[2] !== H) {
          throw new Error(`LSTM: hx entries must be (${this.numLayers * D}, ${B}, ${H}), got [${s.shape.join(', ')}]`);
        }
      }
    }
    const hN: Tensor[] = [];
    const cN: Tensor[] = [];
    let layerInput = x; // (B, T, F)
    for (let l = 0; l < this.numLayers; l++) {
      const outputs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const idx = l * D + d;
        const h = h0 ? reshape(slice(h0, 0, idx, idx + 1), [B, H]) : zeros([B, H]); // (B, H)
        const c = c0 ? reshape(slice(c0, 0, idx, idx + 1), [B, H]) : zeros([B, H]); // (B, H)
        const [out, hT, cT] = this.direction(layerInput, this.weights[l]![d]!, h, c, masks, d === 1); // (B, T, H), (B, H), (B, H)
        outputs.push(out);
        hN.push(hT);
        cN.push(cT);
      }
      layerInput = D === 2 ? cat(outputs, -1) : outputs[0]!; // (B, T, D·H)
      if (l < this.numLayers - 1) layerInput = dropout(layerInput, this.dropout, this.training);
    }
    const output = unbatched ? layerInput.squeeze(0) : this.batchFirst ? layerInput : layerInput.transpose(0, 1);
    const hs = stack(hN, 0); // (L·D, B, H)
    const cs = stack(cN, 0); // (L·D, B, H)
    return [output, [unbatched ? hs.squeeze(1) : hs, unbatched ? cs.squeeze(1) : cs]];
  }

  /** One direction of one layer over all steps. */
  private direction(x: Tensor, [wIh, wHh, bIh, bHh]: [Tensor, Tensor, Tensor | null, Tensor | null], h0: Tensor, c0: Tensor, masks: Tensor[] | null, reverse: boolean): [Tensor, Tensor, Tensor] {
    const [B, T] = x.shape as [number, number, number];
    const H = this.hiddenSize;
    const xp = linear(x, wIh, bIh); // (B, T, 4H): the input projection of every step at once
    let h = h0;
    let c = c0;
    const outs: Tensor[] = new Array(T);
    // One split (one autograd node) rather than T slices, so backward stays linear in T.
    const steps = split(xp, 1, 1); // T × (B, 1, 4H)
    for (let s = 0; s < T; s++) {
      const t = reverse ? T - 1 - s : s;
      const gates = reshape(steps[t]!, [B, 4 * H]).add(linear(h, wHh, bHh)); // (B, 4H)
      const [gi, gf, gg, go] = split(gates, H, 1) as [Tensor, Tensor, Tensor, Tensor]; // 4 × (B, H)
      const i = gi.sigmoid(); // (B, H)
      const f = gf.sigmoid(); // (B, H)
      const g = gg.tanh(); // (B, H)
      const o = go.sigmoid(); // (B, H)
      const cNew = f.mul(c).add(i.mul(g)); // (B, H)
      const hNew = o.mul(cNew.tanh()); // (B, H)
      const m = masks?.[t];
      if (m) {
        // Past a sequence's end its state is frozen and its output is 0.
        h = where(m, hNew, h); // (B, H)
        c = where(m, cNew, c); // (B, H)
        outs[t] = where(m, hNew, 0); // (B, H)
      } else {
        [h, c, outs[t]] = [hNew, cNew, hNew];
      }
    }
    return [stack(outs, 1), h, c]; // (B, T, H), (B, H), (B, H)
  }

  /** (B, 1) bool "step t is real" per step, or null when every sequence is full length. */
  private stepMasks(lengths: LSTMForwardOptions['lengths'], B: number, T: number): Tensor[] | null {
    if (lengths === null || lengths === undefined) return null;
    const lens = lengths instanceof Tensor ? Array.from(lengths.data()) : Array.from(lengths);
    if (lens.length !== B || lens.some((n) => !Number.isInteger(n) || n < 1 || n > T)) {
      throw new Error(`LSTM: lengths must be ${B} integers in [1, ${T}], got [${lens.join(', ')}]`);
    }
    if (lens.every((n) => n === T)) return null;
    return Array.from({ length: T }, (_, t) => fromArray(lens.map((n) => (t < n ? 1 : 0)), [B, 1], { dtype: 'bool' }));
  }
}
