/**
 * `GPT2ForSequenceClassification` as Hugging Face's modeling_gpt2.py: the GPT-2 body
 * (`transformer.*`, attn's `GPT` layout) and `score`, a Linear without bias from the final
 * hidden state of each row's last non-padding token to the class logits.
 *
 *   ids → transformer (wte + wpe → blocks → ln_f) → hidden (B, T, C) → score → (B, T, classes) → last real token
 * Padding and the shared forward: see ./sequence-classification.ts.
 *
 * ```ts
 * const { model: gpt } = loadPretrained('models/gpt2');
 * const clf = GPT2ForSequenceClassification.fromBody(gpt as GPT, { numClasses: 2 });
 * clf.forward(ids); // (B, T) int32 → (B, 2)
 * ```
 */
import { Linear } from '../../nn/linear.js';
import { normal_ } from '../../nn/init.js';
import { arange } from '../../ops/creation.js';
import type { Tensor } from '../../tensor/tensor.js';
import { GPT, parseGPTConfig, type GPTConfig } from '../gpt.js';
import { checkIds, configRecord, LastTokenClassifier, parseHeadFields, type SequenceClassificationFields } from './sequence-classification.js';

export interface GPT2ForSequenceClassificationConfig extends SequenceClassificationFields {
  type: 'gpt2-for-sequence-classification';
  /** The body's config (a GPT config, as loadPretrained builds from a GPT-2 config.json). */
  body: GPTConfig;
}

/** Validates the config (config.json of a run folder); errors name `source` and the field. */
export function parseGPT2ForSequenceClassificationConfig(value: unknown, source = 'GPT2ForSequenceClassification config'): GPT2ForSequenceClassificationConfig {
  const record = configRecord(value, source, 'gpt2-for-sequence-classification');
  const body = parseGPTConfig(record.body, `${source} (body)`);
  return { type: 'gpt2-for-sequence-classification', body, ...parseHeadFields(record, source, body.blockSize) };
}

export class GPT2ForSequenceClassification extends LastTokenClassifier {
  override readonly config: GPT2ForSequenceClassificationConfig;
  readonly transformer: GPT['transformer'];
  override readonly score: Linear;

  /** A fresh model, or the head on `body` (a loaded GPT's `transformer`, used as is). */
  constructor(config: GPT2ForSequenceClassificationConfig, body?: GPT['transformer']) {
    super();
    this.config = parseGPT2ForSequenceClassificationConfig(config);
    this.transformer = this.registerModule('transformer', body ?? new GPT(this.config.body).transformer);
    this.score = this.registerModule('score', new Linear(this.config.body.nEmbd, this.config.numClasses, { bias: false })); // (classes, C)
    normal_(this.score.weight, 0, 0.02); // HF's _init_weights: N(0, initializer_range)
  }

  /**
   * The head on a loaded GPT (its body is taken over: do not use the GPT afterwards).
   *
   * ```ts
   * GPT2ForSequenceClassification.fromBody(gpt, { numClasses: 3, padTokenId: 50256 });
   * ```
   */
  static fromBody(gpt: GPT, options: { numClasses: number; padTokenId?: number; maxLength?: number }): GPT2ForSequenceClassification {
    const body = gpt.config;
    return new GPT2ForSequenceClassification({
      type: 'gpt2-for-sequence-classification', body, numClasses: options.numClasses, vocabSize: body.vocabSize,
      maxLength: options.maxLength ?? body.blockSize, padTokenId: options.padTokenId ?? 0,
    }, gpt.transformer);
  }

  /** `GPT2Model`'s final hidden states (B, T, C) (no cache, positions 0 … T − 1), and the attention of the layers asked for. */
  protected override body(ids: Tensor, attention: 'none' | 'last' | 'all'): { hidden: Tensor; attentions: Tensor[] } {
    const [, T] = checkIds('GPT2ForSequenceClassification.forward', ids, this.config.maxLength);
    const t = this.transformer;
    let x = t.wte.forward(ids); // (B, T, C)
    if (t.wpe) x = x.add(t.wpe.forward(arange(0, T))); // (B, T, C) + (T, C)
    x = t.drop.forward(x); // (B, T, C)
    const attentions: Tensor[] = [];
    for (const [layer, block] of [...t.h].entries()) {
      const out = block.forward(x, { cache: null, layer, past: 0, keyMask: null, returnAttention: attention === 'all' || (attention === 'last' && layer === t.h.length - 1) });
      x = out.x; // (B, T, C)
      if (out.weights) attentions.push(out.weights); // (B, H, T, T) of the layers asked for
    }
    return { hidden: t.ln_f.forward(x), attentions }; // (B, T, C)
  }
}
