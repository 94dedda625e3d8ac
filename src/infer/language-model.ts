/**
 * The validation loss of a language model, defined once and used everywhere (progress, the best
 * checkpoint, `attn eval`): the validation tokens are cut into consecutive, non-overlapping windows
 * of `blockSize` (the last one may be shorter), and each token of a window is predicted from the
 * earlier tokens of its window — so the first token of a window is not predicted, and no
 * prediction looks across a window boundary. The loss is the mean next-token cross-entropy over
 * all predicted tokens; perplexity is its exponential.
 *
 * ```ts
 * const { loss, perplexity, tokens } = languageModelLoss(gpt, valTokens, { blockSize: 64 });
 * ```
 */
import type { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../ops/creation.js';
import { tidy } from '../engine/scope.js';
import { noGrad } from '../autograd/apply.js';
import { languageModelBatchLoss, type LossOptions } from './losses.js';

/** What a language model offers: token ids (B, T) → next-token logits (B, T, V), maybe its own loss. */
export interface LanguageModelLike {
  forward(ids: Tensor): Tensor;
  /** Optional: the next-token loss without the logits (`GPT.loss`); used in place of forward when present. */
  loss?(ids: Tensor, targets: Tensor, options: LossOptions): Tensor;
  eval(): unknown;
}

export interface LanguageModelLoss {
  /** Mean cross-entropy per predicted token (nats). */
  loss: number;
  perplexity: number;
  /** Tokens predicted: the validation tokens minus one per window. */
  tokens: number;
}

/** A token sequence that cannot be measured; `field` names what is short (the caller words it). */
export class LanguageModelDataError extends Error {
  override name = 'LanguageModelDataError';
  constructor(readonly field: string, readonly problem: string) {
    super(`${field}: ${problem}`);
  }
}

/**
 * [start, end) of each validation window: consecutive, non-overlapping, `blockSize` long but the
 * last. Windows of one token (nothing to predict) are left out.
 *
 * ```ts
 * validationWindows(7, 3); // [[0, 3], [3, 6]] — the 7th token alone predicts nothing
 * ```
 */
export function validationWindows(length: number, blockSize: number): [number, number][] {
  if (!(Number.isInteger(blockSize) && blockSize >= 2)) throw new RangeError(`validationWindows: blockSize must be an integer ≥ 2, got ${blockSize}`);
  const windows: [number, number][] = [];
  for (let start = 0; start < length; start += blockSize) {
    const end = Math.min(length, start + blockSize);
    if (end - start >= 2) windows.push([start, end]);
  }
  return windows;
}

/**
 * The validation loss of `model` on `tokens` (see the module comment), in batches of `batchSize`
 * windows, under `noGrad`. Leaves the model in eval mode.
 */
export function languageModelLoss(model: LanguageModelLike, tokens: ArrayLike<number>, options: { blockSize: number; batchSize?: number }): LanguageModelLoss {
  const windows = validationWindows(tokens.length, options.blockSize);
  if (windows.length === 0) throw new LanguageModelDataError('validation tokens', `${tokens.length} token(s) give nothing to predict; at least 2 are needed`);
  const batchSize = options.batchSize ?? 32;
  model.eval();
  let sum = 0;
  let count = 0;
  // Full windows share batches; a shorter last window runs on its own (batches are rectangular).
  const groups: [number, number][][] = [];
  for (const w of windows) {
    const last = groups.at(-1);
    if (last && last.length < batchSize && last[0]![1] - last[0]![0] === w[1] - w[0]) last.push(w);
    else groups.push([w]);
  }
  for (const group of groups) {
    const time = group[0]![1] - group[0]![0] - 1;
    const input = new Int32Array(group.length * time);
    const targets = new Int32Array(group.length * time);
    group.forEach(([start], row) => {
      for (let t = 0; t < time; t++) {
        input[row * time + t] = tokens[start + t]!;
        targets[row * time + t] = tokens[start + t + 1]!;
      }
    });
    sum += tidy(() => noGrad(() => {
      const ids = fromArray(input, [group.length, time], { dtype: 'int32' }); // (B, T)
      return languageModelBatchLoss(model, ids, fromArray(targets, [group.length, time], { dtype: 'int32' }), { reduction: 'sum' }).item();
    }));
    count += group.length * time;
  }
  const loss = sum / count;
  return { loss, perplexity: Math.exp(loss), tokens: count };
}
