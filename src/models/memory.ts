/**
 * What training a classifier will need of the arena, worked out from its config alone (nothing is
 * allocated), so a size that cannot fit (`--max-length 100000000`, a huge vocabulary or batch) is
 * refused before any work with the bytes it would take, instead of growing towards 4 GiB for
 * minutes and failing late.
 *
 * The figures are lower bounds: the weights and the position table, their gradients and AdamW's
 * two moments, and the activations one batch of `sequenceLength` tokens keeps for the backward
 * pass (flash attention keeps no T×T matrix). Scratch buffers and size-class rounding come on top.
 *
 * ```ts
 * const need = classifierTrainingBytes(config, { batchSize: 32, sequenceLength: config.maxLength });
 * need.total; // bytes; need.parts names the largest terms
 * ```
 */
import type { ClassifierConfig } from './config.js';

const F32 = 4;

/** The arena's limit: wasm32 memory is at most 4 GiB (see `engine/arena.ts`). */
export const ARENA_LIMIT_BYTES = 4 * 1024 ** 3;

export interface MemoryNeed {
  total: number;
  /** Each term, with the option that sets its size (for the error's advice). */
  parts: { what: string; bytes: number; option: string }[];
}

/** Lower bound of the bytes training `config` takes; see the module comment. */
export function classifierTrainingBytes(config: ClassifierConfig, batch: { batchSize: number; sequenceLength: number }): MemoryNeed {
  const { vocabSize: V, maxLength, numClasses: C } = config;
  const B = batch.batchSize;
  const T = Math.min(batch.sequenceLength, maxLength);
  // A trained parameter is held four times: the value, its gradient, AdamW's exp_avg and exp_avg_sq.
  const trained = (n: number) => n * F32 * 4;
  const parts: MemoryNeed['parts'] = [];
  switch (config.type) {
    case 'transformer': {
      const { dModel: d, dimFeedforward: f, numLayers: L, pooling, positional } = config;
      const positions = (maxLength + (pooling === 'cls' ? 1 : 0)) * d;
      parts.push({ what: 'token embedding', bytes: trained(V * d), option: 'vocabSize' });
      parts.push({ what: positional === 'learned' ? 'learned positions' : 'position table', bytes: positional === 'learned' ? trained(positions) : positions * F32, option: 'maxLength' });
      parts.push({ what: 'encoder layers', bytes: trained(L * (4 * d * d + 2 * d * f)), option: 'dModel' });
      // Per layer and token: two norms, q/k/v, attention output, projection, two residuals (~10 d) and the feed-forward (2 f).
      parts.push({ what: 'activations of one batch', bytes: B * T * L * (10 * d + 2 * f) * F32, option: 'maxLength' });
      break;
    }
    case 'bilstm-attention': {
      const { embedDim: e, hiddenSize: h, attentionDim: a } = config;
      parts.push({ what: 'token embedding', bytes: trained(V * e), option: 'vocabSize' });
      parts.push({ what: 'LSTM and attention', bytes: trained(8 * h * (e + h) + 6 * h * a + a * C), option: 'dModel' });
      // Per token: the embedding, both directions' four gates and states, and q/k/v.
      parts.push({ what: 'activations of one batch', bytes: B * T * (e + 2 * 6 * h + 3 * a) * F32, option: 'maxLength' });
      break;
    }
    case 'bow':
      parts.push({ what: 'word scores', bytes: trained(V * C), option: 'vocabSize' });
      parts.push({ what: 'activations of one batch', bytes: B * T * C * F32, option: 'maxLength' });
      break;
  }
  return { total: parts.reduce((sum, p) => sum + p.bytes, 0), parts };
}

/** `1.5 GiB`, `25.6 GiB`, `640 KiB`. */
export function formatByteCount(n: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}
