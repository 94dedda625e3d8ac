/**
 * `LlamaForSequenceClassification` as Hugging Face's modeling_llama.py (Qwen2's is the same): the
 * Llama body (`model.*`) and `score`, a Linear without bias from the final (normed) hidden state
 * of each row's last non-padding token to the class logits. The causal LM's `lm_head` is not part
 * of it (HF's class has none either).
 *
 *   ids → model (embed_tokens → decoder layers with RoPE → norm) → hidden (B, T, C) → last real token → score → (B, classes)
 *
 * ```ts
 * const { model: lm } = loadPretrained('models/SmolLM-135M');
 * const clf = LlamaForSequenceClassification.fromBody(lm as LlamaForCausalLM, { numClasses: 2 });
 * clf.forward(ids); // (B, T) int32 → (B, 2)
 * ```
 */
import { Linear } from '../../nn/linear.js';
import { normal_ } from '../../nn/init.js';
import type { Tensor } from '../../tensor/tensor.js';
import { LlamaForCausalLM, parseLlamaConfig, type LlamaConfig } from './llama.js';
import { checkIds, configRecord, LastTokenClassifier, parseHeadFields, type SequenceClassificationFields } from './sequence-classification.js';

export interface LlamaForSequenceClassificationConfig extends SequenceClassificationFields {
  type: 'llama-for-sequence-classification';
  /** The body's config (as loadPretrained builds from a Llama or Qwen2 config.json). */
  body: LlamaConfig;
}

/** Validates the config (config.json of a run folder); errors name `source` and the field. */
export function parseLlamaForSequenceClassificationConfig(value: unknown, source = 'LlamaForSequenceClassification config'): LlamaForSequenceClassificationConfig {
  const record = configRecord(value, source, 'llama-for-sequence-classification');
  const body = parseLlamaConfig(record.body, `${source} (body)`);
  return { type: 'llama-for-sequence-classification', body, ...parseHeadFields(record, source, body.blockSize) };
}

export class LlamaForSequenceClassification extends LastTokenClassifier {
  override readonly config: LlamaForSequenceClassificationConfig;
  readonly model: LlamaForCausalLM['model'];
  override readonly score: Linear;

  /** A fresh model, or the head on `body` (a loaded LlamaForCausalLM's `model`, used as is). */
  constructor(config: LlamaForSequenceClassificationConfig, body?: LlamaForCausalLM['model']) {
    super();
    this.config = parseLlamaForSequenceClassificationConfig(config);
    // A tied causal LM has no lm_head parameter: its body is exactly HF's LlamaModel.
    this.model = this.registerModule('model', body ?? new LlamaForCausalLM({ ...this.config.body, tieWordEmbeddings: true }).model);
    this.score = this.registerModule('score', new Linear(this.config.body.hiddenSize, this.config.numClasses, { bias: false })); // (classes, C)
    normal_(this.score.weight, 0, this.config.body.initializerRange); // HF's _init_weights
  }

  /**
   * The head on a loaded causal LM (its body is taken over and its lm_head freed: do not use the LM afterwards).
   *
   * ```ts
   * LlamaForSequenceClassification.fromBody(lm, { numClasses: 3 });
   * ```
   */
  static fromBody(lm: LlamaForCausalLM, options: { numClasses: number; padTokenId?: number; maxLength?: number }): LlamaForSequenceClassification {
    const body = lm.config;
    lm.lm_head?.dispose();
    return new LlamaForSequenceClassification({
      type: 'llama-for-sequence-classification', body, numClasses: options.numClasses, vocabSize: body.vocabSize,
      maxLength: options.maxLength ?? body.blockSize, padTokenId: options.padTokenId ?? 0,
    }, lm.model);
  }

  /** `LlamaModel`'s final normed hidden states (B, T, C) (no cache, positions 0 … T − 1), and the attention of the layers asked for. */
  protected override body(ids: Tensor, attention: 'none' | 'last' | 'all'): { hidden: Tensor; attentions: Tensor[] } {
    const [, T] = checkIds('LlamaForSequenceClassification.forward', ids, this.config.maxLength);
    const m = this.model;
    const { cos, sin } = m.rotary_emb.forward(Int32Array.from({ length: T }, (_, i) => i), 1, T); // (1, 1, T, D)
    let x = m.embed_tokens.forward(ids); // (B, T, C)
    const attentions: Tensor[] = [];
    for (const [layer, block] of [...m.layers].entries()) {
      const out = block.forward(x, { cache: null, layer, keyMask: null, cos, sin, returnAttention: attention === 'all' || (attention === 'last' && layer === m.layers.length - 1) });
      x = out.x; // (B, T, C)
      if (out.weights) attentions.push(out.weights); // (B, H, T, T) of the layers asked for
    }
    return { hidden: m.norm.forward(x), attentions }; // (B, T, C)
  }
}
