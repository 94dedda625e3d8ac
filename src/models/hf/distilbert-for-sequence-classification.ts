/**
 * `DistilBertForSequenceClassification` as Hugging Face's modeling_distilbert.py: the DistilBERT
 * body (`distilbert.*`, no pooler) → the [CLS] hidden state → `pre_classifier` (dim → dim) →
 * ReLU → dropout (`seq_classif_dropout`) → `classifier` (dim → classes).
 *
 *   ids → distilbert (attention mask: ids ≠ padTokenId) → hidden[:, 0] (B, dim) → relu(pre_classifier) → dropout → classifier → (B, classes)
 *
 * ```ts
 * const { model: distil } = loadPretrained('models/distilbert-base-uncased');
 * const clf = DistilBertForSequenceClassification.fromBody(distil as DistilBertModel, { numClasses: 2 });
 * clf.forward(ids); // (B, T) int32 → (B, 2)
 * ```
 */
import { Linear } from '../../nn/linear.js';
import { Dropout } from '../../nn/dropout.js';
import { normal_, zeros_ } from '../../nn/init.js';
import type { Tensor } from '../../tensor/tensor.js';
import { ModelConfigError } from '../config-fields.js';
import { DistilBertModel, type DistilBertConfig } from './distilbert.js';
import { checkIds, configRecord, FirstTokenClassifier, parseHeadFields, type SequenceClassificationFields } from './sequence-classification.js';

export interface DistilBertForSequenceClassificationConfig extends SequenceClassificationFields {
  type: 'distilbert-for-sequence-classification';
  /** The body's config (as loadPretrained builds from config.json). */
  body: DistilBertConfig;
  /** HF's `seq_classif_dropout` (default 0.2). */
  seqClassifDropout: number;
}

const DISTIL_INTS = ['vocabSize', 'maxPositionEmbeddings', 'nLayers', 'nHeads', 'dim', 'hiddenDim'] as const;

/** Validates the config (config.json of a run folder); errors name `source` and the field. */
export function parseDistilBertForSequenceClassificationConfig(value: unknown, source = 'DistilBertForSequenceClassification config'): DistilBertForSequenceClassificationConfig {
  const record = configRecord(value, source, 'distilbert-for-sequence-classification');
  const body = record.body as Record<string, unknown> | undefined;
  if (typeof body !== 'object' || body === null || body.type !== 'distilbert') throw new ModelConfigError(source, 'body', `must be a DistilBERT config ({ type: 'distilbert', … }), got ${JSON.stringify(body)?.slice(0, 60)}`);
  for (const f of DISTIL_INTS) if (!(Number.isSafeInteger(body[f]) && (body[f] as number) > 0)) throw new ModelConfigError(source, `body.${f}`, `must be a positive integer, got ${JSON.stringify(body[f])}`);
  if ((body.dim as number) % (body.nHeads as number) !== 0) throw new ModelConfigError(source, 'body.dim', `${body.dim} must be divisible by nHeads ${body.nHeads}`);
  for (const f of ['dropout', 'attentionDropout'] as const) if (!(typeof body[f] === 'number' && body[f] >= 0 && body[f] < 1)) throw new ModelConfigError(source, `body.${f}`, `must be a number in [0, 1), got ${JSON.stringify(body[f])}`);
  if (!['gelu', 'relu'].includes(body.activation as string)) throw new ModelConfigError(source, 'body.activation', `must be gelu or relu, got ${JSON.stringify(body.activation)}`);
  const p = record.seqClassifDropout;
  if (!(typeof p === 'number' && p >= 0 && p < 1)) throw new ModelConfigError(source, 'seqClassifDropout', `must be a number in [0, 1), got ${JSON.stringify(p)}`);
  const head = parseHeadFields(record, source, body.maxPositionEmbeddings as number);
  return { type: 'distilbert-for-sequence-classification', body: { ...(body as unknown as DistilBertConfig), padTokenId: head.padTokenId }, seqClassifDropout: p, ...head };
}

export class DistilBertForSequenceClassification extends FirstTokenClassifier {
  readonly config: DistilBertForSequenceClassificationConfig;
  readonly distilbert: DistilBertModel;
  readonly pre_classifier: Linear;
  readonly classifier: Linear;
  readonly dropout: Dropout;

  /** A fresh model, or the head on `body` (a loaded DistilBertModel, used as is). */
  constructor(config: DistilBertForSequenceClassificationConfig, body?: DistilBertModel) {
    super();
    this.config = parseDistilBertForSequenceClassificationConfig(config);
    const dim = this.config.body.dim;
    this.distilbert = this.registerModule('distilbert', body ?? new DistilBertModel(this.config.body));
    this.pre_classifier = this.registerModule('pre_classifier', new Linear(dim, dim)); // (dim, dim)
    this.classifier = this.registerModule('classifier', new Linear(dim, this.config.numClasses)); // (classes, dim)
    this.dropout = this.registerModule('dropout', new Dropout(this.config.seqClassifDropout));
    for (const l of [this.pre_classifier, this.classifier]) {
      normal_(l.weight, 0, 0.02); // HF's _init_weights: N(0, initializer_range), bias 0
      zeros_(l.bias!);
    }
  }

  /**
   * The head on a loaded DistilBertModel (taken over: do not use it afterwards).
   *
   * ```ts
   * DistilBertForSequenceClassification.fromBody(distil, { numClasses: 3, seqClassifDropout: 0.2 });
   * ```
   */
  static fromBody(body: DistilBertModel, options: { numClasses: number; seqClassifDropout?: number; maxLength?: number }): DistilBertForSequenceClassification {
    const c = body.config;
    return new DistilBertForSequenceClassification({
      type: 'distilbert-for-sequence-classification', body: c, numClasses: options.numClasses, vocabSize: c.vocabSize,
      maxLength: options.maxLength ?? c.maxPositionEmbeddings, padTokenId: c.padTokenId, seqClassifDropout: options.seqClassifDropout ?? 0.2,
    }, body);
  }

  hiddenStates(ids: Tensor): Tensor {
    checkIds('DistilBertForSequenceClassification.hiddenStates', ids, this.config.maxLength);
    return this.distilbert.forward(ids, { attentionMask: ids.ne(this.config.padTokenId) }).lastHiddenState; // (B, T, dim)
  }

  protected run(ids: Tensor, outputAttentions: boolean): { logits: Tensor; attentions: Tensor[] } {
    const [B] = checkIds('DistilBertForSequenceClassification.forward', ids, this.config.maxLength);
    const attentionMask = ids.ne(this.config.padTokenId); // (B, T)
    const { lastHiddenState: hidden, attentions } = this.distilbert.forward(ids, { attentionMask, outputAttentions }); // (B, T, dim), per layer (B, H, T, T)
    const cls = hidden.slice(1, 0, 1).reshape([B, -1]); // (B, dim): the [CLS] position
    const pooled = this.dropout.forward(this.pre_classifier.forward(cls).relu()); // (B, dim)
    return { logits: this.classifier.forward(pooled), attentions }; // (B, classes)
  }
}
