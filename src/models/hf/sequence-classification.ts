/**
 * What the `*ForSequenceClassification` heads share: their configs (saved as a run folder's
 * config.json), the checks, the encoders' base class `FirstTokenClassifier` (BERT's and
 * DistilBERT's heads: logits from the [CLS] position) and the decoders' base class
 * `LastTokenClassifier` (GPT-2's and Llama's heads: `score` on the last non-padding token's final
 * hidden state).
 *
 * Padding: attn's batches pad with id 0 on the right (`labelledBatches`, `predict`), and each head
 * reads padding as the `padTokenId` of its config, 0 unless set. Hugging Face pads with the
 * model's `pad_token_id`: BERT's is 0 ([PAD]), so the two agree; GPT-2 has none (users set it to
 * eos) and Llama's id 0 is `<unk>`. With right padding a causal decoder's last real token never
 * sees the padding, so only the pooled position depends on the pad id. Trap, as in HF: a real
 * token equal to the pad id at the very end of a text is read as padding.
 */
import { fromArray } from '../../ops/creation.js';
import { Module } from '../../nn/module.js';
import type { Linear } from '../../nn/linear.js';
import type { Tensor } from '../../tensor/tensor.js';
import { formatShape, ShapeError } from '../../tensor/shape.js';
import { ModelConfigError } from '../config-fields.js';

/** The fields every head's config has beside its body's config (as attn's classifier configs). */
export interface SequenceClassificationFields {
  numClasses: number;
  vocabSize: number;
  /** Longest sequence read (the body's position limit). */
  maxLength: number;
  /** The id read as padding (0: attn's batches). */
  padTokenId: number;
}

/** Checks the common fields of a head config; errors name `source` and the field. */
export function parseHeadFields(record: Record<string, unknown>, source: string, maxPositions: number): SequenceClassificationFields {
  for (const field of ['numClasses', 'vocabSize', 'maxLength'] as const) {
    const v = record[field];
    if (!(Number.isSafeInteger(v) && (v as number) > 0)) throw new ModelConfigError(source, field, `must be a positive integer, got ${JSON.stringify(v)}`);
  }
  const pad = record.padTokenId ?? 0;
  if (!(Number.isSafeInteger(pad) && (pad as number) >= 0)) throw new ModelConfigError(source, 'padTokenId', `must be a non-negative integer, got ${JSON.stringify(pad)}`);
  if ((record.maxLength as number) > maxPositions) throw new ModelConfigError(source, 'maxLength', `${record.maxLength} is more than the body's ${maxPositions} positions`);
  return { numClasses: record.numClasses as number, vocabSize: record.vocabSize as number, maxLength: record.maxLength as number, padTokenId: pad as number };
}

/** An object record or a ModelConfigError naming `source`. */
export function configRecord(value: unknown, source: string, type: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ModelConfigError(source, null, `expected an object, got ${JSON.stringify(value)}`);
  const record = value as Record<string, unknown>;
  if (record.type !== type) throw new ModelConfigError(source, 'type', `must be '${type}', got ${JSON.stringify(record.type)}`);
  return record;
}

/** Throws unless `ids` is int32 (B, T) with T ≤ maxLength. */
export function checkIds(where: string, ids: Tensor, maxLength: number): [number, number] {
  ids.assertAlive(where);
  if (ids.rank !== 2 || ids.dtype !== 'int32') throw new ShapeError(`${where}: ids must be int32 (B, T), got ${ids.dtype} ${formatShape(ids.shape)}`);
  const [B, T] = ids.shape as [number, number];
  if (T > maxLength) throw new RangeError(`${where}: ${T} tokens, the model reads at most ${maxLength}`);
  return [B, T];
}

/**
 * Flat row indices b·T + t of each row's last token that is not `padId`, as HF's
 * GPT2/LlamaForSequenceClassification (`(arange(T) * (ids != pad)).argmax(-1)`; 0 for an all-padding row).
 *
 * ```ts
 * lastTokenRows(fromArray(Int32Array.from([5, 6, 0, 7, 0, 0]), [2, 3], { dtype: 'int32' }), 0); // [1, 3]
 * ```
 */
export function lastTokenRows(ids: Tensor, padId: number): Tensor {
  const [B, T] = ids.shape as [number, number];
  const v = ids.data();
  const rows = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    let last = 0;
    for (let t = 0; t < T; t++) if (v[b * T + t] !== padId) last = t;
    rows[b] = b * T + last;
  }
  return fromArray(rows, [B], { dtype: 'int32' }); // (B)
}

/** Which layers' attention probabilities a head's body returns. */
export type BodyAttention = 'none' | 'last' | 'all';

/**
 * The decoder heads (GPT2/LlamaForSequenceClassification): a body giving final hidden states
 * and `score`, a Linear without bias applied to each row's last non-padding token. A subclass
 * registers its body and `score`, and says how the body computes `hiddenStates`.
 *
 * HF applies `score` to every position and then picks one; picking first gives the same numbers
 * for a fraction of the work.
 *
 * ```ts
 * class MyHead extends LastTokenClassifier { hiddenStates(ids) { return body(ids); } } // (B, T, C)
 * ```
 */
export abstract class LastTokenClassifier extends Module {
  abstract readonly config: SequenceClassificationFields;
  abstract readonly score: Linear;

  /**
   * The body's final hidden states (B, T, C) (no cache, positions 0 … T − 1), and the attention
   * probabilities (B, H, T, T) of its last layer or of every layer, as `attention` asks; checks ids.
   */
  protected abstract body(ids: Tensor, attention: BodyAttention): { hidden: Tensor; attentions: Tensor[] };

  /** The final hidden states (B, T, C) of the body. */
  hiddenStates(ids: Tensor): Tensor {
    return this.body(ids, 'none').hidden;
  }

  /**
   * Every layer's causal attention probabilities per head (B, H, T, T), from the explicit
   * weights path (no gradient). What `attn attention` shows.
   *
   * ```ts
   * const maps = clf.attentionMaps(ids); // maps[layer]: (B, H, T, T)
   * ```
   */
  attentionMaps(ids: Tensor): Tensor[] {
    return this.body(ids, 'all').attentions;
  }

  /** Class logits (B, classes) of int32 ids (B, T), right-padded with `padTokenId`. */
  override forward(ids: Tensor): Tensor {
    return this.forwardWithAttention(ids, false).logits;
  }

  /**
   * The logits and, per token, how much the pooled (last real) token attended to it in the last
   * layer, averaged over heads (B, T): causal, so it sums to 1 over the tokens up to that one.
   * What `attn predict --attention` shows.
   */
  forwardWithAttention(ids: Tensor, withWeights = true): { logits: Tensor; tokenWeights: Tensor | null } {
    const [B, T] = ids.shape as [number, number];
    const { hidden, attentions } = this.body(ids, withWeights ? 'last' : 'none'); // (B, T, C), [(B, H, T, T)]
    const lastAttention = attentions[0] ?? null; // (B, H, T, T)
    const rows = lastTokenRows(ids, this.config.padTokenId); // (B)
    const last = hidden.reshape([B * T, -1]).indexSelect(0, rows); // (B, C)
    const tokenWeights = lastAttention ? lastAttention.mean(1).reshape([B * T, T]).indexSelect(0, rows) : null; // (B, T)
    return { logits: this.score.forward(last), tokenWeights }; // (B, classes)
  }
}

/**
 * The encoders' heads (BERT's pooler, DistilBERT's pre_classifier), which read the [CLS] position
 * (0): a subclass gives `run`, the logits with every layer's attention probabilities when asked;
 * this class gives forward, the token weights `attn predict --attention` shows, and the maps.
 *
 * ```ts
 * class MyHead extends FirstTokenClassifier { protected run(ids, withAttention) { … } }
 * ```
 */
export abstract class FirstTokenClassifier extends Module {
  abstract readonly config: SequenceClassificationFields;

  /** Logits (B, classes) of int32 ids (B, T), and, if `outputAttentions`, every layer's (B, H, T, T) (else none); checks ids. */
  protected abstract run(ids: Tensor, outputAttentions: boolean): { logits: Tensor; attentions: Tensor[] };

  /** The body's final hidden states (B, T, C), padding masked out of attention (what `/v1/embeddings` averages); checks ids. */
  abstract hiddenStates(ids: Tensor): Tensor;

  /** Class logits (B, classes) of int32 ids (B, T); ids equal to padTokenId are masked out of attention. */
  override forward(ids: Tensor): Tensor {
    return this.run(ids, false).logits;
  }

  /**
   * The logits and, per token, how much [CLS] (position 0, which the head reads) attended to it in
   * the last layer, averaged over heads (B, T), 0 at padding. What `attn predict --attention` shows.
   */
  forwardWithAttention(ids: Tensor): { logits: Tensor; tokenWeights: Tensor | null } {
    const { logits, attentions } = this.run(ids, true);
    const last = attentions[attentions.length - 1]!; // (B, H, T, T)
    return { logits, tokenWeights: last.mean(1).slice(1, 0, 1).squeeze(1) }; // (B, T): row 0 of the head mean
  }

  /**
   * Every layer's attention probabilities per head (B, H, T, T), padding keys at 0, from the
   * explicit weights path (HF's `output_attentions`; no gradient). What `attn attention` shows.
   *
   * ```ts
   * const maps = clf.attentionMaps(ids); // maps[layer]: (B, H, T, T)
   * ```
   */
  attentionMaps(ids: Tensor): Tensor[] {
    return this.run(ids, true).attentions;
  }
}
